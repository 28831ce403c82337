/**
 * A smoothing preconditioner for optimising images: M v = v + gain * sum over
 * levels of T_r v, T_r a separable triangle filter of radius r = 2, 4, 8, ...
 * px (a box of 2r + 1 taps applied twice per axis, zero outside the image) on
 * every plane. Pixel-space gradients are dominated by high frequencies, so
 * plain L-BFGS moves an image's coarse structure slowly; M lets a step move
 * low frequencies up to (1 + gain * levels) times further, as optimising a
 * Laplacian pyramid would. Each T_r is a symmetric Toeplitz matrix B
 * squared (B B^T), so M is symmetric positive definite, as L-BFGS's initial
 * inverse Hessian must be.
 */

/** A symmetric positive-definite linear map on vectors (a new array each call). */
export type Preconditioner = (v: Float32Array) => Float32Array;

/** One centred box sum of 2r + 1 taps along rows (stride 1) or columns (stride width), zero outside; divides by 2r + 1. */
function box(
  src: Float32Array,
  dst: Float32Array,
  off: number,
  n: number,
  stride: number,
  lines: number,
  lineStride: number,
  r: number,
): void {
  const k = 1 / (2 * r + 1);
  for (let l = 0; l < lines; l++) {
    const base = off + l * lineStride;
    let acc = 0;
    for (let i = 0; i < Math.min(r, n); i++) acc += src[base + i * stride]!;
    for (let i = 0; i < n; i++) {
      const add = i + r;
      if (add < n) acc += src[base + add * stride]!;
      dst[base + i * stride] = acc * k;
      const drop = i - r;
      if (drop >= 0) acc -= src[base + drop * stride]!;
    }
  }
}

/**
 * The preconditioner for `planes` planes of `width` x `height` (plane-major):
 * `levels` triangle filters of radius 2, 4, ..., 2^levels px with weight
 * `gain` each (gain 0 or levels 0: the identity).
 */
export function smoothingPreconditioner(
  width: number,
  height: number,
  planes: number,
  gain: number,
  levels: number,
): Preconditioner {
  const plane = width * height;
  return (v: Float32Array): Float32Array => {
    const out = Float32Array.from(v);
    if (gain === 0 || levels === 0) return out;
    const a = new Float32Array(v.length);
    const b = new Float32Array(v.length);
    for (let lv = 1; lv <= levels; lv++) {
      const r = 2 ** lv;
      for (let p = 0; p < planes; p++) {
        const off = p * plane;
        // Rows twice, then columns twice: (B B) along x times (B B) along y.
        box(v, a, off, width, 1, height, width, r);
        box(a, b, off, width, 1, height, width, r);
        box(b, a, off, height, width, width, 1, r);
        box(a, b, off, height, width, width, 1, r);
      }
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + gain * b[i]!;
    }
    return out;
  };
}
