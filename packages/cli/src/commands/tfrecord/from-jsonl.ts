/** `pastiche tfrecord from-jsonl`: the inverse of cat. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  encodeExample,
  encodeSequenceExample,
  exampleFromJSON,
  isTFRecordError,
  sequenceExampleFromJSON,
  base64ToBytes,
} from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { formatBytes, plural } from '../../format.js';
import { choiceOption, stringOption } from '../../options.js';
import { Progress } from '../../progress.js';
import { checkNotAnInput, compressionFromPath, openWriter, writeError } from '../../tfrecord/output.js';
import { fileError } from '../../tfrecord/records.js';

type JsonKind = 'example' | 'sequence' | 'raw';

function encodeLine(kind: JsonKind, value: unknown): Uint8Array {
  switch (kind) {
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
record: --kind example (default) expects {"features": ...}, sequence expects
{"context": ..., "feature_lists": ...}, raw expects {"bytes_b64": "..."}.
int64 values are decimal strings (numbers up to 2^53 are accepted too); floats
are stored as float32. The first bad line stops the run with its line number,
and no output file is left behind.`,
  options: {
    output: { type: 'string', short: 'o', valueName: 'OUT', description: 'Output TFRecord file' },
    kind: {
      type: 'string',
      short: 'k',
      valueName: 'KIND',
      description: 'Record kind: example, sequence or raw',
      defaultText: 'example',
    },
    compression: {
      type: 'string',
      short: 'c',
      valueName: 'KIND',
      description: 'Output compression: gzip, zlib or none',
      defaultText: 'from the extension of OUT',
    },
  },
  positionals: { name: 'IN.jsonl', min: 1, max: 1 },
  examples: [
    'pastiche tfrecord from-jsonl records.jsonl -o records.tfrecord',
    'pastiche tfrecord cat a.tfrecord | jq -c \'select(.features.label.int64[0] == "1")\' | pastiche tfrecord from-jsonl - -o ones.tfrecord.gz',
  ],
  async run(args, ctx) {
    const input = args.positionals[0]!;
    const output = stringOption(args, 'output');
    if (output === undefined)
      throw usageError(`Missing -o OUT for ${args.commandPath}`, `See '${args.commandPath} --help'.`);
    const kind = choiceOption(args, 'kind', ['example', 'sequence', 'raw'] as const, 'example');
    const compression = choiceOption(
      args,
      'compression',
      ['gzip', 'zlib', 'none'] as const,
      compressionFromPath(output),
    );
    const name = input === '-' ? '<stdin>' : input;
    const stream = input === '-' ? process.stdin : createReadStream(input);
    // Surface open errors (missing file) before creating the output.
    if (input !== '-') {
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (e: unknown) => reject(fileError(e, input)));
      });
    }
    if (input !== '-') await checkNotAnInput([input], [output]);
    const writer = await openWriter(output, compression);
    const progress = new Progress(ctx.stderr, { label: 'from-jsonl', unit: 'records', now: ctx.now });
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
      if (input !== '-') stream.destroy();
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
