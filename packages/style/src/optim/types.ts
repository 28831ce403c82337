/**
 * The optimiser interface: minimise a loss over a Float32Array in place, one
 * evaluation (loss + gradient) at a time. In style transfer an evaluation is one
 * onnxruntime session run, so optimisers are written to spend as few as possible.
 */

/** The loss at a point and its gradient (same length as the point). */
export interface LossAndGradient {
  /** Loss value; must be finite at accepted points. */
  loss: number;
  /** d loss / d x. The optimiser keeps a reference, so the caller must not reuse the array. */
  gradient: Float32Array;
}

/** Evaluates the loss and gradient at x. x must not be retained after the promise settles. */
export type Objective<E extends LossAndGradient = LossAndGradient> = (x: Float32Array) => Promise<E>;

/**
 * Box constraints lower[k] <= x[i] <= upper[k] for i in [k * block, (k + 1) * block):
 * per channel plane for an image (block = H * W), per element with block 1.
 */
export interface Bounds {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  /** Elements per bound entry. */
  block: number;
}

/** Clips x into the bounds in place. */
export function project(x: Float32Array, b: Bounds): void {
  for (let k = 0; k < b.lower.length; k++) {
    const lo = b.lower[k]!;
    const hi = b.upper[k]!;
    const end = Math.min(x.length, (k + 1) * b.block);
    for (let i = k * b.block; i < end; i++) {
      const v = x[i]!;
      if (v < lo) x[i] = lo;
      else if (v > hi) x[i] = hi;
    }
  }
}

/** A first-order optimiser over a Float32Array. */
export interface Optimizer {
  /** 'adam' or 'lbfgs'. */
  readonly name: string;
  /**
   * One iteration: moves `x` in place, given `at`, the evaluation at the current
   * x, and returns the evaluation at the new x (the caller reports it and passes
   * it back in next time). Adam calls `evaluate` once; L-BFGS once or more (line
   * search), and returns `at` unchanged, with `converged` set, when it can make
   * no further progress. Throws StyleError 'RUNTIME' on a non-finite loss or
   * gradient at an accepted point.
   */
  step<E extends LossAndGradient>(x: Float32Array, at: E, evaluate: Objective<E>): Promise<E>;
  /** True once the optimiser can make no further progress (gradient ~ 0 or no decrease found). */
  readonly converged: boolean;
  /** Number of `evaluate` calls made so far. */
  readonly evaluations: number;
  /** Forgets all state (moments, history). */
  reset(): void;
  /** Box constraints kept after every step (undefined = none). */
  bounds: Bounds | undefined;
}
