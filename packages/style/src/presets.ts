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
 * The main preset: neural-style's objective (style 100, no TV, 'mean'
 * normalisation, max pooling) but content weight 6.5 instead of its 5,
 * optimised coarse to fine with L-BFGS from the content image, 512 px, 38
 * steps in total over 2 scales (256 and 512 px longer side; 16 + 22 steps),
 * L-BFGS keeping 10 pairs, carrying them from scale to scale (lbfgsCarry),
 * with the smoothing preconditioner (lbfgsSmoothing 8 over 3 levels: radii
 * 2, 4, 8 px). Measured with bench/quality.mjs (golden_gate + the_scream,
 * 512 px, scored with neural-style's weights 5 / 100 against its 1000-step
 * output): total 0.975x, style 0.75x, content 1.15x at 28.5
 * evaluation-equivalents of work (sum of evaluated pixels / output pixels;
 * 42 evaluations), 71 s wall for the whole command = 32.9 evaluations of
 * 2.17 s (2 cores, lightly shared). Two styles blended 5:5 (starry_night,
 * the_scream): 29.5 of work, 75.6 s = 35.0 evaluations.
 *
 * Trials (total / style / content ratios at the work given; a run with a
 * longer final scale also gives every shorter one, so several points come
 * from one run): the previous default (3 scales from 256 px, 12 + 8 + 28,
 * 30 pairs) 1.059 / 0.88 / 1.20 at 38.0 and, continued, 1.016 / 0.82 / 1.18 at
 * 44.0 (100 pairs: the same to 0.2 %); with contentDetail 1.061 / 0.88 / 1.21
 * at 38.0. The smoothing preconditioner (gain 8, 3 levels) on that schedule:
 * 0.971 / 0.61 / 1.26 at 32.0, 0.944 / 0.58 / 1.23 at 34.0, 0.870 / 0.49 /
 * 1.17 at 44.0; 4 levels 0.942 / 0.57 / 1.24 at 33.0; without lbfgsCarry
 * 0.986 / 0.68 / 1.23 at 33.5 (worse). On a fresh L-BFGS from the upsampled
 * 362 px image, 8 steps at 512 px reached 2.11e6 (gain 8), 2.22e6 (32),
 * 2.26e6 (128); gains 0.5 and 2 helped less than 8. Two scales from 362 px
 * (8 + 24 steps): 1.016 / 0.72 / 1.25 at 29.0, 0.983 / 0.68 / 1.22 at 31.0;
 * with 10 pairs 0.993 / 0.69 / 1.23 at 31.0 (a third of the optimiser's own
 * time per step). Two scales from 256 px (16 + 24): 0.995 / 0.66 / 1.26 at
 * 28.5, 0.970 / 0.63 / 1.24 at 30.5: content is what binds, so content
 * weight 6.5 (16 + 22): 0.998 / 0.79 / 1.16 at 26.5, 0.975 / 0.75 / 1.15 at
 * 28.5 (chosen); content weight 8 (16 + 20): 0.998 / 0.91 / 1.07 at 26.5
 * (style nearly binds, and less stylised).
 */
export const DEFAULT_PRESET: Preset = Object.freeze({
  name: 'default',
  description:
    "coarse to fine (256, 512 px; 16 + 22 steps), smoothed L-BFGS from the content image, neural-style's loss with content weight 6.5",
  loss: Object.freeze({
    contentLayers: [{ layer: 'conv4_2', weight: 1 }],
    styleLayers: STYLE_LAYERS.map((layer) => ({ layer, weight: 1 })),
    contentWeight: 6.5,
    styleWeight: 100,
    tvWeight: 0,
    pooling: 'max',
    normalization: 'mean',
  } satisfies LossSpec),
  optimizer: 'lbfgs',
  lr: 2.0,
  iterations: 38,
  init: 'content',
  noiseRatio: 0.6,
  noiseRange: 20,
  size: Object.freeze({ maxSide: 512 }),
  styleSize: 'longest',
  scales: 2,
  minSize: 256,
  stepShares: [16, 22],
  tolerance: 1e-3,
  contentDetail: false,
  lbfgsHistory: 10,
  lbfgsCarry: true,
  lbfgsSmoothing: 8,
  lbfgsSmoothingLevels: 3,
} satisfies Preset);

/** The built-in presets by name. */
export const presets: Readonly<Record<PresetName, Preset>> = Object.freeze({
  cs20: CS20_PRESET,
  default: DEFAULT_PRESET,
});

/** The preset names, in the order help texts list them. */
export const PRESET_NAMES: readonly PresetName[] = ['default', 'cs20'];
