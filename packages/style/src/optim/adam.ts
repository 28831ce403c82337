/**
 * Adam (Kingma & Ba, 2015) exactly as TensorFlow 1.x's tf.train.AdamOptimizer,
 * which the CS20 seed used. TF folds the bias corrections into the step size
 * and adds epsilon to sqrt(v) without correcting it ("epsilon hat"):
 *
 *   t += 1
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 *   x -= lr_t * m / (sqrt(v) + epsilon)
 *
 * (The paper's form divides by sqrt(v_hat) + epsilon; the two differ only in
 * how epsilon is scaled.) Moments are stored as float32, as in TF.
 */
import { checkNumber } from '../validate.js';
import { project, type Bounds, type LossAndGradient, type Objective, type Optimizer } from './types.js';
import { checkEvaluation } from './vector.js';

/** Options for {@link Adam}. */
export interface AdamOptions {
  /** Learning rate (step size), in units of x; default 0.001 (TF's default). */
  lr?: number;
  /** Decay of the first moment; default 0.9. */
  beta1?: number;
  /** Decay of the second moment; default 0.999. */
  beta2?: number;
  /** Added to sqrt(v); default 1e-8 (TF's default). */
  epsilon?: number;
  /** Box constraints: x is clipped into them after every update (projected Adam). */
  bounds?: Bounds;
}

/** TF-style Adam; see the module comment for the exact update. */
export class Adam implements Optimizer {
  readonly name = 'adam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private m: Float32Array | undefined;
  private v: Float32Array | undefined;
  private t = 0;
  private evals = 0;
  bounds: Bounds | undefined;

  constructor(options: AdamOptions = {}) {
    this.bounds = options.bounds;
    this.lr = options.lr === undefined ? 0.001 : checkNumber('lr', options.lr, 0, Number.MAX_VALUE, true);
    this.beta1 = options.beta1 === undefined ? 0.9 : checkNumber('beta1', options.beta1, 0, 1);
    this.beta2 = options.beta2 === undefined ? 0.999 : checkNumber('beta2', options.beta2, 0, 1);
    this.epsilon = options.epsilon === undefined ? 1e-8 : checkNumber('epsilon', options.epsilon, 0, Number.MAX_VALUE);
    if (this.beta1 === 1) throw new RangeError('beta1 must be below 1');
  }

  /** Adam never stops on its own. */
  get converged(): boolean {
    return false;
  }

  get evaluations(): number {
    return this.evals;
  }

  /** Steps taken (TF's t). */
  get iterations(): number {
    return this.t;
  }

  reset(): void {
    this.m = undefined;
    this.v = undefined;
    this.t = 0;
  }

  /**
   * Carries the moments over to a resized x (coarse-to-fine): `resize` maps a
   * vector of the old length to the new one; the step count is kept, and the
   * second moment is kept non-negative.
   */
  resample(resize: (a: Float32Array) => Float32Array): void {
    if (this.m === undefined || this.v === undefined) return;
    this.m = resize(this.m);
    const v = resize(this.v);
    for (let i = 0; i < v.length; i++) if (!(v[i]! > 0)) v[i] = 0;
    this.v = v;
  }

  async step<E extends LossAndGradient>(x: Float32Array, at: E, evaluate: Objective<E>): Promise<E> {
    checkEvaluation(at, x.length, 'Adam', this.t);
    if (this.m === undefined || this.m.length !== x.length) {
      this.m = new Float32Array(x.length);
      this.v = new Float32Array(x.length);
      this.t = 0;
    }
    const m = this.m;
    const v = this.v!;
    const g = at.gradient;
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    this.t += 1;
    const lrT = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (let i = 0; i < x.length; i++) {
      const gi = g[i]!;
      // Read the moments back after storing, so the update sees float32 values as TF does.
      // TF's ApplyAdam form: m += (g - m) (1 - beta1), v += (g^2 - v) (1 - beta2).
      m[i] = m[i]! + (gi - m[i]!) * (1 - b1);
      v[i] = v[i]! + (gi * gi - v[i]!) * (1 - b2);
      x[i] = x[i]! - (lrT * m[i]!) / (Math.sqrt(v[i]!) + eps);
    }
    if (this.bounds !== undefined) project(x, this.bounds);
    this.evals += 1;
    const next = await evaluate(x);
    checkEvaluation(next, x.length, 'Adam', this.t);
    return next;
  }
}
