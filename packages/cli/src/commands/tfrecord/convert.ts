/** `pastiche tfrecord convert`: recompress, merge and shard TFRecord files. */
import { compressionFromPath, splitShardName, writeShards } from '@pastiche/tfrecord/node';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { formatBytes, plural } from '../../format.js';
import { guardOutputs } from '../../guard.js';
import { byteSizeOption, choiceOption, integerOption, stringOption } from '../../options.js';
import { Progress } from '../../progress.js';
import { inShard, resolveShard, shardOptions } from '../../shard.js';
import { ensureDirectory, openWriter, shardNames, shardPattern, writeError } from '../../tfrecord/output.js';
import { fileFacts, isStdin, readFileRecords } from '../../tfrecord/records.js';

const COMPRESSIONS = ['gzip', 'zlib', 'none'] as const;

/** Marks errors of the inputs, so they are not reported as errors of the output. */
class InputError extends Error {
  constructor(readonly inner: unknown) {
    super('input error');
  }
}

/** Copies the records of the inputs, in order, into one output file or shards, (re)compressing them. */
export const convertCommand = defineCommand({
  name: 'convert',
  summary: 'recompress, merge or shard TFRecord files',
  usage: 'IN... -o OUT [--compression gzip|zlib|none] [--shards N | --max-shard-bytes B | --shard i/n|auto]',
  description: `
Copies every record of the inputs, in order and unchanged, into OUT (checksums
verified on the way). The output compression defaults to OUT's extension
(.gz: gzip, .zz: zlib, else none). With --shards N, record i goes to shard
i mod N; with --max-shard-bytes B, shards are contiguous and each holds at most
B bytes of framed records (measured before compression; a larger record gets a
shard of its own). Shards are named as TensorFlow does: -o out/train.tfrecord.gz
gives out/train-00000-of-00004.tfrecord.gz, ... Everything is written under
temporary names and renamed at the end; on any error no output is left behind.
IN may be - (or /dev/stdin) for standard input; its compression is detected.
An output that is one of the inputs (any shard name, through symlinks and hard
links) is refused.

--shard i/n (for n workers on a cluster) reads every input but writes only
records i, i+n, i+2n, ... to shard i of the set (out-0000i-of-0000n.tfrecord):
n workers together write the files --shards n writes. --shard auto takes i
and n from a batch scheduler (Kubernetes, Slurm, Google Cloud Batch, AWS
Batch; see stylize-dataset --help and docs/cluster.md).`,
  options: (c) =>
    c
      .addOption(stringOption('-o, --output <OUT>', 'Output file (or the name shards are derived from)'))
      .addOption(
        choiceOption('-c, --compression <KIND>', 'Output compression: gzip, zlib or none', COMPRESSIONS).default(
          undefined,
          'from the extension of OUT',
        ),
      )
      .addOption(integerOption('--shards <N>', 'Write N shards, record i to shard i mod N', { min: 1, max: 99999 }))
      .addOption(
        byteSizeOption('--max-shard-bytes <B>', 'Start a new shard before B framed bytes (e.g. 100MB, 1GiB)', {
          min: 1,
        }),
      )
      .addOption(shardOptions()[0])
      .addOption(shardOptions()[1]),
  positionals: { name: 'IN', min: 1 },
  examples: [
    'pastiche tfrecord convert train.tfrecord -o train.tfrecord.gz',
    'pastiche tfrecord convert part-*.tfrecord -o train.tfrecord --shards 8',
    'pastiche tfrecord convert big.tfrecord.gz -o shards/big.tfrecord --max-shard-bytes 256MB --compression none',
    'pastiche tfrecord convert /data/train-*.tfrecord -o /out/train.tfrecord.gz --shard auto',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const output = opts.output;
    if (output === undefined) throw usageError(`Missing -o OUT for ${commandPath}`, hint);
    const compression = opts.compression ?? compressionFromPath(output);
    const shards = opts.shards;
    const maxShardBytes = opts.maxShardBytes;
    if (shards !== undefined && maxShardBytes !== undefined) {
      throw usageError('Options --shards and --max-shard-bytes cannot be used together', hint);
    }
    if (opts.shard !== undefined && (shards !== undefined || maxShardBytes !== undefined)) {
      const other = shards !== undefined ? '--shards' : '--max-shard-bytes';
      throw usageError(`Options --shard and ${other} cannot be used together`, hint);
    }
    const shard = resolveShard(opts.shard, opts.shardCount, ctx.env);
    const sharded = shards !== undefined || maxShardBytes !== undefined;
    // One worker of a cluster writes one file of the shard set.
    const single = shard === undefined ? output : shardNames(output, shard.count)[shard.index]!;
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: positionals,
      outputs: shards !== undefined ? shardNames(output, shards) : [single],
      ...(maxShardBytes !== undefined ? { patterns: [shardPattern(output)] } : {}),
    });

    const facts = await Promise.all(positionals.map((p) => fileFacts(p)));
    const plain = facts.every((f) => f.compression === 'none') && !positionals.some(isStdin);
    // Framed bytes equal file bytes for plain inputs, so the bar can show a total.
    const progress = new Progress(ctx.stderr, {
      label: 'convert',
      unit: plain ? 'bytes' : 'records',
      ...(plain ? { total: facts.reduce((a, f) => a + f.size, 0) } : {}),
      now: ctx.now,
    });
    let records = 0;
    let bytes = 0;
    // Records and framed bytes read (all shards'), for the bar and the split.
    let position = 0;
    let readBytes = 0;
    const signal = ctx.signal;
    async function* source(): AsyncGenerator<Uint8Array, void, undefined> {
      for (const path of positionals) {
        try {
          for await (const record of readFileRecords(path, { signal, stdin: ctx.stdin })) {
            const mine = shard === undefined || inShard(position, shard);
            position++;
            readBytes += record.length + 16;
            progress.update(plain ? readBytes : position);
            if (!mine) continue;
            records++;
            bytes += record.length + 16;
            yield record;
          }
        } catch (e) {
          throw new InputError(e);
        }
      }
    }

    let written: string[];
    try {
      if (sharded) {
        await ensureDirectory(output);
        const { prefix, suffix } = splitShardName(output);
        const infos = await writeShards(prefix, source(), {
          compression,
          suffix,
          signal,
          ...(shards === undefined ? {} : { numShards: shards }),
          ...(maxShardBytes === undefined ? {} : { maxShardBytes }),
        });
        written = infos.map((s) => s.path);
      } else {
        const writer = await openWriter(single, compression);
        try {
          for await (const record of source()) await writer.write(record);
          await writer.close();
        } catch (e) {
          await writer.abort().catch(() => undefined);
          throw e;
        }
        written = [single];
      }
    } catch (e) {
      progress.clear();
      if (e instanceof InputError) throw e.inner;
      if (signal.aborted) throw new CliError('interrupted', { exitCode: 130, cause: e });
      throw writeError(e, output);
    }
    progress.done();
    const where = written.length === 1 ? written[0]! : `${plural(written.length, 'shard')} (${written[0]!} ...)`;
    const of =
      shard === undefined ? '' : ` (shard ${shard.index} of ${shard.count}, of ${plural(position, 'input record')})`;
    await ctx.stdout.write(`${plural(records, 'record')}, ${formatBytes(bytes)} framed -> ${where}${of}\n`);
    return 0;
  },
});
