/**
 * Keras HDF5 loader: files in the Keras 1, Keras 2 and Keras 3 layouts are
 * created with h5wasm (full VGG shapes, formula values) and read back.
 */
import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import { loadKerasH5Weights } from '../src/weights/keras-h5.js';
import { loadWeights } from '../src/weights/load.js';
import type { ConvWeights } from '../src/weights/types.js';
import { verifyWeights } from '../src/weights/verify.js';
import { countParameters, weightsVariant } from '../src/weights/vgg.js';
import { biasValue, kerasIndex, kerasValue, specs, writeKerasH5 } from './weights-fixtures.js';

let tmp: string;
let vgg19: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pastiche-weights-h5-'));
  vgg19 = join(tmp, 'vgg19-keras2.h5');
  await writeKerasH5(vgg19, { variant: 'vgg19', layout: 'keras2' });
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function rejectsWith(fn: () => Promise<unknown>, code: string, ...patterns: (RegExp | string)[]): Promise<void> {
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
}

/** The first `n` bytes of a file. */
async function head(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function checkAllLayers(w: Map<string, ConvWeights>, variant: 'vgg16' | 'vgg19'): void {
  assert.equal(weightsVariant(w), variant);
  assert.deepEqual(
    [...w.keys()],
    specs(variant).map((s) => s.name),
  );
  specs(variant).forEach((spec, li) => {
    const l = w.get(spec.name) as ConvWeights;
    assert.deepEqual([l.outChannels, l.inChannels, l.kh, l.kw], [spec.outChannels, spec.inChannels, 3, 3]);
    for (const [y, x, i, o] of [
      [0, 0, 0, 0],
      [2, 1, spec.inChannels - 1, spec.outChannels - 1],
      [1, 0, 2, 5],
    ] as const) {
      assert.equal(
        l.kernel[((o * spec.inChannels + i) * 3 + y) * 3 + x],
        Math.fround(kerasValue(li, kerasIndex(spec, y, x, i, o))),
        `${spec.name}[${o},${i},${y},${x}]`,
      );
    }
    assert.equal(l.bias[spec.outChannels - 1], Math.fround(biasValue(li, spec.outChannels - 1)));
  });
}

suite('loadKerasH5Weights', () => {
  test('Keras 2 layout (layer_names, <layer>/<layer>/kernel:0), full VGG-19', async () => {
    const w = await loadWeights(vgg19);
    checkAllLayers(w, 'vgg19');
    assert.equal(countParameters(w), 20_024_384);
  });

  test('Keras 1 layout (<layer>_W_1:0, <layer>_b_1:0), VGG-16; found through its folder', async () => {
    const dir = join(tmp, 'k1');
    await mkdir(dir);
    await writeKerasH5(join(dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'), {
      variant: 'vgg16',
      layout: 'keras1',
    });
    checkAllLayers(await loadWeights(dir), 'vgg16');
  });

  test('Keras 3 .weights.h5 layout (layers/<layer>/vars/0, vars/1)', async () => {
    const p = join(tmp, 'vgg16.weights.h5');
    await writeKerasH5(p, { variant: 'vgg16', layout: 'keras3' });
    checkAllLayers(await loadKerasH5Weights(p), 'vgg16');
  });

  test('an HDF5 file without an .h5 extension is recognised by its signature', async () => {
    const p = join(tmp, 'weights.bin');
    await link(vgg19, p);
    assert.equal((await loadWeights(p)).size, 16);
  });

  test('missing layer: the error names it', async () => {
    const p = join(tmp, 'omit.h5');
    await writeKerasH5(p, { variant: 'vgg16', layout: 'keras1', omit: ['block3_conv2'] });
    await rejectsWith(() => loadWeights(p), 'WEIGHTS', `Missing layer block3_conv2 in ${p} (needed by VGG16)`);
  });

  test('truncated file: StyleError WEIGHTS with both sizes', async () => {
    const p = join(tmp, 'truncated.h5');
    const size = (await stat(vgg19)).size;
    await writeFile(p, await head(vgg19, 5_000_000));
    await rejectsWith(
      () => loadWeights(p),
      'WEIGHTS',
      `Cannot open HDF5 file ${p}: truncated file: it is 5000000 bytes but its HDF5 superblock says ${size}`,
    );
  });

  test('not an HDF5 file, or an empty one', async () => {
    const p = join(tmp, 'fake.h5');
    await writeFile(p, 'this is not HDF5 at all');
    await rejectsWith(() => loadWeights(p), 'WEIGHTS', `${p} is not an HDF5 file (no HDF5 signature)`);
    await writeFile(p, '');
    await rejectsWith(() => loadWeights(p), 'WEIGHTS', 'is not an HDF5 file');
  });

  test('corrupted superblock after a valid signature: StyleError WEIGHTS, not a crash', async () => {
    const p = join(tmp, 'corrupt.h5');
    const bytes = await head(vgg19, 1 << 20);
    bytes.fill(0xff, 8, 200);
    await writeFile(p, bytes);
    await rejectsWith(() => loadWeights(p), 'WEIGHTS', `Cannot open HDF5 file ${p}: `);
  });

  test('the loader keeps working after failures (h5wasm state is not poisoned)', async () => {
    assert.equal((await loadKerasH5Weights(vgg19)).size, 16);
  });

  test('verifyWeights: a file named like the Keras download but with another md5 is not ok', async () => {
    const dir = join(tmp, 'named');
    await mkdir(dir);
    const p = join(dir, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5');
    await link(vgg19, p);
    const r = await verifyWeights(p);
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /^md5 MISMATCH: [0-9a-f]{32}; Keras publishes 253f8cb515780f3b799900260a226db6 for vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5$/m,
    );
    assert.match(r.detail, /^VGG-19: 16 conv layers, 20,024,384 parameters, float32 \(Keras HDF5 /m);
    const plain = await verifyWeights(vgg19);
    assert.equal(plain.ok, true, plain.detail);
    const cut = join(tmp, 'cut.h5');
    await writeFile(cut, await head(vgg19, 1000));
    const bad = await verifyWeights(cut);
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /WEIGHTS: Cannot open HDF5 file .*truncated file/);
  });
});
