/** `pastiche stylize-dataset`: style transfer of every image of a TFRecord dataset into a new dataset. */
import { resolve } from 'node:path';
import { shardNames } from '../tfrecord/output.js';
import type { Command as Commander } from '@commander-js/extra-typings';
import { defineCommand } from '../command.js';
import type { NoOptions } from '../command.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration, plural } from '../format.js';
import { guardOutputs } from '../guard.js';
import { choiceOption, integerOption, numberOption, stringOption } from '../options.js';
import { DownloadProgress, Progress } from '../progress.js';
import { resolveShard, shardOptions } from '../shard.js';
import { closeRunLog, openRunLog } from '../events/run-log.js';

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

/** Runs `stylizeDataset()` with the options of the command line; see its help text. */
export const stylizeDatasetCommand = defineCommand({
  name: 'stylize-dataset',
  summary: 'stylise every image of a TFRecord dataset into a new dataset',
  usage: 'IN... --style IMAGE -o OUT [stylize options] [--shard i/n | --shard auto [--shard-count N]]',
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
--shard auto takes i and n from a batch scheduler: Kubernetes Indexed Jobs
(JOB_COMPLETION_INDEX), Slurm job arrays (SLURM_ARRAY_TASK_ID -
SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT), Google Cloud Batch
(BATCH_TASK_INDEX, BATCH_TASK_COUNT), AWS Batch array jobs
(AWS_BATCH_JOB_ARRAY_INDEX); on Kubernetes and AWS Batch n comes from
--shard-count N or PASTICHE_SHARD_COUNT. See docs/cluster.md.

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
      .addOption(shardOptions()[0])
      .addOption(shardOptions()[1])
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
    'pastiche stylize-dataset /data/train-*.tfrecord --style scream.jpg -o /out/styled.tfrecord --shard auto --shard-count 8',
  ],
  async run({ opts, positionals, hint, commandPath }, ctx) {
    const outputArg = opts.output;
    if (outputArg === undefined) throw usageError(`Missing -o OUT for ${commandPath}`, hint);
    const styleArg = opts.style;
    if (styleArg === undefined) throw usageError(`Missing --style IMAGE for ${commandPath}`, hint);
    const shard = resolveShard(opts.shard, opts.shardCount, ctx.env);
    const settings = styleArgs(opts);
    const weightsArg = opts.weights;
    // With --shard the output is always the shard's name, even for 1 shard, so every worker writes one file of the set.
    const finalName = shard === undefined ? outputArg : shardNames(outputArg, shard.count)[shard.index]!;
    await guardOutputs({
      cwd: ctx.cwd,
      inputs: [...positionals, styleArg, ...(weightsArg === undefined ? [] : [weightsArg])],
      outputs: [finalName, `${finalName}.partial`, `${finalName}.partial.json`, `${finalName}.lock`],
    });

    const saveEvery = opts.saveEvery;
    if (saveEvery !== undefined && opts.logdir === undefined) {
      throw usageError(`--save-every needs --logdir (${commandPath} logs its snapshots there)`, hint);
    }
    const { stylizeDataset, encodeImage, SNAPSHOT_TAG } = await import('@pastiche/style');
    const started = ctx.now();
    const download = new DownloadProgress(ctx.stderr, ctx.now);
    let bar: Progress | undefined;
    const log = opts.logdir === undefined ? undefined : await openRunLog(resolve(ctx.cwd, opts.logdir));
    // One step axis for the whole run: each record's iterations restart at 0.
    let step = -1;
    try {
      const result = await stylizeDataset({
        inputs: positionals.map((p) => resolve(ctx.cwd, p)),
        // The library names shards itself when count > 1; a set of one shard is named here.
        output: resolve(ctx.cwd, shard?.count === 1 ? finalName : outputArg),
        style: resolve(ctx.cwd, styleArg),
        ...(weightsArg === undefined ? {} : { weights: resolve(ctx.cwd, weightsArg) }),
        resolve: {
          env: { ...ctx.env },
          onProgress: download.onProgress,
        },
        ...settings,
        ...(shard === undefined || shard.count === 1 ? {} : { shard: { index: shard.index, count: shard.count } }),
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
      const logError = await closeRunLog(log);
      const resumed = result.resumed > 0 ? `, ${result.resumed} from the interrupted run` : '';
      await ctx.stdout.write(
        `wrote ${plural(result.records, 'record')} to ${result.path === resolve(ctx.cwd, outputArg) ? outputArg : result.path}` +
          `${resumed} (${plural(result.sizes, 'image size')}, ${formatDuration((ctx.now() - started) / 1000)})\n`,
      );
      if (logError !== undefined) throw logError;
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
