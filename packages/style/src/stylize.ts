/**
 * `stylize`: the whole style transfer. Loads the images, resolves the weights,
 * compiles a {@link StyleModel} for the content size, computes the targets once,
 * then lets an optimiser move the pixels, reporting the loss at every iteration.
 *
 * Iteration k reports the loss of the image after k optimiser steps; iteration 0
 * is the initial image before any step. Adam costs one evaluation (one session
 * run) per step; L-BFGS one or more (its line search). Besides the final image
 * the result keeps the lowest-loss image seen (as anishathalye/neural-style
 * does): with L-BFGS every accepted step lowers the loss, so it is the final
 * image; with Adam the loss can oscillate, and `best` may be an earlier one.
 */
import { StyleError } from './errors.js';
import type { ImageSource } from './image/load.js';
import { toPixels, type StyleImage } from './image/preprocess.js';
import { saveImage } from './image/save.js';
import type { LossSpec } from './losses/spec.js';
import { Adam } from './optim/adam.js';
import { LBFGS } from './optim/lbfgs.js';
import type { Optimizer } from './optim/types.js';
import {
  presets,
  type OptimizerName,
  type Preset,
  type PresetName,
  type SizeSpec,
  type StyleSizing,
} from './presets.js';
import type { StyleModel, Evaluation as ModelEvaluation } from './runtime/style-model.js';
import { initialImage, type InitMode } from './stylize/init.js';
import { checkChoice, checkInteger, checkNumber, invalidOption } from './stylize/validate.js';
import { createStylizer } from './stylize/stylizer.js';
import type { ResolveWeightsOptions } from './weights/resolve.js';
import type { VggWeights } from './weights/types.js';

/** Largest image side {@link stylize} accepts, in pixels. */
export const MAX_STYLIZE_SIDE = 4096;
/** Most iterations {@link stylize} accepts. */
export const MAX_ITERATIONS = 10000;

/** One iteration's losses, as reported by progress events and kept in the history. */
export interface LossRecord {
  /** 0 = the initial image; k = after k optimiser steps. */
  iteration: number;
  /** Content term (unweighted). */
  content: number;
  /** Style term (unweighted). */
  style: number;
  /** Total-variation term (unweighted). */
  tv: number;
  /** contentWeight * content + styleWeight * style + tvWeight * tv: what is minimised. */
  total: number;
  /** Seconds since the optimisation started (after weights, graph and targets were ready). */
  seconds: number;
}

/** A progress event: the losses of one iteration plus timing. */
export interface StylizeProgress extends LossRecord {
  /** Iterations requested. */
  iterations: number;
  /** Estimated seconds until the last iteration, from the mean time per iteration so far. */
  remaining: number;
  /** Loss evaluations (session runs) so far. */
  evaluations: number;
}

/** An image produced by {@link stylize}: preprocessed data plus 8-bit pixels. */
export interface StylizedImage extends StyleImage {
  /** HWC RGB uint8 pixels (deprocessed: mean added, BGR to RGB, clipped, rounded). */
  pixels: Uint8Array;
  /** Iteration the image belongs to. */
  iteration: number;
  /** Its total loss. */
  total: number;
}

/** What {@link stylize} returns. */
export interface StylizeResult {
  /** The image after the last iteration. */
  image: StylizedImage;
  /** The image with the lowest total loss seen (see the module comment). */
  best: StylizedImage;
  /** Losses per iteration; history[0] is the initial image. */
  history: LossRecord[];
  /** Things the user should know (alpha dropped, early convergence, ...). */
  notes: string[];
  /** The settings actually used. */
  settings: StylizeSettings;
  /** Loss evaluations (session runs) made by the optimiser, the initial one included. */
  evaluations: number;
  /** Where the weights came from (undefined when passed in as VggWeights). */
  weights: { path: string; source: string } | undefined;
}

/** The resolved settings of a run: the preset with every override applied. */
export interface StylizeSettings {
  preset: PresetName;
  loss: LossSpec;
  optimizer: OptimizerName;
  lr: number;
  iterations: number;
  init: InitMode;
  seed: number;
  noiseRatio: number;
  noiseRange: number;
  /** Content (and output) size in pixels. */
  width: number;
  height: number;
  /** Style image size in pixels. */
  styleWidth: number;
  styleHeight: number;
  styleSize: StyleSizing;
}

/** Options of {@link stylize}. Unset options come from the preset. */
export interface StylizeOptions {
  /** Content image: a path, encoded bytes, or raw pixels. */
  content: ImageSource;
  /** Style image: a path, encoded bytes, or raw pixels. */
  style: ImageSource;
  /**
   * Loaded weights, or a path (model.json, a folder holding one, or a Keras .h5).
   * When absent, found by resolveWeights: PASTICHE_WEIGHTS, the cache, a download.
   */
  weights?: VggWeights | string;
  /** Passed to resolveWeights (env, cacheDir, download, onProgress, ...). */
  resolve?: Omit<ResolveWeightsOptions, 'weights'>;
  /** 'default' (default) or 'cs20', or a Preset object. */
  preset?: PresetName | Preset;
  /** Longer side of the content image in pixels (replaces the preset's size; cs20's is 333 x 250). */
  size?: number;
  /** Exact width and height in pixels (both; cover + centre crop). Cannot be combined with size. */
  width?: number;
  height?: number;
  /** Optimiser steps, 1..10000. */
  iterations?: number;
  optimizer?: OptimizerName;
  /** Adam's learning rate (pixel levels per step). */
  lr?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  init?: InitMode;
  /** Seed of the initial noise, 0..2^32-1; default 0 (runs are reproducible by default). */
  seed?: number;
  /** Called after every iteration (iteration 0 included); may return a promise, which is awaited. */
  onProgress?: (event: StylizeProgress) => void | Promise<void>;
  /** Snapshot the image every N iterations (and after the last) to onImage and/or savePattern. */
  saveEvery?: number;
  /** Receives the snapshots of saveEvery. */
  onImage?: (image: StylizedImage) => void | Promise<void>;
  /** Path pattern for snapshots; `{iteration}` is replaced by the iteration number (format from the extension). */
  savePattern?: string;
  /** Called once per setup phase ('loading weights from ...', 'building the graph ...'). */
  onStatus?: (message: string) => void;
  /** Aborts between iterations (and line-search evaluations) with StyleError 'ABORTED'. */
  signal?: AbortSignal;
  /** onnxruntime intra-op threads; default all cores. */
  threads?: number;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StyleError('ABORTED', 'Style transfer aborted', { cause: signal.reason });
}

/** Resolves a preset and overrides into settings (sizes still unresolved); validates every option. */
export function resolveSettings(
  o: Omit<StylizeOptions, 'content' | 'style'>,
): Omit<StylizeSettings, 'width' | 'height' | 'styleWidth' | 'styleHeight'> & { size: SizeSpec } {
  const p: Preset =
    o.preset === undefined
      ? presets.default
      : typeof o.preset === 'string'
        ? presets[checkChoice('preset', o.preset, ['default', 'cs20'] as const)]
        : o.preset;
  if (o.size !== undefined && (o.width !== undefined || o.height !== undefined))
    throw invalidOption('size', 'no width or height alongside it', o.size);
  if ((o.width === undefined) !== (o.height === undefined)) {
    throw o.width === undefined
      ? invalidOption('width', `integer between 16 and ${MAX_STYLIZE_SIDE}`, o.width)
      : invalidOption('height', `integer between 16 and ${MAX_STYLIZE_SIDE}`, o.height);
  }
  let size: SizeSpec = p.size;
  if (o.size !== undefined) size = { maxSide: checkInteger('size', o.size, 16, MAX_STYLIZE_SIDE) };
  if (o.width !== undefined && o.height !== undefined) {
    size = {
      width: checkInteger('width', o.width, 16, MAX_STYLIZE_SIDE),
      height: checkInteger('height', o.height, 16, MAX_STYLIZE_SIDE),
    };
  }
  const loss: LossSpec = {
    ...p.loss,
    contentLayers: p.loss.contentLayers.map((l) => ({ ...l })),
    styleLayers: p.loss.styleLayers.map((l) => ({ ...l })),
    contentWeight:
      o.contentWeight === undefined
        ? p.loss.contentWeight
        : checkNumber('contentWeight', o.contentWeight, 0, Number.MAX_VALUE),
    styleWeight:
      o.styleWeight === undefined ? p.loss.styleWeight : checkNumber('styleWeight', o.styleWeight, 0, Number.MAX_VALUE),
    tvWeight: o.tvWeight === undefined ? p.loss.tvWeight : checkNumber('tvWeight', o.tvWeight, 0, Number.MAX_VALUE),
  };
  if (o.saveEvery !== undefined) checkInteger('saveEvery', o.saveEvery, 1, MAX_ITERATIONS);
  if (o.threads !== undefined) checkInteger('threads', o.threads, 1, 1024);
  if (o.savePattern !== undefined && (typeof o.savePattern !== 'string' || !o.savePattern.includes('{iteration}'))) {
    throw invalidOption('savePattern', "path containing '{iteration}'", o.savePattern);
  }
  return {
    preset: p.name,
    loss,
    optimizer:
      o.optimizer === undefined ? p.optimizer : checkChoice('optimizer', o.optimizer, ['adam', 'lbfgs'] as const),
    lr: o.lr === undefined ? p.lr : checkNumber('lr', o.lr, 0, Number.MAX_VALUE, true),
    iterations: o.iterations === undefined ? p.iterations : checkInteger('iterations', o.iterations, 1, MAX_ITERATIONS),
    init: o.init === undefined ? p.init : checkChoice('init', o.init, ['content', 'noise', 'mix'] as const),
    seed: o.seed === undefined ? 0 : checkInteger('seed', o.seed, 0, 0xffffffff),
    noiseRatio: p.noiseRatio,
    noiseRange: p.noiseRange,
    size,
    styleSize: p.styleSize,
  };
}

/** Makes the optimiser a setting names. */
export function createOptimizer(name: OptimizerName, lr: number): Optimizer {
  return name === 'adam' ? new Adam({ lr }) : new LBFGS();
}

/**
 * Runs a style transfer; see {@link StylizeOptions} and the module comment.
 * Throws StyleError: INVALID_OPTION (bad option, named as in the options),
 * IMAGE (missing, unreadable, unsupported or too small images), WEIGHTS /
 * WEIGHTS_MISSING (with instructions), RUNTIME, ABORTED.
 */
export async function stylize(o: StylizeOptions): Promise<StylizeResult> {
  const { content, ...rest } = o;
  // One image is a Stylizer's simplest case; using it keeps a single code path
  // for weights, models and targets.
  const stylizer = await createStylizer(rest);
  try {
    return await stylizer.run(content, 'content image');
  } finally {
    await stylizer.close();
  }
}

type Eval = ModelEvaluation & { loss: number };

/**
 * The optimisation loop of {@link stylize}, given a model and its targets
 * (exported for the reusable Stylizer). Uses `o.signal`, `o.onProgress`,
 * `o.saveEvery`, `o.onImage` and `o.savePattern`; pushes notes into `notes`.
 */
export async function optimise(
  model: StyleModel,
  content: Float32Array,
  contentTargets: Awaited<ReturnType<StyleModel['contentTargets']>>,
  styleTargets: Awaited<ReturnType<StyleModel['styleTargets']>>,
  settings: StylizeSettings,
  o: StylizeOptions,
  notes: string[],
  weightsFrom: StylizeResult['weights'],
): Promise<StylizeResult> {
  const { width, height, iterations } = settings;
  const signal = o.signal;
  const x = initialImage(content, {
    mode: settings.init,
    seed: settings.seed,
    noiseRange: settings.noiseRange,
    noiseRatio: settings.noiseRatio,
  });
  const optimizer = createOptimizer(settings.optimizer, settings.lr);
  let evaluations = 0;
  const evaluate = async (image: Float32Array): Promise<Eval> => {
    // Checked before every session run, so an abort lands within one evaluation.
    aborted(signal);
    evaluations += 1;
    const e = await model.evaluate(image, contentTargets, styleTargets);
    return { ...e, loss: e.total };
  };

  const start = performance.now();
  const history: LossRecord[] = [];
  let best = { iteration: 0, total: Number.POSITIVE_INFINITY, data: new Float32Array(0) };
  const snapshot = (iteration: number, total: number, data: Float32Array): StylizedImage => ({
    data,
    width,
    height,
    pixels: toPixels(data, width, height),
    iteration,
    total,
  });
  const report = async (iteration: number, e: Eval): Promise<void> => {
    const seconds = (performance.now() - start) / 1000;
    const rec: LossRecord = { iteration, content: e.content, style: e.style, tv: e.tv, total: e.total, seconds };
    history.push(rec);
    if (e.total < best.total) best = { iteration, total: e.total, data: Float32Array.from(x) };
    const perIteration = iteration > 0 ? seconds / iteration : seconds;
    await o.onProgress?.({ ...rec, iterations, remaining: perIteration * (iterations - iteration), evaluations });
    const every = o.saveEvery;
    if (every !== undefined && iteration > 0 && (iteration % every === 0 || iteration === iterations)) {
      const img = snapshot(iteration, e.total, Float32Array.from(x));
      if (o.savePattern !== undefined)
        await saveImage(o.savePattern.replaceAll('{iteration}', String(iteration)), img.data, width, height);
      await o.onImage?.(img);
    }
  };

  let at = await evaluate(x);
  if (!Number.isFinite(at.total)) {
    throw new StyleError('RUNTIME', `The loss of the initial image is ${at.total}; check the weights and images`);
  }
  await report(0, at);
  let iteration = 0;
  while (iteration < iterations) {
    aborted(signal);
    const next = await optimizer.step(x, at, evaluate);
    if (optimizer.converged && next === at) {
      notes.push(
        `${settings.optimizer} converged after ${iteration} of ${iterations} iterations: no step lowered the loss further`,
      );
      break;
    }
    iteration += 1;
    at = next;
    await report(iteration, at);
  }
  if (iteration < iterations && o.saveEvery !== undefined && iteration > 0 && iteration % o.saveEvery !== 0) {
    // The last snapshot of a run that stopped early.
    const img = snapshot(iteration, at.total, Float32Array.from(x));
    if (o.savePattern !== undefined)
      await saveImage(o.savePattern.replaceAll('{iteration}', String(iteration)), img.data, width, height);
    await o.onImage?.(img);
  }
  return {
    image: snapshot(iteration, at.total, x),
    best:
      best.iteration === iteration ? snapshot(iteration, at.total, x) : snapshot(best.iteration, best.total, best.data),
    history,
    notes,
    settings,
    evaluations,
    weights: weightsFrom,
  };
}
