import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  loadImage,
  saveImage,
  toPixels,
  fromPixels,
  formatFromPath,
  VGG_MEAN_BGR,
  describeBytes,
} from '../src/image/index.js';
import { isStyleError } from '../src/errors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-image-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A w x h RGB gradient, so that orientation and channel order are visible. */
function gradient(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3;
      b[p] = Math.round((255 * x) / (w - 1));
      b[p + 1] = Math.round((255 * y) / (h - 1));
      b[p + 2] = 40;
    }
  }
  return b;
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

test('preprocess: RGB uint8 -> NCHW BGR minus mean, and back', () => {
  const pixels = new Uint8Array([255, 0, 10, 1, 2, 3]); // 2x1
  const data = fromPixels(pixels, 2, 1);
  assert.equal(data.length, 6);
  // plane 0 blue, 1 green, 2 red
  assert.ok(Math.abs(data[0]! - (10 - VGG_MEAN_BGR[0])) < 1e-4);
  assert.ok(Math.abs(data[1]! - (3 - VGG_MEAN_BGR[0])) < 1e-4);
  assert.ok(Math.abs(data[2]! - (0 - VGG_MEAN_BGR[1])) < 1e-4);
  assert.ok(Math.abs(data[4]! - (255 - VGG_MEAN_BGR[2])) < 1e-4);
  assert.deepEqual(toPixels(data, 2, 1), pixels);
});

test('deprocess clips to 0..255, rounds, and maps NaN to 0', () => {
  const plane = 1;
  const data = new Float32Array(3 * plane);
  data[0] = 1000; // blue far above
  data[1] = Number.NaN; // green
  data[2] = 10.4 - VGG_MEAN_BGR[2]; // red 10.4 -> 10
  assert.deepEqual(Array.from(toPixels(data, 1, 1)), [10, 0, 255]);
});

test('round trip: PNG is exact, JPEG and WebP within a perceptual tolerance', async () => {
  await withDir(async (dir) => {
    const src = join(dir, 'src.png');
    await sharp(gradient(40, 24), { raw: { width: 40, height: 24, channels: 3 } })
      .png()
      .toFile(src);
    const img = await loadImage(src);
    assert.equal(img.width, 40);
    assert.equal(img.height, 24);
    assert.equal(img.format, 'png');
    assert.deepEqual(img.notes, []);
    assert.deepEqual(toPixels(img.data, 40, 24), new Uint8Array(gradient(40, 24)));
    for (const ext of ['png', 'jpg', 'jpeg', 'webp']) {
      const out = join(dir, `out.${ext}`);
      await saveImage(out, img.data, img.width, img.height);
      const meta = await sharp(out).metadata();
      assert.equal(meta.format, ext === 'jpg' ? 'jpeg' : ext);
      const back = await loadImage(out);
      const a = toPixels(back.data, 40, 24);
      const b = gradient(40, 24);
      let err = 0;
      for (let i = 0; i < a.length; i++) err += Math.abs(a[i]! - b[i]!);
      const mean = err / a.length;
      if (ext === 'png') assert.equal(mean, 0);
      else assert.ok(mean < 4, `${ext}: mean abs error ${mean}`);
    }
    // No temporary files are left behind.
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});

test('resizing: maxSide keeps the aspect ratio; width+height cover and crop (as PIL ImageOps.fit)', async () => {
  await withDir(async (dir) => {
    const src = join(dir, 'src.png');
    await sharp(gradient(200, 100), { raw: { width: 200, height: 100, channels: 3 } })
      .png()
      .toFile(src);
    const a = await loadImage(src, { maxSide: 64 });
    assert.deepEqual([a.width, a.height, a.originalWidth, a.originalHeight], [64, 32, 200, 100]);
    const up = await loadImage(src, { maxSide: 400 });
    assert.deepEqual([up.width, up.height], [400, 200]);
    const b = await loadImage(src, { width: 50, height: 50 });
    assert.deepEqual([b.width, b.height], [50, 50]);
    // Centre crop: the middle column of the output is the middle of the source (red ~ 128).
    const px = toPixels(b.data, 50, 50);
    const mid = px[(25 * 50 + 25) * 3]!;
    assert.ok(Math.abs(mid - 128) < 8, `centre red ${mid}`);
    const c = await loadImage(src, { width: 50 });
    assert.deepEqual([c.width, c.height], [50, 25]);
  });
});

test('EXIF orientation 6 is applied: a 40x24 JPEG loads as 24x40', async () => {
  await withDir(async (dir) => {
    const src = join(dir, 'rotated.jpg');
    await sharp(gradient(40, 24), { raw: { width: 40, height: 24, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(src);
    assert.equal((await sharp(src).metadata()).orientation, 6);
    const img = await loadImage(src);
    assert.deepEqual([img.width, img.height], [24, 40]);
    // Orientation 6 = rotate 90 degrees clockwise: the source's left column (red 0) becomes the top row.
    const px = toPixels(img.data, 24, 40);
    assert.ok(px[(0 * 24 + 12) * 3]! < 30, `top row red ${px[(0 * 24 + 12) * 3]}`);
    assert.ok(px[(39 * 24 + 12) * 3]! > 225, `bottom row red ${px[(39 * 24 + 12) * 3]}`);
    const big = await loadImage(src, { maxSide: 80 });
    assert.deepEqual([big.width, big.height], [48, 80]);
  });
});

test('alpha is dropped (flattened onto white) with a note; grey becomes RGB', async () => {
  await withDir(async (dir) => {
    const rgba = Buffer.alloc(20 * 20 * 4);
    for (let i = 0; i < 400; i++) rgba.set([200, 0, 0, i < 200 ? 255 : 0], i * 4);
    const src = join(dir, 'alpha.png');
    await sharp(rgba, { raw: { width: 20, height: 20, channels: 4 } })
      .png()
      .toFile(src);
    const img = await loadImage(src);
    assert.equal(img.data.length, 3 * 400);
    assert.equal(img.notes.length, 1);
    assert.match(img.notes[0]!, /alpha\.png' has an alpha channel; it was dropped/);
    const px = toPixels(img.data, 20, 20);
    assert.deepEqual(Array.from(px.subarray(0, 3)), [200, 0, 0]);
    assert.deepEqual(Array.from(px.subarray(399 * 3, 400 * 3)), [255, 255, 255]);

    const grey = join(dir, 'grey.png');
    await sharp(Buffer.alloc(400, 77), { raw: { width: 20, height: 20, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(grey);
    assert.equal((await sharp(grey).metadata()).channels, 1);
    const g = await loadImage(grey);
    assert.deepEqual(g.notes, []);
    assert.deepEqual(Array.from(toPixels(g.data, 20, 20).subarray(0, 3)), [77, 77, 77]);
  });
});

test('raw pixels and encoded bytes are accepted as sources', async () => {
  const raw = await loadImage({ pixels: new Uint8Array(gradient(20, 16)), width: 20, height: 16, channels: 3 });
  assert.deepEqual(toPixels(raw.data, 20, 16), new Uint8Array(gradient(20, 16)));
  const png = await sharp(gradient(20, 16), { raw: { width: 20, height: 16, channels: 3 } })
    .png()
    .toBuffer();
  const enc = await loadImage(new Uint8Array(png), { maxSide: 40 });
  assert.deepEqual([enc.width, enc.height], [40, 32]);
});

test('error: missing file, directory, empty file', async () => {
  await withDir(async (dir) => {
    const missing = join(dir, 'nope.jpg');
    await rejectsWith(loadImage(missing), 'IMAGE', `Image file not found: '${missing}'`);
    await rejectsWith(loadImage(dir), 'IMAGE', `Cannot read image '${dir}': it is a directory`);
    const empty = join(dir, 'empty.png');
    await writeFile(empty, new Uint8Array(0));
    await rejectsWith(loadImage(empty), 'IMAGE', `Cannot read image '${empty}': the file is empty`);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.png');
      await writeFile(locked, 'x');
      await chmod(locked, 0o000);
      await rejectsWith(loadImage(locked), 'IMAGE', `Cannot read image '${locked}': permission denied`);
    }
  });
});

test('error: unsupported formats name the file and what was found', async () => {
  await withDir(async (dir) => {
    const txt = join(dir, 'notes.jpg');
    await writeFile(txt, 'hello, this is not an image at all\n');
    await rejectsWith(
      loadImage(txt),
      'IMAGE',
      `Unsupported image format in '${txt}': found text starting "hello, this is not an im..."`,
    );
    const bmp = join(dir, 'old.bmp');
    await writeFile(bmp, Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]));
    await rejectsWith(
      loadImage(bmp),
      'IMAGE',
      `Unsupported image format in '${bmp}': found a BMP image (not supported; convert it to PNG)`,
    );
    const bin = join(dir, 'blob.png');
    await writeFile(bin, new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5]));
    await rejectsWith(
      loadImage(bin),
      'IMAGE',
      `Unsupported image format in '${bin}': found bytes de ad be ef 00 01 02 03 ... (10 bytes)`,
    );
    assert.equal(describeBytes(new Uint8Array([0x1f, 0x8b, 8])), 'gzip-compressed data');
  });
});

test('error: a truncated JPEG is reported as undecodable, naming the file', async () => {
  await withDir(async (dir) => {
    const full = await sharp(gradient(64, 64), { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toBuffer();
    const cut = join(dir, 'cut.jpg');
    await writeFile(cut, full.subarray(0, 200));
    await rejectsWith(
      loadImage(cut),
      'IMAGE',
      new RegExp(`^Cannot decode image '${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'.*: .+`),
    );
  });
});

test('error: too small for the network names the minimum of 16 px', async () => {
  await withDir(async (dir) => {
    const src = join(dir, 'tiny.png');
    await sharp(gradient(40, 12), { raw: { width: 40, height: 12, channels: 3 } })
      .png()
      .toFile(src);
    await rejectsWith(
      loadImage(src),
      'IMAGE',
      `Image '${src}' is too small for the network: 40x12 pixels; the shorter side must be at least 16 px`,
    );
    await rejectsWith(
      loadImage(src, { maxSide: 80 }).then(() => loadImage(src, { width: 30, height: 15 })),
      'IMAGE',
      `Image '${src}' is too small for the network: 30x15 pixels after resizing; the shorter side must be at least 16 px`,
    );
    // 16 px is enough.
    const ok = await loadImage(src, { width: 16, height: 16 });
    assert.deepEqual([ok.width, ok.height], [16, 16]);
  });
});

test('error: bad option values use the sharp message shape', async () => {
  await rejectsWith(
    loadImage('x.png', { maxSide: 0 }),
    'INVALID_OPTION',
    'Expected integer between 1 and 16384 for maxSide but received 0 of type number',
  );
  await rejectsWith(
    loadImage('x.png', { width: 2.5 }),
    'INVALID_OPTION',
    'Expected integer between 1 and 16384 for width but received 2.5 of type number',
  );
  await rejectsWith(
    loadImage('x.png', { maxSide: 10, width: 10 }),
    'INVALID_OPTION',
    'Expected no width or height alongside it for maxSide but received 10 of type number',
  );
});

test('output format comes from the extension; anything else is a clear error', async () => {
  assert.equal(formatFromPath('a/b.PNG'), 'png');
  assert.equal(formatFromPath('b.jpg'), 'jpeg');
  assert.equal(formatFromPath('b.jpeg'), 'jpeg');
  assert.equal(formatFromPath('b.webp'), 'webp');
  assert.throws(() => formatFromPath('out.bmp'), {
    name: 'StyleError',
    message: "Cannot tell the output format of 'out.bmp' from its extension '.bmp': use .png, .jpg, .jpeg or .webp",
  });
  assert.throws(() => formatFromPath('out'), {
    message: "Cannot tell the output format of 'out' from its no extension: use .png, .jpg, .jpeg or .webp",
  });
  await withDir(async (dir) => {
    const target = join(dir, 'missing-folder', 'x.png');
    await rejectsWith(
      saveImage(target, new Float32Array(3 * 16), 4, 4),
      'IMAGE',
      `Cannot write image '${target}': its folder does not exist`,
    );
  });
});
