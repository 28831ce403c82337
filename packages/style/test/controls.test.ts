/**
 * The controls of issue #9: TF SAME pooling, guided (masked) Grams, blended
 * style targets, bounds, colour preservation, the coarse-to-fine schedule,
 * the quality scorer, keeping the work on abort, and the option messages.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { isStyleError } from '../src/errors.js';
import { GraphBuilder } from '../src/graph/builder.js';
import { avgPoolSameBackward, samePoolWeights } from '../src/graph/rules.js';
import { VGG_MEAN_BGR } from '../src/image/preprocess.js';
import { guidedStyleTerm, styleTerm } from '../src/losses/terms.js';
import type { LossSpec } from '../src/losses/spec.js';
import { featureShapes } from '../src/network/vgg.js';
import { LBFGS } from '../src/optim/lbfgs.js';
import { Adam } from '../src/optim/adam.js';
import { minimize } from '../src/optim/minimize.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { StyleModel, type Targets } from '../src/runtime/style-model.js';
import { originalColors, rgbToYiq } from '../src/stylize/color.js';
import { blendTargets, guidesPerLayer } from '../src/stylize/core.js';
import { stylize } from '../src/stylize/index.js';
import { nodeEnvironment } from '../src/stylize/node-env.js';
import { QUALITY_LOSS, scoreQuality } from '../src/stylize/quality.js';
import { poolPlane, resizePlanes } from '../src/stylize/resample.js';
import { resolveSettings, scaleSchedule, type StylizeProgress } from '../src/stylize/settings.js';
import { loadWeights } from '../src/weights/load.js';
import type { VggWeights } from '../src/weights/types.js';
import { dot, fdCheck, shifted } from './fd.js';
import { TINY, randomArray, randomWeights, rng } from './graph-fixtures.js';
import { absent, sharedPath } from '@pastiche/testing';

const WEIGHTS = 'weights/vgg19-imagenet-uint8/model.json';
const weightsPath = sharedPath(WEIGHTS);
let shared: Promise<VggWeights> | undefined;
const sharedWeights = (): Promise<VggWeights> => {
  shared ??= loadWeights(weightsPath!);
  return shared;
};

test('TF SAME pooling: VGG-19 feature shapes at 333 x 250 follow ceil(n / 2) per pooling', () => {
  // TF's rule for padding 'SAME': out = ceil(in / stride), whatever the window.
  const tf = (n: number, pools: number): number => {
    let v = n;
    for (let i = 0; i < pools; i++) v = Math.ceil(v / 2);
    return v;
  };
  const layers = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv4_2', 'conv5_1'];
  const same = featureShapes('vgg19', 250, 333, layers, 'ceil');
  const pools: Record<string, number> = { conv1_1: 0, conv2_1: 1, conv3_1: 2, conv4_1: 3, conv4_2: 3, conv5_1: 4 };
  for (const l of layers) {
    assert.deepEqual(same[l]!.slice(1), [tf(250, pools[l]!), tf(333, pools[l]!)], l);
  }
  assert.deepEqual(same.conv2_1, [128, 125, 167], '333 -> 167, not 166');
  assert.deepEqual(same.conv5_1, [512, 16, 21]);
  assert.deepEqual(featureShapes('vgg19', 250, 333, ['conv5_1']).conv5_1, [512, 15, 20], 'floor without SAME');
});

test('TF SAME pooling forward: edge windows average only the elements inside (onnxruntime against a loop)', async () => {
  for (const [h, w] of [
    [5, 7],
    [4, 6],
    [3, 3],
  ] as const) {
    const b = new GraphBuilder('same');
    const x = b.input('x', [1, 2, h, w]);
    b.output(b.avgPoolSame(x), 'y');
    const session = await nodeRuntime.createSession(b.encode(), { threads: 1 });
    const data = randomArray(2 * h * w, rng(3));
    const y = (await session.run({ x: { data, dims: [1, 2, h, w] } })).y!;
    await session.release();
    assert.deepEqual(y.dims, [1, 2, Math.ceil(h / 2), Math.ceil(w / 2)]);
    for (let c = 0; c < 2; c++) {
      const plane = data.subarray(c * h * w, (c + 1) * h * w);
      const want = poolPlane(plane, w, h, 'ceil').data;
      const got = y.data.subarray(c * want.length, (c + 1) * want.length);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `${h}x${w} [${c}, ${i}]`);
    }
  }
  assert.deepEqual([...samePoolWeights(3, 3)], [0.25, 0.5, 0.5, 1]);
});

for (const [h, w] of [
  [5, 7],
  [4, 4],
  [6, 3],
] as const) {
  test(`TF SAME pooling backward: finite differences, ${h}x${w}`, async () => {
    await fdCheck([1, 2, h, w], (b, x) => {
      const y = b.avgPoolSame(x);
      const r = b.constant(
        'r',
        y.dims,
        randomArray(
          y.dims.reduce((a, v) => a * v, 1),
          rng(5),
        ),
      );
      return { loss: b.sum(b.mul(y, r)), grad: avgPoolSameBackward(b, r, x.dims) };
    });
  });
}

/** A random guide [1,1,h,w] in [0, 1), divided by sqrt(sum of squares) as the core feeds it. */
function guide(h: number, w: number, seed: number): Float32Array {
  const r = rng(seed);
  const m = Float32Array.from({ length: h * w }, () => r());
  const k = 1 / Math.sqrt(dot(m, m));
  return m.map((v) => v * k);
}

for (const normalization of ['mean', 'cs20'] as const) {
  test(`guided Gram term (Gatys 2017): finite differences, ${normalization}`, async () => {
    await fdCheck(
      [1, 4, 5, 6],
      (b, x) => {
        const m = b.constant('m', [1, 1, 5, 6], guide(5, 6, 9));
        const a = randomArray(16, rng(10), 0.1);
        for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) a[i * 4 + j] = a[j * 4 + i]!;
        const t = guidedStyleTerm(b, x, m, b.constant('a', [4, 4], a), normalization);
        return { loss: t.value, grad: t.backward(1) };
      },
      { tol: 2e-3 },
    );
  });
}

test('guided Gram term: an all-ones guide is exactly the plain style term', async () => {
  const b = new GraphBuilder('ones');
  const x = b.input('x', [1, 4, 5, 6]);
  const a = b.constant('a', [4, 4], randomArray(16, rng(2), 0.1));
  const ones = b.constant('m', [1, 1, 5, 6], new Float32Array(30).fill(1 / Math.sqrt(30)));
  b.output(guidedStyleTerm(b, x, ones, a, 'mean').value, 'guided');
  b.output(styleTerm(b, x, a, 'mean').value, 'plain');
  const s = await nodeRuntime.createSession(b.encode(), { threads: 1 });
  const out = await s.run({ x: { data: randomArray(120, rng(4)), dims: [1, 4, 5, 6] } });
  await s.release();
  const g = out.guided!.data[0]!;
  const p = out.plain!.data[0]!;
  assert.ok(Math.abs(g - p) / p < 1e-5, `${g} vs ${p}`);
});

const TINY_LOSS = (pooling: LossSpec['pooling']): LossSpec => ({
  contentLayers: [{ layer: 'conv2_1', weight: 1 }],
  styleLayers: [
    { layer: 'conv1_1', weight: 1 },
    { layer: 'conv2_1', weight: 2 },
    { layer: 'conv3_1', weight: 1 },
  ],
  contentWeight: 0.3,
  styleWeight: 1,
  tvWeight: 0.05,
  pooling,
  normalization: 'mean',
});

/** Directional derivatives of StyleModel.evaluate against central differences. */
async function modelFd(
  model: StyleModel,
  c: Targets,
  st: Parameters<StyleModel['evaluate']>[2],
  n: number,
  seed: number,
  tol = 5e-3,
  eps = 0.02,
): Promise<void> {
  const random = rng(seed);
  // Pixel-like scale and eps (as the training-graph checks in gradients.test.ts).
  const x = randomArray(n, random, 20);
  const g = (await model.evaluate(x, c, st)).gradient;
  for (let d = 0; d < 3; d++) {
    const v = randomArray(n, random);
    const plus = (await model.evaluate(shifted(x, v, eps), c, st)).total;
    const minus = (await model.evaluate(shifted(x, v, -eps), c, st)).total;
    const fd = (plus - minus) / (2 * eps);
    const an = dot(g, v);
    const err = Math.abs(fd - an) / Math.max(Math.abs(fd), Math.abs(an), 1e-6);
    assert.ok(err < tol, `direction ${d}: ${fd} vs ${an} (${err})`);
  }
}

test('whole graph, blended targets and SAME pooling at odd sizes: finite differences', async () => {
  const [h, w] = [13, 11];
  const weights = randomWeights(TINY, 3);
  const model = await StyleModel.create({
    weights,
    architecture: TINY,
    height: h,
    width: w,
    loss: TINY_LOSS('same-avg'),
    threads: 1,
  });
  try {
    const random = rng(8);
    const content = await model.contentTargets(randomArray(3 * h * w, random, 20));
    const s1 = await model.styleTargets(randomArray(3 * 9 * 10, random, 20), 9, 10);
    const s2 = await model.styleTargets(randomArray(3 * 15 * 12, random, 20), 15, 12);
    const mixed = blendTargets([s1, s2], [0.3, 0.7]);
    for (const [l, t] of mixed.layers) {
      const a = s1.layers.get(l)!.data;
      const bb = s2.layers.get(l)!.data;
      for (let i = 0; i < t.data.length; i += 7) {
        const want = 0.3 * a[i]! + 0.7 * bb[i]!;
        assert.ok(Math.abs(t.data[i]! - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${l}[${i}]`);
      }
    }
    await modelFd(model, content, mixed, 3 * h * w, 21);
  } finally {
    await model.release();
  }
});

test('whole graph with guided Grams (two regions): finite differences; guides follow each layer', async () => {
  const [h, w] = [12, 10];
  const loss = TINY_LOSS('avg');
  const model = await StyleModel.create({
    weights: randomWeights(TINY, 4),
    architecture: TINY,
    height: h,
    width: w,
    loss,
    threads: 1,
    guides: { weights: [0.5, 0.5] },
  });
  try {
    const random = rng(9);
    const content = await model.contentTargets(randomArray(3 * h * w, random, 20));
    const shapes = model.styleLayerShapes();
    const pools = new Map([
      ['conv1_1', 0],
      ['conv2_1', 1],
      ['conv3_1', 2],
    ]);
    // Left half style 1, right half style 2, soft at the border.
    const left = new Float32Array(h * w).map((_, i) => Math.min(1, Math.max(0, (w / 2 - (i % w)) / 2 + 0.5)));
    const right = left.map((v) => 1 - v);
    const regions = [];
    for (const [k, plane] of [left, right].entries()) {
      const guides = guidesPerLayer(plane, w, h, shapes, pools, 'floor');
      assert.deepEqual(guides.get('conv3_1')!.dims, [1, 1, 3, 2]);
      const style = await model.styleTargets(randomArray(3 * 8 * 8, random, 20), 8, 8);
      regions.push({ style, guides });
      assert.ok(k < 2);
    }
    // Soft guides bend the loss more: a smaller step (the difference converges to the gradient as eps shrinks).
    await modelFd(model, content, { regions }, 3 * h * w, 22, 1e-2, 0.005);
    // One all-ones region is the plain style term: same loss and gradient as an unguided model.
    const one = await StyleModel.create({
      weights: randomWeights(TINY, 4),
      architecture: TINY,
      height: h,
      width: w,
      loss,
      threads: 1,
      guides: { weights: [1] },
    });
    const plain = await StyleModel.create({
      weights: randomWeights(TINY, 4),
      architecture: TINY,
      height: h,
      width: w,
      loss,
      threads: 1,
    });
    try {
      const ones = guidesPerLayer(new Float32Array(h * w).fill(1), w, h, shapes, pools, 'floor');
      const x = randomArray(3 * h * w, random, 20);
      const a = await one.evaluate(x, content, { regions: [{ style: regions[0]!.style, guides: ones }] });
      const b = await plain.evaluate(x, content, regions[0]!.style);
      assert.ok(Math.abs(a.total - b.total) <= 1e-5 * b.total, `${a.total} vs ${b.total}`);
      let diff = 0;
      for (let i = 0; i < a.gradient.length; i++) diff = Math.max(diff, Math.abs(a.gradient[i]! - b.gradient[i]!));
      assert.ok(diff <= 1e-4 * Math.max(...b.gradient.map(Math.abs)), `gradient differs by ${diff}`);
    } finally {
      await one.release();
      await plain.release();
    }
    await assert.rejects(model.evaluate(new Float32Array(3 * h * w), content, { regions: regions.slice(1) }), {
      message: 'Expected guided targets for 2 regions but received 1',
    });
  } finally {
    await model.release();
  }
});

test('projected L-BFGS and Adam stay inside the bounds and stop at the bound', async () => {
  // f(x) = sum (x - 5)^2 with 0 <= x <= 1 (first half) and -2 <= x <= 3 (second half): minimum at 1 and 3.
  const evaluate = async (x: Float32Array) => {
    const gradient = new Float32Array(x.length);
    let loss = 0;
    for (let i = 0; i < x.length; i++) {
      loss += (x[i]! - 5) ** 2;
      gradient[i] = 2 * (x[i]! - 5);
    }
    return { loss, gradient };
  };
  const bounds = { lower: [0, -2], upper: [1, 3], block: 4 };
  const seen: number[] = [];
  const check = async (x: Float32Array) => {
    seen.push(...x);
    return evaluate(x);
  };
  for (const opt of [new LBFGS({ bounds }), new Adam({ lr: 0.5, bounds })]) {
    const x = new Float32Array([0.5, 0.2, 0, 1, -1, 0, 2, 3]);
    await minimize(x, check, opt, { iterations: 40 });
    assert.deepEqual(
      [...x].map((v) => +v.toFixed(3)),
      [1, 1, 1, 1, 3, 3, 3, 3],
      opt.name,
    );
  }
  for (let i = 0; i < seen.length; i++) {
    const k = i % 8 < 4 ? 0 : 1;
    assert.ok(seen[i]! >= bounds.lower[k]! && seen[i]! <= bounds.upper[k]!, `evaluated ${seen[i]} outside`);
  }
});

test('original colours: the content chroma (YIQ) is kept within a level, the result luminance too', () => {
  const random = rng(12);
  const n = 4096;
  // Mid-range colours, so the gamut edge clips nothing.
  const px = () => Uint8Array.from({ length: n * 3 }, () => 60 + Math.floor(random() * 130));
  const result = px();
  const content = Uint8Array.from({ length: n * 3 }, (_, i) => {
    const base = result[i - (i % 3)]!;
    return Math.min(255, Math.max(0, base + Math.round((random() - 0.5) * 40)));
  });
  const out = originalColors(result, content);
  let worstChroma = 0;
  let worstLuma = 0;
  for (let p = 0; p < out.length; p += 3) {
    const [y, i, q] = rgbToYiq(out[p]!, out[p + 1]!, out[p + 2]!);
    const [, ci, cq] = rgbToYiq(content[p]!, content[p + 1]!, content[p + 2]!);
    const [ry] = rgbToYiq(result[p]!, result[p + 1]!, result[p + 2]!);
    worstChroma = Math.max(worstChroma, Math.abs(i - ci), Math.abs(q - cq));
    worstLuma = Math.max(worstLuma, Math.abs(y - ry));
  }
  assert.ok(worstChroma <= 1, `chroma moved by ${worstChroma} levels`);
  assert.ok(worstLuma <= 1, `luminance moved by ${worstLuma} levels`);
  assert.ok(
    out.some((v, i) => v !== result[i]),
    'the colours changed',
  );
});

test('schedule: geometric sizes from minSize to the output, steps split by shares, at least one per scale', () => {
  const s = scaleSchedule(512, 383, 3, 256, 100, [0.5, 0.25, 0.25]);
  assert.deepEqual(
    s.map((x) => [x.width, x.height, x.iterations]),
    [
      [256, 192, 50],
      [362, 271, 25],
      [512, 383, 25],
    ],
  );
  assert.deepEqual(
    scaleSchedule(300, 200, 3, 400, 10, [1, 1, 1]).map((x) => [x.width, x.iterations]),
    [[300, 10]],
    'minSize above the output: one scale',
  );
  const few = scaleSchedule(512, 512, 4, 64, 4, [0.7, 0.1, 0.1, 0.1]);
  assert.equal(
    few.reduce((a, x) => a + x.iterations, 0),
    4,
  );
  assert.ok(few.every((x) => x.iterations >= 1));
  assert.ok(resizePlanes(new Float32Array([1, 1, 1, 1]), 1, 2, 2, 5, 3).every((v) => Math.abs(v - 1) < 1e-6));
});

test('new options: bad values are INVALID_OPTION errors with exact messages', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ scales: 0 }, 'Expected integer between 1 and 8 for scales but received 0 of type number'],
    [{ minSize: 8 }, 'Expected integer between 16 and 4096 for minSize but received 8 of type number'],
    [{ styleScale: 0 }, 'Expected number greater than 0 and at most 4 for styleScale but received 0 of type number'],
    [{ pooling: 'min' }, 'Expected one of: max, avg, same-avg for pooling but received min of type string'],
    [{ init: 'zeros' }, 'Expected one of: content, noise, mix, image for init but received zeros of type string'],
    [
      { styleBlendWeights: [1], styleCount: 2 },
      'Expected array of 2 entries for styleBlendWeights but received 1 of type object',
    ],
    [
      { styleBlendWeights: [1, 0], styleCount: 2 },
      'Expected number greater than 0 for styleBlendWeights[1] but received 0 of type number',
    ],
    [
      { styleLayerWeights: [1, 2] },
      'Expected array of 5 entries for styleLayerWeights but received 1,2 of type object',
    ],
    [{ originalColors: 'yes' }, 'Expected boolean for originalColors but received yes of type string'],
    [{ tolerance: 2 }, 'Expected number between 0 and 1 for tolerance but received 2 of type number'],
    [{ lbfgsCarry: 1 }, 'Expected boolean for lbfgsCarry but received 1 of type number'],
    [{ lbfgsSmoothing: -1 }, 'Expected number between 0 and 1000 for lbfgsSmoothing but received -1 of type number'],
    [
      { lbfgsSmoothingLevels: 0 },
      'Expected integer between 1 and 8 for lbfgsSmoothingLevels but received 0 of type number',
    ],
    [{ onAbort: 'exit' }, 'Expected one of: throw, return for onAbort but received exit of type string'],
  ];
  for (const [o, message] of cases) {
    assert.throws(
      () => resolveSettings(o as never),
      (e: unknown) => {
        assert.ok(isStyleError(e, 'INVALID_OPTION'), String(e));
        assert.equal(e.message, message);
        return true;
      },
    );
  }
  const s = resolveSettings({ styleLayers: ['relu1_1', 'relu3_1'], contentLayers: ['relu4_2'] });
  assert.deepEqual(
    s.loss.styleLayers.map((l) => l.layer),
    ['conv1_1', 'conv3_1'],
    "neural-style's relu names",
  );
  assert.deepEqual(s.loss.contentLayers, [{ layer: 'conv4_2', weight: 1 }]);
});

async function images(dir: string): Promise<{ content: string; style: string; style2: string; mask: string }> {
  const content = join(dir, 'content.png');
  const style = join(dir, 'style.png');
  const style2 = join(dir, 'style2.png');
  const mask = join(dir, 'mask.png');
  const random = rng(5);
  const noise = (w: number, h: number) =>
    sharp(Buffer.from(Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256))), {
      raw: { width: w, height: h, channels: 3 },
    });
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#4080c0' } })
    .composite([{ input: await noise(32, 24).png().toBuffer(), top: 12, left: 16 }])
    .png()
    .toFile(content);
  await noise(40, 40).blur(1).png().toFile(style);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c02020' } })
    .png()
    .toFile(style2);
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ffffff' } })
    .composite([
      {
        input: await sharp({ create: { width: 32, height: 48, channels: 3, background: '#000000' } })
          .png()
          .toBuffer(),
        left: 32,
        top: 0,
      },
    ])
    .png()
    .toFile(mask);
  return { content, style, style2, mask };
}

test('coarse to fine with the shared weights: events name scale and size, each scale continues the last', async (t) => {
  if (weightsPath === undefined) return t.skip(absent(WEIGHTS));
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-controls-'));
  try {
    const { content, style } = await images(dir);
    const weights = await sharedWeights();
    const events: StylizeProgress[] = [];
    const inBounds: boolean[] = [];
    const r = await stylize({
      content,
      style,
      weights,
      size: 64,
      scales: 2,
      minSize: 32,
      iterations: 8,
      stepShares: [1, 1],
      tolerance: 0,
      saveEvery: 1,
      onImage: (img) => {
        const plane = img.width * img.height;
        inBounds.push(
          img.data.every((v, i) => {
            const m = VGG_MEAN_BGR[Math.floor(i / plane)]!;
            return v >= -m - 1e-3 && v <= 255 - m + 1e-3;
          }),
        );
      },
      onProgress: (e) => {
        events.push(e);
      },
    });
    assert.deepEqual(
      r.settings.schedule.map((s) => [s.width, s.height, s.iterations]),
      [
        [32, 24, 4],
        [64, 48, 4],
      ],
    );
    assert.deepEqual(
      events.map((e) => [e.iteration, e.scale, e.width, e.height]),
      [
        [0, 1, 32, 24],
        [1, 1, 32, 24],
        [2, 1, 32, 24],
        [3, 1, 32, 24],
        [4, 1, 32, 24],
        [5, 2, 64, 48],
        [6, 2, 64, 48],
        [7, 2, 64, 48],
        [8, 2, 64, 48],
      ],
    );
    assert.ok(inBounds.length === 8 && inBounds.every(Boolean), 'every iterate is displayable');
    // Scale 2 starts from scale 1's stylised image, not from the content: its style term
    // starts far below that of the content image at 64 x 48.
    const single = await stylize({ content, style, weights, size: 64, scales: 1, iterations: 1 });
    const fresh = single.history[0]!;
    const continued = events.find((e) => e.scale === 2)!;
    assert.ok(continued.style < 0.5 * fresh.style, `style ${continued.style} against a fresh start's ${fresh.style}`);
    assert.equal(r.best.width, 64);
    assert.ok(r.work > 4 * 0.25 + 4 - 1e-9, `work ${r.work}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('two styles (blend, masks), style scale, original colours, init image: the written image is scored', async (t) => {
  if (weightsPath === undefined) return t.skip(absent(WEIGHTS));
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-controls-'));
  try {
    const { content, style, style2, mask } = await images(dir);
    const weights = await sharedWeights();
    const blended = await stylize({
      content,
      style: [style, style2],
      styleBlendWeights: [3, 1],
      styleScale: 0.5,
      weights,
      size: 64,
      scales: 1,
      iterations: 3,
    });
    assert.deepEqual(blended.settings.styleBlendWeights, [0.75, 0.25]);
    assert.deepEqual([blended.settings.styleWidth, blended.settings.styleHeight], [32, 32]);
    const masked = await stylize({
      content,
      style: [style, style2],
      styleMasks: [mask, mask],
      weights,
      size: 64,
      scales: 1,
      iterations: 3,
      originalColors: true,
      init: 'image',
      initImage: style2,
    });
    assert.equal(masked.settings.styleMasks, true);
    assert.ok(masked.history[0]!.content > blended.history[0]!.content, 'started from the init image, not the content');
    assert.equal(masked.final!.total, masked.best.total);
    await assert.rejects(stylize({ content, style: [style, style2], styleMasks: [mask], weights }), {
      message: 'Expected array of 2 masks (one per style image) for styleMasks but received 1 masks of type string',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('quality scorer: one forward pass equals the training graph with neural-style weights; 0 content on itself', async (t) => {
  if (weightsPath === undefined) return t.skip(absent(WEIGHTS));
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-controls-'));
  try {
    const { content, style } = await images(dir);
    const weights = await sharedWeights();
    const rgb = async (p: string) => {
      const { data, info } = await sharp(p).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { pixels: new Uint8Array(data), width: info.width, height: info.height };
    };
    const c = await rgb(content);
    const s = await rgb(style);
    const self = await scoreQuality({ env: nodeEnvironment, weights, image: c, content: c, styles: [s] });
    assert.equal(self.content, 0);
    assert.ok(self.style > 0);
    const model = await StyleModel.create({ weights, width: 64, height: 48, loss: { ...QUALITY_LOSS } });
    try {
      const { fromPixels } = await import('../src/image/preprocess.js');
      const data = fromPixels(c.pixels, 64, 48);
      const styleImg = await nodeEnvironment.resize(s, 64, 64, 'fill');
      const e = await model.evaluate(
        data,
        await model.contentTargets(data),
        await model.styleTargets(fromPixels(styleImg.pixels, 64, 64), 64, 64),
      );
      assert.ok(Math.abs(100 * e.style - self.style) / self.style < 1e-5, `${100 * e.style} vs ${self.style}`);
    } finally {
      await model.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('interrupt keeps the work: onAbort return gives the best image so far at the output size', async (t) => {
  if (weightsPath === undefined) return t.skip(absent(WEIGHTS));
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-controls-'));
  try {
    const { content, style } = await images(dir);
    const controller = new AbortController();
    const r = await stylize({
      content,
      style,
      weights: await sharedWeights(),
      size: 64,
      scales: 2,
      minSize: 32,
      iterations: 100,
      onAbort: 'return',
      signal: controller.signal,
      onProgress: (e) => {
        if (e.iteration === 3) controller.abort();
      },
    });
    assert.equal(r.interrupted, true);
    assert.equal(r.final, undefined);
    assert.deepEqual([r.best.width, r.best.height, r.best.pixels.length], [64, 48, 64 * 48 * 3]);
    assert.equal(r.best.iteration, 3);
    assert.equal(
      r.notes.at(-1),
      'interrupted at iteration 3, scale 1 of 2: the best image so far is kept (upsampled from 32x24)',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
