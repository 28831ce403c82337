/**
 * Finite-difference checks of every backward rule and of the whole training
 * graph. Directional derivatives along random directions are compared with the
 * central difference (L(x + eps v) - L(x - eps v)) / (2 eps), which is exact for
 * the linear rules and quadratic losses up to float32 rounding.
 */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { GraphBuilder } from '../src/graph/builder.js';
import {
  avgPoolBackward,
  convBackward,
  flipKernel,
  gram,
  gramBackward,
  maxPoolBackward,
  reluBackward,
} from '../src/graph/rules.js';
import { contentTerm, styleTerm, tvTerm } from '../src/losses/terms.js';
import type { LossSpec } from '../src/losses/spec.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { StyleModel } from '../src/runtime/style-model.js';
import { TINY, randomArray, randomWeights, rng } from './graph-fixtures.js';
import { awayFromZero, dot, fdCheck, linearProbe, shifted } from './fd.js';

suite('backward rules (finite differences)', () => {
  for (const variant of ['conv', 'convTranspose'] as const) {
    for (const [h, w] of [
      [5, 6],
      [4, 4],
    ] as const) {
      test(`Conv 3x3 pad 1 -> ${variant}, ${h}x${w}`, async () => {
        await fdCheck(
          [1, 3, h, w],
          (b, x) => {
            const kernel = randomArray(4 * 3 * 9, rng(11));
            const k = b.constant('k', [4, 3, 3, 3], kernel);
            const flipped = b.constant('kf', [3, 4, 3, 3], flipKernel(kernel, 4, 3, 3, 3));
            const bias = b.constant('bias', [4], randomArray(4, rng(12)));
            const y = b.conv(x, k, bias, 1);
            const { loss, r } = linearProbe(b, y, 13);
            return { loss, grad: convBackward(b, r, 1, variant, k, flipped) };
          },
          { eps: 0.5 },
        );
      });
    }
  }

  test('flipKernel transposes [out, in] and rotates each patch 180 degrees', () => {
    const k = Float32Array.from({ length: 2 * 1 * 4 }, (_, i) => i); // [2, 1, 2, 2]
    assert.deepEqual([...flipKernel(k, 2, 1, 2, 2)], [3, 2, 1, 0, 7, 6, 5, 4]);
  });

  for (const variant of ['where', 'sign', 'step'] as const) {
    test(`Relu -> ${variant} mask on the output`, async () => {
      await fdCheck(
        [1, 2, 3, 4],
        (b, x) => {
          const y = b.relu(x);
          const { loss, r } = linearProbe(b, y, 21);
          return { loss, grad: reluBackward(b, r, y, variant) };
        },
        { x: awayFromZero, eps: 0.05 },
      );
    });
  }

  test('step mask: exactly 1 for every positive normal float, 0 at 0, in plain and blocked (NCHWc) layout', async () => {
    // 16 channels: onnxruntime runs the mask's depthwise Conv in its blocked layout (8 or 16 channels a block).
    for (const channels of [3, 16]) {
      const values = [0, 2 ** -126, 1.5 * 2 ** -126, 1e-30, 1e-7, 0.5, 1, 3.999, 4, 1e20, 3.4e38];
      const n = values.length;
      const data = new Float32Array(channels * n).map((_, i) => values[i % n]!);
      const b = new GraphBuilder();
      const y = b.input('y', [1, channels, 1, n]);
      const dy = b.input('dy', [1, channels, 1, n]);
      b.output(reluBackward(b, dy, y, 'step'), 'dx');
      const s = await nodeRuntime.createSession(b.encode());
      const grad = new Float32Array(channels * n).map((_, i) => 1 + (i % 5));
      const out = await s.run({
        y: { data, dims: [1, channels, 1, n] },
        dy: { data: grad, dims: [1, channels, 1, n] },
      });
      await s.release();
      const want = grad.map((g, i) => (data[i]! > 0 ? g : 0));
      assert.deepEqual([...out['dx']!.data], [...want], `${channels} channels`);
    }
  });

  for (const [h, w] of [
    [6, 8],
    [7, 9],
    [5, 4],
  ] as const) {
    test(`AveragePool 2x2/2 -> upsample x 0.25, ${h}x${w}`, async () => {
      await fdCheck(
        [1, 2, h, w],
        (b, x) => {
          const y = b.pool2x2('AveragePool', x);
          const { loss, r } = linearProbe(b, y, 31);
          return { loss, grad: avgPoolBackward(b, r, x.dims) };
        },
        { eps: 0.5 },
      );
    });
    test(`MaxPool 2x2/2 -> MaxUnpool at the indices, ${h}x${w}`, async () => {
      await fdCheck(
        [1, 2, h, w],
        (b, x) => {
          const { y, indices } = b.maxPoolWithIndices(x);
          const { loss, r } = linearProbe(b, y, 41);
          return { loss, grad: maxPoolBackward(b, r, indices, x.dims) };
        },
        { x: awayFromZero, eps: 1e-3, tol: 2e-3 },
      );
    });
  }

  test('AveragePool backward gives the odd last row and column zero gradient', async () => {
    const b = new GraphBuilder();
    const dy = b.input('dy', [1, 1, 1, 1]);
    b.output(avgPoolBackward(b, dy, [1, 1, 3, 3]), 'dx');
    const s = await nodeRuntime.createSession(b.encode());
    const out = await s.run({ dy: { data: new Float32Array([4]), dims: [1, 1, 1, 1] } });
    assert.deepEqual([...out['dx']!.data], [1, 1, 0, 1, 1, 0, 0, 0, 0]);
    await s.release();
  });

  for (const symmetric of [false, true]) {
    test(`Gram G = X X^T / M -> (dG + dG^T) X / M (${symmetric ? 'symmetric dG shortcut' : 'general dG'})`, async () => {
      await fdCheck([1, 3, 4, 5], (b, x) => {
        const { gram: g, x: flat } = gram(b, x);
        const { loss, r } = linearProbe(b, g, 51, symmetric);
        return { loss, grad: gramBackward(b, r, flat, x.dims, symmetric) };
      });
    });
  }

  for (const norm of ['cs20', 'mean'] as const) {
    test(`content loss (${norm}) -> 2k(F - P), times the seed`, async () => {
      await fdCheck([1, 3, 4, 5], (b, x) => {
        const p = b.constant('p', [1, 3, 4, 5], randomArray(60, rng(61)));
        const term = contentTerm(b, x, p, norm);
        return { loss: b.scale(term.value, 2.5), grad: term.backward(2.5) };
      });
    });
    test(`style loss (${norm}) through the Gram`, async () => {
      await fdCheck([1, 3, 4, 5], (b, x) => {
        const a = randomArray(9, rng(71));
        for (let i = 0; i < 3; i++) for (let j = 0; j < i; j++) a[i * 3 + j] = a[j * 3 + i]!;
        const term = styleTerm(b, x, b.constant('a', [3, 3], a), norm);
        return { loss: b.scale(term.value, 3), grad: term.backward(3) };
      });
    });
    test(`total variation (${norm})`, async () => {
      await fdCheck([1, 3, 5, 4], (b, x) => {
        const term = tvTerm(b, x, norm);
        return { loss: b.scale(term.value, 0.7), grad: term.backward(0.7) };
      });
    });
  }
});

suite('training graph gradient (finite differences, tiny network)', () => {
  const loss = (pooling: 'avg' | 'max', normalization: 'cs20' | 'mean'): LossSpec => ({
    contentLayers: [{ layer: 'conv2_1', weight: 1 }],
    styleLayers: [
      { layer: 'conv1_1', weight: 0.5 },
      { layer: 'conv1_2', weight: 1 },
      { layer: 'conv3_1', weight: 2 },
    ],
    contentWeight: 0.3,
    styleWeight: 1,
    tvWeight: 0.05,
    pooling,
    normalization,
  });
  for (const pooling of ['avg', 'max'] as const) {
    for (const [h, w] of [
      [9, 7],
      [8, 10],
    ] as const) {
      for (const backwardConv of ['auto', 'convTranspose'] as const) {
        const normalization = backwardConv === 'auto' ? 'cs20' : 'mean';
        test(`${pooling} pooling, ${h}x${w}, ${normalization}, backward ${backwardConv}`, async () => {
          const random = rng(h * 100 + w);
          const model = await StyleModel.create({
            weights: randomWeights(TINY, 5),
            architecture: TINY,
            height: h,
            width: w,
            loss: loss(pooling, normalization),
            threads: 1,
            backward: { backwardConv },
          });
          try {
            // Pixel-like scale (mean-subtracted 0..255) and eps = 1e-3 of it: small enough for
            // the network's curvature, large enough for float32 rounding.
            const content = await model.contentTargets(randomArray(3 * h * w, random, 20));
            const style = await model.styleTargets(randomArray(3 * 11 * 12, random, 20), 11, 12);
            const x0 = randomArray(3 * h * w, random, 20);
            const base = await model.evaluate(x0, content, style);
            assert.ok(
              Math.abs(base.total - (0.3 * base.content + base.style + 0.05 * base.tv)) <= 1e-5 * Math.abs(base.total),
            );
            const eps = 0.02;
            for (let d = 0; d < 3; d++) {
              const v = randomArray(x0.length, random);
              const plus = (await model.evaluate(shifted(x0, v, eps), content, style)).total;
              const minus = (await model.evaluate(shifted(x0, v, -eps), content, style)).total;
              const fd = (plus - minus) / (2 * eps);
              const analytic = dot(base.gradient, v);
              const err = Math.abs(fd - analytic) / Math.max(Math.abs(fd), Math.abs(analytic));
              assert.ok(
                err < 5e-3,
                `direction ${d}: finite difference ${fd} vs gradient ${analytic} (relative error ${err})`,
              );
            }
          } finally {
            await model.release();
          }
        });
      }
    }
  }
});
