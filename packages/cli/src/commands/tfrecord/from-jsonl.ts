/** `pastiche tfrecord from-jsonl`: the inverse of cat. */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  encodeExample,
  encodeSequenceExample,
  exampleFromJSON,
  isTFRecordError,
  sequenceExampleFromJSON,
  base64ToBytes,
  compressionFromPath,
} from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { formatBytes, plural } from '../../format.js';
import { guardOutputs } from '../../guard.js';
import { choiceOption, stringOption } from '../../options.js';
import { Progress } from '../../progress.js';
import { openWriter, writeError } from '../../tfrecord/output.js';
import { STDIN_NAME, fileError, isStdin } from '../../tfrecord/records.js';

const JSON_KINDS = ['example', 'sequence', 'raw', 'auto'] as const;
type JsonKind = (typeof JSON_KINDS)[number];

/** The kind of one JSON line by its keys, as `cat` prints them: features, context/feature_lists, bytes_b64. */
function kindOfLine(value: unknown): Exclude<JsonKind, 'auto'> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if ('context' in value || 'feature_lists' in value) return 'sequence';
    if ('bytes_b64' in value && !('features' in value)) return 'raw';
  }
  return 'example';
}

function encodeLine(kind: JsonKind, value: unknown): Uint8Array {
  switch (kind === 'auto' ? kindOfLine(value) : kind) {
    case 'example':
      return encodeExample(exampleFromJSON(value));
    case 'sequence':
      return encodeSequenceExample(sequenceExampleFromJSON(value));
    case 'raw': {
      const o = value as { bytes_b64?: unknown } | null;
      const keys = o !== null && typeof o === 'object' && !Array.isArray(o) ? Object.keys(o) : [];
      const bytes = keys.length === 1 && typeof o!.bytes_b64 === 'string' ? base64ToBytes(o!.bytes_b64) : undefined;
      if (bytes === undefined) throw new CliError('Expected {"bytes_b64": "<base64>"} for a raw record');
      return bytes;
    }
  }
}

/** Reads canonical JSON lines (as `cat` prints them) and writes a TFRecord file. */
export const fromJsonlCommand = defineCommand({
  name: 'from-jsonl',
  summary: 'write a TFRecord file from JSON lines (the inverse of cat)',
  usage: 'IN.jsonl -o OUT.tfrecord [--kind KIND] [--compression gzip|zlib|none]',
  description: `
Reads one JSON object per line in the form that 'pastiche tfrecord cat' prints
(empty lines are skipped; IN may be - for standard input) and writes each as a
record: --kind auto (default) takes each line by its keys, as cat prints
them; --kind example expects {"features": ...}, sequence expects
{"context": ..., "feature_lists": ...}, raw expects {"bytes_b64": "..."}.
int64 values are decimal strings (numbers up to 2^53 are accepted too); floats
are stored as float32. The first bad line stops the run with its line number,
and no output file is left behind.`,
  options: (c) =>
    c
      .addOption(stringOption('-o, --output <OUT>', 'Output TFRecord file'))
      .addOption(
        choiceOption(
          '-k, --kind <KIND>',
          'Record kind: example, sequence, raw, or auto (by the keys of each line)',
          JSON_KINDS,
        ).default('auto' as const, 'auto'),
      )
      .addOption(
        choiceOption('-c, --compression <KIND>', 'Output compression: gzip, zlib or none', [
          'gzip',
          'zlib',
          'none',
        ] as const).default(undefined, 'from the extension of OUT'),
      ),
  positionals: { name: 'IN.jsonl', min: 1, max: 1 },
  examples: [
    'pastiche tfrecord from-jsonl records.jsonl -o records.tfrecord',
    'pastiche tfrecord cat a.tfrecord | jq -c \'select(.features.label.int64[0] == "1")\' | pastiche tfrecord from-jsonl - -o ones.tfrecord.gz',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const input = positionals[0]!;
    const output = opts.output;
    if (output === undefined) throw usageError(`Missing -o OUT for ${commandPath}`, hint);
    const kind = opts.kind;
    const compression = opts.compression ?? compressionFromPath(output);
    const stdin = isStdin(input);
    const name = stdin ? STDIN_NAME : input;
    const stream = stdin ? Readable.from(ctx.stdin) : createReadStream(input);
    // Surface open errors (missing file) before creating the output.
    if (!stdin) {
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (e: unknown) => reject(fileError(e, input)));
      });
    }
    try {
      await guardOutputs({ cwd: ctx.cwd, inputs: [input], outputs: [output] });
    } catch (e) {
      stream.destroy();
      throw e;
    }
    const writer = await openWriter(output, compression);
    const progress = new Progress(ctx.stderr, { label: 'from-jsonl', unit: 'records', now: ctx.now });
    // node:readline costs a few ms to load; only this command needs it.
    const { createInterface } = await import('node:readline');
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        if (ctx.signal.aborted) throw new CliError('interrupted', { exitCode: 130 });
        if (line.trim() === '') continue;
        let record: Uint8Array;
        try {
          record = encodeLine(kind, JSON.parse(line));
        } catch (e) {
          const detail =
            e instanceof SyntaxError
              ? `invalid JSON: ${e.message}`
              : isTFRecordError(e) || e instanceof CliError
                ? e.message
                : String(e);
          throw new CliError(`${name}:${lineNo}: ${detail}`, { cause: e });
        }
        try {
          await writer.write(record);
        } catch (e) {
          throw writeError(e, output);
        }
        progress.update(writer.recordsWritten);
      }
      try {
        await writer.close();
      } catch (e) {
        throw writeError(e, output);
      }
    } catch (e) {
      progress.clear();
      lines.close();
      if (!stdin) stream.destroy();
      await writer.abort().catch(() => undefined);
      throw (e as { code?: unknown }).code === undefined ? e : fileError(e, input);
    }
    progress.done();
    await ctx.stdout.write(
      `${plural(writer.recordsWritten, 'record')}, ${formatBytes(writer.bytesWritten)} framed -> ${output}\n`,
    );
    return 0;
  },
});
