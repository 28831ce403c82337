import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam,
  LBFGS,
  minimize,
  cubicMinimum,
  smoothingPreconditioner,
  type LossAndGradient,
} from '../src/optim/index.js';
import { isStyleError } from '../src/errors.js';

/** n-dimensional Rosenbrock: sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, minimum 0 at all ones. */
function rosenbrock(x: Float32Array): Promise<LossAndGradient> {
  const g = new Float32Array(x.length);
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const t = b - a * a;
    f += 100 * t * t + (1 - a) * (1 - a);
    g[i] = g[i]! - 400 * t * a - 2 * (1 - a);
    g[i + 1] = g[i + 1]! + 200 * t;
  }
  return Promise.resolve({ loss: f, gradient: g });
}

/** Ill-conditioned quadratic: sum c_i (x_i - 1)^2 with c from 1 to 1000 (condition number 1000). */
function quadratic(n: number): (x: Float32Array) => Promise<LossAndGradient> {
  const c = Array.from({ length: n }, (_, i) => 1000 ** (i / (n - 1)));
  return (x) => {
    const g = new Float32Array(n);
    let f = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i]! - 1;
      f += c[i]! * d * d;
      g[i] = 2 * c[i]! * d;
    }
    return Promise.resolve({ loss: f, gradient: g });
  };
}

function maxError(x: Float32Array, target: number): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v - target));
  return m;
}

test('Adam: the first two steps match a hand computation of TF Adam (epsilon hat)', async () => {
  // f(x) = sum g0_i * x_i... use a fixed gradient sequence instead: 2 at step 1, -1 at step 2.
  const grads = [new Float32Array([2, 0.5]), new Float32Array([-1, 0.5]), new Float32Array([0, 0])];
  let call = 0;
  const evaluate = (): Promise<LossAndGradient> => Promise.resolve({ loss: 1, gradient: grads[++call]! });
  const adam = new Adam({ lr: 2 });
  const x = new Float32Array([1, 1]);
  await adam.step(x, { loss: 1, gradient: grads[0]! }, evaluate);
  // t=1: m = 0.1 g, v = 0.001 g^2, lr_t = 2 sqrt(0.001) / 0.1; step = lr_t m / (sqrt(v) + 1e-8)
  const lr1 = (2 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
  const m1 = [0.2, 0.05];
  const v1 = [0.004, 0.00025];
  const x1 = [1 - (lr1 * m1[0]!) / (Math.sqrt(v1[0]!) + 1e-8), 1 - (lr1 * m1[1]!) / (Math.sqrt(v1[1]!) + 1e-8)];
  // Both elements move by almost exactly lr (the first Adam step is lr * sign(g)).
  assert.ok(Math.abs(x[0]! - x1[0]!) < 1e-5, `${x[0]} vs ${x1[0]}`);
  assert.ok(Math.abs(x[1]! - x1[1]!) < 1e-5);
  assert.ok(Math.abs(x[0]! - -1) < 1e-5);
  await adam.step(x, { loss: 1, gradient: grads[1]! }, evaluate);
  // t=2: m = 0.9 m1 + 0.1 g2, v = 0.999 v1 + 0.001 g2^2, lr_t = 2 sqrt(1 - 0.999^2) / (1 - 0.81)
  const lr2 = (2 * Math.sqrt(1 - 0.999 * 0.999)) / (1 - 0.81);
  const m2 = [0.9 * 0.2 + 0.1 * -1, 0.9 * 0.05 + 0.1 * 0.5];
  const v2 = [0.999 * 0.004 + 0.001 * 1, 0.999 * 0.00025 + 0.001 * 0.25];
  const x2 = [
    x1[0]! - (lr2 * m2[0]!) / (Math.sqrt(v2[0]!) + 1e-8),
    x1[1]! - (lr2 * m2[1]!) / (Math.sqrt(v2[1]!) + 1e-8),
  ];
  assert.ok(Math.abs(x[0]! - x2[0]!) < 1e-5, `${x[0]} vs ${x2[0]}`);
  assert.ok(Math.abs(x[1]! - x2[1]!) < 1e-5, `${x[1]} vs ${x2[1]}`);
  assert.equal(adam.iterations, 2);
  assert.equal(adam.evaluations, 2);
});

test('Adam minimises an ill-conditioned quadratic and the 2-D Rosenbrock function', async () => {
  const x = new Float32Array(8).fill(-2);
  const q = await minimize(x, quadratic(8), new Adam({ lr: 0.05 }), { iterations: 3000 });
  assert.ok(q.at.loss < 1e-6, `quadratic loss ${q.at.loss}`);
  assert.ok(maxError(x, 1) < 1e-3);

  const r = new Float32Array([-1.2, 1]);
  const res = await minimize(r, rosenbrock, new Adam({ lr: 0.02 }), { iterations: 5000 });
  assert.ok(res.at.loss < 1e-5, `rosenbrock loss ${res.at.loss}`);
  assert.ok(maxError(r, 1) < 1e-2, `x = ${Array.from(r)}`);
});

test('L-BFGS minimises Rosenbrock (10-D) and the quadratic, never increasing the loss', async () => {
  for (const [name, f, n, iters] of [
    ['rosenbrock', rosenbrock, 10, 200],
    ['quadratic', quadratic(10), 10, 100],
  ] as const) {
    const x = new Float32Array(n).fill(-1.2);
    if (name === 'rosenbrock') for (let i = 1; i < n; i += 2) x[i] = 1;
    const opt = new LBFGS({ gradientTolerance: 1e-5 });
    const { at, losses } = await minimize(x, f, opt, { iterations: iters });
    for (let i = 1; i < losses.length; i++)
      assert.ok(losses[i]! < losses[i - 1]!, `${name}: loss rose at iteration ${i}`);
    assert.ok(at.loss < 1e-7, `${name}: loss ${at.loss} after ${losses.length - 1} iterations`);
    assert.ok(maxError(x, 1) < 1e-3, `${name}: x = ${Array.from(x)}`);
    // Far fewer evaluations than Adam needs.
    assert.ok(opt.evaluations < 2 * iters, `${name}: ${opt.evaluations} evaluations`);
  }
});

test('L-BFGS survives a loss that is not finite beyond a cliff (line search backs off)', async () => {
  // f = (x - 3)^2 for x < 4, NaN beyond: the first long step lands on the cliff.
  const f = (x: Float32Array): Promise<LossAndGradient> => {
    const v = x[0]!;
    return Promise.resolve(
      v < 4
        ? { loss: (v - 3) ** 2, gradient: new Float32Array([2 * (v - 3)]) }
        : { loss: Number.NaN, gradient: new Float32Array([Number.NaN]) },
    );
  };
  const x = new Float32Array([-10]);
  const opt = new LBFGS({ initialStep: 100 });
  const { losses } = await minimize(x, f, opt, { iterations: 20 });
  for (let i = 1; i < losses.length; i++) assert.ok(losses[i]! < losses[i - 1]!);
  assert.ok(Math.abs(x[0]! - 3) < 1e-3, `x = ${x[0]}`);
});

test('L-BFGS resets its memory when the curvature y.s is not positive', async () => {
  // Concave along the path: f = -x^2 + x^4 / 100 from x = 0.5 first moves through negative curvature.
  const f = (x: Float32Array): Promise<LossAndGradient> => {
    const v = x[0]!;
    return Promise.resolve({ loss: -v * v + v ** 4 / 100, gradient: new Float32Array([-2 * v + (4 * v ** 3) / 100]) });
  };
  // With one evaluation per line search the first step is accepted on Armijo alone, across the concave part.
  const x = new Float32Array([0.5]);
  const opt = new LBFGS({ maxEvaluations: 1 });
  const { losses } = await minimize(x, f, opt, { iterations: 50 });
  for (let i = 1; i < losses.length; i++) assert.ok(losses[i]! <= losses[i - 1]!);
  assert.ok(opt.resets > 0, 'expected at least one reset');
  assert.ok(Math.abs(x[0]! - Math.sqrt(50)) < 1e-2, `x = ${x[0]}`);
});

test('a NaN gradient is a clear StyleError, not silent garbage', async () => {
  const bad = (): Promise<LossAndGradient> => Promise.resolve({ loss: 1, gradient: new Float32Array([0, Number.NaN]) });
  for (const opt of [new Adam(), new LBFGS()]) {
    const x = new Float32Array(2);
    await assert.rejects(opt.step(x, { loss: 1, gradient: new Float32Array([0, Number.NaN]) }, bad), (e: unknown) => {
      assert.ok(isStyleError(e, 'RUNTIME'));
      assert.match(e.message, /gradient is not finite at iteration 0 \(element 1 is NaN\)/);
      return true;
    });
    assert.deepEqual(Array.from(x), [0, 0], 'x is untouched');
  }
  // Adam diverging into Infinity after a step is reported too.
  const adam = new Adam({ lr: 1 });
  await assert.rejects(
    adam.step(new Float32Array([1]), { loss: 1, gradient: new Float32Array([1]) }, () =>
      Promise.resolve({ loss: Number.POSITIVE_INFINITY, gradient: new Float32Array([1]) }),
    ),
    {
      name: 'StyleError',
      message: 'Adam: the loss is Infinity at iteration 1; the optimisation diverged (try a smaller learning rate)',
    },
  );
});

test('optimiser options are validated with the sharp message shape', () => {
  assert.throws(() => new Adam({ lr: 0 }), {
    message: 'Expected number greater than 0 for lr but received 0 of type number',
  });
  assert.throws(() => new Adam({ lr: Number.NaN }), {
    message: 'Expected number greater than 0 for lr but received NaN of type number',
  });
  assert.throws(() => new LBFGS({ history: 0 }), {
    message: 'Expected integer between 1 and 1000 for history but received 0 of type number',
  });
});

test('cubic interpolation finds the minimum of a cubic and falls back to the midpoint', () => {
  // f(t) = (t - 2)^2: exact minimum at 2 from points 0 and 3.
  const p = { t: 0, f: 4, gtd: -4 };
  const q = { t: 3, f: 1, gtd: 2 };
  assert.ok(Math.abs(cubicMinimum(p, q, 0, 3) - 2) < 1e-12);
  assert.equal(cubicMinimum({ t: 0, f: 0, gtd: 1 }, { t: 1, f: 2 / 3, gtd: 1 }, 0, 1), 0.5);
});

test('L-BFGS resample: a memory carried to a doubled problem continues exactly as at the old size', async () => {
  // f_n(x) = sum c_i (x_i - 1)^2 / n; doubling every element gives f_2n(dup x) = f_n(x), with
  // gradients halved per element: the carried pairs are exact pairs of the new problem.
  const n = 12;
  const c = Array.from({ length: n }, (_, i) => 1000 ** (i / (n - 1)));
  const meanQuadratic =
    (k: number) =>
    (x: Float32Array): Promise<LossAndGradient> => {
      const g = new Float32Array(x.length);
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        const d = x[i]! - 1;
        const ci = c[Math.floor(i / k)]!;
        f += (ci * d * d) / x.length;
        g[i] = (2 * ci * d) / x.length;
      }
      return Promise.resolve({ loss: f, gradient: g });
    };
  const dup = (a: Float32Array): Float32Array => Float32Array.from({ length: 2 * a.length }, (_, i) => a[i >> 1]!);
  const small = meanQuadratic(1);
  const large = meanQuadratic(2);
  const run = async (steps: number) => {
    const opt = new LBFGS({ history: 4 });
    const x = new Float32Array(n);
    let at = await small(x);
    for (let i = 0; i < steps; i++) at = await opt.step(x, at, small);
    return { opt, x, at };
  };
  const ahead = await run(6);
  const carried = await run(5);
  assert.equal(carried.opt.memory, 4);
  carried.opt.resample(dup, 0.5);
  assert.equal(carried.opt.memory, 4, 'every pair keeps a positive curvature');
  const x2 = dup(carried.x);
  const next = await carried.opt.step(x2, await large(x2), large);
  const rel = Math.abs(next.loss - ahead.at.loss) / ahead.at.loss;
  assert.ok(rel < 1e-3, `carried ${next.loss} against ${ahead.at.loss} at the old size`);
  const fresh = await run(5);
  const x3 = dup(fresh.x);
  const restart = await new LBFGS({ history: 4 }).step(x3, await large(x3), large);
  assert.ok(restart.loss > 1.05 * next.loss, `a fresh memory: ${restart.loss} against ${next.loss}`);
  // A negative gradient scale turns every curvature negative: nothing is kept.
  carried.opt.resample(dup, -1);
  assert.equal(carried.opt.memory, 0);
});

/** Deterministic values in [-1, 1). */
function noise(n: number, seed: number): Float32Array {
  let z = seed;
  return Float32Array.from({ length: n }, () => {
    z = (z * 1103515245 + 12345) % 2147483648;
    return (2 * z) / 2147483648 - 1;
  });
}

function dot64(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

test('smoothing preconditioner: symmetric, positive definite, quadratic = v . M v, identity at gain 0', () => {
  // Odd sizes and a radius (8) beyond the height: the zero-padded edges must keep M symmetric.
  const [w, h, planes] = [13, 7, 2];
  const m = smoothingPreconditioner(w, h, planes, 8, 3);
  const u = noise(w * h * planes, 1);
  const v = noise(w * h * planes, 2);
  const uMv = dot64(u, m.apply(v));
  const vMu = dot64(v, m.apply(u));
  assert.ok(Math.abs(uMv - vMu) <= 1e-5 * Math.abs(uMv), `u.Mv ${uMv} vs v.Mu ${vMu}`);
  const vMv = dot64(v, m.apply(v));
  assert.ok(Math.abs(m.quadratic(v) - vMv) <= 1e-5 * vMv, `quadratic ${m.quadratic(v)} vs v.Mv ${vMv}`);
  // A constant plane is amplified (low frequencies move further); a pixel checkerboard hardly.
  const flat = new Float32Array(w * h * planes).fill(1);
  const checker = Float32Array.from({ length: w * h * planes }, (_, i) =>
    ((i % w) + Math.floor(i / w)) % 2 === 0 ? 1 : -1,
  );
  const gainFlat = dot64(flat, m.apply(flat)) / dot64(flat, flat);
  const gainChecker = dot64(checker, m.apply(checker)) / dot64(checker, checker);
  assert.ok(gainFlat > 3, `flat gain ${gainFlat}`);
  assert.ok(gainChecker > 1 && gainChecker < 1.2, `checkerboard gain ${gainChecker}`);
  assert.deepEqual([...smoothingPreconditioner(w, h, planes, 0, 3).apply(v)], [...v]);
});

test('L-BFGS with the smoothing preconditioner converges on a smooth ill-conditioned quadratic faster than without', async () => {
  // f = |x - t|^2 + 1000 |D x|^2 along rows (D = differences, t noise): the minimum is a smooth x,
  // which plain gradients (rough, like t) approach slowly.
  const [w, h] = [32, 8];
  const t = noise(w * h, 3);
  const f = (x: Float32Array): Promise<LossAndGradient> => {
    const g = new Float32Array(x.length);
    let loss = 0;
    for (let i = 0; i < x.length; i++) {
      loss += (x[i]! - t[i]!) ** 2;
      g[i] = g[i]! + 2 * (x[i]! - t[i]!);
      if (i % w < w - 1) {
        const d = x[i + 1]! - x[i]!;
        loss += 1000 * d * d;
        g[i + 1] = g[i + 1]! + 2000 * d;
        g[i] = g[i]! - 2000 * d;
      }
    }
    return Promise.resolve({ loss, gradient: g });
  };
  const run = async (steps: number, m?: ReturnType<typeof smoothingPreconditioner>) => {
    const x = new Float32Array(w * h);
    const opt = new LBFGS({ history: 5, ...(m === undefined ? {} : { preconditioner: m }) });
    let at = await f(x);
    for (let k = 0; k < steps; k++) at = await opt.step(x, at, f);
    return at.loss;
  };
  const best = await run(400);
  const plain = (await run(10)) - best;
  const smooth = (await run(10, smoothingPreconditioner(w, h, 1, 8, 3))) - best;
  assert.ok(smooth < 0.8 * plain, `10 steps above the minimum: ${smooth} with the preconditioner, ${plain} without`);
});
