/** `pastiche stylize-dataset`: style transfer of every image of a TFRecord dataset into a new dataset. */
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import type { OptionSpec, ParsedArgs } from '../command.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration, plural } from '../format.js';
import { choiceOption, integerOption, numberOption, stringOption } from '../options.js';
import { DownloadProgress, Progress } from '../progress.js';

/** Options shared by `stylize-dataset` and `demo`: the style-transfer settings. */
export const STYLE_OPTIONS: Record<string, OptionSpec> = {
  preset: { type: 'string', valueName: 'NAME', description: 'default or cs20', defaultText: 'default' },
  size: {
    type: 'string',
    valueName: 'PX',
    description: 'Longer side of each output in pixels (16..4096)',
    defaultText: 'each image keeps its size',
  },
  iterations: { type: 'string', short: 'n', valueName: 'N', description: 'Optimiser steps per image (1..10000)' },
  optimizer: { type: 'string', valueName: 'NAME', description: 'adam or lbfgs' },
  lr: { type: 'string', valueName: 'X', description: "Adam's learning rate, pixel levels per step" },
  'content-weight': { type: 'string', valueName: 'X', description: 'Weight of the content loss' },
  'style-weight': { type: 'string', valueName: 'X', description: 'Weight of the style loss' },
  'tv-weight': { type: 'string', valueName: 'X', description: 'Weight of the total-variation loss' },
  init: { type: 'string', valueName: 'MODE', description: 'Start from content, noise or mix' },
  seed: { type: 'string', valueName: 'N', description: 'Seed of the initial noise (0..4294967295)', defaultText: '0' },
  weights: {
    type: 'string',
    valueName: 'PATH',
    description: 'VGG weights: model.json, a folder holding one, or a Keras .h5',
  },
  threads: { type: 'string', valueName: 'N', description: 'onnxruntime threads', defaultText: 'all cores' },
};

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

/** Reads and validates {@link STYLE_OPTIONS} (usage errors, exit 2). */
export function styleArgs(args: ParsedArgs): StyleArgs {
  const lr = numberOption(args, 'lr', {});
  if (lr !== undefined && !(lr > 0)) {
    throw usageError(
      `Expected number greater than 0 for --lr but received ${String(args.values['lr'])} of type string`,
      `See '${args.commandPath} --help'.`,
    );
  }
  return defined({
    preset: choiceOption(args, 'preset', ['default', 'cs20'] as const),
    size: integerOption(args, 'size', { min: 16, max: 4096 }),
    iterations: integerOption(args, 'iterations', { min: 1, max: 10000 }),
    optimizer: choiceOption(args, 'optimizer', ['adam', 'lbfgs'] as const),
    lr,
    contentWeight: numberOption(args, 'content-weight', { min: 0 }),
    styleWeight: numberOption(args, 'style-weight', { min: 0 }),
    tvWeight: numberOption(args, 'tv-weight', { min: 0 }),
    init: choiceOption(args, 'init', ['content', 'noise', 'mix'] as const),
    seed: integerOption(args, 'seed', { min: 0, max: 0xffffffff }),
    threads: integerOption(args, 'threads', { min: 1, max: 1024 }),
  });
}

/** Drops undefined values (exactOptionalPropertyTypes). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `--shard i/n` as { index, count }. */
function shardOption(args: ParsedArgs): { index: number; count: number } | undefined {
  const v = stringOption(args, 'shard');
  if (v === undefined) return undefined;
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(v);
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!(count >= 1 && index < count)) {
    throw usageError(
      `Expected i/n with 0 <= i < n <= 99999 for --shard but received ${v} of type string`,
      `See '${args.commandPath} --help'.`,
    );
  }
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
compression (.gz, .zz).`,
  options: {
    output: {
      type: 'string',
      short: 'o',
      valueName: 'OUT',
      description: 'Output TFRecord file (or shard name); required',
    },
    style: { type: 'string', short: 's', valueName: 'IMAGE', description: 'Style image; required' },
    shard: { type: 'string', valueName: 'i/n', description: 'Do part i of n (0-based)', defaultText: '0/1' },
    ...STYLE_OPTIONS,
  },
  positionals: { name: 'IN', min: 1 },
  examples: [
    'pastiche stylize-dataset photos.tfrecord --style starry_night.jpg -o starry.tfrecord',
    'pastiche stylize-dataset "train-*.tfrecord.gz" --style scream.jpg -o styled.tfrecord.gz --size 256 --shard 0/4',
  ],
  async run(args, ctx) {
    const hint = `See '${args.commandPath} --help'.`;
    const outputArg = stringOption(args, 'output');
    if (outputArg === undefined) throw usageError(`Missing -o OUT for ${args.commandPath}`, hint);
    const styleArg = stringOption(args, 'style');
    if (styleArg === undefined) throw usageError(`Missing --style IMAGE for ${args.commandPath}`, hint);
    const shard = shardOption(args);
    const settings = styleArgs(args);
    const weightsArg = stringOption(args, 'weights');

    const { stylizeDataset } = await import('@pastiche/style');
    const started = ctx.now();
    const download = new DownloadProgress(ctx.stderr, ctx.now);
    let bar: Progress | undefined;
    try {
      const result = await stylizeDataset({
        inputs: args.positionals.map((p) => resolve(ctx.cwd, p)),
        output: resolve(ctx.cwd, outputArg),
        style: resolve(ctx.cwd, styleArg),
        ...(weightsArg === undefined ? {} : { weights: resolve(ctx.cwd, weightsArg) }),
        resolve: {
          env: { ...ctx.env },
          onProgress: download.onProgress,
        },
        ...settings,
        ...(shard === undefined ? {} : { shard }),
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
        onRecord: (p) => bar?.update(p.thisRun),
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
    }
  },
});
