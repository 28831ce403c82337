/**
 * Finite-difference checking for graph pieces: directional derivatives along
 * random directions against the central difference (L(x + eps v) - L(x - eps v)) / (2 eps).
 */
import assert from 'node:assert/strict';
import { GraphBuilder } from '../src/graph/builder.js';
import type { Value } from '../src/graph/builder.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { randomArray, rng } from './graph-fixtures.js';

export const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function shifted(x: Float32Array, v: Float32Array, k: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + k * v[i]!;
  return out;
}

export interface Check {
  /** Values of x drawn from this function (default uniform [-1, 1)). */
  x?: (n: number, random: () => number) => Float32Array;
  eps?: number;
  tol?: number;
  directions?: number;
  seed?: number;
}

/**
 * Builds a graph with input 'x' whose outputs are a scalar 'loss' and 'grad'
 * (claimed d loss / dx), then compares directional derivatives with central differences.
 */
export async function fdCheck(
  dims: number[],
  build: (b: GraphBuilder, x: Value) => { loss: Value; grad: Value },
  o: Check = {},
): Promise<void> {
  const b = new GraphBuilder('fd');
  const x = b.input('x', dims);
  const { loss, grad } = build(b, x);
  assert.deepEqual(grad.dims, dims, 'gradient shape');
  b.output(loss, 'loss');
  b.output(grad, 'grad');
  const session = await nodeRuntime.createSession(b.encode(), { threads: 1 });
  try {
    const random = rng(o.seed ?? 7);
    const x0 = o.x ? o.x(size(dims), random) : randomArray(size(dims), random);
    const run = async (v: Float32Array) => session.run({ x: { data: v, dims } });
    const base = await run(x0);
    const g = base['grad']!.data;
    assert.ok(
      g.some((v) => v !== 0),
      'gradient is not all zero',
    );
    const eps = o.eps ?? 1e-2;
    for (let d = 0; d < (o.directions ?? 3); d++) {
      const v = randomArray(x0.length, random);
      const plus = (await run(shifted(x0, v, eps)))['loss']!.data[0]!;
      const minus = (await run(shifted(x0, v, -eps)))['loss']!.data[0]!;
      const fd = (plus - minus) / (2 * eps);
      const analytic = dot(g, v);
      const err = Math.abs(fd - analytic) / Math.max(Math.abs(fd), Math.abs(analytic), 1e-6);
      assert.ok(
        err < (o.tol ?? 1e-3),
        `direction ${d}: finite difference ${fd} vs gradient ${analytic} (relative error ${err})`,
      );
    }
  } finally {
    await session.release();
  }
}

/** loss = sum(y * r) for a fixed random r, so dL/dy = r. */
export function linearProbe(b: GraphBuilder, y: Value, seed: number, symmetric = false): { loss: Value; r: Value } {
  const data = randomArray(size(y.dims), rng(seed));
  if (symmetric) {
    const n = y.dims[0]!;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) data[i * n + j] = data[j * n + i]!;
  }
  const r = b.constant(`probe_${seed}`, y.dims, data);
  return { loss: b.sum(b.mul(y, r)), r };
}

/** Away from ReLU kinks and pooling ties: |x| >= 0.2, all values distinct. */
export const awayFromZero = (n: number, random: () => number): Float32Array => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = random() * 2 - 1;
    a[i] = Math.sign(u) * (0.2 + Math.abs(u)) + i * 1e-4;
  }
  return a;
};
