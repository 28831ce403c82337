/** Small dense-vector helpers; dot products accumulate in float64. */
import { StyleError } from '../errors.js';
import type { LossAndGradient } from './types.js';

/** Sum of a[i] * b[i], accumulated in float64. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** max |a[i]| (NaN if any element is NaN). */
export function normInf(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (!(v <= m)) m = v;
    if (Number.isNaN(v)) return Number.NaN;
  }
  return m;
}

/** Index of the first non-finite element, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/**
 * Throws StyleError 'RUNTIME' if the loss or gradient of an evaluation the
 * optimiser must use is not finite: continuing would only produce garbage.
 */
export function checkEvaluation(e: LossAndGradient, length: number, who: string, iteration: number): void {
  if (!(e.gradient instanceof Float32Array) || e.gradient.length !== length) {
    const got = e.gradient instanceof Float32Array ? `length ${e.gradient.length}` : typeof e.gradient;
    throw new StyleError('RUNTIME', `${who}: the gradient must be a Float32Array of length ${length} but is ${got}`);
  }
  if (!Number.isFinite(e.loss)) {
    throw new StyleError(
      'RUNTIME',
      `${who}: the loss is ${e.loss} at iteration ${iteration}; the optimisation diverged (try a smaller learning rate)`,
    );
  }
  const bad = firstNonFinite(e.gradient);
  if (bad >= 0) {
    throw new StyleError(
      'RUNTIME',
      `${who}: the gradient is not finite at iteration ${iteration} (element ${bad} is ${e.gradient[bad]}); ` +
        'the optimisation diverged (try a smaller learning rate)',
    );
  }
}
