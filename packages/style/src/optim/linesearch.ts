/**
 * A line search for the strong Wolfe conditions (Nocedal & Wright, Numerical
 * Optimization, algorithms 3.5 and 3.6, with the safeguarded cubic steps of
 * minFunc): first bracket an acceptable step, growing it at most 10x per
 * evaluation, then zoom into the bracket. It cannot diverge: every step it
 * returns lowers the loss by at least c1 * t * |g.d| (Armijo), a non-finite loss
 * at a trial point counts as "too far", and the number of evaluations is bounded.
 */
import type { LossAndGradient } from './types.js';

/** Options of {@link strongWolfe}. */
export interface LineSearchOptions {
  /** Sufficient-decrease constant; default 1e-4. */
  c1: number;
  /** Curvature constant; default 0.9 (loose, as usual for quasi-Newton methods). */
  c2: number;
  /** Most evaluations per line search; default 20. */
  maxEvaluations: number;
  /** Stop zooming when the bracket moves x by less than this (max-norm); default 1e-9. */
  tolerance: number;
}

/** A trial point of the search. */
export interface Trial<E extends LossAndGradient> {
  /** Step length along d. */
  t: number;
  /** Loss (Infinity when not finite). */
  f: number;
  /** Directional derivative g(t).d (NaN when not finite). */
  gtd: number;
  /** The evaluation, or undefined for t = 0 (the starting point). */
  at: E | undefined;
}

/** Result: the best point found (t = 0 when none lowered the loss). */
export interface LineSearchResult<E extends LossAndGradient> {
  best: Trial<E>;
  /** True when the strong Wolfe conditions hold at `best`. */
  wolfe: boolean;
  evaluations: number;
}

/**
 * Searches along a descent direction d with g0.d = gtd0 < 0 from loss f0,
 * starting with step t. `evalAt(t)` evaluates at x0 + t * d. `dNorm` is
 * max |d[i]|, used for the tolerance.
 */
export async function strongWolfe<E extends LossAndGradient>(
  evalAt: (t: number) => Promise<Trial<E>>,
  f0: number,
  gtd0: number,
  t: number,
  dNorm: number,
  o: LineSearchOptions,
): Promise<LineSearchResult<E>> {
  const armijo = (p: Trial<E>): boolean => Number.isFinite(p.f) && p.f <= f0 + o.c1 * p.t * gtd0 && p.f < f0;
  const curvature = (p: Trial<E>): boolean => Math.abs(p.gtd) <= -o.c2 * gtd0;

  const start: Trial<E> = { t: 0, f: f0, gtd: gtd0, at: undefined };
  let prev = start;
  let cur = await evalAt(t);
  let evals = 1;
  let lo: Trial<E>;
  let hi: Trial<E>;

  // Bracketing phase.
  for (;;) {
    if (!armijo(cur) || !Number.isFinite(cur.gtd) || (prev !== start && cur.f >= prev.f)) {
      lo = prev;
      hi = cur;
      break;
    }
    if (curvature(cur)) return { best: cur, wolfe: true, evaluations: evals };
    if (cur.gtd >= 0) {
      // Past the minimum along d: it lies between cur and prev.
      lo = cur;
      hi = prev;
      break;
    }
    if (evals >= o.maxEvaluations) return { best: cur, wolfe: false, evaluations: evals };
    const minStep = cur.t + 0.01 * (cur.t - prev.t);
    const maxStep = cur.t * 10;
    const next = cubicMinimum(prev, cur, minStep, maxStep);
    prev = cur;
    cur = await evalAt(next);
    evals += 1;
  }

  // Zoom phase: lo always satisfies Armijo (or is the start), and the minimum lies between lo and hi.
  while (evals < o.maxEvaluations) {
    const width = Math.abs(hi.t - lo.t);
    if (width * dNorm < o.tolerance) break;
    const a = Math.min(lo.t, hi.t);
    const b = Math.max(lo.t, hi.t);
    let next = Number.isFinite(hi.f) && Number.isFinite(hi.gtd) ? cubicMinimum(lo, hi, a, b) : (a + b) / 2;
    // Keep away from the ends so that the bracket shrinks by at least 10 % per step.
    const margin = 0.1 * width;
    if (next < a + margin || next > b - margin)
      next = Math.abs(next - a) < Math.abs(next - b) ? a + margin : b - margin;
    const trial = await evalAt(next);
    evals += 1;
    if (!armijo(trial) || !Number.isFinite(trial.gtd) || trial.f >= lo.f) {
      hi = trial;
    } else {
      if (curvature(trial)) return { best: trial, wolfe: true, evaluations: evals };
      if (trial.gtd * (hi.t - lo.t) >= 0) hi = lo;
      lo = trial;
    }
  }
  return { best: lo, wolfe: false, evaluations: evals };
}

/**
 * Minimiser of the cubic through two points with their derivatives, clamped
 * to [lo, hi]; the midpoint when the cubic has no minimum there.
 */
export function cubicMinimum(
  p: { t: number; f: number; gtd: number },
  q: { t: number; f: number; gtd: number },
  lo: number,
  hi: number,
): number {
  const d1 = p.gtd + q.gtd - (3 * (p.f - q.f)) / (p.t - q.t);
  const disc = d1 * d1 - p.gtd * q.gtd;
  if (disc >= 0) {
    const d2 = Math.sign(q.t - p.t) * Math.sqrt(disc);
    const t = q.t - (q.t - p.t) * ((q.gtd + d2 - d1) / (q.gtd - p.gtd + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}
