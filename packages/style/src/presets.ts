/**
 * Named settings for {@link stylize}: `cs20` reproduces the seed (Stanford CS20
 * 2018, assignment 2) exactly; `default` is what measured better here.
 */
import { CS20_LOSS, type LossSpec } from './losses/spec.js';
import type { InitMode } from './stylize/init.js';

/** Names of the built-in presets. */
export type PresetName = 'cs20' | 'default';

/** The optimisers {@link stylize} can use. */
export type OptimizerName = 'adam' | 'lbfgs';

/**
 * How images are sized: `{ width, height }` = exactly that (scale to cover,
 * then centre-crop, as PIL's ImageOps.fit in the seed); `{ maxSide }` = the
 * content image's longer side becomes maxSide, aspect ratio kept.
 */
export type SizeSpec = { width: number; height: number } | { maxSide: number };

/**
 * How the style image is sized: 'content' = exactly the content image's width x
 * height (cover + centre crop; the seed's choice, which distorts nothing but
 * crops); 'longest' = its longer side equals the content's longer side, aspect
 * ratio kept (the Gram targets are per position, so sizes may differ).
 */
export type StyleSizing = 'content' | 'longest';

/** Every setting of a style transfer run. */
export interface Preset {
  readonly name: PresetName;
  /** One line for help texts. */
  readonly description: string;
  /** Layers, weights, pooling and normalisation of the loss. */
  readonly loss: Readonly<LossSpec>;
  readonly optimizer: OptimizerName;
  /** Adam's learning rate in pixel levels per step (L-BFGS ignores it). */
  readonly lr: number;
  /** Optimiser steps. */
  readonly iterations: number;
  readonly init: InitMode;
  /** Share of noise in init 'mix'. */
  readonly noiseRatio: number;
  /** Noise is uniform in [-noiseRange, noiseRange) pixel levels. */
  readonly noiseRange: number;
  readonly size: Readonly<SizeSpec>;
  readonly styleSize: StyleSizing;
  /** Sizes of the coarse-to-fine schedule (1 = single scale at the output size). */
  readonly scales: number;
  /** Longer side of the first scale, px (ignored with scales 1). */
  readonly minSize: number;
  /**
   * Share of `iterations` each scale gets, coarse to fine (normalised); used
   * when the number of scales matches its length, otherwise equal shares.
   */
  readonly stepShares: readonly number[];
  /**
   * A scale ends early when the loss fell by less than this fraction per step,
   * averaged over the last 5 steps (0 = never).
   */
  readonly tolerance: number;
  /**
   * When moving to a finer scale, add the content's detail that the coarser
   * scale could not hold (the content minus its down-and-up-sampled self, as
   * one level of a Laplacian pyramid) to the upsampled image.
   */
  readonly contentDetail: boolean;
  /** L-BFGS (s, y) pairs kept (Torch's lbfgs, which neural-style uses, keeps 100). */
  readonly lbfgsHistory: number;
  /**
   * Keep L-BFGS's pairs when moving to a finer scale, upsampled as the image
   * is (the gradients scaled by old / new pixels, as the loss is a mean over
   * positions), instead of starting each scale with an empty memory.
   */
  readonly lbfgsCarry: boolean;
  /**
   * Weight of each low-pass level in L-BFGS's initial inverse Hessian
   * (optim/smooth.ts: M = I + w * sum of triangle filters of radius 2, 4, ...
   * px), which lets a step move an image's coarse structure further; 0 = none.
   */
  readonly lbfgsSmoothing: number;
  /** Low-pass levels of that preconditioner (radii 2, 4, ..., 2^levels px). */
  readonly lbfgsSmoothingLevels: number;
}

const STYLE_LAYERS = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'] as const;

/**
 * The seed, exactly: conv4_2 content; conv1_1..conv5_1 style with weights
 * [0.5, 1, 1.5, 3, 4]; cs20 normalisation; total = 0.01 content + 1 style, no
 * TV; average pooling; start from 0.6 * U(-20, 20) + 0.4 * content
 * (mean-subtracted); Adam lr 2.0 for 300 steps; both images 333 x 250
 * (the seed's width x height), scaled to cover and centre-cropped.
 */
export const CS20_PRESET: Preset = Object.freeze({
  name: 'cs20',
  description: 'the Stanford CS20 seed: Adam lr 2, 300 steps, 333x250, mixed noise start',
  loss: CS20_LOSS,
  optimizer: 'adam',
  lr: 2.0,
  iterations: 300,
  init: 'mix',
  noiseRatio: 0.6,
  noiseRange: 20,
  size: Object.freeze({ width: 333, height: 250 }),
  styleSize: 'content',
  scales: 1,
  minSize: 333,
  stepShares: [1],
  tolerance: 0,
  contentDetail: false,
  lbfgsHistory: 10,
  lbfgsCarry: false,
  lbfgsSmoothing: 0,
  lbfgsSmoothingLevels: 3,
} satisfies Preset);

/**
 * The main preset: neural-style's objective (content 5, style 100, no TV,
 * 'mean' normalisation, max pooling) optimised coarse to fine with L-BFGS
 * from the content image, 512 px, 48 steps in total over 3 scales (256, 362,
 * 512 px longer side; 12 + 8 + 28 steps), L-BFGS keeping 30 pairs and
 * carrying them from scale to scale (lbfgsCarry). Measured with
 * bench/quality.mjs (golden_gate + the_scream, 512 px, against neural-style's
 * 1000-step output): total 1.059x, style 0.88x, content 1.20x at 38.0
 * evaluation-equivalents of work (sum of evaluated pixels / output pixels;
 * 53 evaluations), 326 s wall on a heavily shared machine. The
 * previous default (40 + 20 + 20, fresh 10-pair memory per scale) scored total
 * 1.071x, style 0.79x, content 1.29x at 44.0. In the same session (work in
 * evaluation-equivalents, total / style / content ratios): 20 + 10 + 26 fresh
 * 1.071 / 0.89 / 1.22 at 41.0; 4 scales from 181 px (30 + 15 + 10 + 24)
 * 1.077 / 0.79 / 1.31 at 41.5; 18 + 10 + 25 with per-scale style weights (an option since removed)
 * x0.5 on the coarse scales 1.082 / 0.93 / 1.20 at 37.5, x2 1.101 / 0.92 /
 * 1.24 at 38.5; with contentDetail 1.092 / 0.94 / 1.22 at 38.0; with
 * lbfgsCarry 1.075 / 0.89 / 1.22 at 38.5, plus 30 pairs 1.069 / 0.88 / 1.22
 * at 38.5; 12 + 8 + 28 with lbfgsCarry 1.069 / 0.91 / 1.20 at 38.0. Content
 * and style are within neural-style's bounds; the total is not yet (the
 * fine scale is still falling about 0.7 % per step when the budget ends).
 */
export const DEFAULT_PRESET: Preset = Object.freeze({
  name: 'default',
  description:
    "coarse to fine (256, 362, 512 px; 12 + 8 + 28 steps), L-BFGS from the content image, neural-style's loss weights",
  loss: Object.freeze({
    contentLayers: [{ layer: 'conv4_2', weight: 1 }],
    styleLayers: STYLE_LAYERS.map((layer) => ({ layer, weight: 1 })),
    contentWeight: 5,
    styleWeight: 100,
    tvWeight: 0,
    pooling: 'max',
    normalization: 'mean',
  } satisfies LossSpec),
  optimizer: 'lbfgs',
  lr: 2.0,
  iterations: 48,
  init: 'content',
  noiseRatio: 0.6,
  noiseRange: 20,
  size: Object.freeze({ maxSide: 512 }),
  styleSize: 'longest',
  scales: 3,
  minSize: 256,
  stepShares: [12, 8, 28],
  tolerance: 1e-3,
  contentDetail: false,
  lbfgsHistory: 30,
  lbfgsCarry: true,
  lbfgsSmoothing: 0,
  lbfgsSmoothingLevels: 3,
} satisfies Preset);

/** The built-in presets by name. */
export const presets: Readonly<Record<PresetName, Preset>> = Object.freeze({
  cs20: CS20_PRESET,
  default: DEFAULT_PRESET,
});

/** The preset names, in the order help texts list them. */
export const PRESET_NAMES: readonly PresetName[] = ['default', 'cs20'];
