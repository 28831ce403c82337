/**
 * Images to TFRecord and back: both schemas, label maps, bad files, shards,
 * and the CS20 lecture's own file written by TensorFlow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { encodeExample, readExamples, TFRecordWriter } from '@pastiche/tfrecord/node';
import { isStyleError } from '../src/errors.js';
import { imagesToTFRecord } from '../src/datasets/from-images.js';
import { cs20Records, imageRecords } from '../src/datasets/read.js';
import { cs20Example, readImageRecord } from '../src/datasets/schema.js';
import { tfrecordToImages } from '../src/datasets/to-images.js';
import { absent, sharedPath } from '@pastiche/testing';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-datasets-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Deterministic RGB pixels, different per seed. */
function pixels(width: number, height: number, seed: number): Buffer {
  const b = Buffer.alloc(width * height * 3);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed * 97 + ((i * seed) >> 3)) & 255;
  return b;
}

async function writeImage(
  path: string,
  width: number,
  height: number,
  seed: number,
  format: 'png' | 'jpeg' = 'png',
): Promise<Buffer> {
  const img = sharp(pixels(width, height, seed), { raw: { width, height, channels: 3 } });
  const bytes = await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer();
  await writeFile(path, bytes);
  return bytes;
}

async function rgb(source: string | Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(source).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** A folder with two classes (sorted: circles=0, stripes=1) and a file at the top level. */
async function classFolder(dir: string, format: 'png' | 'jpeg' = 'png'): Promise<Map<string, Buffer>> {
  const ext = format === 'png' ? 'png' : 'jpg';
  const files = new Map<string, Buffer>();
  await mkdir(join(dir, 'stripes'), { recursive: true });
  await mkdir(join(dir, 'circles'), { recursive: true });
  files.set(`stripes/s1.${ext}`, await writeImage(join(dir, 'stripes', `s1.${ext}`), 20, 12, 1, format));
  files.set(`stripes/s2.${ext}`, await writeImage(join(dir, 'stripes', `s2.${ext}`), 9, 17, 2, format));
  files.set(`circles/c1.${ext}`, await writeImage(join(dir, 'circles', `c1.${ext}`), 16, 16, 3, format));
  return files;
}

test('cs20: folder -> TFRecord -> pixels exact, labels from sorted folder names, label map written', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'in');
    const files = await classFolder(input);
    const out = join(dir, 'data.tfrecord');
    const progress: number[] = [];
    const res = await imagesToTFRecord({ inputs: [input], output: out, onProgress: (done) => progress.push(done) });
    assert.equal(res.records, 3);
    assert.deepEqual(res.skipped, []);
    assert.deepEqual(res.classes, ['circles', 'stripes']);
    assert.deepEqual(progress, [1, 2, 3]);
    assert.equal(res.labelMap, `${out}.labels.txt`);
    assert.equal(await readFile(res.labelMap!, 'utf8'), '0:circles\n1:stripes\n');

    const got = await (await imageRecords(out)).toArray();
    // Files in sorted relative-path order.
    const order = ['circles/c1.png', 'stripes/s1.png', 'stripes/s2.png'];
    assert.deepEqual(
      got.map((r) => r.label),
      [0, 1, 1],
    );
    for (const [i, r] of got.entries()) {
      assert.equal(r.schema, 'cs20');
      const expected = await rgb(files.get(order[i]!)!);
      assert.equal(r.width, expected.width);
      assert.equal(r.height, expected.height);
      assert.equal(r.channels, 3);
      assert.ok(Buffer.from(r.pixels!).equals(expected.data), `pixels of ${order[i]}`);
    }

    // The lecture's read side: files -> records -> FixedLen spec -> decodeRaw.
    const lecture = await (await cs20Records(out)).toArray();
    assert.deepEqual(
      lecture.map((c) => c.shape),
      got.map((r) => [r.height, r.width, 3]),
    );
    assert.deepEqual(
      lecture.map((c) => c.label),
      [0n, 1n, 1n],
    );
    assert.ok(Buffer.from(lecture[2]!.pixels).equals(Buffer.from(got[2]!.pixels!)));

    // And back to PNG files, pixels exact.
    const outDir = join(dir, 'back');
    const written = await tfrecordToImages(out, outDir);
    assert.deepEqual(
      written.map((w) => w.path),
      [0, 1, 2].map((i) => join(outDir, `data-0000${i}.png`)),
    );
    for (const [i, w] of written.entries()) {
      const back = await rgb(w.path);
      assert.ok(back.data.equals((await rgb(files.get(order[i]!)!)).data));
    }
  });
});

test('encoded: original JPEG/PNG bytes kept exactly, object-detection feature names, and back byte for byte', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'in');
    const files = await classFolder(input, 'jpeg');
    files.set('png-at-top.png', await writeImage(join(input, 'png-at-top.png'), 18, 18, 4));
    const out = join(dir, 'enc.tfrecord');
    const res = await imagesToTFRecord({ inputs: [input], output: out, schema: 'encoded' });
    assert.equal(res.records, 4);
    const exs = [];
    for await (const ex of readExamples(out)) exs.push(ex);
    assert.deepEqual(Object.keys(exs[0]!.features).sort(), [
      'image/class/label',
      'image/class/text',
      'image/encoded',
      'image/filename',
      'image/format',
      'image/height',
      'image/width',
    ]);
    const recs = exs.map((ex) => readImageRecord(ex));
    assert.deepEqual(
      recs.map((r) => [r.filename, r.format, r.label, r.text, r.width, r.height]),
      [
        ['c1.jpg', 'jpeg', 0, 'circles', 16, 16],
        ['png-at-top.png', 'png', -1, '', 18, 18],
        ['s1.jpg', 'jpeg', 1, 'stripes', 20, 12],
        ['s2.jpg', 'jpeg', 1, 'stripes', 9, 17],
      ],
    );
    const keys = ['circles/c1.jpg', 'png-at-top.png', 'stripes/s1.jpg', 'stripes/s2.jpg'];
    for (const [i, r] of recs.entries())
      assert.ok(Buffer.from(r.encoded!).equals(files.get(keys[i]!)!), `bytes of ${keys[i]}`);

    const outDir = join(dir, 'back');
    const written = await tfrecordToImages(out, outDir);
    assert.deepEqual((await readdir(outDir)).sort(), ['c1.jpg', 'png-at-top.png', 's1.jpg', 's2.jpg']);
    for (const [i, w] of written.entries()) assert.ok((await readFile(w.path)).equals(files.get(keys[i]!)!));

    // Asking for PNG re-encodes.
    const pngDir = join(dir, 'png');
    const asPng = await tfrecordToImages(out, pngDir, { format: 'png' });
    assert.equal((await sharp(asPng[0]!.path).metadata()).format, 'png');
    assert.ok((await rgb(asPng[0]!.path)).data.equals((await rgb(files.get(keys[0]!)!)).data));
  });
});

test('the lecture file written by TensorFlow: same features from the same JPEG, and back to a 403x322 image', async (t) => {
  const tfFile = sharedPath('data', 'tfrecord', 'cs20-friday.tfrecord');
  const jpeg = sharedPath('data', 'tfrecord', 'cs20-friday.jpg');
  if (tfFile === undefined || jpeg === undefined) return t.skip(absent('data/tfrecord/cs20-friday.*'));
  const theirs = [];
  for await (const ex of readExamples(tfFile)) theirs.push(ex);
  assert.equal(theirs.length, 1);
  const tf = theirs[0]!;
  const tfRec = readImageRecord(tf);
  assert.deepEqual([tfRec.width, tfRec.height, tfRec.channels], [403, 322, 3]);

  // Ours, from the JPEG's pixels as libvips decodes them (TF's came from PIL's decode).
  const decoded = await rgb(jpeg);
  const label = tf.features['label']!.kind === 'int64' ? Number(tf.features['label']!.values[0]) : -1;
  const ours = cs20Example(decoded.data, decoded.width, decoded.height, 3, label);
  assert.deepEqual(Object.keys(ours.features).sort(), Object.keys(tf.features).sort());
  assert.deepEqual(ours.features['label'], tf.features['label']);
  assert.deepEqual(ours.features['shape'], tf.features['shape']);
  const a = ours.features['image']!;
  const b = tf.features['image']!;
  assert.ok(a.kind === 'bytes' && b.kind === 'bytes');
  assert.ok(meanAbsDiff(a.values[0]!, b.values[0]!) < 3, 'pixels within JPEG decoder differences');

  // Written to a file and read back through the lecture's parse spec: the same.
  await withDir(async (dir) => {
    const out = join(dir, 'ours.tfrecord');
    const w = await TFRecordWriter.open(out);
    await w.write(encodeExample(ours));
    await w.close();
    const [ourParsed] = await (await cs20Records(out)).toArray();
    const [tfParsed] = await (await cs20Records(tfFile)).toArray();
    assert.deepEqual(ourParsed!.shape, tfParsed!.shape);
    assert.deepEqual(tfParsed!.shape, [322, 403, 3]);
    assert.equal(ourParsed!.label, tfParsed!.label);

    // to-images of TensorFlow's file: a 403x322 PNG matching the JPEG decoded.
    const [img] = await tfrecordToImages(tfFile, join(dir, 'png'));
    const meta = await sharp(img!.path).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 403, 322]);
    assert.ok(meanAbsDiff((await rgb(img!.path)).data, decoded.data) < 3);
    // And exactly the record's pixels (PNG is lossless).
    assert.ok((await rgb(img!.path)).data.equals(Buffer.from(tfRec.pixels!)));
  });
});

test('labels from a CSV: class names sorted, or bare integers; unlisted and missing files reported', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'in');
    await mkdir(input);
    await writeImage(join(input, 'a.png'), 8, 8, 1);
    await writeImage(join(input, 'b.png'), 8, 8, 2);
    await writeImage(join(input, 'c.png'), 8, 8, 3);
    const csv = join(input, 'labels.csv');
    await writeFile(csv, 'filename,label\na.png,zebra\n"b.png",ant\nghost.png,ant\n');
    const skipped: string[] = [];
    const res = await imagesToTFRecord({
      inputs: [input],
      output: join(dir, 'x.tfrecord'),
      labels: csv,
      onSkip: (f) => skipped.push(f),
    });
    assert.deepEqual(res.classes, ['ant', 'zebra']);
    assert.equal(await readFile(join(dir, 'x.tfrecord.labels.txt'), 'utf8'), '0:ant\n1:zebra\n');
    assert.deepEqual(
      (await (await imageRecords(join(dir, 'x.tfrecord'))).toArray()).map((r) => r.label),
      [1, 0],
    );
    // c.png is not listed; ghost.png is listed but absent; the CSV itself is not an image of the set.
    assert.deepEqual(res.skipped, [
      { file: join(input, 'c.png'), reason: `not listed in ${csv}` },
      { file: 'ghost.png', reason: `listed in ${csv} but not found` },
    ]);
    assert.deepEqual(skipped, [join(input, 'c.png'), 'ghost.png']);

    const ints = join(dir, 'ints.csv');
    await writeFile(ints, 'a.png,7\nb.png,-1\nc.png,3\n');
    const r2 = await imagesToTFRecord({
      inputs: [input],
      output: join(dir, 'y.tfrecord'),
      labels: ints,
      schema: 'encoded',
    });
    assert.deepEqual(r2.classes, []);
    assert.equal(r2.labelMap, undefined);
    assert.deepEqual(
      (await (await imageRecords(join(dir, 'y.tfrecord'))).toArray()).map((r) => r.label),
      [7, -1, 3],
    );

    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a.png,1\nb.png\n');
    await assert.rejects(imagesToTFRecord({ inputs: [input], output: join(dir, 'z.tfrecord'), labels: bad }), {
      name: 'StyleError',
      code: 'INVALID_OPTION',
      message: `${bad} line 2: expected 'filename,label' but found "b.png"`,
    });
  });
});

test('bad files in a folder: named and skipped with a summary, or the run fails naming the file', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'in');
    await mkdir(join(input, 'cats'), { recursive: true });
    await writeImage(join(input, 'cats', 'good.png'), 10, 10, 1);
    const jpeg = await writeImage(join(input, 'cats', 'truncated.jpg'), 64, 64, 2, 'jpeg');
    await writeFile(join(input, 'cats', 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await writeFile(join(input, 'cats', 'notes.txt'), 'not an image at all\n');
    await writeFile(join(input, 'cats', 'empty.png'), '');
    await writeFile(join(input, 'cats', '.DS_Store'), 'hidden files are ignored');
    for (const schema of ['cs20', 'encoded'] as const) {
      const out = join(dir, `${schema}.tfrecord`);
      const res = await imagesToTFRecord({ inputs: [input], output: out, schema });
      assert.equal(res.records, 1, schema);
      assert.deepEqual(
        res.skipped.map((s) => s.file),
        ['empty.png', 'notes.txt', 'truncated.jpg'].map((f) => join(input, 'cats', f)),
      );
      assert.equal(res.skipped[0]!.reason, 'the file is empty');
      assert.equal(res.skipped[1]!.reason, 'not an image (found text starting "not an image at all\\n")');
      assert.match(res.skipped[2]!.reason, /^cannot decode jpeg: /);
      assert.equal((await (await imageRecords(out)).toArray()).length, 1);

      const failOut = join(dir, `${schema}-fail.tfrecord`);
      await assert.rejects(
        imagesToTFRecord({ inputs: [input], output: failOut, schema, onError: 'fail' }),
        (e: unknown) => {
          assert.ok(isStyleError(e, 'IMAGE'));
          assert.equal(e.message, `${join(input, 'cats', 'empty.png')}: the file is empty`);
          return true;
        },
      );
      // Nothing is left under the output name after a failed run.
      assert.ok(!(await readdir(dir)).includes(`${schema}-fail.tfrecord`));
    }
    await assert.rejects(imagesToTFRecord({ inputs: [join(dir, 'nope')], output: join(dir, 'n.tfrecord') }), {
      name: 'StyleError',
      message: `Cannot read folder '${join(dir, 'nope')}': does not exist`,
    });
  });
});

test('shards and compression: every image once across N gzip shards, read back by pattern', async () => {
  await withDir(async (dir) => {
    const input = join(dir, 'in');
    await mkdir(input);
    for (let i = 0; i < 7; i++) await writeImage(join(input, `img${i}.png`), 6 + i, 5, i);
    const res = await imagesToTFRecord({ inputs: [input], output: join(dir, 'train'), shards: 3, compression: 'gzip' });
    assert.equal(res.records, 7);
    assert.deepEqual(
      res.files.map((f) => f.path),
      [0, 1, 2].map((i) => join(dir, `train-0000${i}-of-00003`)),
    );
    const head = await readFile(res.files[0]!.path);
    assert.deepEqual([head[0], head[1]], [0x1f, 0x8b]);
    const widths = (await (await imageRecords(join(dir, 'train@3'))).toArray())
      .map((r) => r.width)
      .sort((a, b) => a - b);
    assert.deepEqual(widths, [6, 7, 8, 9, 10, 11, 12]);
    // The extension stays at the end of shard names (TensorFlow's convention) and sets the compression.
    const res2 = await imagesToTFRecord({ inputs: [input], output: join(dir, 'val.tfrecord.gz'), shards: 2 });
    assert.deepEqual(
      res2.files.map((f) => f.path),
      [0, 1].map((i) => join(dir, `val-0000${i}-of-00002.tfrecord.gz`)),
    );
    const head2 = await readFile(res2.files[1]!.path);
    assert.deepEqual([head2[0], head2[1]], [0x1f, 0x8b]);
    assert.equal((await (await imageRecords(join(dir, 'val-*-of-00002.tfrecord.gz'))).toArray()).length, 7);
  });
});

test('readImageRecord names the record and the problem', () => {
  const ex = cs20Example(new Uint8Array(12), 2, 2, 3, 5);
  ex.features['shape'] = { kind: 'bytes', values: [new Uint8Array(8)] };
  assert.throws(() => readImageRecord(ex, 'f.tfrecord record 3'), {
    message: "f.tfrecord record 3: feature 'shape' holds 8 bytes, expected 12 (int32 [height, width, channels])",
  });
  assert.throws(() => readImageRecord({ features: { x: { kind: 'none' } } }, 'r'), {
    message:
      "r: holds neither schema: expected features 'image' + 'shape' (cs20) or 'image/encoded' (encoded), found 'x'",
  });
  const short = cs20Example(new Uint8Array(12), 2, 2, 3, 5);
  short.features['image'] = { kind: 'bytes', values: [new Uint8Array(11)] };
  assert.throws(() => readImageRecord(short, 'r'), {
    message: "r: feature 'image' holds 11 bytes, shape [2, 2, 3] needs 12",
  });
});

test('streaming: memory stays flat while 300 images are converted (nothing is collected)', async () => {
  // A full GC on demand, without a command-line flag.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await withDir(async (dir) => {
    const input = join(dir, 'in');
    await mkdir(input);
    const side = 160;
    const n = 300;
    for (let i = 0; i < n; i++) await writeImage(join(input, `${String(i).padStart(3, '0')}.png`), side, side, i);
    const used = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    let at50 = 0;
    let at300 = 0;
    const res = await imagesToTFRecord({
      inputs: [input],
      output: join(dir, 'big.tfrecord'),
      onProgress: (done) => {
        if (done === 50) at50 = used();
        if (done === n) at300 = used();
      },
    });
    assert.equal(res.records, n);
    // 250 more images hold 250 * 77 kB = 19 MB of pixels (sharp's buffers count as external memory),
    // so keeping them or their Examples would grow by that much. Streaming may still hold what
    // the file writer buffers while the disk catches up (at most 1 MiB batch + 4 MiB stream
    // buffer, reached on a loaded machine), hence the bound of 7 MB and not ~0.
    const grown = at300 - at50;
    assert.ok(grown < 7_000_000, `memory grew by ${grown} bytes between image 50 and image ${n}`);
  });
});
