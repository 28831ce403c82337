import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const WEIGHTS = 'weights/vgg19-imagenet-uint8';
const weights = sharedPath(WEIGHTS);

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-weights-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

suite('pastiche weights where', () => {
  test('lists the resolution order and says nothing is there yet', async () => {
    await withDir(async (dir) => {
      const r = await run(['weights', 'where'], { env: { PASTICHE_CACHE_DIR: dir } });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines[0], '1. --weights        (not given)');
      assert.equal(lines[1], '2. PASTICHE_WEIGHTS (not set)');
      assert.equal(
        lines[2],
        `3. cache            ${join(dir, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')} (missing)`,
      );
      assert.match(lines[3]!, /^4\. download {9}https:\/\/storage\.googleapis\.com\/.+\.h5 \(on first use\)$/);
      assert.match(
        lines[4]!,
        /^using: nothing yet; No VGG-19 weights found .* 'pastiche stylize' would download the weights on first use\.$/,
      );
    });
  });

  test('reports PASTICHE_WEIGHTS when set', async (t) => {
    if (weights === undefined) return t.skip(absent(WEIGHTS));
    await withDir(async (dir) => {
      const r = await run(['weights', 'where'], { env: { PASTICHE_CACHE_DIR: dir, PASTICHE_WEIGHTS: weights } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`^2\\. PASTICHE_WEIGHTS ${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(folder\\)$`, 'm'),
      );
      assert.match(r.stdout, new RegExp(`^using: ${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(env\\)$`, 'm'));
    });
  });
});

suite('pastiche weights verify', () => {
  test('passes the shared weights', async (t) => {
    if (weights === undefined) return t.skip(absent(WEIGHTS));
    const r = await run(['weights', 'verify', weights]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sha256 ok: 21 files \(SHA256SUMS\)/);
  });

  test('fails a file that is not weights, with exit code 1', async () => {
    await withDir(async (dir) => {
      const bogus = join(dir, 'model.json');
      await import('node:fs/promises').then((fs) => fs.writeFile(bogus, '{"not": "a model"}'));
      const r = await run(['weights', 'verify', bogus]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `pastiche: weights at ${bogus} failed verification\n`);
      assert.ok(r.stdout.startsWith(`${bogus}\n`));
    });
  });

  test('without PATH and with nothing to find, explains how to get weights', async () => {
    await withDir(async (dir) => {
      const r = await run(['weights', 'verify'], { env: { PASTICHE_CACHE_DIR: dir } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^pastiche: No VGG-19 weights found .*\nTo supply the VGG-19 weights:\n/);
    });
  });
});

suite('pastiche weights fetch', () => {
  test('rejects a malformed --sha256', async () => {
    const r = await run(['weights', 'fetch', '--sha256', 'abc']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Expected 64 hexadecimal digits for --sha256 but received abc of type string\nSee 'pastiche weights fetch --help'.\n",
    );
  });

  test('downloads into the cache folder and verifies the sha256 (local server)', async () => {
    const body = Buffer.alloc(300_000, 7);
    const sha = createHash('sha256').update(body).digest('hex');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vgg19.h5`;
    try {
      await withDir(async (dir) => {
        const r = await run(['weights', 'fetch', '--url', url, '--sha256', sha, '--cache-dir', dir]);
        assert.equal(r.code, 0, r.stderr);
        const path = r.stdout.trim();
        assert.equal(path, join(dir, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'));
        assert.deepEqual(await readFile(path), body);
        const bad = await run([
          'weights',
          'fetch',
          '--url',
          url,
          '--sha256',
          '0'.repeat(64),
          '--cache-dir',
          join(dir, 'b'),
        ]);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /^pastiche: .*sha256/);
      });
    } finally {
      server.close();
    }
  });
});
