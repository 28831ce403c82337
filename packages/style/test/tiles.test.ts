/**
 * Tiled evaluation: the context derivation, the tile layout's invariants, the
 * memory-driven window choice, and the tiled loss and gradient against the
 * untiled StyleModel (tiny network here; real VGG-19 in tiles-vgg.test.ts),
 * plus a finite-difference check of the tiled gradient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import type { LossSpec } from '../src/losses/spec.js';
import { VGG_ARCHITECTURES } from '../src/network/vgg.js';
import type { RuntimeAdapter } from '../src/runtime/adapter.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { StyleModel } from '../src/runtime/style-model.js';
import { createTiledEvaluator } from '../src/tiles/evaluator.js';
import type { ImageEvaluator } from '../src/tiles/evaluator.js';
import { axisWindow, planTiles } from '../src/tiles/layout.js';
import { BUDGET_HEADROOM, chooseWindow, estimateTiledBytes, shouldTile } from '../src/tiles/memory.js';
import { tileContext } from '../src/tiles/receptive-field.js';
import { addTotalVariation } from '../src/tiles/tv.js';
import { TINY, randomArray, randomWeights, rng } from './graph-fixtures.js';
import { assertClose, relative } from './tiles-fixtures.js';

const VGG19 = VGG_ARCHITECTURES.vgg19;
const CS20_LAYERS = ['conv4_2', 'conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'];

test('tileContext: VGG-19 conv5_1 reads 70 px on each side of its 16 px cell; margin 80', () => {
  assert.deepEqual(tileContext(VGG19, CS20_LAYERS), { before: 70, after: 70, align: 16, margin: 80 });
  // 156 px wide in all: 70 + 16 + 70.
  assert.deepEqual(tileContext(VGG19, ['conv4_2']), { before: 38, after: 38, align: 8, margin: 40 });
  assert.deepEqual(tileContext(VGG19, ['conv1_1']), { before: 1, after: 1, align: 1, margin: 1 });
  assert.deepEqual(tileContext(TINY, ['conv1_1', 'conv3_1']), { before: 8, after: 8, align: 4, margin: 8 });
});

test('planTiles: interiors partition the image, windows hold their interior plus the margin, on the grid', () => {
  const ctx = tileContext(VGG19, CS20_LAYERS);
  const seams = new Map<string, Set<number>>();
  for (const [H, W, want] of [
    [256, 320, 192],
    [1536, 2048, 700],
    [333, 250, 200],
    [1000, 177, 256],
  ] as const) {
    const wh = axisWindow(H, want, ctx)!;
    const ww = axisWindow(W, want, ctx)!;
    for (let shift = 0; shift < 6; shift++) {
      const plan = planTiles(H, W, wh, ww, ctx, shift);
      const cover = new Uint8Array(H * W);
      for (const t of plan.tiles) {
        assert.equal(t.y % 16, 0, 'window origin on the grid');
        assert.equal(t.x % 16, 0, 'window origin on the grid');
        assert.ok(t.y >= 0 && t.y + plan.height <= H && t.x >= 0 && t.x + plan.width <= W, 'window inside');
        assert.ok(t.y0 === 0 || t.y0 % 16 === 0, 'interior on the grid');
        assert.ok(t.x0 === 0 || t.x0 % 16 === 0, 'interior on the grid');
        // Context of `margin` px, or all the image has up to its edge.
        assert.ok(t.y === 0 || t.y0 - t.y >= ctx.margin, `top context ${t.y0 - t.y}`);
        assert.ok(t.x === 0 || t.x0 - t.x >= ctx.margin, `left context ${t.x0 - t.x}`);
        assert.ok(t.y + plan.height === H || t.y + plan.height - t.y1 >= ctx.margin, 'bottom context');
        assert.ok(t.x + plan.width === W || t.x + plan.width - t.x1 >= ctx.margin, 'right context');
        for (let y = t.y0; y < t.y1; y++) for (let x = t.x0; x < t.x1; x++) cover[y * W + x]! += 1;
        const key = `${H}x${W}`;
        if (!seams.has(key)) seams.set(key, new Set());
        if (t.y0 > 0) seams.get(key)!.add(t.y0);
      }
      assert.ok(
        cover.every((v) => v === 1),
        `${H}x${W} shift ${shift}: every pixel in exactly one interior`,
      );
    }
  }
  // The seams move between iterations.
  assert.ok(seams.get('1536x2048')!.size > 2, 'row seams of 1536 x 2048 move');
  assert.ok(seams.get('256x320')!.size > 1, 'row seams of 256 x 320 move');
});

test('axisWindow: the largest window congruent to the length mod 16, or null below the minimum', () => {
  const ctx = tileContext(VGG19, CS20_LAYERS);
  assert.equal(axisWindow(320, 192, ctx), 192);
  assert.equal(axisWindow(333, 200, ctx), 189); // 333 = 13 mod 16; 189 = 13 mod 16
  assert.equal(axisWindow(333, 400, ctx), 333);
  assert.equal(axisWindow(333, 190, ctx), 189); // the smallest: 2 x 80 margin + 16 + 13
  assert.equal(axisWindow(333, 188, ctx), null); // 173 would leave no middle interior
});

test('chooseWindow and shouldTile follow the estimate', () => {
  const m = {};
  const G = 2 ** 30;
  assert.equal(shouldTile(512, 512, 8 * G), false);
  assert.equal(shouldTile(2048, 1536, 3 * G), true);
  const c = chooseWindow(m, 1536, 2048, 3 * G)!;
  assert.ok(c.bytes <= 3 * G && c.bytes === estimateTiledBytes(m, 1536, 2048, c.height, c.width));
  assert.ok(c.height < 1536 || c.width < 2048, 'tiled');
  // A bigger budget never makes more work.
  const d = chooseWindow(m, 1536, 2048, 6 * G)!;
  assert.ok(d.tiles * d.height * d.width <= c.tiles * c.height * c.width);
  assert.equal(chooseWindow(m, 1536, 2048, 0.1 * G), null);
});

test('addTotalVariation matches a direct sum and its gradient a finite difference', () => {
  const random = rng(3);
  const [c, h, w] = [2, 5, 7];
  const x = randomArray(c * h * w, random, 3);
  for (const norm of ['cs20', 'mean'] as const) {
    const g = new Float32Array(x.length);
    const v = addTotalVariation(x, c, h, w, norm, 0.5, g);
    let sv = 0;
    let sh = 0;
    for (let k = 0; k < c; k++)
      for (let y = 0; y < h; y++)
        for (let i = 0; i < w; i++) {
          const at = (dy: number, dx: number) => x[(k * h + y + dy) * w + i + dx]!;
          if (y + 1 < h) sv += (at(1, 0) - at(0, 0)) ** 2;
          if (i + 1 < w) sh += (at(0, 1) - at(0, 0)) ** 2;
        }
    const expect = norm === 'cs20' ? sv + sh : sv / (c * (h - 1) * w) + sh / (c * h * (w - 1));
    assert.ok(relative(v, expect) < 1e-6, `${norm}: ${v} vs ${expect}`);
    const dir = randomArray(x.length, random);
    const eps = 1e-2;
    const at = (k: number) =>
      addTotalVariation(
        x.map((xi, i) => xi + k * dir[i]!),
        c,
        h,
        w,
        norm,
        0.5,
        null,
      );
    const fd = (0.5 * (at(eps) - at(-eps))) / (2 * eps);
    const an = g.reduce((s, gi, i) => s + gi * dir[i]!, 0);
    assert.ok(relative(fd, an) < 1e-3, `${norm}: finite difference ${fd} vs gradient ${an}`);
  }
});

function tinyLoss(pooling: 'avg' | 'max', normalization: 'cs20' | 'mean'): LossSpec {
  return {
    contentLayers: [{ layer: 'conv2_1', weight: 1 }],
    styleLayers: [
      { layer: 'conv1_1', weight: 0.5 },
      { layer: 'conv2_1', weight: 1 },
      { layer: 'conv3_1', weight: 2 },
    ],
    contentWeight: 0.3,
    styleWeight: 1,
    tvWeight: 0.05,
    pooling,
    normalization,
  };
}

for (const pooling of ['avg', 'max'] as const) {
  for (const normalization of ['cs20', 'mean'] as const) {
    test(`tiny network, ${pooling} pooling, ${normalization}: tiled targets, loss and gradient equal the untiled ones`, async () => {
      const [h, w] = [45, 50]; // residues 1 and 2 mod 4: the last windows end off the grid
      const weights = randomWeights(TINY, 5);
      const loss = tinyLoss(pooling, normalization);
      const common = { weights, architecture: TINY, height: h, width: w, loss, threads: 1 } as const;
      // StyleModel and TiledEvaluator are interchangeable for the stylize loop (checked by tsc).
      const model: ImageEvaluator = await StyleModel.create(common);
      const tiled = await createTiledEvaluator({ ...common, tile: 24 });
      try {
        assert.deepEqual(tiled.window, { height: 21, width: 22 });
        assert.ok(tiled.plan(0).tiles.length >= 9, `${tiled.plan(0).tiles.length} tiles`);
        const random = rng(11);
        const contentImage = randomArray(3 * h * w, random, 20);
        const styleImage = randomArray(3 * 37 * 29, random, 20);
        const content = await model.contentTargets(contentImage);
        const style = await model.styleTargets(styleImage, 37, 29);
        const tContent = await tiled.contentTargets(contentImage);
        const tStyle = await tiled.styleTargets(styleImage, 37, 29);
        for (const [a, b] of [
          [tContent, content],
          [tStyle, style],
        ] as const) {
          for (const [l, v] of b.layers) {
            const t = a.layers.get(l)!;
            assert.deepEqual(t.dims, v.dims, `${a.kind} ${l} dims`);
            let worst = 0;
            let scale = 0;
            for (let i = 0; i < v.data.length; i++) {
              worst = Math.max(worst, Math.abs(t.data[i]! - v.data[i]!));
              scale = Math.max(scale, Math.abs(v.data[i]!));
            }
            assert.ok(worst <= 1e-5 * scale, `${a.kind} target ${l}: max difference ${worst} of ${scale}`);
          }
        }
        const x = randomArray(3 * h * w, random, 20);
        const full = await model.evaluate(x, content, style);
        // Several plans (the seams move at every call): each equals the untiled evaluation.
        for (let i = 0; i < 3; i++) assertClose(await tiled.evaluate(x, content, style), full, 1e-5, 0.99999);
      } finally {
        await Promise.all([model.release(), tiled.release()]);
      }
    });
  }
}

test('tiny network: a window holding the whole image runs the training graph once per evaluation', async () => {
  const [h, w] = [40, 44];
  const weights = randomWeights(TINY, 7);
  const loss = tinyLoss('max', 'mean');
  const runs = new Map<string, number>();
  // Counts runs per graph: the tile graphs name their gradient input 'style_seed:...', the training graph does not.
  const counting: RuntimeAdapter = {
    name: 'counting',
    async createSession(bytes, options) {
      const s = await nodeRuntime.createSession(bytes, options);
      const kind = s.inputNames.some((n) => n.startsWith('style_seed:'))
        ? 'tile gradient'
        : s.outputNames.includes('gradient')
          ? 'training'
          : 'features';
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        release: () => s.release(),
        run: (feeds, outputs) => {
          runs.set(kind, (runs.get(kind) ?? 0) + 1);
          return s.run(feeds, outputs);
        },
      };
    },
  };
  const common = { weights, architecture: TINY, height: h, width: w, loss, threads: 1 } as const;
  const model = await StyleModel.create(common);
  const tiled = await createTiledEvaluator({ ...common, tile: 64, runtime: counting });
  try {
    assert.deepEqual(tiled.window, { height: h, width: w });
    const random = rng(5);
    const content = await tiled.contentTargets(randomArray(3 * h * w, random, 20));
    const style = await tiled.styleTargets(randomArray(3 * h * w, random, 20), h, w);
    runs.clear();
    const x = randomArray(3 * h * w, random, 20);
    const e = await tiled.evaluate(x, content, style);
    assert.deepEqual(Object.fromEntries(runs), { training: 1 });
    assertClose(e, await model.evaluate(x, content, style), 1e-6, 0.999999);
  } finally {
    await Promise.all([model.release(), tiled.release()]);
  }
});

test('planTiles: 320 x 240 with 192 px windows takes 3 x 6 windows whose seams still move', () => {
  const ctx = tileContext(VGG19, CS20_LAYERS);
  const rows = new Set<number>();
  for (let shift = 0; shift < 4; shift++) {
    const plan = planTiles(240, 320, 192, 192, ctx, shift);
    assert.equal(plan.tiles.length, 18);
    for (const t of plan.tiles) if (t.y0 > 0) rows.add(t.y0);
  }
  assert.ok(rows.size > 2, `row seams at ${[...rows].join(', ')}`);
});

test('tiny network: the tiled gradient passes a finite-difference check', async () => {
  const [h, w] = [36, 41];
  const loss = tinyLoss('avg', 'cs20');
  const tiled = await createTiledEvaluator({
    weights: randomWeights(TINY, 9),
    architecture: TINY,
    height: h,
    width: w,
    loss,
    threads: 1,
    tile: 24,
  });
  try {
    assert.ok(tiled.plan(0).tiles.length > 4);
    const random = rng(21);
    const content = await tiled.contentTargets(randomArray(3 * h * w, random, 20));
    const style = await tiled.styleTargets(randomArray(3 * 30 * 30, random, 20), 30, 30);
    const x0 = randomArray(3 * h * w, random, 20);
    const base = await tiled.evaluate(x0, content, style);
    assert.ok(relative(base.total, 0.3 * base.content + base.style + 0.05 * base.tv) < 1e-6);
    const eps = 0.02;
    for (let d = 0; d < 3; d++) {
      const v = randomArray(x0.length, random);
      const at = async (k: number) =>
        (
          await tiled.evaluate(
            x0.map((xi, i) => xi + k * v[i]!),
            content,
            style,
          )
        ).total;
      const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      const an = base.gradient.reduce((s, g, i) => s + g * v[i]!, 0);
      assert.ok(relative(fd, an) < 5e-3, `direction ${d}: finite difference ${fd} vs gradient ${an}`);
    }
  } finally {
    await tiled.release();
  }
});

test('createTiledEvaluator: bad tiling options get exact messages', async () => {
  const base = {
    weights: randomWeights(TINY, 1),
    architecture: TINY,
    height: 40,
    width: 40,
    loss: tinyLoss('avg', 'cs20'),
  };
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'Expected tile (px) or maxMemory (bytes) for a tiled evaluator'],
    [{ tile: 10 }, 'Expected integer between 24 and 16384 for tile but received 10 of type number'],
    [{ tile: 30.5 }, 'Expected integer between 24 and 16384 for tile but received 30.5 of type number'],
    [{ maxMemory: -1 }, 'Expected number greater than 0 for maxMemory but received -1 of type number'],
    [
      { maxMemory: 1000 },
      `Expected number of at least ${Math.ceil(estimateTiledBytes({ arch: TINY, loss: base.loss }, 40, 40, 20, 20) / BUDGET_HEADROOM / 2 ** 20)} MiB (the smallest tiles of a 40 x 40 image) for maxMemory but received 1000 of type number`,
    ],
  ];
  for (const [extra, message] of cases) {
    await assert.rejects(
      createTiledEvaluator({ ...base, ...extra }),
      (e: unknown) => isStyleError(e, 'INVALID_OPTION') && e.message === message,
      message,
    );
  }
});
