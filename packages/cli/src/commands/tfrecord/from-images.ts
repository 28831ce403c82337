/** `pastiche tfrecord from-images`: folders of images to a TFRecord dataset (the CS20 lecture's Example, or TF's object-detection layout). */
import { resolve } from 'node:path';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { plural } from '../../format.js';
import { choiceOption, integerOption, stringOption } from '../../options.js';
import { Progress } from '../../progress.js';

/** Converts image folders into TFRecord files; see the help text. */
export const fromImagesCommand = defineCommand({
  name: 'from-images',
  summary: 'write folders of images as a TFRecord dataset',
  usage:
    'DIR... -o OUT [--labels dir|FILE.csv] [--schema cs20|encoded] [--shards N] [--compression gzip|zlib|none] [--on-error skip|fail]',
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
(--on-error skip, default) or stop the run with no output left (fail).`,
  options: {
    output: {
      type: 'string',
      short: 'o',
      valueName: 'OUT',
      description: 'Output file (or the name shards are derived from); required',
    },
    labels: {
      type: 'string',
      valueName: 'SOURCE',
      description: "'dir' (sub-folder names) or a CSV of filename,label",
      defaultText: 'dir',
    },
    schema: { type: 'string', valueName: 'NAME', description: 'cs20 or encoded', defaultText: 'cs20' },
    shards: {
      type: 'string',
      valueName: 'N',
      description: 'Write N shards (record i to shard i mod N)',
      defaultText: '1',
    },
    compression: {
      type: 'string',
      short: 'c',
      valueName: 'KIND',
      description: 'gzip, zlib or none',
      defaultText: 'from the extension of OUT',
    },
    'on-error': {
      type: 'string',
      valueName: 'MODE',
      description: 'skip or fail on a file that is not a readable image',
      defaultText: 'skip',
    },
  },
  positionals: { name: 'DIR', min: 1 },
  examples: [
    'pastiche tfrecord from-images photos/ -o photos.tfrecord',
    'pastiche tfrecord from-images train/ -o out/train.tfrecord.gz --shards 4 --schema encoded',
    'pastiche tfrecord from-images pics/ -o pics.tfrecord --labels pics/labels.csv --on-error fail',
  ],
  async run(args, ctx) {
    const hint = `See '${args.commandPath} --help'.`;
    const outputArg = stringOption(args, 'output');
    if (outputArg === undefined) throw usageError(`Missing -o OUT for ${args.commandPath}`, hint);
    const labelsArg = stringOption(args, 'labels') ?? 'dir';
    const schema = choiceOption(args, 'schema', ['cs20', 'encoded'] as const, 'cs20');
    const shards = integerOption(args, 'shards', { min: 1, max: 99999 }, 1);
    const compression = choiceOption(args, 'compression', ['gzip', 'zlib', 'none'] as const);
    const onError = choiceOption(args, 'on-error', ['skip', 'fail'] as const, 'skip');

    const { imagesToTFRecord } = await import('@pastiche/style');
    const output = resolve(ctx.cwd, outputArg);
    const bar = new Progress(ctx.stderr, { label: 'from-images', unit: 'images', now: ctx.now });
    const warnings: string[] = [];
    let result;
    try {
      result = await imagesToTFRecord({
        inputs: args.positionals.map((d) => resolve(ctx.cwd, d)),
        output,
        labels: labelsArg === 'dir' ? 'dir' : resolve(ctx.cwd, labelsArg),
        schema,
        shards,
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
      result.files.length === 1 ? outputArg : `${plural(result.files.length, 'shard')} (${result.files[0]!.path} ...)`;
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
