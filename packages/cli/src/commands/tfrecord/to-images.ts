/** `pastiche tfrecord to-images`: the images of a TFRecord dataset (either schema) back to files. */
import { resolve } from 'node:path';
import { defineCommand } from '../../command.js';
import { CliError, usageError } from '../../errors.js';
import { plural } from '../../format.js';
import { guardOutputs } from '../../guard.js';
import { choiceOption, stringOption } from '../../options.js';
import { Progress } from '../../progress.js';

/** Writes the image of every record as a file; see the help text. */
export const toImagesCommand = defineCommand({
  name: 'to-images',
  summary: 'write the images of a TFRecord dataset as files',
  usage: 'FILE... -o DIR [--format png|jpeg]',
  description: `
The inverse of 'pastiche tfrecord from-images', for both schemas (detected per
record): cs20 records (raw pixels + shape) become PNG files, pixels exact;
encoded records are written byte for byte under their stored image/filename.
--format re-encodes every image as PNG or JPEG (quality 95) instead.
Files are named <input>-<record>.png unless the record names its file. FILE
may be a glob or a shard spec (name@N); compression is detected.`,
  options: (c) =>
    c
      .addOption(stringOption('-o, --output <DIR>', 'Output folder (created if needed); required'))
      .addOption(
        choiceOption('--format <FMT>', 'png or jpeg', ['png', 'jpeg'] as const).default(
          undefined,
          'png for cs20, the stored format for encoded',
        ),
      ),
  positionals: { name: 'FILE', min: 1 },
  examples: [
    'pastiche tfrecord to-images cs20-friday.tfrecord -o friday/',
    'pastiche tfrecord to-images "train-*.tfrecord.gz" -o train/ --format jpeg',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const outArg = opts.output;
    if (outArg === undefined) throw usageError(`Missing -o DIR for ${commandPath}`, hint);
    const format = opts.format;
    // The folder itself must not be an input (the image names come from the records).
    await guardOutputs({ cwd: ctx.cwd, inputs: positionals, outputs: [outArg] });
    const { tfrecordToImages } = await import('@pastiche/style');
    const bar = new Progress(ctx.stderr, { label: 'to-images', unit: 'images', now: ctx.now });
    let written;
    try {
      written = await tfrecordToImages(
        positionals.map((p) => resolve(ctx.cwd, p)),
        resolve(ctx.cwd, outArg),
        { ...(format === undefined ? {} : { format }), signal: ctx.signal, onImage: (n) => bar.update(n) },
      );
    } catch (e) {
      bar.clear();
      if (ctx.signal.aborted) throw new CliError('interrupted', { exitCode: 130, cause: e });
      throw e;
    }
    bar.done();
    await ctx.stdout.write(`wrote ${plural(written.length, 'image')} to ${outArg}\n`);
    return 0;
  },
});
