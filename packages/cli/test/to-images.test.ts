import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import sharp from 'sharp';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-to-images-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

suite('pastiche tfrecord to-images', () => {
  test('rejects bad options with exit 2', async () => {
    let r = await run(['tfrecord', 'to-images', 'x.tfrecord']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Missing -o DIR for pastiche tfrecord to-images\nSee 'pastiche tfrecord to-images --help'.\n",
    );
    r = await run(['tfrecord', 'to-images', 'x.tfrecord', '-o', 'out', '--format', 'gif']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Expected one of: png, jpeg for --format but received gif of type string\nSee 'pastiche tfrecord to-images --help'.\n",
    );
  });

  test('decodes the lecture file written by TensorFlow into a 403x322 image matching its JPEG', async (t) => {
    const file = sharedPath('data', 'tfrecord', 'cs20-friday.tfrecord');
    const jpeg = sharedPath('data', 'tfrecord', 'cs20-friday.jpg');
    if (file === undefined || jpeg === undefined) return t.skip(absent('data/tfrecord/cs20-friday.*'));
    await withDir(async (dir) => {
      const r = await run(['tfrecord', 'to-images', file, '-o', 'friday'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'wrote 1 image to friday\n');
      assert.deepEqual(await readdir(join(dir, 'friday')), ['cs20-friday-00000.png']);
      const out = await sharp(join(dir, 'friday', 'cs20-friday-00000.png'))
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual([out.info.width, out.info.height, out.info.channels], [403, 322, 3]);
      const ref = await sharp(jpeg).removeAlpha().raw().toBuffer();
      let sum = 0;
      for (let i = 0; i < ref.length; i++) sum += Math.abs(ref[i]! - out.data[i]!);
      assert.ok(sum / ref.length < 3, `mean abs difference ${sum / ref.length}`);

      const j = await run(['tfrecord', 'to-images', file, '-o', join(dir, 'jpeg'), '--format', 'jpeg']);
      assert.equal(j.code, 0, j.stderr);
      assert.deepEqual(await readdir(join(dir, 'jpeg')), ['cs20-friday-00000.jpg']);
    });
  });

  test('a file that is not a TFRecord fails with exit 1 naming it', async () => {
    await withDir(async (dir) => {
      const r = await run(['tfrecord', 'to-images', join(dir, 'missing.tfrecord'), '-o', join(dir, 'out')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^pastiche: .*missing\.tfrecord/);
    });
  });
});
