/** Comparison helpers of the tiled-evaluation tests. */
import assert from 'node:assert/strict';
import type { Evaluation } from '../src/runtime/style-model.js';

/** Cosine of two vectors (float64 sums). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** |a - b| / max(|a|, |b|). */
export function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30);
}

/** Asserts loss terms within `tol` relative and gradient cosine above `minCos`; returns the cosine. */
export function assertClose(tiled: Evaluation, full: Evaluation, tol: number, minCos: number): number {
  for (const k of ['content', 'style', 'tv', 'total'] as const) {
    assert.ok(relative(tiled[k], full[k]) <= tol, `${k}: tiled ${tiled[k]} vs untiled ${full[k]}`);
  }
  const cos = cosine(tiled.gradient, full.gradient);
  assert.ok(cos > minCos, `gradient cosine ${cos}`);
  return cos;
}
