/**
 * The graph builder's shape checks and op helpers, the training graph's
 * interface, and StyleModel's argument checks (exact messages).
 */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import { GraphBuilder } from '../src/graph/builder.js';
import { buildTrainingGraph, GRAPH_NAMES } from '../src/graph/style-graph.js';
import { CS20_LOSS } from '../src/losses/spec.js';
import type { LossSpec } from '../src/losses/spec.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { webRuntime } from '../src/runtime/web.js';
import { StyleModel } from '../src/runtime/style-model.js';
import type { VggWeights } from '../src/weights/types.js';
import { TINY, randomArray, randomWeights, rng } from './graph-fixtures.js';

async function run(b: GraphBuilder, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const s = await nodeRuntime.createSession(b.encode());
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

suite('GraphBuilder', () => {
  test('checks shapes and names the op', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 4, 4]);
    assert.throws(
      () => b.conv(x, b.constant('k', [8, 4, 3, 3], new Float32Array(8 * 4 * 9)), null, 1),
      /graph: Conv: kernel \[8,4,3,3\] does not fit input \[1,3,4,4\]/,
    );
    assert.throws(() => b.add(x, b.input('y', [1, 3, 4, 5])), /graph: Add: shapes \[1,3,4,4\] and \[1,3,4,5\] differ/);
    assert.throws(() => b.reshape(x, [5, 10]), /graph: Reshape: \[1,3,4,4\] -> \[5,10\]/);
    assert.throws(() => b.matmul(b.input('a', [2, 3]), b.input('c', [2, 3])), /graph: MatMul: \[2,3\] x \[2,3\]/);
    assert.throws(() => b.input('x', [1]), /value name x is already used/);
    assert.throws(() => b.slice(x, 2, 3, 5), /graph: Slice: bad range \[3, 5\) on axis 2/);
  });

  test('computes conv, pooling and upsampling shapes as onnxruntime does', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 7, 5]);
    const c = b.conv(x, b.constant('k', [3, 2, 3, 3], randomArray(54, rng(1))), null, 1);
    const p = b.pool2x2('AveragePool', c);
    const u = b.upsample2x(p);
    const pd = b.pad2d(u, 0, 1, 0, 1);
    assert.deepEqual(
      [c.dims, p.dims, u.dims, pd.dims],
      [
        [1, 3, 7, 5],
        [1, 3, 3, 2],
        [1, 3, 6, 4],
        [1, 3, 7, 5],
      ],
    );
    b.output(pd, 'out');
    b.output(p, 'pooled');
    const out = await run(b, { x: { data: randomArray(70, rng(2)), dims: [1, 2, 7, 5] } });
    assert.deepEqual(out['out']!.dims, [1, 3, 7, 5]);
    // Nearest x2: each pooled value fills a 2x2 block; the padded last row/column is zero.
    const pooled = out['pooled']!.data;
    const up = out['out']!.data;
    assert.equal(up[0], pooled[0]);
    assert.equal(up[1 * 5 + 1], pooled[0]);
    assert.equal(up[2 * 5 + 3], pooled[1 * 2 + 1]);
    assert.equal(up[6 * 5 + 0], 0);
    assert.equal(up[0 * 5 + 4], 0);
  });

  test('sums squares and builds Grams', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    b.output(b.sumSquares(x), 'ss');
    b.output(b.matmul(x, x, true), 'g');
    const out = await run(b, { x: { data: new Float32Array([1, 2, 3, 4, 5, 6]), dims: [2, 3] } });
    assert.deepEqual(out['ss']!.dims, []);
    assert.equal(out['ss']!.data[0], 91);
    assert.deepEqual([...out['g']!.data], [14, 32, 32, 77]);
  });
});

suite('training graph', () => {
  test('has the image and the targets as inputs, the loss terms and the gradient as outputs', () => {
    const g = buildTrainingGraph({
      arch: TINY,
      weights: randomWeights(TINY),
      height: 12,
      width: 10,
      loss: {
        ...CS20_LOSS,
        contentLayers: [{ layer: 'conv2_1', weight: 1 }],
        styleLayers: [
          { layer: 'conv1_1', weight: 1 },
          { layer: 'conv3_1', weight: 1 },
        ],
      },
    });
    assert.deepEqual(
      [...g.inputs],
      [
        [GRAPH_NAMES.image, [1, 3, 12, 10]],
        [GRAPH_NAMES.contentTarget('conv2_1'), [1, 5, 6, 5]],
        [GRAPH_NAMES.styleTarget('conv1_1'), [4, 4]],
        [GRAPH_NAMES.styleTarget('conv3_1'), [6, 6]],
      ],
    );
    assert.deepEqual(
      [...g.outputs],
      [
        ['content', []],
        ['style', []],
        ['tv', []],
        ['total', []],
        ['gradient', [1, 3, 12, 10]],
      ],
    );
  });
});

suite('StyleModel argument checks', () => {
  const loss: LossSpec = {
    ...CS20_LOSS,
    contentLayers: [{ layer: 'conv2_1', weight: 1 }],
    styleLayers: [{ layer: 'conv3_1', weight: 1 }],
  };
  const weights = randomWeights(TINY);
  const create = (o: Partial<Parameters<typeof StyleModel.create>[0]>) =>
    StyleModel.create({ weights, architecture: TINY, height: 8, width: 8, loss, threads: 1, ...o });

  test('names the minimum size (2^poolings before the deepest layer)', async () => {
    await assert.rejects(
      create({ height: 3 }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected integer between 4 and 16384 for height but received 3 of type number',
    );
    await assert.rejects(
      create({ width: 8.5 }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected integer between 4 and 16384 for width but received 8.5 of type number',
    );
    await assert.rejects(
      StyleModel.create({ weights: new Map(), height: 15, width: 100, loss: CS20_LOSS }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected integer between 16 and 16384 for height but received 15 of type number',
    );
  });

  test('names the layer whose weights are missing or misshapen', async () => {
    const missing: VggWeights = new Map(weights);
    missing.delete('block2_conv1');
    await assert.rejects(
      create({ weights: missing }),
      (e) =>
        isStyleError(e, 'WEIGHTS') &&
        e.message === 'Weights lack layer block2_conv1 (conv2_1), needed for the requested layers',
    );
    const wrong: VggWeights = new Map(weights);
    wrong.set('block1_conv2', { ...weights.get('block1_conv2')!, inChannels: 5 });
    await assert.rejects(
      create({ weights: wrong }),
      (e) =>
        isStyleError(e, 'WEIGHTS') &&
        e.message === 'Weights of layer block1_conv2 have shape [4, 5, 3, 3]; expected [4, 4, 3, 3]',
    );
    const short: VggWeights = new Map(weights);
    short.set('block3_conv1', { ...weights.get('block3_conv1')!, bias: new Float32Array(2) });
    await assert.rejects(
      create({ weights: short }),
      (e) => isStyleError(e, 'WEIGHTS') && e.message === 'Weights of layer block3_conv1 hold 2 bias values; expected 6',
    );
  });

  test('needs only the layers up to the deepest loss layer', async () => {
    const shallow: VggWeights = new Map([...weights].filter(([k]) => k.startsWith('block1')));
    const m = await create({
      weights: shallow,
      loss: { ...loss, contentLayers: [{ layer: 'conv1_2', weight: 1 }], styleLayers: [] },
    });
    await m.release();
  });

  test('accepts a 1-px side when no pooling comes before the loss layers', async () => {
    const m = await create({
      height: 1,
      width: 5,
      loss: { ...loss, tvWeight: 1, contentLayers: [], styleLayers: [{ layer: 'conv1_1', weight: 1 }] },
    });
    try {
      const img = randomArray(15, rng(7), 50);
      const r = await m.evaluate(
        img,
        await m.contentTargets(img),
        await m.styleTargets(randomArray(3 * 4 * 4, rng(8), 50), 4, 4),
      );
      assert.ok(r.tv > 0 && r.style > 0);
    } finally {
      await m.release();
    }
  });

  test('rejects bad loss specs, variants and weights', async () => {
    await assert.rejects(
      create({ weights: undefined as unknown as VggWeights }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message ===
          'Expected Map of conv weights by Keras layer name for weights but received undefined of type undefined',
    );
    await assert.rejects(
      create({ loss: { ...loss, pooling: 'min' as 'avg' } }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected one of max, avg, same-avg for loss.pooling but received min of type string',
    );
    await assert.rejects(
      create({ loss: { ...loss, styleWeight: -1 } }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected finite number >= 0 for loss.styleWeight but received -1 of type number',
    );
    await assert.rejects(
      create({ loss: { ...loss, styleLayers: [{ layer: 'conv9_1', weight: 1 }] } }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected a layer of this network (conv1_1 .. conv3_1) but received conv9_1',
    );
    await assert.rejects(
      StyleModel.create({ weights, height: 64, width: 64, loss, variant: 'vgg11' as 'vgg16' }),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected one of vgg19, vgg16 for variant but received vgg11 of type string',
    );
  });

  test('checks images and targets, and refuses work after release', async () => {
    const m = await create({});
    const img = randomArray(3 * 8 * 8, rng(1), 50);
    await assert.rejects(
      m.contentTargets(new Float32Array(10)),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected Float32Array of length 192 (1x3x8x8) for image but received Float32Array of length 10',
    );
    await assert.rejects(
      m.styleTargets(img, 2, 96),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected integer between 4 and 16384 for style height but received 2 of type number',
    );
    const content = await m.contentTargets(img);
    const style = await m.styleTargets(randomArray(3 * 10 * 6, rng(2), 50), 10, 6);
    await assert.rejects(
      m.evaluate(img, style, content),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected content targets for content but received style targets',
    );
    const bad = { ...content, layers: new Map([['conv2_1', { data: new Float32Array(3), dims: [3] }]]) };
    await assert.rejects(
      m.evaluate(img, bad, style),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected content target for layer conv2_1 of shape [1, 5, 4, 4] but received 3 values',
    );
    const r = await m.evaluate(img, content, style);
    assert.equal(r.content, 0); // the image is the content image
    assert.ok(r.style > 0);
    assert.equal(r.gradient.length, 192);
    await m.release();
    await assert.rejects(
      m.evaluate(img, content, style),
      (e) => isStyleError(e, 'RUNTIME') && e.message === 'StyleModel was released',
    );
  });

  test('serves many images from one session: targets are inputs', async () => {
    const m = await create({});
    try {
      const a = randomArray(192, rng(3), 50);
      const b2 = randomArray(192, rng(4), 50);
      const style = await m.styleTargets(randomArray(192, rng(5), 50), 8, 8);
      const ra = await m.evaluate(a, await m.contentTargets(a), style);
      const rb = await m.evaluate(a, await m.contentTargets(b2), style);
      assert.equal(ra.content, 0);
      assert.ok(rb.content > 0);
      assert.equal(ra.style, rb.style);
    } finally {
      await m.release();
    }
  });
});

suite('runtime adapters', () => {
  test('onnxruntime-web (wasm) runs the same training graph and agrees with onnxruntime-node', async () => {
    const loss: LossSpec = {
      ...CS20_LOSS,
      tvWeight: 0.1,
      pooling: 'max',
      contentLayers: [{ layer: 'conv2_1', weight: 1 }],
      styleLayers: [
        { layer: 'conv1_1', weight: 1 },
        { layer: 'conv3_1', weight: 2 },
      ],
    };
    const weights = randomWeights(TINY, 2);
    const results = [];
    for (const runtime of [nodeRuntime, webRuntime]) {
      const m = await StyleModel.create({
        weights,
        architecture: TINY,
        height: 9,
        width: 7,
        loss,
        runtime,
        threads: 1,
      });
      try {
        const content = await m.contentTargets(randomArray(189, rng(1), 50));
        const style = await m.styleTargets(randomArray(3 * 12 * 10, rng(2), 50), 12, 10);
        results.push(await m.evaluate(randomArray(189, rng(3), 50), content, style));
      } finally {
        await m.release();
      }
    }
    const [a, b] = results as [NonNullable<(typeof results)[0]>, NonNullable<(typeof results)[0]>];
    for (const k of ['content', 'style', 'tv', 'total'] as const)
      assert.ok(Math.abs(a[k] - b[k]) <= 1e-5 * Math.abs(a[k]), k);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.gradient.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(a.gradient[i]! - b.gradient[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(a.gradient[i]!));
    }
    assert.ok(maxErr <= 1e-4 * maxAbs, `gradients differ by ${maxErr} (max ${maxAbs})`);
  });
});
