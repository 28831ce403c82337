/**
 * The stylize loop with tiled evaluation: `tile` and `maxMemory` validation,
 * the per-scale choice, and a forced small tile following the same loss
 * trajectory as untiled (tiny random network, so it runs without ../shared).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import { createStyleCore, type RgbImage } from '../src/stylize/core.js';
import { nodeEnvironment } from '../src/stylize/node-env.js';
import { resolveSettings, type StylizeControls } from '../src/stylize/settings.js';
import { TINY, randomWeights, rng } from './graph-fixtures.js';
import { relative } from './tiles-fixtures.js';

const W = 64;
const H = 48;
const weights = randomWeights(TINY, 3);
const LAYERS: StylizeControls = {
  contentLayers: ['conv3_1'],
  styleLayers: ['conv1_1', 'conv2_1', 'conv3_1'],
  scales: 1,
  iterations: 3,
};

function randomImage(seed: number): RgbImage {
  const r = rng(seed);
  const pixels = new Uint8Array(W * H * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(r() * 256);
  return { pixels, width: W, height: H };
}

async function run(controls: StylizeControls) {
  const core = createStyleCore({
    env: nodeEnvironment,
    weights,
    architecture: TINY,
    settings: resolveSettings({ ...LAYERS, ...controls }),
    styles: [randomImage(2)],
    threads: 1,
  });
  try {
    return await core.run(randomImage(1));
  } finally {
    await core.close();
  }
}

function rejectsWith(fn: () => unknown, message: string | RegExp) {
  return assert.rejects(
    async () => fn(),
    (e: unknown) => {
      assert.ok(isStyleError(e), `StyleError expected, got ${String(e)}`);
      assert.equal(e.code, 'INVALID_OPTION');
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

test('resolveSettings: tile and maxMemory are checked with exact messages', async () => {
  await rejectsWith(
    () => resolveSettings({ tile: 8 }),
    'Expected integer between 16 and 4096 for tile but received 8 of type number',
  );
  await rejectsWith(
    () => resolveSettings({ tile: 100.5 }),
    'Expected integer between 16 and 4096 for tile but received 100.5 of type number',
  );
  await rejectsWith(
    () => resolveSettings({ maxMemory: 0 }),
    'Expected number greater than 0 for maxMemory but received 0 of type number',
  );
  await rejectsWith(
    () => resolveSettings({ maxMemory: '3G' as unknown as number }),
    'Expected number greater than 0 for maxMemory but received 3G of type string',
  );
  const s = resolveSettings({ tile: 256, maxMemory: 3e9 });
  assert.equal(s.tile, 256);
  assert.equal(s.maxMemory, 3e9);
  assert.equal(resolveSettings({}).maxMemory, undefined, 'portable settings leave the budget unset');
});

test('createStyleCore: a forced tile below the network minimum, with same-avg pooling or with masks is refused', async () => {
  // TINY to conv3_1: margin 8, align 4, so the smallest window is 2 * 8 + 2 * 4 = 24.
  await rejectsWith(
    () => run({ tile: 20 }),
    'Expected integer between 24 and 4096 for tile but received 20 of type number',
  );
  await rejectsWith(
    () => run({ tile: 32, pooling: 'same-avg' }),
    "Expected 'max' or 'avg' (same-avg has no tiled evaluation) for pooling with tile but received same-avg of type string",
  );
  await rejectsWith(
    () =>
      createStyleCore({
        env: nodeEnvironment,
        weights,
        architecture: TINY,
        settings: resolveSettings({ ...LAYERS, tile: 32 }),
        styles: [randomImage(2)],
        masks: [randomImage(4)],
      }),
    'Expected no style masks with tile: guided Grams have no tiled evaluation',
  );
});

test('stylize loop: a forced 32 px tile gives the untiled loss trajectory within 1e-4', async () => {
  const full = await run({});
  const tiled = await run({ tile: 32 });
  assert.ok(
    tiled.notes.includes('scale 1: 64x48 evaluated in tiles (windows of 32x32 px)'),
    `notes: ${tiled.notes.join('; ')}`,
  );
  assert.ok(!full.notes.some((n) => n.includes('tiles')), `notes: ${full.notes.join('; ')}`);
  assert.equal(tiled.history.length, full.history.length);
  assert.ok(full.history.length >= 3, `iterations run: ${full.history.length - 1}`);
  // The loss must move, or equal trajectories would prove nothing.
  assert.ok(full.history.at(-1)!.total < full.history[0]!.total * 0.99);
  for (const [i, f] of full.history.entries()) {
    const t = tiled.history[i]!;
    for (const k of ['content', 'style', 'tv', 'total'] as const) {
      assert.ok(relative(t[k], f[k]) <= 1e-4, `iteration ${i} ${k}: tiled ${t[k]} vs untiled ${f[k]}`);
    }
  }
  assert.ok(relative(tiled.final!.total, full.final!.total) <= 1e-4, 'loss of the written image');
});

test('stylize loop: over budget with same-avg pooling falls back untiled and says so; max pooling must fit', async () => {
  const r = await run({ maxMemory: 1, pooling: 'same-avg', iterations: 1 });
  assert.ok(
    r.notes.includes(
      "scale 1: 64x48 evaluated untiled although its estimate exceeds maxMemory: 'same-avg' pooling has no tiled evaluation",
    ),
    `notes: ${r.notes.join('; ')}`,
  );
  await rejectsWith(
    () => run({ maxMemory: 1, iterations: 1 }),
    /^Expected number of at least \d+ MiB \(the smallest tiles of a 64 x 48 image\) for maxMemory but received 1 of type number$/,
  );
});
