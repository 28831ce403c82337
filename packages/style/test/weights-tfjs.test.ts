/**
 * TF.js layers model loader and loadWeights dispatch, on synthetic models with
 * full VGG shapes written to a temporary folder.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import type { ConvWeights } from '../src/weights/types.js';
import { countParameters, weightsVariant } from '../src/weights/vgg.js';
import { loadWeights } from '../src/weights/load.js';
import { loadTfjsWeights } from '../src/weights/tfjs.js';
import {
  QUANT,
  biasValue,
  float16Value,
  kerasIndex,
  kerasValue,
  quantValue,
  specs,
  toFloat16,
  writeTfjsModel,
} from './weights-fixtures.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pastiche-weights-tfjs-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Asserts that `fn` rejects with StyleError `code` whose message matches every pattern. */
async function rejectsWith(fn: () => Promise<unknown>, code: string, ...patterns: (RegExp | string)[]): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(isStyleError(caught), `expected a StyleError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const p of patterns) {
    if (typeof p === 'string')
      assert.ok(caught.message.includes(p), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(p)}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

/** Checks a few kernel elements (corners and a middle one) and the bias against the expected Keras-order values. */
function checkLayer(w: ConvWeights, expectKernel: (s: number) => number, expectBias: (o: number) => number): void {
  const spec = { name: w.name, inChannels: w.inChannels, outChannels: w.outChannels };
  const picks = [
    [0, 0, 0, 0],
    [2, 2, w.inChannels - 1, w.outChannels - 1],
    [1, 2, Math.floor(w.inChannels / 2), 1],
    [2, 0, 1 % w.inChannels, w.outChannels - 2],
  ] as const;
  for (const [y, x, i, o] of picks) {
    const got = w.kernel[((o * w.inChannels + i) * 3 + y) * 3 + x];
    assert.equal(
      got,
      Math.fround(expectKernel(kerasIndex(spec, y, x, i, o))),
      `${w.name} kernel[o=${o}, i=${i}, y=${y}, x=${x}]`,
    );
  }
  for (const o of [0, w.outChannels - 1]) assert.equal(w.bias[o], Math.fround(expectBias(o)), `${w.name} bias[${o}]`);
}

suite('loadTfjsWeights', () => {
  test('float32 VGG-16: 13 layers in ONNX layout, transposed from [kh,kw,in,out]', async () => {
    const path = await writeTfjsModel(join(tmp, 'f32-vgg16'), { variant: 'vgg16', storage: 'float32' });
    const w = await loadTfjsWeights(path);
    assert.equal(weightsVariant(w), 'vgg16');
    assert.deepEqual(
      [...w.keys()],
      specs('vgg16').map((s) => s.name),
    );
    assert.equal(countParameters(w), 14_714_688);
    specs('vgg16').forEach((spec, li) => {
      const l = w.get(spec.name) as ConvWeights;
      assert.deepEqual([l.outChannels, l.inChannels, l.kh, l.kw], [spec.outChannels, spec.inChannels, 3, 3]);
      checkLayer(
        l,
        (s) => kerasValue(li, s),
        (o) => biasValue(li, o),
      );
    });
  });

  test('uint8-quantized VGG-19 over 1 MiB shards: value = q * scale + min, tensors spanning shards', async () => {
    const path = await writeTfjsModel(join(tmp, 'u8-vgg19'), {
      variant: 'vgg19',
      storage: 'uint8',
      shardBytes: 1 << 20,
    });
    const w = await loadTfjsWeights(path);
    assert.equal(weightsVariant(w), 'vgg19');
    assert.equal(w.size, 16);
    assert.equal(countParameters(w), 20_024_384);
    specs('vgg19').forEach((spec, li) => {
      const q = (s: number): number => quantValue(li, s, 'uint8') * QUANT.scale + QUANT.min;
      checkLayer(w.get(spec.name) as ConvWeights, q, q);
    });
  });

  test('uint16-quantized and float16 weights, names with a model prefix', async () => {
    const u16 = await loadTfjsWeights(
      await writeTfjsModel(join(tmp, 'u16'), { variant: 'vgg16', storage: 'uint16', namePrefix: 'vgg16/' }),
    );
    specs('vgg16').forEach((spec, li) => {
      const q = (s: number): number => quantValue(li, s, 'uint16') * QUANT.scale + QUANT.min;
      checkLayer(u16.get(spec.name) as ConvWeights, q, q);
    });
    const f16 = await loadTfjsWeights(await writeTfjsModel(join(tmp, 'f16'), { variant: 'vgg16', storage: 'float16' }));
    specs('vgg16').forEach((spec, li) => {
      checkLayer(
        f16.get(spec.name) as ConvWeights,
        (s) => float16Value(toFloat16(kerasValue(li, s))),
        (o) => float16Value(toFloat16(biasValue(li, o))),
      );
    });
  });

  suite('bad models', () => {
    let good: string;
    before(async () => {
      good = join(tmp, 'good');
      await writeTfjsModel(good, { variant: 'vgg16', storage: 'uint8', shardBytes: 1 << 20, sha256sums: true });
    });
    async function copyGood(name: string): Promise<string> {
      const dir = join(tmp, name);
      await mkdir(dir, { recursive: true });
      for (const f of [
        'model.json',
        'SHA256SUMS',
        ...Array.from({ length: 15 }, (_, k) => `group1-shard${k + 1}of15.bin`),
      ]) {
        await copyFile(join(good, f), join(dir, f));
      }
      return dir;
    }

    test('the fixture is valid, including its SHA256SUMS', async () => {
      const w = await loadWeights(good);
      assert.equal(w.size, 13);
    });

    test('truncated middle shard: names the shard, expected and actual bytes', async () => {
      const dir = await copyGood('trunc-mid');
      await truncate(join(dir, 'group1-shard3of15.bin'), 1000);
      await rejectsWith(
        () => loadWeights(dir),
        'WEIGHTS',
        'Weight shard group1-shard3of15.bin is 1000 bytes but 1048576 bytes were expected',
      );
    });

    test('truncated last shard', async () => {
      const dir = await copyGood('trunc-last');
      const last = join(dir, 'group1-shard15of15.bin');
      const size = (await readFile(last)).length;
      await truncate(last, size - 1);
      await rejectsWith(
        () => loadWeights(dir),
        'WEIGHTS',
        `Weight shard group1-shard15of15.bin is ${size - 1} bytes but ${size} bytes were expected`,
      );
    });

    test('missing shard file', async () => {
      const dir = await copyGood('no-shard');
      await rm(join(dir, 'group1-shard7of15.bin'));
      const e = await rejectsWith(
        () => loadWeights(dir),
        'WEIGHTS',
        'Weight shard group1-shard7of15.bin listed in',
        'is missing (ENOENT)',
      );
      assert.equal((e as { file?: string }).file, join(dir, 'group1-shard7of15.bin'));
    });

    test('a changed byte (same size) fails the SHA256SUMS check, naming the shard', async () => {
      const dir = await copyGood('flipped');
      const p = join(dir, 'group1-shard2of15.bin');
      const bytes = await readFile(p);
      bytes[100] = (bytes[100] as number) ^ 1;
      await writeFile(p, bytes);
      await rejectsWith(
        () => loadWeights(dir),
        'WEIGHTS',
        /^Checksum mismatch for group1-shard2of15\.bin: SHA256SUMS says [0-9a-f]{64}, file has [0-9a-f]{64}$/,
      );
      // Without the checksum check the bytes load (they are structurally fine).
      assert.equal((await loadTfjsWeights(join(dir, 'model.json'), { checksums: false })).size, 13);
    });

    test('missing layer: the error names it', async () => {
      const path = await writeTfjsModel(join(tmp, 'omit16'), {
        variant: 'vgg16',
        storage: 'uint8',
        omit: ['block4_conv3'],
      });
      await rejectsWith(() => loadWeights(path), 'WEIGHTS', `Missing layer block4_conv3 in ${path} (needed by VGG16)`);
      const path19 = await writeTfjsModel(join(tmp, 'omit19'), {
        variant: 'vgg19',
        storage: 'uint8',
        omit: ['block5_conv4'],
      });
      await rejectsWith(() => loadWeights(path19), 'WEIGHTS', 'Missing layer block5_conv4', 'VGG19');
    });

    test('wrong kernel shape', async () => {
      const path = await writeTfjsModel(join(tmp, 'shape'), {
        variant: 'vgg16',
        storage: 'uint8',
        kernelShape: { block2_conv1: [3, 3, 64, 64] },
      });
      await rejectsWith(
        () => loadWeights(path),
        'WEIGHTS',
        'block2_conv1/kernel',
        'has shape [3, 3, 64, 64] but VGG16 needs [3, 3, 64, 128]',
      );
    });

    test('not JSON, no manifest, bad manifest entries, unsupported dtype', async () => {
      const dir = join(tmp, 'json');
      await mkdir(dir, { recursive: true });
      const p = join(dir, 'model.json');
      await writeFile(p, '{"weightsManifest": [');
      await rejectsWith(() => loadWeights(p), 'WEIGHTS', `${p} is not valid JSON`);
      await writeFile(p, '{"modelTopology": {}}');
      await rejectsWith(() => loadWeights(p), 'WEIGHTS', 'has no weightsManifest array');
      await writeFile(p, JSON.stringify({ weightsManifest: [{ paths: ['a.bin'] }] }));
      await rejectsWith(
        () => loadWeights(p),
        'WEIGHTS',
        'weightsManifest[0] in',
        'needs "paths" (strings) and "weights" arrays',
      );
      await writeFile(
        p,
        JSON.stringify({
          weightsManifest: [{ paths: ['a.bin'], weights: [{ name: 'x/kernel', shape: [2], dtype: 'complex64' }] }],
        }),
      );
      await rejectsWith(
        () => loadWeights(p),
        'WEIGHTS',
        'weightsManifest[0].weights[0] (x/kernel)',
        'unsupported dtype complex64',
      );
      await writeFile(
        p,
        JSON.stringify({
          weightsManifest: [
            {
              paths: ['a.bin'],
              weights: [{ name: 'x/kernel', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8' } }],
            },
          ],
        }),
      );
      await rejectsWith(() => loadWeights(p), 'WEIGHTS', 'is quantized to uint8 without a numeric scale and min');
    });
  });
});

suite('loadWeights dispatch', () => {
  test('a folder holding model.json, and the model.json itself', async () => {
    const dir = join(tmp, 'dispatch');
    const path = await writeTfjsModel(dir, { variant: 'vgg16', storage: 'uint8' });
    assert.equal((await loadWeights(dir)).size, 13);
    assert.equal((await loadWeights(path)).size, 13);
  });

  test('a path that does not exist: WEIGHTS_MISSING', async () => {
    const p = join(tmp, 'nope', 'model.json');
    await rejectsWith(() => loadWeights(p), 'WEIGHTS_MISSING', `Weights not found: ${p} does not exist`);
  });

  test('folders without weights, with several .h5 files; .keras archives; unknown files', async () => {
    const empty = join(tmp, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'hello');
    await rejectsWith(
      () => loadWeights(empty),
      'WEIGHTS',
      `The folder ${empty} holds no model.json (TF.js layers model) and no .h5 file (Keras weights)`,
    );
    const two = join(tmp, 'two');
    await mkdir(two, { recursive: true });
    await writeFile(join(two, 'a.h5'), '');
    await writeFile(join(two, 'b.h5'), '');
    await rejectsWith(
      () => loadWeights(two),
      'WEIGHTS',
      `The folder ${two} holds several HDF5 files (a.h5, b.h5); pass the one to use`,
    );
    const keras = join(tmp, 'model.keras');
    await writeFile(keras, 'PK');
    await rejectsWith(
      () => loadWeights(keras),
      'WEIGHTS',
      'is a Keras 3 .keras archive (a zip); extract its model.weights.h5',
    );
    const bin = join(tmp, 'weights.bin');
    await writeFile(bin, new Uint8Array([1, 2, 3, 4]));
    await rejectsWith(
      () => loadWeights(bin),
      'WEIGHTS',
      `Unsupported weights file ${bin}: expected a TF.js model.json, a Keras .h5 file, or a folder holding one`,
    );
  });
});
