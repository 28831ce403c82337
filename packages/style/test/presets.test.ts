import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presets, CS20_PRESET, DEFAULT_PRESET, PRESET_NAMES } from '../src/presets.js';
import { validateLossSpec } from '../src/losses/spec.js';

test('cs20 reproduces the seed exactly', () => {
  const p = presets.cs20;
  assert.equal(p, CS20_PRESET);
  assert.deepEqual(p.loss.contentLayers, [{ layer: 'conv4_2', weight: 1 }]);
  assert.deepEqual(p.loss.styleLayers, [
    { layer: 'conv1_1', weight: 0.5 },
    { layer: 'conv2_1', weight: 1.0 },
    { layer: 'conv3_1', weight: 1.5 },
    { layer: 'conv4_1', weight: 3.0 },
    { layer: 'conv5_1', weight: 4.0 },
  ]);
  assert.equal(p.loss.normalization, 'cs20');
  assert.equal(p.loss.contentWeight, 0.01);
  assert.equal(p.loss.styleWeight, 1);
  assert.equal(p.loss.tvWeight, 0);
  assert.equal(p.loss.pooling, 'same-avg', "TF's avg_pool(padding='SAME'), as the seed");
  assert.equal(p.init, 'mix');
  assert.equal(p.noiseRatio, 0.6);
  assert.equal(p.noiseRange, 20);
  assert.equal(p.optimizer, 'adam');
  assert.equal(p.lr, 2.0);
  assert.equal(p.iterations, 300);
  assert.deepEqual(p.size, { width: 333, height: 250 });
  assert.equal(p.styleSize, 'content');
});

test("default preset: smoothed L-BFGS from the content image, neural-style's weights but content 6.5, coarse to fine", () => {
  const p = presets.default;
  assert.equal(p, DEFAULT_PRESET);
  assert.equal(p.optimizer, 'lbfgs');
  assert.equal(p.init, 'content');
  assert.equal(p.loss.normalization, 'mean');
  assert.equal(p.loss.pooling, 'max');
  assert.deepEqual([p.loss.contentWeight, p.loss.styleWeight, p.loss.tvWeight], [6.5, 100, 0]);
  assert.deepEqual([p.scales, p.minSize, p.iterations], [2, 256, 38]);
  assert.deepEqual(p.stepShares, [16, 22], 'the fine scale gets most steps');
  assert.deepEqual([p.lbfgsHistory, p.lbfgsCarry, p.contentDetail], [10, true, false]);
  assert.deepEqual([p.lbfgsSmoothing, p.lbfgsSmoothingLevels], [8, 3]);
  assert.ok('maxSide' in p.size);
  assert.equal(p.styleSize, 'longest');
  assert.deepEqual(PRESET_NAMES, ['default', 'cs20']);
});

test('both presets are valid loss specs and are frozen', () => {
  for (const name of PRESET_NAMES) {
    validateLossSpec(presets[name].loss);
    assert.ok(Object.isFrozen(presets[name]));
    assert.ok(Object.isFrozen(presets[name].loss));
  }
});
