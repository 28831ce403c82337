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

/** A symmetric positive-definite linear map M on vectors. */
export interface Preconditioner {
  /** M v (a new array). */
  apply(v: Float32Array): Float32Array;
  /** v . M v. */
  quadratic(v: Float32Array): number;
}

/** Centred box mean of 2r + 1 taps along each row of one plane (zero outside). */
function boxRows(src: Float32Array, dst: Float32Array, off: number, width: number, height: number, r: number): void {
  const k = 1 / (2 * r + 1);
  for (let y = 0; y < height; y++) {
    const base = off + y * width;
    let acc = 0;
    for (let i = 0; i < Math.min(r, width); i++) acc += src[base + i]!;
    for (let i = 0; i < width; i++) {
      if (i + r < width) acc += src[base + i + r]!;
      dst[base + i] = acc * k;
      if (i - r >= 0) acc -= src[base + i - r]!;
    }
  }
}

/** The same along each column, a whole row at a time (cache-friendly); `acc` holds `width` floats. */
function boxColumns(
  src: Float32Array,
  dst: Float32Array,
  off: number,
  width: number,
  height: number,
  r: number,
  acc: Float64Array,
): void {
  const k = 1 / (2 * r + 1);
  acc.fill(0);
  for (let j = 0; j < Math.min(r, height); j++) {
    const row = off + j * width;
    for (let x = 0; x < width; x++) acc[x] = acc[x]! + src[row + x]!;
  }
  // One pass over x per row (add the entering row, output, drop the leaving one): per element the
  // same operations in the same order as three passes, at a third of the memory traffic.
  for (let y = 0; y < height; y++) {
    const out = off + y * width;
    const add = off + (y + r) * width;
    const drop = off + (y - r) * width;
    const adding = y + r < height;
    const dropping = y - r >= 0;
    if (adding && dropping) {
      for (let x = 0; x < width; x++) {
        const v = acc[x]! + src[add + x]!;
        dst[out + x] = v * k;
        acc[x] = v - src[drop + x]!;
      }
    } else if (adding) {
      for (let x = 0; x < width; x++) {
        const v = acc[x]! + src[add + x]!;
        dst[out + x] = v * k;
        acc[x] = v;
      }
    } else if (dropping) {
      for (let x = 0; x < width; x++) {
        const v = acc[x]!;
        dst[out + x] = v * k;
        acc[x] = v - src[drop + x]!;
      }
    } else {
      for (let x = 0; x < width; x++) dst[out + x] = acc[x]! * k;
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
  const off = gain === 0 || levels === 0;
  /** C_r v per plane into b (a is scratch): a box of radius r twice per axis is T_r = C_r C_r, C_r = one box per axis. */
  const once = (v: Float32Array, a: Float32Array, b: Float32Array, acc: Float64Array, r: number): void => {
    for (let p = 0; p < planes; p++) {
      boxRows(v, a, p * plane, width, height, r);
      boxColumns(a, b, p * plane, width, height, r, acc);
    }
  };
  return {
    apply(v: Float32Array): Float32Array {
      const out = Float32Array.from(v);
      if (off) return out;
      const a = new Float32Array(v.length);
      const b = new Float32Array(v.length);
      const acc = new Float64Array(width);
      for (let lv = 1; lv <= levels; lv++) {
        once(v, a, b, acc, 2 ** lv);
        once(b, a, b, acc, 2 ** lv);
        for (let i = 0; i < out.length; i++) out[i] = out[i]! + gain * b[i]!;
      }
      return out;
    },
    quadratic(v: Float32Array): number {
      let sum = 0;
      for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
      if (off) return sum;
      const a = new Float32Array(v.length);
      const b = new Float32Array(v.length);
      const acc = new Float64Array(width);
      // v . T_r v = |C_r v|^2 (C_r symmetric): half the passes of apply.
      for (let lv = 1; lv <= levels; lv++) {
        once(v, a, b, acc, 2 ** lv);
        let level = 0;
        for (let i = 0; i < b.length; i++) level += b[i]! * b[i]!;
        sum += gain * level;
      }
      return sum;
    },
  };
}
