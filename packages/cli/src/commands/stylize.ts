/** `pastiche stylize`: neural style transfer of one content image in the style of another. */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration } from '../format.js';
import { choiceOption, flagOption, integerOption, numberOption, stringOption } from '../options.js';
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
  options: {
    output: {
      type: 'string',
      short: 'o',
      valueName: 'OUT',
      description: 'Output image (.png, .jpg, .jpeg, .webp); required',
    },
    preset: { type: 'string', valueName: 'NAME', description: 'default or cs20', defaultText: 'default' },
    size: { type: 'string', valueName: 'PX', description: 'Longer side of the output in pixels (16..4096)' },
    iterations: { type: 'string', short: 'n', valueName: 'N', description: 'Optimiser steps (1..10000)' },
    optimizer: { type: 'string', valueName: 'NAME', description: 'adam or lbfgs' },
    lr: { type: 'string', valueName: 'X', description: "Adam's learning rate, pixel levels per step" },
    'content-weight': { type: 'string', valueName: 'X', description: 'Weight of the content loss' },
    'style-weight': { type: 'string', valueName: 'X', description: 'Weight of the style loss' },
    'tv-weight': { type: 'string', valueName: 'X', description: 'Weight of the total-variation loss' },
    init: { type: 'string', valueName: 'MODE', description: 'Start from content, noise or mix' },
    seed: {
      type: 'string',
      valueName: 'N',
      description: 'Seed of the initial noise (0..4294967295)',
      defaultText: '0',
    },
    'save-every': {
      type: 'string',
      valueName: 'N',
      description: 'Also write OUT-<iteration>.<ext> every N iterations',
    },
    weights: {
      type: 'string',
      valueName: 'PATH',
      description: 'VGG weights: model.json, a folder holding one, or a Keras .h5',
    },
    threads: { type: 'string', valueName: 'N', description: 'onnxruntime threads', defaultText: 'all cores' },
    json: { type: 'boolean', description: 'Print one JSON line of losses per iteration to stdout' },
  },
  positionals: { name: 'CONTENT STYLE', min: 2, max: 2 },
  examples: [
    'pastiche stylize photo.jpg starry_night.jpg -o out.png',
    'pastiche stylize photo.jpg scream.jpg -o out.jpg --preset cs20',
    'pastiche stylize photo.jpg scream.jpg -o out.webp --size 256 --iterations 50 --json > losses.jsonl',
  ],
  async run(args, ctx) {
    const hint = `See '${args.commandPath} --help'.`;
    const [contentArg, styleArg] = args.positionals as [string, string];
    const outputArg = stringOption(args, 'output');
    if (outputArg === undefined) throw usageError(`Missing --output OUT for ${args.commandPath}`, hint);
    // Every option is checked before the (long) run starts.
    const preset = choiceOption(args, 'preset', ['default', 'cs20'] as const);
    const size = integerOption(args, 'size', { min: 16, max: 4096 });
    const iterations = integerOption(args, 'iterations', { min: 1, max: 10000 });
    const optimizer = choiceOption(args, 'optimizer', ['adam', 'lbfgs'] as const);
    const lr = positive(args, 'lr');
    const contentWeight = numberOption(args, 'content-weight', { min: 0 });
    const styleWeight = numberOption(args, 'style-weight', { min: 0 });
    const tvWeight = numberOption(args, 'tv-weight', { min: 0 });
    const init = choiceOption(args, 'init', ['content', 'noise', 'mix'] as const);
    const seed = integerOption(args, 'seed', { min: 0, max: 0xffffffff });
    const saveEvery = integerOption(args, 'save-every', { min: 1, max: 10000 });
    const threads = integerOption(args, 'threads', { min: 1, max: 1024 });
    const weightsArg = stringOption(args, 'weights');
    const json = flagOption(args, 'json');

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

/** A number option that must be greater than zero (sharp-style message). */
function positive(args: Parameters<typeof stringOption>[0], name: string): number | undefined {
  const v = numberOption(args, name, {});
  if (v !== undefined && !(v > 0))
    throw usageError(
      `Expected number greater than 0 for --${name} but received ${String(args.values[name])} of type string`,
      `See '${args.commandPath} --help'.`,
    );
  return v;
}

/** Drops undefined values (exactOptionalPropertyTypes). */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
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
