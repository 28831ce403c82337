/**
 * Limited-memory BFGS (Nocedal & Wright, algorithm 7.4 and 7.5): the two-loop
 * recursion over the last `history` pairs (s, y), scaled by gamma = s.y / y.y,
 * with a strong Wolfe line search ({@link strongWolfe}). Safeguards, because a
 * style-transfer loss is only roughly smooth and an evaluation costs a whole
 * network pass:
 * - every accepted step lowers the loss (the line search returns no other);
 * - the memory is reset when the curvature y.s is not positive, or when the
 *   direction is not a descent direction (then it steps along -g);
 * - when no decrease is found, one retry along -g with a fresh memory, then
 *   `converged` is set and x is left unchanged;
 * - a non-finite loss or gradient at the starting point is an error; at a
 *   trial point it only means the step was too long.
 */
import { checkInteger, checkNumber } from '../validate.js';
import { strongWolfe, type LineSearchOptions, type Trial } from './linesearch.js';
import { project, type Bounds, type LossAndGradient, type Objective, type Optimizer } from './types.js';
import type { Preconditioner } from './smooth.js';
import { checkEvaluation, dot, firstNonFinite, normInf } from './vector.js';

/** Options for {@link LBFGS}. */
export interface LBFGSOptions {
  /** Pairs (s, y) kept; default 10. */
  history?: number;
  /** Most loss evaluations per iteration (line search); default 20. */
  maxEvaluations?: number;
  /**
   * Length of the first step along -g, as the largest change of any element of
   * x (in units of x, e.g. pixel levels); default 1. Later steps are scaled by
   * the curvature seen so far and start at t = 1.
   */
  initialStep?: number;
  /** Armijo constant; default 1e-4. */
  c1?: number;
  /** Curvature constant of the strong Wolfe conditions; default 0.9. */
  c2?: number;
  /** Converged when max |g| is at most this; default 1e-7. */
  gradientTolerance?: number;
  /** Converged when a step changes the loss by less than this (absolute); default 0 (off). */
  lossTolerance?: number;
  /**
   * Box constraints (projected L-BFGS): directions drop the components that
   * would leave the box at an active bound, and every trial point is clipped
   * into it, so every evaluated and accepted x is feasible.
   */
  bounds?: Bounds;
  /**
   * The initial inverse Hessian's shape: H0 = gamma * M (M symmetric positive
   * definite, e.g. optim/smooth.ts; gamma = s.y / y.M.y of the newest pair),
   * also the direction -M g when the memory is empty. Default: none (M = I).
   */
  preconditioner?: Preconditioner;
}

/** L-BFGS with a strong Wolfe line search; see the module comment. */
export class LBFGS implements Optimizer {
  readonly name = 'lbfgs';
  readonly history: number;
  readonly initialStep: number;
  readonly gradientTolerance: number;
  readonly lossTolerance: number;
  private readonly search: LineSearchOptions;
  private s: Float32Array[] = [];
  private y: Float32Array[] = [];
  private rho: number[] = [];
  private gamma = 1;
  private done = false;
  private evals = 0;
  private iteration = 0;
  /** Times the memory was reset (negative curvature, no descent, failed search). */
  resets = 0;
  bounds: Bounds | undefined;
  /** See LBFGSOptions.preconditioner; may change between steps (e.g. per image size). */
  preconditioner: Preconditioner | undefined;

  constructor(options: LBFGSOptions = {}) {
    this.bounds = options.bounds;
    this.preconditioner = options.preconditioner;
    this.history = options.history === undefined ? 10 : checkInteger('history', options.history, 1, 1000);
    const maxEvaluations =
      options.maxEvaluations === undefined ? 20 : checkInteger('maxEvaluations', options.maxEvaluations, 1, 1000);
    this.initialStep =
      options.initialStep === undefined
        ? 1
        : checkNumber('initialStep', options.initialStep, 0, Number.MAX_VALUE, true);
    const c1 = options.c1 === undefined ? 1e-4 : checkNumber('c1', options.c1, 0, 1, true);
    const c2 = options.c2 === undefined ? 0.9 : checkNumber('c2', options.c2, c1, 1, true);
    this.gradientTolerance =
      options.gradientTolerance === undefined
        ? 1e-7
        : checkNumber('gradientTolerance', options.gradientTolerance, 0, Number.MAX_VALUE);
    this.lossTolerance =
      options.lossTolerance === undefined
        ? 0
        : checkNumber('lossTolerance', options.lossTolerance, 0, Number.MAX_VALUE);
    this.search = { c1, c2, maxEvaluations, tolerance: 1e-9 };
  }

  get converged(): boolean {
    return this.done;
  }

  get evaluations(): number {
    return this.evals;
  }

  /** Pairs currently in memory. */
  get memory(): number {
    return this.s.length;
  }

  /**
   * Carries the memory over to another size of x (coarse to fine): every pair
   * is resized with `resize` (a vector of the old length to the new one) and
   * y is multiplied by `gradientScale` (the gradient's change of scale per
   * element, e.g. old pixels / new pixels for a loss that is a mean over
   * positions). Pairs whose curvature is no longer positive are dropped;
   * gamma comes from the newest pair kept.
   */
  resample(resize: (a: Float32Array) => Float32Array, gradientScale = 1): void {
    const s: Float32Array[] = [];
    const y: Float32Array[] = [];
    const rho: number[] = [];
    let gamma = 1;
    for (let j = 0; j < this.s.length; j++) {
      const sj = resize(this.s[j]!);
      const yj = resize(this.y[j]!);
      for (let i = 0; i < yj.length; i++) yj[i] = yj[i]! * gradientScale;
      const ys = dot(yj, sj);
      const yy = dot(yj, yj);
      if (!(ys > 0) || !(yy > 0) || !Number.isFinite(ys) || !Number.isFinite(yy)) continue;
      s.push(sj);
      y.push(yj);
      rho.push(1 / ys);
      gamma = ys / yy;
    }
    this.s = s;
    this.y = y;
    this.rho = rho;
    this.gamma = gamma;
    this.done = false;
  }

  reset(): void {
    this.clearMemory();
    this.done = false;
    this.iteration = 0;
  }

  private clearMemory(): void {
    this.s = [];
    this.y = [];
    this.rho = [];
    this.gamma = 1;
  }

  async step<E extends LossAndGradient>(x: Float32Array, at: E, evaluate: Objective<E>): Promise<E> {
    checkEvaluation(at, x.length, 'L-BFGS', this.iteration);
    if (this.done) return at;
    if (normInf(at.gradient) <= this.gradientTolerance) {
      this.done = true;
      return at;
    }
    this.iteration += 1;
    let result = await this.tryStep(x, at, evaluate, this.s.length > 0);
    if (result === undefined && this.s.length > 0) {
      // The quasi-Newton direction found nothing: forget the curvature and try -g.
      this.clearMemory();
      this.resets += 1;
      result = await this.tryStep(x, at, evaluate, false);
    }
    if (result === undefined) {
      this.done = true;
      return at;
    }
    if (this.lossTolerance > 0 && at.loss - result.loss < this.lossTolerance) this.done = true;
    return result;
  }

  /** One direction + line search; undefined (x unchanged) when no decrease was found. */
  private async tryStep<E extends LossAndGradient>(
    x: Float32Array,
    at: E,
    evaluate: Objective<E>,
    useMemory: boolean,
  ): Promise<E | undefined> {
    const g = at.gradient;
    let d = useMemory ? this.direction(g) : this.steepest(g);
    if (this.bounds !== undefined) freeDirection(d, x, this.bounds);
    let gtd = dot(g, d);
    if (!(gtd < 0) || firstNonFinite(d) >= 0) {
      // Rounding or a bad pair made the direction useless: start over from -g.
      this.clearMemory();
      this.resets += 1;
      d = this.steepest(g);
      if (this.bounds !== undefined) freeDirection(d, x, this.bounds);
      gtd = dot(g, d);
      useMemory = false;
      if (!(gtd < 0)) return undefined;
    }
    const bounds = this.bounds;
    const dNorm = normInf(d);
    const t0 = useMemory ? 1 : this.initialStep / dNorm;
    const x0 = Float32Array.from(x);
    const evalAt = async (t: number): Promise<Trial<E>> => {
      for (let i = 0; i < x.length; i++) x[i] = x0[i]! + t * d[i]!;
      if (bounds !== undefined) project(x, bounds);
      this.evals += 1;
      const e = await evaluate(x);
      const finite = Number.isFinite(e.loss) && e.gradient.length === x.length && firstNonFinite(e.gradient) < 0;
      return {
        t,
        f: Number.isFinite(e.loss) ? e.loss : Number.POSITIVE_INFINITY,
        gtd: finite ? dot(e.gradient, d) : Number.NaN,
        at: e,
      };
    };
    const { best } = await strongWolfe(evalAt, at.loss, gtd, t0, dNorm, this.search);
    if (best.at === undefined || best.t === 0 || !Number.isFinite(best.gtd)) {
      x.set(x0);
      return undefined;
    }
    // Rebuild x at the accepted step (the last trial may have been another).
    for (let i = 0; i < x.length; i++) x[i] = x0[i]! + best.t * d[i]!;
    if (bounds !== undefined) project(x, bounds);
    this.remember(x, x0, best.at.gradient, g);
    return best.at;
  }

  /** Stores the pair s = x - x0, y = g - g0 if its curvature is positive; else resets. */
  private remember(x: Float32Array, x0: Float32Array, g: Float32Array, g0: Float32Array): void {
    const n = x.length;
    const s = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = x[i]! - x0[i]!;
      y[i] = g[i]! - g0[i]!;
    }
    const ys = dot(y, s);
    const yy = dot(y, y);
    if (!(ys > 0) || !(yy > 0) || !Number.isFinite(ys) || !Number.isFinite(yy)) {
      this.clearMemory();
      this.resets += 1;
      return;
    }
    if (this.s.length === this.history) {
      this.s.shift();
      this.y.shift();
      this.rho.shift();
    }
    this.s.push(s);
    this.y.push(y);
    this.rho.push(1 / ys);
    this.gamma = ys / yy;
  }

  /** -g, or -M g with a preconditioner. */
  private steepest(g: Float32Array): Float32Array {
    return negate(this.preconditioner === undefined ? g : this.preconditioner.apply(g));
  }

  /**
   * Two-loop recursion: d = -H g with H0 = gamma * I (or gamma * M). Each
   * pass over the vectors both updates q with one pair and sums the dot
   * product the next pair needs (the same sums in the same order as one
   * pass for each, so the same floats, in half the passes: with 30 pairs at
   * 512 x 384 this is a tenth of an evaluation's time otherwise).
   */
  private direction(g: Float32Array): Float32Array {
    const k = this.s.length;
    const n = g.length;
    const q = new Float64Array(g);
    const alpha = new Float64Array(k);
    const m = this.preconditioner;
    const gamma0 = this.gamma;
    let acc = 0;
    const sNewest = this.s[k - 1]!;
    for (let i = 0; i < n; i++) acc += sNewest[i]! * q[i]!;
    // b = y_0 . q after the initial scaling: the first sum of the second loop.
    let b = 0;
    const y0 = this.y[0]!;
    for (let j = k - 1; j >= 0; j--) {
      const a = acc * this.rho[j]!;
      alpha[j] = a;
      const y = this.y[j]!;
      if (j > 0) {
        const s = this.s[j - 1]!;
        let next = 0;
        for (let i = 0; i < n; i++) {
          const v = q[i]! - a * y[i]!;
          q[i] = v;
          next += s[i]! * v;
        }
        acc = next;
      } else if (m === undefined) {
        for (let i = 0; i < n; i++) {
          const v = (q[i]! - a * y[i]!) * gamma0;
          q[i] = v;
          b += y0[i]! * v;
        }
      } else {
        for (let i = 0; i < n; i++) q[i] = q[i]! - a * y[i]!;
      }
    }
    if (m !== undefined) {
      const yk = this.y[k - 1]!;
      const gamma = 1 / this.rho[k - 1]! / m.quadratic(yk);
      const mq = m.apply(Float32Array.from(q));
      for (let i = 0; i < n; i++) {
        const v = mq[i]! * gamma;
        q[i] = v;
        b += y0[i]! * v;
      }
    }
    const d = new Float32Array(n);
    for (let j = 0; j < k; j++) {
      const c = alpha[j]! - b * this.rho[j]!;
      const s = this.s[j]!;
      if (j < k - 1) {
        const y = this.y[j + 1]!;
        let next = 0;
        for (let i = 0; i < n; i++) {
          const v = q[i]! + c * s[i]!;
          q[i] = v;
          next += y[i]! * v;
        }
        b = next;
      } else {
        for (let i = 0; i < n; i++) d[i] = -(q[i]! + c * s[i]!);
      }
    }
    return d;
  }
}

/** Zeroes the components of d that point out of the box at an active bound. */
function freeDirection(d: Float32Array, x: Float32Array, b: Bounds): void {
  for (let k = 0; k < b.lower.length; k++) {
    const lo = b.lower[k]!;
    const hi = b.upper[k]!;
    const end = Math.min(x.length, (k + 1) * b.block);
    for (let i = k * b.block; i < end; i++) {
      if ((x[i]! <= lo && d[i]! < 0) || (x[i]! >= hi && d[i]! > 0)) d[i] = 0;
    }
  }
}

function negate(g: Float32Array): Float32Array {
  const d = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) d[i] = -g[i]!;
  return d;
}
