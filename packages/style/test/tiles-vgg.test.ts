/**
 * Tiled evaluation with the real VGG-19 (../shared/weights): at 320 x 256 with
 * 192 px windows (20 windows, 80 px of context each) the tiled loss terms and
 * gradient equal StyleModel's. Skips visibly when the shared weights are absent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CS20_LOSS } from '../src/losses/spec.js';
import type { LossSpec } from '../src/losses/spec.js';
import { StyleModel } from '../src/runtime/style-model.js';
import { createTiledEvaluator } from '../src/tiles/evaluator.js';
import { loadWeights } from '../src/weights/load.js';
import type { VggWeights } from '../src/weights/types.js';
import { rng } from './graph-fixtures.js';
import { absent, sharedPath } from '@pastiche/testing';
import { assertClose } from './tiles-fixtures.js';

const dir = sharedPath('weights', 'vgg19-imagenet-uint8');
let weights: Promise<VggWeights> | undefined;

/** A smooth pattern plus noise, mean-subtracted 0..255 scale: something like an image. */
function pseudoImage(h: number, w: number, seed: number): Float32Array {
  const random = rng(seed);
  const a = new Float32Array(3 * h * w);
  const f = 0.02 + random() * 0.05;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        a[(c * h + y) * w + x] = 60 * Math.sin(f * (x + 2 * c) + 0.7 * Math.cos(f * y)) + 40 * (random() - 0.5);
  return a;
}

const NEURAL_STYLE: LossSpec = {
  contentLayers: [{ layer: 'conv4_2', weight: 1 }],
  styleLayers: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'].map((layer) => ({ layer, weight: 1 })),
  contentWeight: 5,
  styleWeight: 100,
  tvWeight: 1e-3,
  pooling: 'max',
  normalization: 'mean',
};

for (const [name, loss] of [
  // cs20's own SAME pooling cannot be tiled (see tiles/evaluator.ts); its loss with floor pooling can.
  ['cs20 (floor avg pooling)', { ...CS20_LOSS, pooling: 'avg' } as LossSpec],
  ['neural-style (max pooling, mean)', NEURAL_STYLE],
] as const) {
  test(`VGG-19 ${name}, 320 x 256, 192 px tiles: tiled loss within 1e-4 and gradient cosine > 0.999`, async (t) => {
    if (dir === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
    weights ??= loadWeights(dir);
    const [h, w] = [256, 320];
    const common = { weights: await weights, height: h, width: w, loss, threads: 2 };
    const model = await StyleModel.create(common);
    const tiled = await createTiledEvaluator({ ...common, tile: 192 });
    try {
      assert.deepEqual(tiled.window, { height: 192, width: 192 });
      const content = await model.contentTargets(pseudoImage(h, w, 1));
      const style = await model.styleTargets(pseudoImage(224, 288, 2), 224, 288);
      const x = pseudoImage(h, w, 3);
      const full = await model.evaluate(x, content, style);
      await model.release();
      const tContent = await tiled.contentTargets(pseudoImage(h, w, 1));
      const tStyle = await tiled.styleTargets(pseudoImage(224, 288, 2), 224, 288);
      // With the tiled targets too: the whole chain at bounded memory.
      const e = await tiled.evaluate(x, tContent, tStyle);
      const cos = assertClose(e, full, 1e-4, 0.999);
      t.diagnostic(`${tiled.plan(0).tiles.length} windows; gradient cosine ${cos}; total ${e.total} vs ${full.total}`);
    } finally {
      await Promise.all([model.release(), tiled.release()]);
    }
  });
}
