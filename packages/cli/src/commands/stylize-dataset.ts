/** `pastiche stylize-dataset`: style transfer of every image of a TFRecord dataset into a new dataset. */
import { resolve } from 'node:path';
import { shardNames } from '../tfrecord/output.js';
import type { Command as Commander } from '@commander-js/extra-typings';
import { defineCommand } from '../command.js';
import type { NoOptions } from '../command.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration, plural } from '../format.js';
import { guardOutputs } from '../guard.js';
import { choiceOption, customOption, integerOption, invalidOption, numberOption, stringOption } from '../options.js';
import { DownloadProgress, Progress } from '../progress.js';
import { RunLog, SNAPSHOT_TAG } from '../events/run-log.js';

/** Defaults shown in help for {@link addStyleOptions}; the preset's values apply when an option is absent. */
export interface StyleOptionDefaults {
  /** Help text of --size's default. */
  size?: string;
  /** Help text of --iterations' default. */
  iterations?: string;
}

/** Adds the style-transfer settings shared by `stylize-dataset` and `demo` (absent = the preset's). */
export function addStyleOptions(c: Commander<[], NoOptions>, defaults: StyleOptionDefaults = {}) {
  const size = integerOption('--size <PX>', 'Longer side of each output in pixels (16..4096)', { min: 16, max: 4096 });
  const iterations = integerOption('-n, --iterations <N>', 'Optimiser steps per image (1..10000)', {
    min: 1,
    max: 10000,
  });
  return c
    .addOption(
      choiceOption('--preset <NAME>', 'default or cs20', ['default', 'cs20'] as const).default(undefined, 'default'),
    )
    .addOption(size.default(undefined, defaults.size ?? 'each image keeps its size'))
    .addOption(defaults.iterations === undefined ? iterations : iterations.default(undefined, defaults.iterations))
    .addOption(choiceOption('--optimizer <NAME>', 'adam or lbfgs', ['adam', 'lbfgs'] as const))
    .addOption(numberOption('--lr <X>', "Adam's learning rate, pixel levels per step", { above: 0 }))
    .addOption(numberOption('--content-weight <X>', 'Weight of the content loss', { min: 0 }))
    .addOption(numberOption('--style-weight <X>', 'Weight of the style loss', { min: 0 }))
    .addOption(numberOption('--tv-weight <X>', 'Weight of the total-variation loss', { min: 0 }))
    .addOption(choiceOption('--init <MODE>', 'Start from content, noise or mix', ['content', 'noise', 'mix'] as const))
    .addOption(
      integerOption('--seed <N>', 'Seed of the initial noise (0..4294967295)', { min: 0, max: 0xffffffff }).default(
        undefined,
        '0',
      ),
    )
    .addOption(stringOption('--weights <PATH>', 'VGG weights: model.json, a folder holding one, or a Keras .h5'))
    .addOption(
      integerOption('--threads <N>', 'onnxruntime threads', { min: 1, max: 1024 }).default(undefined, 'all cores'),
    );
}

/** The style-transfer settings of the command line, validated (undefined = the preset's). */
export interface StyleArgs {
  preset?: 'default' | 'cs20';
  size?: number;
  iterations?: number;
  optimizer?: 'adam' | 'lbfgs';
  lr?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  init?: 'content' | 'noise' | 'mix';
  seed?: number;
  threads?: number;
}

/** The settings of {@link addStyleOptions} as library options (undefined values dropped). */
export function styleArgs(o: { [K in keyof StyleArgs]?: StyleArgs[K] | undefined }): StyleArgs {
  return defined({
    preset: o.preset,
    size: o.size,
    iterations: o.iterations,
    optimizer: o.optimizer,
    lr: o.lr,
    contentWeight: o.contentWeight,
    styleWeight: o.styleWeight,
    tvWeight: o.tvWeight,
    init: o.init,
    seed: o.seed,
    threads: o.threads,
  });
}

/** Drops undefined values (exactOptionalPropertyTypes). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Parses `--shard i/n` as { index, count }. */
export function parseShardSpec(text: string, flag: string): { index: number; count: number } {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text);
  const index = m === null ? Number.NaN : Number(m[1]);
  const count = m === null ? Number.NaN : Number(m[2]);
  if (!(count >= 1 && index < count)) throw invalidOption(flag, 'i/n with 0 <= i < n <= 99999', text);
  return { index, count };
}

/** Runs `stylizeDataset()` with the options of the command line; see its help text. */
export const stylizeDatasetCommand = defineCommand({
  name: 'stylize-dataset',
  summary: 'stylise every image of a TFRecord dataset into a new dataset',
  usage: 'IN... --style IMAGE -o OUT [stylize options] [--shard i/n]',
  description: `
Reads the image records of IN (files, globs or name@N shard specs; either schema:
cs20 raw pixels or encoded JPEG/PNG; compression detected), stylises each with
the style of IMAGE, and writes a dataset of the same schema with the stylised
images, every other feature kept, plus style/image, style/settings (JSON) and
style/loss. Each image keeps its size unless --size is given. The weights are
loaded once, the style targets computed once per image size and the graph built
once per image size.

--shard i/n takes records i, i+n, i+2n, ... (over all inputs in order) and
writes OUT's shard i of n (out.tfrecord -> out-0000i-of-0000n.tfrecord), so n
processes or machines split the work and their outputs form one dataset.

Interrupted runs (Ctrl-C, a crash) continue where they stopped: finished
records are kept in OUT.partial (with OUT.partial.json naming the inputs and
settings) and the same command resumes; with other settings it starts over.
The output appears under its name only when complete. OUT's extension sets the
compression (.gz, .zz).

With --logdir DIR, a new TensorBoard event file in DIR (made if missing) gets
the scalars loss/total, loss/content, loss/style, loss/tv (and scale) of every
iteration, at a step counting the iterations of this run over all records, and
record/loss (the loss of each image written) at the record's index; with
--save-every N also image "snapshot" every N iterations and at each record's
last iteration (PNG), at the same step as the losses.`,
  options: (c) =>
    addStyleOptions(c)
      .addOption(stringOption('-o, --output <OUT>', 'Output TFRecord file (or shard name); required'))
      .addOption(stringOption('-s, --style <IMAGE>', 'Style image; required'))
      .addOption(customOption('--shard <i/n>', 'Do part i of n (0-based)', parseShardSpec).default(undefined, '0/1'))
      .addOption(stringOption('--logdir <DIR>', 'Log losses (and --save-every images) for TensorBoard to DIR'))
      .addOption(
        integerOption('--save-every <N>', 'With --logdir: log an image every N iterations of each record', {
          min: 1,
          max: 10000,
        }),
      ),
  positionals: { name: 'IN', min: 1 },
  examples: [
    'pastiche stylize-dataset photos.tfrecord --style starry_night.jpg -o starry.tfrecord',
    'pastiche stylize-dataset "train-*.tfrecord.gz" --style scream.jpg -o styled.tfrecord.gz --size 256 --shard 0/4',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const outputArg = opts.output;
    if (outputArg === undefined) throw usageError(`Missing -o OUT for ${commandPath}`, hint);
    const styleArg = opts.style;
    if (styleArg === undefined) throw usageError(`Missing --style IMAGE for ${commandPath}`, hint);
    const shard = opts.shard;
    const settings = styleArgs(opts);
    const weightsArg = opts.weights;
    const finalName =
      shard === undefined || shard.count === 1 ? outputArg : shardNames(outputArg, shard.count)[shard.index]!;
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: [...positionals, styleArg, ...(weightsArg === undefined ? [] : [weightsArg])],
      outputs: [finalName, `${finalName}.partial`, `${finalName}.partial.json`, `${finalName}.lock`],
    });

    const saveEvery = opts.saveEvery;
    if (saveEvery !== undefined && opts.logdir === undefined) {
      throw usageError(`--save-every needs --logdir (${commandPath} logs its snapshots there)`, hint);
    }
    const { stylizeDataset, encodeImage } = await import('@pastiche/style');
    const started = ctx.now();
    const download = new DownloadProgress(ctx.stderr, ctx.now);
    let bar: Progress | undefined;
    const log = opts.logdir === undefined ? undefined : await RunLog.open(resolve(ctx.cwd, opts.logdir));
    // One step axis for the whole run: each record's iterations restart at 0.
    let step = -1;
    try {
      const result = await stylizeDataset({
        inputs: positionals.map((p) => resolve(ctx.cwd, p)),
        output: resolve(ctx.cwd, outputArg),
        style: resolve(ctx.cwd, styleArg),
        ...(weightsArg === undefined ? {} : { weights: resolve(ctx.cwd, weightsArg) }),
        resolve: {
          env: { ...ctx.env },
          onProgress: download.onProgress,
        },
        ...settings,
        ...(shard === undefined ? {} : { shard }),
        ...(log === undefined
          ? {}
          : {
              onIteration: (e) => log.losses(e, ++step),
              ...(saveEvery === undefined
                ? {}
                : {
                    saveEvery,
                    onImage: async (img) =>
                      log.image(SNAPSHOT_TAG, await encodeImage(img.data, img.width, img.height), step),
                  }),
            }),
        signal: ctx.signal,
        onStatus: () => {
          download.done();
        },
        onResume: (kept) => {
          void ctx.stderr.write(
            `pastiche: note: continuing an interrupted run: ${plural(kept, 'record')} already done\n`,
          );
        },
        // The bar covers this run's records only, so its rate and ETA are this run's.
        onStart: (total, kept) => {
          bar = new Progress(ctx.stderr, {
            label: 'stylize-dataset',
            total: total - kept,
            unit: 'records',
            now: ctx.now,
          });
        },
        onRecord: (p) => {
          log?.scalar('record/loss', p.loss, p.index);
          bar?.update(p.thisRun);
        },
      });
      bar?.done();
      const resumed = result.resumed > 0 ? `, ${result.resumed} from the interrupted run` : '';
      await ctx.stdout.write(
        `wrote ${plural(result.records, 'record')} to ${result.path === resolve(ctx.cwd, outputArg) ? outputArg : result.path}` +
          `${resumed} (${plural(result.sizes, 'image size')}, ${formatDuration((ctx.now() - started) / 1000)})\n`,
      );
      return 0;
    } catch (e) {
      download.clear();
      bar?.clear();
      if (ctx.signal.aborted && e instanceof Error) {
        throw new CliError(`interrupted: ${e.message}`, { exitCode: 130, cause: e });
      }
      throw e;
    } finally {
      await log?.close();
    }
  },
});
