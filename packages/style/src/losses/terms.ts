/**
 * The loss terms as graph pieces. Each returns its scalar value and a backward
 * function giving `seed * d(term)/d(input)`, so weights fold into one scalar.
 */
import type { GraphBuilder, Value } from '../graph/builder.js';
import { sizeOf } from '../graph/builder.js';
import { gram, gramBackward } from '../graph/rules.js';
import type { LossSpec } from './spec.js';

/** A scalar loss term and its gradient w.r.t. the term's input, times `seed`. */
export interface LossTerm {
  value: Value;
  backward(seed: number): Value;
}

type Normalization = LossSpec['normalization'];

/**
 * Content term of features F against target P (same NCHW shape):
 * cs20: sum((F-P)^2) / (4 * size(P)); mean: sum((F-P)^2) / size(P).
 * Gradient: 2 k (F - P).
 */
export function contentTerm(b: GraphBuilder, f: Value, p: Value, normalization: Normalization): LossTerm {
  const size = sizeOf(p.dims);
  const k = normalization === 'cs20' ? 1 / (4 * size) : 1 / size;
  const diff = b.sub(f, p);
  return { value: b.scale(b.sumSquares(diff), k), backward: (seed) => b.scale(diff, 2 * k * seed) };
}

/**
 * Style term of features F (NCHW, N = C channels, M = H*W positions) against a
 * target Gram per position A (`[C, C]`, = Gram / M of the style image):
 * with Ĝ = F F^T / M, cs20: sum((Ĝ - A)^2) / (4 N^2), which equals the seed's
 * sum((G - A_raw)^2) / (2NM)^2 when both images have the same size;
 * mean: sum((Ĝ - A)^2) / N^4 (= mean(((G - A_raw)/(N M))^2)).
 */
export function styleTerm(b: GraphBuilder, f: Value, a: Value, normalization: Normalization): LossTerm {
  const n = f.dims[1]!;
  const k = normalization === 'cs20' ? 1 / (4 * n * n) : 1 / (n * n * n * n);
  const { gram: g, x } = gram(b, f);
  const diff = b.sub(g, a);
  return {
    value: b.scale(b.sumSquares(diff), k),
    // dE/dĜ = 2k(Ĝ - A) is symmetric: gramBackward can skip the transpose.
    backward: (seed) => gramBackward(b, b.scale(diff, 2 * k * seed), x, f.dims, true),
  };
}

/**
 * Total variation of an NCHW image: sum of squared differences between vertical
 * and between horizontal neighbours (cs20), or the mean of each of the two sums
 * over its count of differences, added (mean). A side of 1 px contributes nothing.
 */
export function tvTerm(b: GraphBuilder, x: Value, normalization: Normalization): LossTerm {
  const [, c, h, w] = x.dims as [number, number, number, number];
  const parts: { diff: Value; k: number; axis: 2 | 3 }[] = [];
  if (h > 1)
    parts.push({
      diff: b.sub(b.slice(x, 2, 1, h), b.slice(x, 2, 0, h - 1)),
      k: normalization === 'cs20' ? 1 : 1 / (c * (h - 1) * w),
      axis: 2,
    });
  if (w > 1)
    parts.push({
      diff: b.sub(b.slice(x, 3, 1, w), b.slice(x, 3, 0, w - 1)),
      k: normalization === 'cs20' ? 1 : 1 / (c * h * (w - 1)),
      axis: 3,
    });
  const sums = parts.map((p) => b.scale(b.sumSquares(p.diff), p.k));
  const value = sums.length === 0 ? b.scale(b.sumSquares(x), 0) : sums.reduce((acc, v) => b.add(acc, v));
  return {
    value,
    backward: (seed) => {
      // d/dx of sum (x[i+1] - x[i])^2: +2d at index i+1, -2d at index i.
      const grads = parts.map(({ diff, k, axis }) => {
        const after = axis === 2 ? b.pad2d(diff, 1, 0, 0, 0) : b.pad2d(diff, 0, 0, 1, 0);
        const before = axis === 2 ? b.pad2d(diff, 0, 1, 0, 0) : b.pad2d(diff, 0, 0, 0, 1);
        return b.scale(b.sub(after, before), 2 * k * seed);
      });
      return grads.length === 0 ? b.scale(x, 0) : grads.reduce((acc, g) => b.add(acc, g));
    },
  };
}

/**
 * Guided style term (Gatys et al. 2017, "Controlling perceptual factors in
 * neural style transfer"): the Gram of the features weighted by a spatial
 * guide, against a target Gram per position A ([C, C]). `m` ([1,1,h,w]) is the
 * guide at this layer's size already divided by sqrt(sum of its squares), so
 * G = (F m)(F m)^T is a Gram per (guide-weighted) position, comparable with
 * A; an all-ones guide gives exactly {@link styleTerm}. Same normalisations.
 */
export function guidedStyleTerm(b: GraphBuilder, f: Value, m: Value, a: Value, normalization: Normalization): LossTerm {
  const [, n, h, w] = f.dims as [number, number, number, number];
  const k = normalization === 'cs20' ? 1 / (4 * n * n) : 1 / (n * n * n * n);
  const x = b.reshape(b.mulPositions(f, m), [n, h * w]);
  const diff = b.sub(b.matmul(x, x, true), a);
  return {
    value: b.scale(b.sumSquares(diff), k),
    // dE/dG = 2k(G - A) is symmetric, so dE/dX = 2 dE/dG X; then through the guide.
    backward: (seed) => b.mulPositions(b.reshape(b.matmul(b.scale(diff, 4 * k * seed), x), f.dims), m),
  };
}
