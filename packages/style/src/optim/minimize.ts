/** A plain optimisation loop over an {@link Optimizer}, for tests and simple uses. */
import type { LossAndGradient, Objective, Optimizer } from './types.js';

/** Options for {@link minimize}. */
export interface MinimizeOptions<E extends LossAndGradient> {
  /** Optimiser steps to take (fewer if it converges). */
  iterations: number;
  /** Called with each accepted evaluation; iteration 0 is the starting point. */
  onIteration?: (iteration: number, at: E) => void;
}

/** Minimises in place from x; returns the final evaluation and the loss per iteration (index 0 = start). */
export async function minimize<E extends LossAndGradient>(
  x: Float32Array,
  evaluate: Objective<E>,
  optimizer: Optimizer,
  options: MinimizeOptions<E>,
): Promise<{ at: E; losses: number[] }> {
  let at = await evaluate(x);
  const losses = [at.loss];
  options.onIteration?.(0, at);
  for (let i = 1; i <= options.iterations; i++) {
    const next = await optimizer.step(x, at, evaluate);
    if (next !== at) {
      losses.push(next.loss);
      options.onIteration?.(i, next);
    }
    at = next;
    if (optimizer.converged) break;
  }
  return { at, losses };
}
