/** `pastiche stylize`: neural style transfer of one content image in the style of another. */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration } from '../format.js';
import { guardOutputs, literal } from '../guard.js';
import { flagOption, integerOption, stringOption } from '../options.js';
import { addStyleOptions, defined } from './stylize-dataset.js';
import { DownloadProgress, Progress } from '../progress.js';

/** Runs `stylize()` with the options of the command line; see its help text. */
export const stylizeCommand = defineCommand({
  name: 'stylize',
  summary: 'paint a content image in the style of another (neural style transfer)',
  usage: 'CONTENT STYLE -o OUT [options]',
  description: `
Optimises the pixels of a new image so that its VGG-19 features match the
content of CONTENT and the Gram-matrix style of STYLE (Gatys et al.). Images in
any common format (JPEG, PNG, WebP, GIF, TIFF, AVIF); EXIF orientation is
applied and alpha dropped. The output format follows the extension of OUT
(.png, .jpg, .jpeg, .webp); it is written to a temporary name and renamed.
The image written is the one with the lowest loss seen (with L-BFGS, the last).

Presets: "default" = L-BFGS from the content image with normalised losses and
light TV smoothing, longer side 384 px; "cs20" = the Stanford CS20 seed exactly
(Adam lr 2, 300 steps, both images scaled and centre-cropped to 333x250,
0.6 noise + 0.4 content start). --size N sets the longer side instead.

Weights: --weights PATH (a model.json, a folder holding one, or a Keras .h5),
else PASTICHE_WEIGHTS, else the cache, else a download (see 'pastiche weights').

With --json, stdout gets one JSON line per iteration:
{"iteration","content","style","tv","total","seconds"}; iteration 0 is the
loss of the initial image before any step.`,
  options: (c) =>
    addStyleOptions(c)
      .addOption(stringOption('-o, --output <OUT>', 'Output image (.png, .jpg, .jpeg, .webp); required'))
      .addOption(
        integerOption('--save-every <N>', 'Also write OUT-<iteration>.<ext> every N iterations', {
          min: 1,
          max: 10000,
        }),
      )
      .addOption(flagOption('--json', 'Print one JSON line of losses per iteration to stdout')),
  positionals: { name: 'CONTENT STYLE', min: 2, max: 2 },
  examples: [
    'pastiche stylize photo.jpg starry_night.jpg -o out.png',
    'pastiche stylize photo.jpg scream.jpg -o out.jpg --preset cs20',
    'pastiche stylize photo.jpg scream.jpg -o out.webp --size 256 --iterations 50 --json > losses.jsonl',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const [contentArg, styleArg] = positionals as [string, string];
    const outputArg = opts.output;
    if (outputArg === undefined) throw usageError(`Missing --output OUT for ${commandPath}`, hint);
    const { preset, size, iterations, optimizer, lr, contentWeight, styleWeight, tvWeight, init, seed, threads } = opts;
    const saveEvery = opts.saveEvery;
    const weightsArg = opts.weights;
    const json = opts.json === true;
    const ext = extname(outputArg);
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: [contentArg, styleArg, ...(weightsArg === undefined ? [] : [weightsArg])],
      outputs: [outputArg],
      ...(saveEvery === undefined
        ? {}
        : {
            patterns: [
              {
                dir: dirname(outputArg),
                name: new RegExp(`^${literal(basename(outputArg, ext))}-\\d+${literal(ext)}$`),
                shown: join(dirname(outputArg), `${basename(outputArg, ext)}-<iteration>${ext}`),
              },
            ],
          }),
    });

    const style = await import('@pastiche/style');
    const output = resolve(ctx.cwd, outputArg);
    style.formatFromPath(output); // throws a clear INVALID_OPTION for an unknown extension
    await checkFolder(output);
    const savePattern =
      saveEvery === undefined
        ? undefined
        : join(dirname(output), `${basename(output, extname(output))}-{iteration}${extname(output)}`);

    const note = async (text: string): Promise<void> => {
      await ctx.stderr.write(`pastiche: note: ${text}\n`);
    };
    const download = new DownloadProgress(ctx.stderr, ctx.now);
    let bar: Progress | undefined;
    try {
      const result = await style.stylize({
        content: resolve(ctx.cwd, contentArg),
        style: resolve(ctx.cwd, styleArg),
        ...(weightsArg === undefined ? {} : { weights: resolve(ctx.cwd, weightsArg) }),
        resolve: {
          env: { ...ctx.env },
          onProgress: download.onProgress,
        },
        ...defined({
          preset,
          size,
          iterations,
          optimizer,
          lr,
          contentWeight,
          styleWeight,
          tvWeight,
          init,
          seed,
          saveEvery,
          threads,
          savePattern,
        }),
        signal: ctx.signal,
        onStatus: () => {
          download.done();
        },
        onProgress: async (e) => {
          if (json) {
            const line = {
              iteration: e.iteration,
              content: e.content,
              style: e.style,
              tv: e.tv,
              total: e.total,
              seconds: round3(e.seconds),
            };
            const w = ctx.stdout.write(`${JSON.stringify(line)}\n`);
            if (w) await w;
            // Flush per line, so a reader (a plot, a log) sees each iteration as it happens.
            await ctx.stdout.flush();
          }
          bar ??= new Progress(ctx.stderr, { label: 'stylize', total: e.iterations, unit: 'steps', now: ctx.now });
          bar.update(e.iteration);
        },
      });
      bar?.done();
      for (const n of result.notes) await note(n);
      await style.saveImage(output, result.best.data, result.best.width, result.best.height);
      if (!json) {
        const last = result.history[result.history.length - 1]!;
        const summary =
          `wrote ${outputArg} (${result.best.width}x${result.best.height}, preset ${result.settings.preset}, ` +
          `${result.settings.optimizer}, ${last.iteration} iterations, best total loss ${result.best.total.toPrecision(4)} ` +
          `at iteration ${result.best.iteration}, ${formatDuration(last.seconds)})\n`;
        await ctx.stdout.write(summary);
      }
      return 0;
    } catch (e) {
      download.clear();
      bar?.clear();
      throw e;
    }
  },
});

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The output's folder must exist before a run of minutes, not be found missing after it. */
async function checkFolder(output: string): Promise<void> {
  const dir = dirname(output);
  let ok = false;
  try {
    ok = (await stat(dir)).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new CliError(`Cannot write ${output}: the folder ${dir} does not exist`);
}
