/** `pastiche stylize`: neural style transfer of one content image in the style of another. */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration } from '../format.js';
import { guardOutputs, literal } from '../guard.js';
import {
  byteSizeOption,
  choiceOption,
  customOption,
  flagOption,
  integerOption,
  invalidOption,
  numberOption,
  parseNumber,
  stringOption,
} from '../options.js';
import { addStyleOptions, defined } from './stylize-dataset.js';
import { DownloadProgress, Progress } from '../progress.js';
import { closeRunLog, openRunLog } from '../events/run-log.js';

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

STYLE may be a comma-separated list: the styles' Gram targets are mixed by
--style-blend-weights (normalised to sum 1; default equal), or with
--style-masks each style applies where its mask is white (guided Grams).
--iterations counts L-BFGS/Adam steps in total over all scales.

Presets: "default" = coarse to fine (--scales 2 from --min-size 256 px up to
512 px; 38 steps in total: 16 + 22), L-BFGS from the content image with a
smoothing preconditioner, neural-style's loss weights but content 6.5 (style
100); the work of about 29 512 px steps, about 70 seconds on a 2-core CPU.
"cs20" = the Stanford CS20 seed exactly (Adam lr 2, 300 steps, both images scaled and centre-cropped
to 333x250, 0.6 noise + 0.4 content start). --size N sets the longer side
instead.

Weights: --weights PATH (a model.json, a folder holding one, or a Keras .h5),
else PASTICHE_WEIGHTS, else the cache, else a download (see 'pastiche weights').

With --logdir DIR, a new TensorBoard event file in DIR (made if missing) gets
the scalars loss/total, loss/content, loss/style, loss/tv (and scale with
--scales) of every iteration, the --save-every snapshots as image "snapshot"
and the image written as image "output" (PNG), also when interrupted; it is
flushed every 2 s, so 'tensorboard --logdir DIR' shows the run as it goes.

With --json, stdout gets one JSON line per iteration:
{"iteration","content","style","tv","total","seconds","scale","width","height"};
iteration 0 is the loss of the initial image before any step.

Large outputs are evaluated in tiles with one receptive field of overlap (the
same loss and gradient, at bounded memory): automatically when a scale's
estimated peak memory exceeds --max-memory, or at every scale larger than
--tile PX. --pooling same-avg and --style-masks have no tiled form: they run
untiled (with a note when over budget) and refuse --tile.

Ctrl-C writes the best image so far to OUT (upsampled to the output size when
interrupted at a coarser scale), says so on stderr and exits 130.`,
  options: (c) =>
    addStyleOptions(c)
      .addOption(stringOption('-o, --output <OUT>', 'Output image (.png, .jpg, .jpeg, .webp); required'))
      .addOption(
        integerOption('--save-every <N>', 'Also write OUT-<iteration>.<ext> every N iterations', {
          min: 1,
          max: 10000,
        }),
      )
      .addOption(flagOption('--json', 'Print one JSON line of losses per iteration to stdout'))
      .addOption(stringOption('--logdir <DIR>', 'Log losses and images for TensorBoard to a new event file in DIR'))
      .addOption(customOption('--style-blend-weights <W,...>', 'One weight per style image', numberList))
      .addOption(
        numberOption('--style-scale <X>', "Style images sized to X times the output's longer side", {
          above: 0,
          max: 4,
        }).default(undefined, '1'),
      )
      .addOption(flagOption('--original-colors', "Keep the content's colours (luminance-only transfer)"))
      .addOption(customOption('--style-masks <PNG,...>', 'One greyscale mask per style image', nameList))
      .addOption(
        choiceOption('--pooling <KIND>', 'max, avg or same-avg (TF SAME)', ['max', 'avg', 'same-avg'] as const).default(
          undefined,
          'max',
        ),
      )
      .addOption(customOption('--content-layers <L,...>', 'Content layers (relu4_2 or conv4_2)', nameList))
      .addOption(customOption('--style-layers <L,...>', 'Style layers (relu1_1,...)', nameList))
      .addOption(customOption('--style-layer-weights <W,...>', 'One weight per style layer', numberList))
      .addOption(
        integerOption('--scales <N>', 'Sizes of the coarse-to-fine schedule (1..8)', { min: 1, max: 8 }).default(
          undefined,
          '3',
        ),
      )
      .addOption(
        integerOption('--min-size <PX>', 'Longer side of the first scale (16..4096)', { min: 16, max: 4096 }).default(
          undefined,
          '256',
        ),
      )
      .addOption(
        integerOption('--tile <PX>', 'Tiles of at most PX px at scales larger than PX (VGG-19: 192+)', {
          min: 16,
          max: 4096,
        }).default(undefined, 'from --max-memory'),
      )
      .addOption(
        byteSizeOption(
          '--max-memory <BYTES>',
          'Memory budget: tile a scale whose estimate exceeds it (e.g. 3G, 2GiB)',
          {
            min: 1,
          },
        ).default(undefined, 'half of the free memory'),
      ),
  positionals: { name: 'CONTENT STYLE', min: 2, max: 2 },
  examples: [
    'pastiche stylize photo.jpg starry_night.jpg -o out.png',
    'pastiche stylize photo.jpg scream.jpg -o out.jpg --preset cs20',
    'pastiche stylize photo.jpg scream.jpg -o out.webp --size 256 --iterations 50 --json > losses.jsonl',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const [contentArg, styleList] = positionals as [string, string];
    const styleArgs = nameList(styleList, 'STYLE');
    const masks = opts.styleMasks;
    if (masks !== undefined && masks.length !== styleArgs.length) {
      throw invalidOption('style-masks', `${styleArgs.length} masks (one per style image)`, masks.join(','), hint);
    }
    const blend = opts.styleBlendWeights;
    if (blend !== undefined && blend.length !== styleArgs.length) {
      throw invalidOption(
        'style-blend-weights',
        `${styleArgs.length} weights (one per style image)`,
        blend.join(','),
        hint,
      );
    }
    const outputArg = opts.output;
    if (outputArg === undefined) throw usageError(`Missing --output OUT for ${commandPath}`, hint);
    const { preset, size, iterations, optimizer, lr, contentWeight, styleWeight, tvWeight, init, seed, threads } = opts;
    const saveEvery = opts.saveEvery;
    const weightsArg = opts.weights;
    const json = opts.json === true;
    const ext = extname(outputArg);
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: [contentArg, ...styleArgs, ...(masks ?? []), ...(weightsArg === undefined ? [] : [weightsArg])],
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
    const log = opts.logdir === undefined ? undefined : await openRunLog(resolve(ctx.cwd, opts.logdir));
    const png = (img: { data: Float32Array; width: number; height: number }): Promise<Uint8Array> =>
      style.encodeImage(img.data, img.width, img.height, { format: 'png' });
    try {
      const result = await style.stylize({
        content: resolve(ctx.cwd, contentArg),
        style: styleArgs.map((p) => resolve(ctx.cwd, p)),
        ...(masks === undefined ? {} : { styleMasks: masks.map((p) => resolve(ctx.cwd, p)) }),
        onAbort: 'return',
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
          styleBlendWeights: blend,
          styleScale: opts.styleScale,
          originalColors: opts.originalColors === true ? true : undefined,
          pooling: opts.pooling,
          contentLayers: opts.contentLayers,
          styleLayers: opts.styleLayers,
          styleLayerWeights: opts.styleLayerWeights,
          scales: opts.scales,
          minSize: opts.minSize,
          tile: opts.tile,
          maxMemory: opts.maxMemory,
        }),
        signal: ctx.signal,
        onStatus: () => {
          download.done();
        },
        ...(log === undefined
          ? {}
          : { onImage: async (img) => log.image(style.SNAPSHOT_TAG, await png(img), img.iteration) }),
        onProgress: async (e) => {
          log?.losses(e, e.iteration);
          if (json) {
            const line = {
              iteration: e.iteration,
              content: e.content,
              style: e.style,
              tv: e.tv,
              total: e.total,
              seconds: round3(e.seconds),
              scale: e.scale,
              width: e.width,
              height: e.height,
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
      log?.image(style.OUTPUT_TAG, await png(result.best), result.history.at(-1)?.iteration ?? result.best.iteration);
      const logError = await closeRunLog(log);
      if (result.interrupted) {
        await ctx.stderr.write(`pastiche: interrupted: wrote the best image so far to ${outputArg}\n`);
        if (logError !== undefined) await ctx.stderr.write(`pastiche: ${logError.message}\n`);
        return 130;
      }
      if (!json) {
        const last = result.history[result.history.length - 1]!;
        const summary =
          `wrote ${outputArg} (${result.best.width}x${result.best.height}, preset ${result.settings.preset}, ` +
          `${result.settings.optimizer}, ${last.iteration} iterations, best total loss ${result.best.total.toPrecision(4)} ` +
          `at iteration ${result.best.iteration}, ${formatDuration(last.seconds)})\n`;
        await ctx.stdout.write(summary);
      }
      if (logError !== undefined) throw logError;
      return 0;
    } catch (e) {
      download.clear();
      bar?.clear();
      throw e;
    } finally {
      await log?.close();
    }
  },
});

/** A comma-separated list of positive numbers (`5,5`). */
function numberList(text: string, flag: string): number[] {
  if (text.trim() === '') throw invalidOption(flag, 'comma-separated numbers', text);
  return text.split(',').map((t) => parseNumber(flag, t.trim(), { above: 0 }));
}

/** A comma-separated list of names or paths. */
function nameList(text: string, flag: string): string[] {
  const parts = text.split(',').map((t) => t.trim());
  if (parts.some((t) => t === '')) throw invalidOption(flag, 'comma-separated names without empty entries', text);
  return parts;
}

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
