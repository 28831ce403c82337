/**
 * Total variation of a whole NCHW image in TypeScript: two passes over the
 * pixels, cheap next to the network, so the tile graphs leave it out.
 */
import type { LossSpec } from '../losses/spec.js';

/**
 * The TV term of `image` ([1, c, h, w]) as {@link tvTerm} in losses/terms.ts
 * defines it ('cs20': plain sums of squared neighbour differences; 'mean': each
 * direction's sum over its count), and adds `weight` * d(tv)/d(image) into `grad`.
 * Sums in float64. Returns the term's value.
 */
export function addTotalVariation(
  image: Float32Array,
  c: number,
  h: number,
  w: number,
  normalization: LossSpec['normalization'],
  weight: number,
  grad: Float32Array | null,
): number {
  const kv = h > 1 ? (normalization === 'cs20' ? 1 : 1 / (c * (h - 1) * w)) : 0;
  const kh = w > 1 ? (normalization === 'cs20' ? 1 : 1 / (c * h * (w - 1))) : 0;
  let sv = 0;
  let sh = 0;
  const gv = 2 * kv * weight;
  const gh = 2 * kh * weight;
  const update = grad !== null && weight !== 0;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      const row = base + y * w;
      for (let x = 0; x < w; x++) {
        const i = row + x;
        const v = image[i]!;
        if (x + 1 < w) {
          const d = image[i + 1]! - v;
          sh += d * d;
          if (update) {
            grad[i + 1] = grad[i + 1]! + gh * d;
            grad[i] = grad[i]! - gh * d;
          }
        }
        if (y + 1 < h) {
          const d = image[i + w]! - v;
          sv += d * d;
          if (update) {
            grad[i + w] = grad[i + w]! + gv * d;
            grad[i] = grad[i]! - gv * d;
          }
        }
      }
    }
  }
  return kv * sv + kh * sh;
}
