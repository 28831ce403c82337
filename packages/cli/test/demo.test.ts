import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import sharp from 'sharp';
import { writeDemoSamples } from '../src/commands/demo.js';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const weights = sharedPath('weights', 'vgg19-imagenet-uint8');

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-demo-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

suite('pastiche demo', () => {
  test('without weights and without network fails first, with the instructions, having written nothing', async () => {
    await withDir(async (dir) => {
      const realFetch = globalThis.fetch;
      let fetched = 0;
      globalThis.fetch = (async () => {
        fetched++;
        throw new TypeError('fetch failed');
      }) as typeof fetch;
      try {
        const r = await run(['demo', '--out', join(dir, 'demo')], {
          env: { PASTICHE_CACHE_DIR: join(dir, 'cache') },
          cwd: dir,
        });
        assert.equal(r.code, 1);
        assert.ok(fetched >= 1, 'a download was attempted');
        assert.match(r.stderr, /^pastiche: No VGG-19 weights found and the download failed\./);
        assert.match(r.stderr, /--weights PATH or the PASTICHE_WEIGHTS environment variable/);
        assert.match(r.stderr, /pastiche weights fetch/);
        assert.equal(r.stdout, '');
        assert.deepEqual(
          (await readdir(dir)).filter((f) => f !== 'cache'),
          [],
        );
      } finally {
        globalThis.fetch = realFetch;
      }
    });
  });

  test('--content without --style is a usage error', async () => {
    const r = await run(['demo', '--content', 'photos']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Options --content and --style go together for pastiche demo\nSee 'pastiche demo --help'.\n",
    );
  });

  test('draws its own sample images: two classes of three, and a style image', async () => {
    await withDir(async (dir) => {
      const { content, style } = await writeDemoSamples(dir, 32);
      assert.deepEqual((await readdir(content)).sort(), ['circles', 'stripes']);
      assert.deepEqual((await readdir(join(content, 'circles'))).sort(), [
        'circles-1.png',
        'circles-2.png',
        'circles-3.png',
      ]);
      const meta = await sharp(join(content, 'stripes', 'stripes-2.png')).metadata();
      assert.deepEqual([meta.width, meta.height], [32, 32]);
      assert.equal((await sharp(style).metadata()).width, 256);
      // Different images, not one image six times.
      const a = await sharp(join(content, 'circles', 'circles-1.png'))
        .raw()
        .toBuffer();
      const b = await sharp(join(content, 'circles', 'circles-2.png'))
        .raw()
        .toBuffer();
      assert.ok(!a.equals(b));
    });
  });

  test('runs the lecture end to end on given images (shared weights, tiny and 1 iteration)', async (t) => {
    if (weights === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
    await withDir(async (dir) => {
      const samples = await writeDemoSamples(join(dir, 'own'), 32);
      const out = join(dir, 'demo');
      const r = await run(
        [
          'demo',
          '--out',
          out,
          '--content',
          samples.content,
          '--style',
          samples.style,
          '-n',
          '1',
          '--size',
          '32',
          '--threads',
          '2',
        ],
        {
          env: { PASTICHE_WEIGHTS: weights },
          cwd: dir,
        },
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines[0], `weights: ${weights} (env)`);
      assert.equal(
        lines[1],
        "1. wrote 6 images as the lecture's Examples (label, shape, image) to demo/content.tfrecord; labels: 0=circles, 1=stripes",
      );
      assert.equal(
        lines[2],
        '2. read back 6 records with FixedLen(int64/string/string) + decodeRaw: shapes 6 x [32, 32, 3]',
      );
      assert.equal(lines[3], '3. stylised 6 images into demo/stylized.tfrecord (1 graph built)');
      assert.equal(lines[4], '4. wrote 12 PNGs to demo/images and the contact sheet demo/index.html');
      assert.match(lines[5]!, /^done in \d+:\d\d$/);
      assert.deepEqual((await readdir(join(out, 'images', 'stylized'))).length, 6);
      const html = await readFile(join(out, 'index.html'), 'utf8');
      assert.equal(
        html.match(
          /<tr><td><img src="images\/content\/content-0000\d\.png" alt="input"><\/td><td><img src="images\/stylized\/stylized-0000\d\.png" alt="result">/g,
        )?.length,
        6,
      );
      assert.match(html, /<td>0 \(circles\)<\/td>/);
      assert.match(html, /<td>1 \(stripes\)<\/td>/);
    });
  });
});
