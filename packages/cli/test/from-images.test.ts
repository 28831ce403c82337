import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import sharp from 'sharp';
import { run } from './run.js';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-from-images-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function png(path: string, w: number, h: number, seed: number): Promise<void> {
  const b = Buffer.alloc(w * h * 3);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + seed * 50) & 255;
  await sharp(b, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(path);
}

/** in/cats/{a,b}.png, in/dogs/c.png, in/dogs/readme.txt */
async function folder(dir: string): Promise<string> {
  const input = join(dir, 'in');
  await mkdir(join(input, 'cats'), { recursive: true });
  await mkdir(join(input, 'dogs'));
  await png(join(input, 'cats', 'a.png'), 8, 6, 1);
  await png(join(input, 'cats', 'b.png'), 5, 9, 2);
  await png(join(input, 'dogs', 'c.png'), 7, 7, 3);
  await writeFile(join(input, 'dogs', 'readme.txt'), 'hello\n');
  return input;
}

const HINT = "See 'pastiche tfrecord from-images --help'.\n";

suite('pastiche tfrecord from-images', () => {
  test('rejects bad options with exit 2 and exact messages', async () => {
    const cases: [string[], string][] = [
      [['in'], 'Missing -o OUT for pastiche tfrecord from-images'],
      [
        ['in', '-o', 'x', '--schema', 'tfds'],
        'Expected one of: cs20, encoded for --schema but received tfds of type string',
      ],
      [
        ['in', '-o', 'x', '--shards', '0'],
        'Expected integer between 1 and 99999 for --shards but received 0 of type string',
      ],
      [
        ['in', '-o', 'x', '--on-error', 'ignore'],
        'Expected one of: skip, fail for --on-error but received ignore of type string',
      ],
      [
        ['in', '-o', 'x', '--compression', 'bz2'],
        'Expected one of: gzip, zlib, none for --compression but received bz2 of type string',
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await run(['tfrecord', 'from-images', ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stderr, `pastiche: ${message}\n${HINT}`);
    }
  });

  test('writes the records, prints the label map and a summary, and names skipped files', async () => {
    await withDir(async (dir) => {
      const input = await folder(dir);
      const r = await run(['tfrecord', 'from-images', input, '-o', 'out.tfrecord'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `wrote 3 records (cs20) to out.tfrecord; skipped 1 file\nlabel map (${join(dir, 'out.tfrecord.labels.txt')}):\n  0: cats\n  1: dogs\n`,
      );
      assert.equal(
        r.stderr,
        `pastiche: skipped ${join(input, 'dogs', 'readme.txt')}: not an image (found text starting "hello\\n")\n`,
      );
      assert.equal(await readFile(join(dir, 'out.tfrecord.labels.txt'), 'utf8'), '0:cats\n1:dogs\n');
      // The written file is a TFRecord the other tools read.
      const count = await run(['tfrecord', 'count', join(dir, 'out.tfrecord')]);
      assert.match(count.stdout, /\b3\b/);
    });
  });

  test('--on-error fail stops at the bad file with exit 1 and leaves no output', async () => {
    await withDir(async (dir) => {
      const input = await folder(dir);
      const r = await run([
        'tfrecord',
        'from-images',
        input,
        '-o',
        join(dir, 'out.tfrecord'),
        '--on-error',
        'fail',
        '--schema',
        'encoded',
      ]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `pastiche: ${join(input, 'dogs', 'readme.txt')}: not an image (found text starting "hello\\n")\n`,
      );
      assert.deepEqual((await readdir(dir)).sort(), ['in']);
    });
  });

  test('--shards N with a .tfrecord.gz name writes TensorFlow-named gzip shards', async () => {
    await withDir(async (dir) => {
      const input = await folder(dir);
      const r = await run([
        'tfrecord',
        'from-images',
        input,
        '-o',
        join(dir, 'train.tfrecord.gz'),
        '--shards',
        '2',
        '--labels',
        'dir',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^wrote 3 records \\(cs20\\) to 2 shards \\(${join(dir, 'train-00000-of-00002.tfrecord.gz').replace(/[.]/g, '\\.')} \\.\\.\\.\\); skipped 1 file\n`,
        ),
      );
      const files = (await readdir(dir)).sort();
      assert.deepEqual(files, [
        'in',
        'train-00000-of-00002.tfrecord.gz',
        'train-00001-of-00002.tfrecord.gz',
        'train.tfrecord.gz.labels.txt',
      ]);
    });
  });
});
