/** The image the optimisation starts from. */
import { uniformNoise } from './random.js';

/**
 * 'content' = the content image; 'noise' = uniform noise; 'mix' = noiseRatio *
 * noise + (1 - noiseRatio) * content; 'image' = a given image (`initImage`).
 */
export type InitMode = 'content' | 'noise' | 'mix' | 'image';

/** The init modes, in the order messages list them. */
export const INIT_MODES: readonly InitMode[] = ['content', 'noise', 'mix', 'image'];

/** Options for {@link initialImage}. */
export interface InitOptions {
  mode: InitMode;
  /** 32-bit seed of the noise. */
  seed: number;
  /** Noise is uniform in [-noiseRange, noiseRange), in pixel levels (0..255 units); cs20: 20. */
  noiseRange: number;
  /** Share of noise in 'mix'; cs20: 0.6. */
  noiseRatio: number;
  /** The start for mode 'image', preprocessed like `content` and of its size. */
  image?: Float32Array;
}

/**
 * The initial image, preprocessed like `content` (NCHW, mean-subtracted), as
 * the seed's generate_noise_image: the noise is added in mean-subtracted space,
 * so 'noise' alone is a grey (mean-coloured) image with +-noiseRange speckle.
 * Deterministic for a given seed.
 */
export function initialImage(content: Float32Array, o: InitOptions): Float32Array {
  if (o.mode === 'content') return Float32Array.from(content);
  if (o.mode === 'image') {
    if (o.image?.length !== content.length) {
      throw new RangeError(`initialImage: mode 'image' needs an image of ${content.length} values`);
    }
    return Float32Array.from(o.image);
  }
  const noise = uniformNoise(content.length, o.noiseRange, o.seed);
  if (o.mode === 'noise') return noise;
  const r = o.noiseRatio;
  for (let i = 0; i < noise.length; i++) noise[i] = noise[i]! * r + content[i]! * (1 - r);
  return noise;
}
