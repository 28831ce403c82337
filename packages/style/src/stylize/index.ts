/**
 * Style transfer: `stylize` (Node: paths, bytes or raw pixels in, sharp and
 * onnxruntime-node underneath), the reusable {@link createStylizer}, the
 * portable core for other platforms, and the quality scorer.
 */
import { decodeImage, type ImageSource } from '../image/load.js';
import { loadWeights } from '../weights/load.js';
import type { VggWeights } from '../weights/types.js';
import { weightsVariant } from '../weights/vgg.js';
import { nodeEnvironment } from './node-env.js';
import { scoreQuality, type QualityScore } from './quality.js';
import type { StylizeResult } from './settings.js';
import { createStylizer, type StylizeOptions } from './stylizer.js';

/**
 * Runs a style transfer; see StylizeOptions and stylize/core.ts. Throws
 * StyleError: INVALID_OPTION (bad option, named as in the options), IMAGE
 * (missing, unreadable, unsupported or too small images), WEIGHTS /
 * WEIGHTS_MISSING (with instructions), RUNTIME, ABORTED (unless onAbort is
 * 'return', which resolves with the best image so far).
 */
export async function stylize(o: StylizeOptions): Promise<StylizeResult> {
  const { content, ...rest } = o;
  // One image is a Stylizer's simplest case; using it keeps a single code path.
  const stylizer = await createStylizer(rest);
  try {
    return await stylizer.run(content, 'content image');
  } finally {
    await stylizer.close();
  }
}

/** Options of {@link scoreImage}. */
export interface ScoreImageOptions {
  /** The image to score (as written: 8-bit). */
  image: ImageSource;
  content: ImageSource;
  style: ImageSource | readonly ImageSource[];
  styleBlendWeights?: readonly number[];
  /** Loaded weights or a path to them (model.json, folder or .h5). */
  weights: VggWeights | string;
  threads?: number;
}

/** Node convenience over scoreQuality: decodes the images with sharp and scores with onnxruntime-node. */
export async function scoreImage(o: ScoreImageOptions): Promise<QualityScore> {
  const weights = typeof o.weights === 'string' ? await loadWeights(o.weights) : o.weights;
  const rgb = async (s: ImageSource, name: string) => {
    const d = await decodeImage(s, { name });
    return { pixels: d.pixels, width: d.width, height: d.height };
  };
  const styles = Array.isArray(o.style) ? (o.style as readonly ImageSource[]) : [o.style as ImageSource];
  return scoreQuality({
    env: nodeEnvironment,
    weights,
    variant: weightsVariant(weights),
    image: await rgb(o.image, 'image'),
    content: await rgb(o.content, 'content image'),
    styles: await Promise.all(styles.map((s, i) => rgb(s, `style image ${i + 1}`))),
    ...(o.styleBlendWeights === undefined ? {} : { styleBlendWeights: o.styleBlendWeights }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
  });
}

export { createStylizer } from './stylizer.js';
export type { Stylizer, StylizerOptions, StylizerRunOptions, StylizerDescription, StylizeOptions } from './stylizer.js';
