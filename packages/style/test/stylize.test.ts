import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { stylize } from '../src/stylize/index.js';
import { resolveSettings, type StylizeProgress } from '../src/stylize/settings.js';
import { initialImage } from '../src/stylize/init.js';
import { mulberry32, uniformNoise } from '../src/stylize/random.js';
import { isStyleError } from '../src/errors.js';
import { loadWeights } from '../src/weights/load.js';
import type { VggWeights } from '../src/weights/types.js';
import { absent, sharedPath } from '@pastiche/testing';

const WEIGHTS = 'weights/vgg19-imagenet-uint8/model.json';
const weightsPath = sharedPath(WEIGHTS);
let weights: Promise<VggWeights> | undefined;
function sharedWeights(): Promise<VggWeights> {
  weights ??= loadWeights(weightsPath!);
  return weights;
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-stylize-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Test images made by sharp at test time: a smooth content gradient and a striped style. */
async function testImages(dir: string): Promise<{ content: string; style: string }> {
  const w = 64;
  const h = 48;
  const c = Buffer.alloc(w * h * 3);
  const s = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3;
      c.set([(x * 4) & 255, (y * 5) & 255, 128 + ((x + y) % 50)], p);
      const stripe = (x + 2 * y) % 8 < 4;
      s.set(stripe ? [220, 180, 30] : [20, 40, 160], p);
    }
  }
  const content = join(dir, 'content.png');
  const style = join(dir, 'style.jpg');
  await sharp(c, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(content);
  await sharp(s, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 95 })
    .toFile(style);
  return { content, style };
}

async function rejectsWith(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStyleError(e), `expected a StyleError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('mulberry32 is a fixed sequence; noise is uniform in [-range, range)', () => {
  const next = mulberry32(42);
  const first = [next(), next(), next()];
  const again = mulberry32(42);
  assert.deepEqual([again(), again(), again()], first);
  assert.notDeepEqual([mulberry32(43)()], [first[0]]);
  for (const v of first) assert.ok(v >= 0 && v < 1);
  const noise = uniformNoise(20000, 20, 7);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of noise) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  assert.ok(min >= -20 && max < 20, `${min}..${max}`);
  assert.ok(min < -19.9 && max > 19.9, 'covers the range');
  assert.ok(Math.abs(sum / noise.length) < 0.5, `mean ${sum / noise.length}`);
});

test('initial image: deterministic per seed; mix = 0.6 noise + 0.4 content', () => {
  const content = Float32Array.from({ length: 300 }, (_, i) => i - 150);
  const o = { seed: 5, noiseRange: 20, noiseRatio: 0.6 };
  const a = initialImage(content, { ...o, mode: 'mix' });
  const b = initialImage(content, { ...o, mode: 'mix' });
  assert.deepEqual(a, b);
  assert.notDeepEqual(initialImage(content, { ...o, seed: 6, mode: 'mix' }), a);
  const noise = initialImage(content, { ...o, mode: 'noise' });
  assert.deepEqual(noise, uniformNoise(300, 20, 5));
  for (let i = 0; i < 300; i++) assert.ok(Math.abs(a[i]! - (0.6 * noise[i]! + 0.4 * content[i]!)) < 1e-4);
  const same = initialImage(content, { ...o, mode: 'content' });
  assert.deepEqual(same, content);
  assert.notEqual(same, content, 'a copy, not the content array itself');
});

test('settings: presets plus overrides; cs20 keeps the seed values', () => {
  const cs20 = resolveSettings({ preset: 'cs20' });
  assert.equal(cs20.optimizer, 'adam');
  assert.equal(cs20.lr, 2);
  assert.equal(cs20.iterations, 300);
  assert.equal(cs20.init, 'mix');
  assert.equal(cs20.seed, 0);
  assert.deepEqual(cs20.size, { width: 333, height: 250 });
  const o = resolveSettings({
    preset: 'cs20',
    size: 128,
    iterations: 7,
    optimizer: 'lbfgs',
    tvWeight: 2,
    seed: 9,
    init: 'noise',
  });
  assert.deepEqual(o.size, { maxSide: 128 });
  assert.equal(o.iterations, 7);
  assert.equal(o.optimizer, 'lbfgs');
  assert.equal(o.loss.tvWeight, 2);
  assert.equal(o.loss.contentWeight, 0.01, 'the rest stays from the preset');
  assert.equal(o.seed, 9);
  assert.equal(o.init, 'noise');
  assert.deepEqual(resolveSettings({ width: 40, height: 30 }).size, { width: 40, height: 30 });
  assert.equal(resolveSettings({}).preset, 'default');
});

test('settings: bad values are INVALID_OPTION errors in the sharp message shape', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ iterations: -1 }, 'Expected integer between 1 and 10000 for iterations but received -1 of type number'],
    [{ iterations: 1.5 }, 'Expected integer between 1 and 10000 for iterations but received 1.5 of type number'],
    [{ size: 8 }, 'Expected integer between 16 and 4096 for size but received 8 of type number'],
    [{ optimizer: 'sgd' }, 'Expected one of: adam, lbfgs for optimizer but received sgd of type string'],
    [{ preset: 'fast' }, 'Expected one of: default, cs20 for preset but received fast of type string'],
    [{ init: 'zeros' }, 'Expected one of: content, noise, mix, image for init but received zeros of type string'],
    [{ styleWeight: -1 }, 'Expected number of at least 0 for styleWeight but received -1 of type number'],
    [{ contentWeight: Number.NaN }, 'Expected number of at least 0 for contentWeight but received NaN of type number'],
    [{ lr: 0 }, 'Expected number greater than 0 for lr but received 0 of type number'],
    [{ seed: 2 ** 32 }, 'Expected integer between 0 and 4294967295 for seed but received 4294967296 of type number'],
    [{ saveEvery: 0 }, 'Expected integer between 1 and 10000 for saveEvery but received 0 of type number'],
    [{ width: 40 }, 'Expected integer between 16 and 4096 for height but received undefined of type undefined'],
    [
      { size: 64, width: 40, height: 40 },
      'Expected no width or height alongside it for size but received 64 of type number',
    ],
    [
      { savePattern: 'out.png' },
      "Expected path containing '{iteration}' for savePattern but received out.png of type string",
    ],
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
});

test('errors: a missing image and missing weights are reported before any work', async () => {
  await withDir(async (dir) => {
    const { content, style } = await testImages(dir);
    const missing = join(dir, 'missing.jpg');
    await rejectsWith(
      stylize({ content, style: missing, weights: new Map() }),
      'IMAGE',
      `Image file not found: '${missing}'`,
    );
    await rejectsWith(
      stylize({ content, style, resolve: { env: {}, cacheDir: join(dir, 'cache'), download: false } }),
      'WEIGHTS_MISSING',
      /^No VGG-19 weights found .*downloads are off\.\nTo supply the VGG-19 weights:/s,
    );
    const aborted = AbortSignal.abort();
    await rejectsWith(
      stylize({ content, style, weights: new Map(), signal: aborted }),
      'ABORTED',
      'Style transfer aborted',
    );
  });
});

for (const [name, options] of [
  ['Adam (cs20 preset)', { preset: 'cs20', optimizer: 'adam' }],
  ['L-BFGS (default preset)', { preset: 'default', optimizer: 'lbfgs' }],
] as const) {
  test(`real run with the shared weights, ${name}: the total loss falls`, async (t) => {
    if (weightsPath === undefined) return t.skip(absent(WEIGHTS));
    await withDir(async (dir) => {
      const { content, style } = await testImages(dir);
      const events: StylizeProgress[] = [];
      const snapshots: number[] = [];
      const r = await stylize({
        content,
        style,
        weights: await sharedWeights(),
        ...options,
        width: 48,
        height: 32,
        iterations: 6,
        seed: 1,
        saveEvery: 4,
        savePattern: join(dir, 'snap-{iteration}.png'),
        onImage: (img) => {
          snapshots.push(img.iteration);
        },
        onProgress: (e) => {
          events.push(e);
        },
      });
      assert.equal(r.settings.width, 48);
      assert.equal(r.settings.height, 32);
      assert.equal(r.image.pixels.length, 48 * 32 * 3);
      assert.equal(r.history[0]!.iteration, 0);
      assert.equal(r.history.length, 7);
      assert.deepEqual(
        events.map((e) => e.iteration),
        [0, 1, 2, 3, 4, 5, 6],
      );
      assert.ok(events.every((e) => e.iterations === 6 && e.remaining >= 0 && Number.isFinite(e.total)));
      const first = r.history[0]!.total;
      const last = r.history[6]!.total;
      assert.ok(last < first * 0.9, `total ${first} -> ${last}`);
      if (options.optimizer === 'lbfgs') {
        for (let i = 1; i < r.history.length; i++) assert.ok(r.history[i]!.total < r.history[i - 1]!.total);
      }
      // best = the lowest-loss iterate, rounded to 8 bits and evaluated once more: what is written.
      const min = Math.min(...r.history.map((h) => h.total));
      assert.equal(r.best.total, r.final!.total);
      assert.ok(Math.abs(r.final!.total - min) / min < 0.05, `written ${r.final!.total} against ${min}`);
      assert.equal(r.interrupted, false);
      assert.deepEqual(snapshots, [4, 6]);
      assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('snap-')).sort(), ['snap-4.png', 'snap-6.png']);
      assert.equal(r.evaluations >= 7, true);
    });
  });
}

test('abort: rejects with ABORTED between iterations, promptly', async (t) => {
  if (weightsPath === undefined) return t.skip(absent(WEIGHTS));
  await withDir(async (dir) => {
    const { content, style } = await testImages(dir);
    const controller = new AbortController();
    let seen = 0;
    await rejectsWith(
      stylize({
        content,
        style,
        weights: await sharedWeights(),
        preset: 'cs20',
        width: 32,
        height: 32,
        iterations: 1000,
        signal: controller.signal,
        onProgress: (e) => {
          seen = e.iteration;
          if (e.iteration === 2) controller.abort();
        },
      }),
      'ABORTED',
      'Style transfer aborted',
    );
    assert.equal(seen, 2, 'no iteration ran after the abort');
  });
});
