/**
 * What a style transfer run is told and what it reports: the options (minus
 * the image sources, which each entry point supplies in its own form), their
 * resolution against a preset with every check, and the result types.
 * Portable: no Node module, no native package.
 */
import {
  MAX_ITERATIONS,
  MAX_OUTPUT_SIDE,
  MAX_SCALES,
  MAX_STYLE_SCALE,
  MAX_STYLES,
  MAX_THREADS,
  MIN_IMAGE_SIDE,
} from '../limits.js';
import { POOLINGS, type LossSpec, type Pooling } from '../losses/spec.js';
import { Adam } from '../optim/adam.js';
import { LBFGS } from '../optim/lbfgs.js';
import type { Optimizer } from '../optim/types.js';
import {
  presets,
  type OptimizerName,
  type Preset,
  type PresetName,
  type SizeSpec,
  type StyleSizing,
} from '../presets.js';
import type { StyleImage } from '../image/preprocess.js';
import { checkChoice, checkInteger, checkNumber, invalidOption } from '../validate.js';
import { INIT_MODES, type InitMode } from './init.js';

/** One iteration's losses, as reported by progress events and kept in the history. */
export interface LossRecord {
  /** 0 = the initial image; k = after k optimiser steps in total (all scales). */
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
  /** Scale of this iteration, 1 = the coarsest; equals `scales` at the output size. */
  scale: number;
  /** Image width at this scale, px. */
  width: number;
  /** Image height at this scale, px. */
  height: number;
}

/** A progress event: the losses of one iteration plus timing. */
export interface StylizeProgress extends LossRecord {
  /** Iterations planned in total (all scales). */
  iterations: number;
  /** Number of scales. */
  scales: number;
  /** Estimated seconds until the last iteration (time per pixel-step so far times what is left). */
  remaining: number;
  /** Loss evaluations (session runs) so far. */
  evaluations: number;
  /** Evaluation-equivalents so far: sum over evaluations of their pixels / the output's pixels. */
  work: number;
}

/** An image produced by a run: preprocessed data plus 8-bit pixels. */
export interface StylizedImage extends StyleImage {
  /** HWC RGB uint8 pixels (deprocessed: mean added, BGR to RGB, rounded; colour-transferred with originalColors). */
  pixels: Uint8Array;
  /** Iteration the image belongs to. */
  iteration: number;
  /** Its total loss (for `best` of a finished run: the loss of `pixels` exactly). */
  total: number;
}

/** What a run returns. */
export interface StylizeResult {
  /** The image after the last iteration. */
  image: StylizedImage;
  /** The image to keep: lowest total loss at the output size, evaluated after 8-bit rounding. */
  best: StylizedImage;
  /**
   * Losses of `best.pixels` themselves (the 8-bit image that is written, colour
   * transfer included): one evaluation at the end; undefined when interrupted.
   */
  final: LossRecord | undefined;
  /** Losses per iteration; history[0] is the initial image. */
  history: LossRecord[];
  /** Things the user should know (alpha dropped, early convergence, ...). */
  notes: string[];
  /** The settings actually used. */
  settings: StylizeSettings;
  /** Loss evaluations (session runs) made by the optimiser, the initial ones included. */
  evaluations: number;
  /** Evaluation-equivalents: sum over evaluations of pixels / output pixels (the final one included). */
  work: number;
  /** True when the run was aborted and `onAbort` is 'return': `best` is the best image so far, at the output size. */
  interrupted: boolean;
  /** Where the weights came from (undefined when passed in as VggWeights). */
  weights: { path: string; source: string } | undefined;
}

/** One scale of the schedule. */
export interface ScaleStep {
  width: number;
  height: number;
  /** Optimiser steps planned at this scale. */
  iterations: number;
}

/** The resolved settings of a run: the preset with every override applied. */
export interface StylizeSettings {
  preset: PresetName;
  loss: LossSpec;
  optimizer: OptimizerName;
  lr: number;
  /** Optimiser steps in total over all scales. */
  iterations: number;
  init: InitMode;
  seed: number;
  noiseRatio: number;
  noiseRange: number;
  /** Output size in pixels. */
  width: number;
  height: number;
  /** Size of the (first) style image at the output scale, px. */
  styleWidth: number;
  styleHeight: number;
  styleSize: StyleSizing;
  /** Style images are sized to styleScale times the output's longer side. */
  styleScale: number;
  /** Blend weights of the style images, normalised to sum 1. */
  styleBlendWeights: number[];
  /** Whether style masks (guided Grams) are used. */
  styleMasks: boolean;
  originalColors: boolean;
  scales: number;
  minSize: number;
  tolerance: number;
  /** The coarse-to-fine schedule, coarse first; the last entry is the output size. */
  schedule: ScaleStep[];
}

/** Settings of a run before the content size is known. */
export type ResolvedSettings = Omit<
  StylizeSettings,
  'width' | 'height' | 'styleWidth' | 'styleHeight' | 'schedule' | 'styleBlendWeights' | 'styleMasks'
> & {
  size: SizeSpec;
  stepShares: readonly number[];
  styleBlendWeights: number[] | undefined;
  onAbort: 'throw' | 'return';
  contentDetail: boolean;
  lbfgsHistory: number;
  lbfgsCarry: boolean;
  lbfgsSmoothing: number;
  lbfgsSmoothingLevels: number;
  /** Forced tile (window) side, px; see StylizeControls.tile. */
  tile: number | undefined;
  /** Memory budget, bytes; see StylizeControls.maxMemory. */
  maxMemory: number | undefined;
};

/**
 * The options of a run that are not image sources; `stylize`, `createStylizer`
 * and the web entry take these plus their own sources. Unset options come
 * from the preset.
 */
export interface StylizeControls {
  /** 'default' (default) or 'cs20', or a Preset object. */
  preset?: PresetName | Preset;
  /** Longer side of the output in pixels, 16..4096 (replaces the preset's size; cs20's is 333 x 250). */
  size?: number;
  /** Exact width and height in pixels (both; cover + centre crop). Cannot be combined with size. */
  width?: number;
  height?: number;
  /** Optimiser steps in total over all scales, 1..10000 (split by the preset's stepShares). */
  iterations?: number;
  optimizer?: OptimizerName;
  /** Adam's learning rate (pixel levels per step). */
  lr?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  /** Content layers (conv4_2 or neural-style's relu4_2), weight 1 each. */
  contentLayers?: readonly string[];
  /** Style layers (conv1_1 or relu1_1, ...); weights from styleLayerWeights, else 1 each. */
  styleLayers?: readonly string[];
  /** One weight per style layer (of styleLayers, or of the preset's). */
  styleLayerWeights?: readonly number[];
  /** 'max', 'avg' or 'same-avg' (TF SAME); see Pooling. */
  pooling?: Pooling;
  /** Where the optimisation starts; 'image' needs the entry point's init image. */
  init?: InitMode;
  /** Seed of the initial noise, 0..2^32-1; default 0 (runs are reproducible by default). */
  seed?: number;
  /** One weight per style image (> 0; normalised to sum 1); default equal. */
  styleBlendWeights?: readonly number[];
  /** Style images sized to this times the output's longer side (0 < x <= 4); default 1. */
  styleScale?: number;
  /** Keep the content's colours (luminance-only transfer, YIQ); default false. */
  originalColors?: boolean;
  /** Sizes of the coarse-to-fine schedule, 1..8 (1 = single scale). */
  scales?: number;
  /** Longer side of the first scale, 16..output size, px. */
  minSize?: number;
  /** Early end of a scale on a relative decrease per step below this (0 = off). */
  tolerance?: number;
  /** Share of `iterations` per scale, coarse to fine (> 0 each, normalised; one per scale). */
  stepShares?: readonly number[];
  /** Add the content's missing detail when upsampling to a finer scale (see Preset.contentDetail). */
  contentDetail?: boolean;
  /** L-BFGS pairs kept, 1..200. */
  lbfgsHistory?: number;
  /** Keep L-BFGS's pairs from scale to scale, resampled (see Preset.lbfgsCarry). */
  lbfgsCarry?: boolean;
  /** Weight of each low-pass level in L-BFGS's preconditioner, 0..1000 (0 = none; see Preset.lbfgsSmoothing). */
  lbfgsSmoothing?: number;
  /** Low-pass levels of that preconditioner, 1..8 (radii 2, 4, ... px). */
  lbfgsSmoothingLevels?: number;
  /** Snapshot the image every N iterations (and after the last) to onImage. */
  saveEvery?: number;
  /** onnxruntime intra-op threads; default all cores. */
  threads?: number;
  /**
   * Evaluate in tiles (windows) of at most this side, px, at every scale larger
   * than it (tiles/evaluator.ts; at least 192 for VGG-19 to conv5_1, up to
   * 4096). Not with 'same-avg' pooling or style masks. Default: from maxMemory.
   */
  tile?: number;
  /**
   * Memory budget for the process's peak RSS, bytes: a scale whose untiled
   * evaluation is estimated to exceed it is evaluated in tiles that fit
   * (tiles/memory.ts). Node default: half of the free memory
   * (tiles/node.ts defaultMaxMemory); web default: none (never tile unless
   * `tile` is given).
   */
  maxMemory?: number;
  /**
   * On abort: 'throw' (default) rejects with StyleError ABORTED; 'return'
   * resolves with the best image so far (`interrupted` true).
   */
  onAbort?: 'throw' | 'return';
}

/** Turns neural-style's relu4_2 into the graph's conv4_2 (the post-ReLU output of that conv). */
export function layerName(name: string): string {
  return name.startsWith('relu') ? `conv${name.slice(4)}` : name;
}

function checkList<T>(name: string, v: unknown, min: number, max: number, each: (x: unknown, i: number) => T): T[] {
  if (!Array.isArray(v) || v.length < min || v.length > max) {
    throw invalidOption(name, `array of ${min === max ? min : `${min} to ${max}`} entries`, v);
  }
  return v.map((x, i) => each(x, i));
}

/** Resolves a preset and overrides into settings (sizes still unresolved); validates every option. */
export function resolveSettings(o: StylizeControls & { styleCount?: number; savePattern?: string }): ResolvedSettings {
  if (o.savePattern !== undefined && (typeof o.savePattern !== 'string' || !o.savePattern.includes('{iteration}'))) {
    throw invalidOption('savePattern', "path containing '{iteration}'", o.savePattern);
  }
  const p: Preset =
    o.preset === undefined
      ? presets.default
      : typeof o.preset === 'string'
        ? presets[checkChoice('preset', o.preset, ['default', 'cs20'] as const)]
        : o.preset;
  if (o.size !== undefined && (o.width !== undefined || o.height !== undefined))
    throw invalidOption('size', 'no width or height alongside it', o.size);
  const sideRange = `integer between ${MIN_IMAGE_SIDE} and ${MAX_OUTPUT_SIDE}`;
  if ((o.width === undefined) !== (o.height === undefined)) {
    throw o.width === undefined
      ? invalidOption('width', sideRange, o.width)
      : invalidOption('height', sideRange, o.height);
  }
  let size: SizeSpec = p.size;
  if (o.size !== undefined) size = { maxSide: checkInteger('size', o.size, MIN_IMAGE_SIDE, MAX_OUTPUT_SIDE) };
  if (o.width !== undefined && o.height !== undefined) {
    size = {
      width: checkInteger('width', o.width, MIN_IMAGE_SIDE, MAX_OUTPUT_SIDE),
      height: checkInteger('height', o.height, MIN_IMAGE_SIDE, MAX_OUTPUT_SIDE),
    };
  }
  const styleLayerNames =
    o.styleLayers === undefined
      ? p.loss.styleLayers.map((l) => l.layer)
      : checkList('styleLayers', o.styleLayers, 0, 16, (x, i) => {
          if (typeof x !== 'string') throw invalidOption(`styleLayers[${i}]`, 'layer name', x);
          return layerName(x);
        });
  const styleLayerWeights =
    o.styleLayerWeights === undefined
      ? o.styleLayers === undefined
        ? p.loss.styleLayers.map((l) => l.weight)
        : styleLayerNames.map(() => 1)
      : checkList('styleLayerWeights', o.styleLayerWeights, styleLayerNames.length, styleLayerNames.length, (x, i) =>
          checkNumber(`styleLayerWeights[${i}]`, x, 0, Number.MAX_VALUE),
        );
  const contentLayers =
    o.contentLayers === undefined
      ? p.loss.contentLayers.map((l) => ({ ...l }))
      : checkList('contentLayers', o.contentLayers, 0, 16, (x, i) => {
          if (typeof x !== 'string') throw invalidOption(`contentLayers[${i}]`, 'layer name', x);
          return { layer: layerName(x), weight: 1 };
        });
  const loss: LossSpec = {
    ...p.loss,
    contentLayers,
    styleLayers: styleLayerNames.map((layer, i) => ({ layer, weight: styleLayerWeights[i]! })),
    contentWeight:
      o.contentWeight === undefined
        ? p.loss.contentWeight
        : checkNumber('contentWeight', o.contentWeight, 0, Number.MAX_VALUE),
    styleWeight:
      o.styleWeight === undefined ? p.loss.styleWeight : checkNumber('styleWeight', o.styleWeight, 0, Number.MAX_VALUE),
    tvWeight: o.tvWeight === undefined ? p.loss.tvWeight : checkNumber('tvWeight', o.tvWeight, 0, Number.MAX_VALUE),
    pooling: o.pooling === undefined ? p.loss.pooling : checkChoice('pooling', o.pooling, POOLINGS),
  };
  if (o.saveEvery !== undefined) checkInteger('saveEvery', o.saveEvery, 1, MAX_ITERATIONS);
  if (o.threads !== undefined) checkInteger('threads', o.threads, 1, MAX_THREADS);
  const count = o.styleCount ?? 1;
  const blend =
    o.styleBlendWeights === undefined
      ? undefined
      : checkList('styleBlendWeights', o.styleBlendWeights, count, count, (x, i) =>
          checkNumber(`styleBlendWeights[${i}]`, x, 0, Number.MAX_VALUE, true),
        );
  const scales = o.scales === undefined ? p.scales : checkInteger('scales', o.scales, 1, MAX_SCALES);
  return {
    preset: p.name,
    loss,
    optimizer:
      o.optimizer === undefined ? p.optimizer : checkChoice('optimizer', o.optimizer, ['adam', 'lbfgs'] as const),
    lr: o.lr === undefined ? p.lr : checkNumber('lr', o.lr, 0, Number.MAX_VALUE, true),
    iterations: o.iterations === undefined ? p.iterations : checkInteger('iterations', o.iterations, 1, MAX_ITERATIONS),
    init: o.init === undefined ? p.init : checkChoice('init', o.init, INIT_MODES),
    seed: o.seed === undefined ? 0 : checkInteger('seed', o.seed, 0, 0xffffffff),
    noiseRatio: p.noiseRatio,
    noiseRange: p.noiseRange,
    size,
    styleSize: p.styleSize,
    styleScale: o.styleScale === undefined ? 1 : checkNumber('styleScale', o.styleScale, 0, MAX_STYLE_SCALE, true),
    styleBlendWeights: blend,
    originalColors:
      o.originalColors === undefined
        ? false
        : typeof o.originalColors === 'boolean'
          ? o.originalColors
          : (() => {
              throw invalidOption('originalColors', 'boolean', o.originalColors);
            })(),
    scales,
    minSize: o.minSize === undefined ? p.minSize : checkInteger('minSize', o.minSize, MIN_IMAGE_SIDE, MAX_OUTPUT_SIDE),
    stepShares:
      o.stepShares === undefined
        ? p.stepShares
        : checkList('stepShares', o.stepShares, scales, scales, (x, i) =>
            checkNumber(`stepShares[${i}]`, x, 0, Number.MAX_VALUE, true),
          ),
    tolerance: o.tolerance === undefined ? p.tolerance : checkNumber('tolerance', o.tolerance, 0, 1),
    contentDetail:
      o.contentDetail === undefined
        ? p.contentDetail
        : typeof o.contentDetail === 'boolean'
          ? o.contentDetail
          : (() => {
              throw invalidOption('contentDetail', 'boolean', o.contentDetail);
            })(),
    lbfgsHistory: o.lbfgsHistory === undefined ? p.lbfgsHistory : checkInteger('lbfgsHistory', o.lbfgsHistory, 1, 200),
    lbfgsCarry:
      o.lbfgsCarry === undefined
        ? p.lbfgsCarry
        : typeof o.lbfgsCarry === 'boolean'
          ? o.lbfgsCarry
          : (() => {
              throw invalidOption('lbfgsCarry', 'boolean', o.lbfgsCarry);
            })(),
    lbfgsSmoothing:
      o.lbfgsSmoothing === undefined ? p.lbfgsSmoothing : checkNumber('lbfgsSmoothing', o.lbfgsSmoothing, 0, 1000),
    lbfgsSmoothingLevels:
      o.lbfgsSmoothingLevels === undefined
        ? p.lbfgsSmoothingLevels
        : checkInteger('lbfgsSmoothingLevels', o.lbfgsSmoothingLevels, 1, 8),
    tile: o.tile === undefined ? undefined : checkInteger('tile', o.tile, MIN_IMAGE_SIDE, MAX_OUTPUT_SIDE),
    maxMemory: o.maxMemory === undefined ? undefined : checkNumber('maxMemory', o.maxMemory, 0, Number.MAX_VALUE, true),
    onAbort: o.onAbort === undefined ? 'throw' : checkChoice('onAbort', o.onAbort, ['throw', 'return'] as const),
  };
}

/** Checks the number of style images (1..16) for option `name`. */
export function checkStyleCount(name: string, n: number): void {
  if (n < 1 || n > MAX_STYLES) throw invalidOption(name, `1 to ${MAX_STYLES} style images`, `${n} images`);
}

/** Blend weights normalised to sum 1 (equal when unset). */
export function normaliseBlend(weights: readonly number[] | undefined, count: number): number[] {
  const w = weights ?? Array.from({ length: count }, () => 1);
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

/**
 * The coarse-to-fine sizes for an output of width x height: `scales` sizes
 * whose longer sides grow geometrically from `minSize` to the output's (each
 * side times the same factor; the shorter side keeps the aspect ratio, at
 * least {@link MIN_IMAGE_SIDE}). Steps are split by `shares` (normalised; equal
 * when its length differs from the number of scales), at least 1 per scale.
 */
export function scaleSchedule(
  width: number,
  height: number,
  scales: number,
  minSize: number,
  iterations: number,
  shares: readonly number[],
): ScaleStep[] {
  const longer = Math.max(width, height);
  const n = minSize >= longer ? 1 : Math.min(scales, iterations);
  const w = shares.length === n ? shares : Array.from({ length: n }, () => 1);
  const sum = w.reduce((a, b) => a + b, 0);
  const out: ScaleStep[] = [];
  let given = 0;
  for (let k = 0; k < n; k++) {
    const f = n === 1 ? 1 : (minSize / longer) ** ((n - 1 - k) / (n - 1));
    const steps = k === n - 1 ? iterations - given : Math.max(1, Math.round((iterations * w[k]!) / sum));
    given += steps;
    out.push({
      width: k === n - 1 ? width : Math.max(MIN_IMAGE_SIDE, Math.round(width * f)),
      height: k === n - 1 ? height : Math.max(MIN_IMAGE_SIDE, Math.round(height * f)),
      iterations: steps,
    });
  }
  // Rounding may have given the coarse scales everything: the output size keeps at least one step.
  while (out[n - 1]!.iterations < 1) {
    const k = out.slice(0, n - 1).reduce((m, s, i) => (s.iterations > out[m]!.iterations ? i : m), 0);
    out[k]!.iterations -= 1;
    out[n - 1]!.iterations += 1;
  }
  return out;
}

/** Makes the optimiser a setting names. */
export function createOptimizer(name: OptimizerName, lr: number): Optimizer {
  return name === 'adam' ? new Adam({ lr }) : new LBFGS();
}
