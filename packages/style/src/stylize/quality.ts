/**
 * The quality scorer: neural-style's objective with its defaults, as issue #9
 * defines it, on an 8-bit image: content = mean over elements of (F - P)^2 at
 * relu4_2, weight 5; style = sum over relu1_1 .. relu5_1 of the mean over
 * elements of (G/(C H W) - A/(C H W))^2, weight 100 each; max pooling; the
 * content image resized to the image's size and each style image's longer side
 * made the image's, both with the environment's resize (Lanczos-3 in Node).
 * That is the engine's 'mean' normalisation with contentWeight 5, styleWeight
 * 100, tvWeight 0 and max pooling, evaluated in one forward pass (a loss-only
 * graph). Portable, like the core.
 */
import type { LossSpec } from '../losses/spec.js';
import { fromPixels } from '../image/preprocess.js';
import type { VggVariant } from '../network/vgg.js';
import { StyleModel, type Targets } from '../runtime/style-model.js';
import type { VggWeights } from '../weights/types.js';
import { blendTargets, styleSizeAt, type RgbImage, type StyleEnvironment } from './core.js';
import { normaliseBlend } from './settings.js';

/** neural-style's default objective (see the module comment). */
export const QUALITY_LOSS: Readonly<LossSpec> = Object.freeze({
  contentLayers: [{ layer: 'conv4_2', weight: 1 }],
  styleLayers: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'].map((layer) => ({ layer, weight: 1 })),
  contentWeight: 5,
  styleWeight: 100,
  tvWeight: 0,
  pooling: 'max',
  normalization: 'mean',
});

/** A score: the weighted terms (lower is better). */
export interface QualityScore {
  /** 5 x mean (F - P)^2 at relu4_2. */
  content: number;
  /** 100 x sum over the five layers of mean((G - A)/(C H W))^2 (blended targets for several styles). */
  style: number;
  /** content + style. */
  total: number;
  /** Size of the scored image, px. */
  width: number;
  height: number;
}

/** Options of {@link scoreQuality}. */
export interface ScoreQualityOptions {
  env: StyleEnvironment;
  weights: VggWeights;
  variant?: VggVariant;
  /** The image to score, 8-bit RGB as written. */
  image: RgbImage;
  /** The content image at any size (resized to the image's). */
  content: RgbImage;
  /** The style images at any size (longer side set to the image's). */
  styles: readonly RgbImage[];
  /** Blend weights of the styles (normalised); default equal. */
  styleBlendWeights?: readonly number[];
  threads?: number;
}

/** Scores one image; see the module comment. */
export async function scoreQuality(o: ScoreQualityOptions): Promise<QualityScore> {
  const { width, height } = o.image;
  const model = await StyleModel.create({
    weights: o.weights,
    ...(o.variant === undefined ? {} : { variant: o.variant }),
    width,
    height,
    loss: { ...QUALITY_LOSS },
    runtime: o.env.runtime,
    gradient: false,
    ...(o.threads === undefined ? {} : { threads: o.threads }),
  });
  try {
    const content =
      o.content.width === width && o.content.height === height
        ? o.content
        : await o.env.resize(o.content, width, height, 'fill');
    const ct = await model.contentTargets(fromPixels(content.pixels, width, height));
    const targets: Targets[] = [];
    for (const style of o.styles) {
      const size = styleSizeAt(style, width, height, { styleSize: 'longest', styleScale: 1 });
      const img =
        style.width === size.width && style.height === size.height
          ? style
          : await o.env.resize(style, size.width, size.height, 'fill');
      targets.push(await model.styleTargets(fromPixels(img.pixels, img.width, img.height), img.height, img.width));
    }
    const st = blendTargets(targets, normaliseBlend(o.styleBlendWeights, o.styles.length));
    const e = await model.evaluate(fromPixels(o.image.pixels, width, height), ct, st);
    const c = QUALITY_LOSS.contentWeight * e.content;
    const s = QUALITY_LOSS.styleWeight * e.style;
    return { content: c, style: s, total: c + s, width, height };
  } finally {
    await model.release();
  }
}
