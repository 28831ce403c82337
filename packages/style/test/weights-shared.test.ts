/**
 * The shared VGG-19 weights (../shared/weights/vgg19-imagenet-uint8, a uint8
 * TF.js layers model): loaded, checked against known ImageNet values, verified
 * with its SHA256SUMS; a truncated copy (in a temporary folder) is rejected.
 * Skips visibly when the shared folder is absent.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import { loadWeights } from '../src/weights/load.js';
import type { ConvWeights } from '../src/weights/types.js';
import { verifyWeights } from '../src/weights/verify.js';
import { VGG19_LAYERS, countParameters, weightsVariant } from '../src/weights/vgg.js';
import { absent, sharedPath } from '@pastiche/testing';

const dir = sharedPath('weights', 'vgg19-imagenet-uint8');
const what = 'weights/vgg19-imagenet-uint8';

function range(a: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

test('shared VGG-19: 16 conv layers with VGG shapes and sane dequantized values', async (t) => {
  if (dir === undefined) return t.skip(absent(what));
  const w = await loadWeights(dir);
  assert.equal(weightsVariant(w), 'vgg19');
  assert.deepEqual(
    [...w.keys()],
    VGG19_LAYERS.map((s) => s.name),
  );
  assert.equal(countParameters(w), 20_024_384);
  for (const spec of VGG19_LAYERS) {
    const l = w.get(spec.name) as ConvWeights;
    assert.deepEqual([l.outChannels, l.inChannels, l.kh, l.kw], [spec.outChannels, spec.inChannels, 3, 3], spec.name);
    const [lo, hi] = range(l.kernel);
    // ImageNet VGG kernels are small, centred on zero; a layout or dequantization bug breaks this.
    assert.ok(lo < 0 && hi > 0 && lo > -1.5 && hi < 1.5, `${spec.name} kernel range [${lo}, ${hi}]`);
  }
  const c1 = w.get('block1_conv1') as ConvWeights;
  const [lo, hi] = range(c1.kernel);
  // The manifest's min and scale put block1_conv1's kernel in [-0.650, 0.552]; Keras' float32 bias[0] is 0.7302 (uint8 steps 0.0047, 0.0069).
  assert.ok(Math.abs(lo - -0.65) < 0.01, `block1_conv1 kernel min ${lo}`);
  assert.ok(Math.abs(hi - 0.552) < 0.01, `block1_conv1 kernel max ${hi}`);
  assert.ok(Math.abs((c1.bias[0] as number) - 0.7302) < 0.01, `block1_conv1 bias[0] ${c1.bias[0]}`);
});

test('shared VGG-19: verifyWeights checks SHA256SUMS and summarises', async (t) => {
  if (dir === undefined) return t.skip(absent(what));
  const r = await verifyWeights(dir);
  assert.equal(r.ok, true, r.detail);
  assert.equal(
    r.detail,
    'sha256 ok: 21 files (SHA256SUMS)\n' +
      `VGG-19: 16 conv layers, 20,024,384 parameters, uint8-quantized (TF.js layers model ${join(dir, 'model.json')})`,
  );
});

test('shared VGG-19: a truncated copy is rejected, naming the shard and sizes', async (t) => {
  if (dir === undefined) return t.skip(absent(what));
  const copy = await mkdtemp(join(tmpdir(), 'pastiche-weights-shared-'));
  try {
    for (const f of await readdir(dir)) await copyFile(join(dir, f), join(copy, f));
    const shard = join(copy, 'group1-shard20of20.bin');
    const size = (await stat(shard)).size;
    await truncate(shard, size - 10);
    let caught: unknown;
    try {
      await loadWeights(copy);
    } catch (e) {
      caught = e;
    }
    assert.ok(isStyleError(caught, 'WEIGHTS'), String(caught));
    assert.equal(
      caught.message,
      `Weight shard group1-shard20of20.bin is ${size - 10} bytes but ${size} bytes were expected (the manifest needs 20024384 bytes in 20 shard(s))`,
    );
    assert.equal(caught.file, shard);
    const r = await verifyWeights(copy);
    assert.equal(r.ok, false);
    assert.match(r.detail, /^sha256 MISMATCH: group1-shard20of20\.bin /m);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
