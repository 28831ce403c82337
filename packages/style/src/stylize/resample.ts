/**
 * Portable float resampling of image planes: what coarse-to-fine needs inside
 * the optimisation (upsampling the previous scale's image and Adam's moments,
 * and the guides per layer), where the injected 8-bit resize would quantise.
 */

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** Per output index: the first source index and the normalised weights (pixel-centre aligned). */
function taps(from: number, to: number): { start: Int32Array; weights: Float32Array[] } {
  const scale = from / to;
  // Downsampling widens the kernel (antialiasing), as libvips does.
  const support = 3 * Math.max(1, scale);
  const stretch = Math.max(1, scale);
  const start = new Int32Array(to);
  const weights: Float32Array[] = [];
  for (let i = 0; i < to; i++) {
    const centre = (i + 0.5) * scale - 0.5;
    const lo = Math.ceil(centre - support);
    const hi = Math.floor(centre + support);
    const w = new Float32Array(hi - lo + 1);
    let sum = 0;
    for (let j = lo; j <= hi; j++) {
      const v = lanczos3((j - centre) / stretch);
      w[j - lo] = v;
      sum += v;
    }
    for (let j = 0; j < w.length; j++) w[j] = w[j]! / sum;
    start[i] = lo;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Resizes `planes` planes of `width` x `height` floats (plane-major, as NCHW
 * with N = 1) to `toWidth` x `toHeight` with a separable Lanczos-3 filter,
 * edges clamped. Returns a new array.
 */
export function resizePlanes(
  data: Float32Array,
  planes: number,
  width: number,
  height: number,
  toWidth: number,
  toHeight: number,
): Float32Array {
  if (width === toWidth && height === toHeight) return Float32Array.from(data);
  const tx = clampedTaps(width, toWidth);
  const ty = clampedTaps(height, toHeight);
  const out = new Float32Array(planes * toWidth * toHeight);
  const row = new Float32Array(toWidth * height);
  const acc = new Float64Array(toWidth);
  for (let p = 0; p < planes; p++) {
    const src = p * width * height;
    for (let y = 0; y < height; y++) {
      const line = src + y * width;
      for (let x = 0; x < toWidth; x++) {
        const w = tx.weights[x]!;
        const idx = tx.index[x]!;
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k]! * data[line + idx[k]!]!;
        row[y * toWidth + x] = acc;
      }
    }
    const dst = p * toWidth * toHeight;
    for (let y = 0; y < toHeight; y++) {
      const w = ty.weights[y]!;
      const idx = ty.index[y]!;
      // Row by row (cache-friendly), each sum still in float64 and in tap order.
      acc.fill(0);
      for (let k = 0; k < w.length; k++) {
        const wk = w[k]!;
        const base = idx[k]! * toWidth;
        for (let x = 0; x < toWidth; x++) acc[x] = acc[x]! + wk * row[base + x]!;
      }
      out.set(acc, dst + y * toWidth);
    }
  }
  return out;
}

/** {@link taps} with each tap's source index clamped to the edge, cached per (from, to): L-BFGS resamples many vectors of one size. */
function clampedTaps(from: number, to: number): { index: Int32Array[]; weights: Float32Array[] } {
  const key = `${from}>${to}`;
  let t = tapCache.get(key);
  if (t === undefined) {
    const { start, weights } = taps(from, to);
    const index = weights.map((w, i) => Int32Array.from(w, (_, k) => Math.min(from - 1, Math.max(0, start[i]! + k))));
    t = { index, weights };
    if (tapCache.size >= 16) tapCache.delete(tapCache.keys().next().value as string);
    tapCache.set(key, t);
  }
  return t;
}
const tapCache = new Map<string, { index: Int32Array[]; weights: Float32Array[] }>();

/**
 * One 2x2/2 average pooling of a single plane, as the network pools: 'floor'
 * drops an odd last row/column, 'ceil' keeps it and averages only the
 * elements inside (TF SAME).
 */
export function poolPlane(
  data: Float32Array,
  width: number,
  height: number,
  rounding: 'floor' | 'ceil',
): { data: Float32Array; width: number; height: number } {
  const ow = rounding === 'ceil' ? Math.ceil(width / 2) : Math.floor(width / 2);
  const oh = rounding === 'ceil' ? Math.ceil(height / 2) : Math.floor(height / 2);
  const out = new Float32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const yy = 2 * y + dy;
          const xx = 2 * x + dx;
          if (yy < height && xx < width) {
            sum += data[yy * width + xx]!;
            n++;
          }
        }
      }
      out[y * ow + x] = sum / n;
    }
  }
  return { data: out, width: ow, height: oh };
}
