/** `pastiche tfrecord from-images`: folders of images to a TFRecord dataset (the CS20 lecture's Example, or TF's object-detection layout). */
import { resolve } from 'node:path';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { plural } from '../../format.js';
import { guardOutputs } from '../../guard.js';
import { choiceOption, integerOption, stringOption } from '../../options.js';
import { shardNames } from '../../tfrecord/output.js';
import { Progress } from '../../progress.js';
import { resolveShard, shardOptions } from '../../shard.js';

/** Converts image folders into TFRecord files; see the help text. */
export const fromImagesCommand = defineCommand({
  name: 'from-images',
  summary: 'write folders of images as a TFRecord dataset',
  usage:
    'DIR... -o OUT [--labels dir|FILE.csv] [--schema cs20|encoded] [--shards N | --shard i/n|auto] [--compression gzip|zlib|none] [--on-error skip|fail]',
  description: `
Reads every image under the folders (recursively; hidden files ignored), one
Example per image, streamed (one image in memory at a time).

Schemas:
  cs20     (default) the Stanford CS20 lecture's Example: label (int64), shape
           (bytes: int32 little-endian [height, width, channels]) and image
           (bytes: raw uint8 RGB pixels, height x width x channels). Pixels are
           exact; EXIF orientation is applied and alpha flattened onto white.
  encoded  TensorFlow's object-detection layout, keeping the original JPEG/PNG
           bytes: image/encoded, image/format, image/height, image/width,
           image/filename, image/class/label, image/class/text. (WebP, TIFF and
           other formats TensorFlow cannot decode are stored as PNG.)

Labels: --labels dir (default) numbers the sub-folder names in sorted order
(files directly in DIR get -1) and writes the label map beside the output as
OUT.labels.txt ("0:name" lines); --labels FILE.csv reads "filename,label" rows
(names relative to DIR or bare file names; integer labels are kept, names are
sorted and numbered).

Files that are not readable images are reported by name and skipped
(--on-error skip, default) or stop the run with no output left (fail).

--shard i/n (for n workers on a cluster) lists every image but converts only
the files at positions i, i+n, i+2n, ... of the sorted listing, writing shard i
of the set (out-0000i-of-0000n.tfrecord); every worker writes the same label
map. --shard auto takes i and n from a batch scheduler (Kubernetes, Slurm,
Google Cloud Batch, AWS Batch; see stylize-dataset --help and docs/cluster.md).`,
  options: (c) =>
    c
      .addOption(stringOption('-o, --output <OUT>', 'Output file (or the name shards are derived from); required'))
      .addOption(
        stringOption('--labels <SOURCE>', "'dir' (sub-folder names) or a CSV of filename,label").default('dir', 'dir'),
      )
      .addOption(
        choiceOption('--schema <NAME>', 'cs20 or encoded', ['cs20', 'encoded'] as const).default(
          'cs20' as const,
          'cs20',
        ),
      )
      .addOption(
        integerOption('--shards <N>', 'Write N shards (record i to shard i mod N)', { min: 1, max: 99999 }).default(
          1,
          '1',
        ),
      )
      .addOption(
        choiceOption('-c, --compression <KIND>', 'gzip, zlib or none', ['gzip', 'zlib', 'none'] as const).default(
          undefined,
          'from the extension of OUT',
        ),
      )
      .addOption(
        choiceOption('--on-error <MODE>', 'skip or fail on a file that is not a readable image', [
          'skip',
          'fail',
        ] as const).default('skip' as const, 'skip'),
      )
      .addOption(shardOptions()[0])
      .addOption(shardOptions()[1]),
  positionals: { name: 'DIR', min: 1 },
  examples: [
    'pastiche tfrecord from-images photos/ -o photos.tfrecord',
    'pastiche tfrecord from-images train/ -o out/train.tfrecord.gz --shards 4 --schema encoded',
    'pastiche tfrecord from-images pics/ -o pics.tfrecord --labels pics/labels.csv --on-error fail',
    'pastiche tfrecord from-images /data/train/ -o /out/train.tfrecord --shard auto',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const outputArg = opts.output;
    if (outputArg === undefined) throw usageError(`Missing -o OUT for ${commandPath}`, hint);
    const labelsArg = opts.labels;
    const { schema, shards, compression, onError } = opts;
    if (opts.shard !== undefined && shards !== 1) {
      throw usageError('Options --shard and --shards cannot be used together', hint);
    }
    const shard = resolveShard(opts.shard, opts.shardCount, ctx.env);
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: labelsArg === 'dir' ? [] : [labelsArg],
      inputFolders: positionals,
      outputs: [
        ...(shard !== undefined
          ? [shardNames(outputArg, shard.count)[shard.index]!]
          : shards === 1
            ? [outputArg]
            : shardNames(outputArg, shards)),
        ...(labelsArg === 'dir' ? [`${outputArg}.labels.txt`] : []),
      ],
    });

    const { imagesToTFRecord } = await import('@pastiche/style');
    const output = resolve(ctx.cwd, outputArg);
    const bar = new Progress(ctx.stderr, { label: 'from-images', unit: 'images', now: ctx.now });
    const warnings: string[] = [];
    let result;
    try {
      result = await imagesToTFRecord({
        inputs: positionals.map((d) => resolve(ctx.cwd, d)),
        output,
        labels: labelsArg === 'dir' ? 'dir' : resolve(ctx.cwd, labelsArg),
        schema,
        shards,
        ...(shard === undefined ? {} : { shard: { index: shard.index, count: shard.count } }),
        ...(compression === undefined ? {} : { compression }),
        onError,
        signal: ctx.signal,
        onProgress: (done, total) => {
          bar.setTotal(total);
          bar.update(done);
        },
        onSkip: (file, reason) => {
          warnings.push(`pastiche: skipped ${file}: ${reason}\n`);
        },
      });
    } catch (e) {
      bar.clear();
      if (ctx.signal.aborted) throw new CliError('interrupted; nothing was written', { exitCode: 130, cause: e });
      throw e;
    }
    bar.done();
    for (const w of warnings) await ctx.stderr.write(w);
    const where =
      shard !== undefined
        ? `${result.files[0]!.path} (shard ${shard.index} of ${shard.count})`
        : result.files.length === 1
          ? outputArg
          : `${plural(result.files.length, 'shard')} (${result.files[0]!.path} ...)`;
    const skipped = result.skipped.length === 0 ? '' : `; skipped ${plural(result.skipped.length, 'file')}`;
    await ctx.stdout.write(`wrote ${plural(result.records, 'record')} (${schema}) to ${where}${skipped}\n`);
    if (result.labelMap !== undefined) {
      await ctx.stdout.write(
        `label map (${result.labelMap}):\n${result.classes.map((c, i) => `  ${i}: ${c}\n`).join('')}`,
      );
    }
    return 0;
  },
});
