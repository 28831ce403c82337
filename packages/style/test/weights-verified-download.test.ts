/**
 * Verified downloads only: a download with no known checksum is placed in the
 * cache only if it loads as VGG-19 weights. Served by a local HTTP server on
 * 127.0.0.1; no test touches the real network.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import { KERAS_VGG19_NOTOP } from '../src/weights/cache.js';
import { fetchWeights } from '../src/weights/fetch.js';
import { loadWeights } from '../src/weights/load.js';
import { resolveWeights } from '../src/weights/resolve.js';
import { weightsVariant } from '../src/weights/vgg.js';
import { writeKerasH5 } from './weights-fixtures.js';

let tmp: string;
let server: Server;
let base: string;
const served = new Map<string, string>();

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pastiche-weights-verified-'));
  served.set('/random.h5', join(tmp, 'random.bin'));
  await writeFile(served.get('/random.h5')!, randomBytes(100 * 1024));
  served.set('/vgg19.h5', join(tmp, 'vgg19.h5'));
  await writeKerasH5(served.get('/vgg19.h5')!, { variant: 'vgg19', layout: 'keras2' });
  served.set('/vgg16.h5', join(tmp, 'vgg16.h5'));
  await writeKerasH5(served.get('/vgg16.h5')!, { variant: 'vgg16', layout: 'keras2' });
  server = createServer((req, res) => {
    const file = served.get(req.url ?? '');
    if (file === undefined) {
      res.writeHead(404, 'Not Found');
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(tmp, { recursive: true, force: true });
});

let n = 0;
async function freshCache(): Promise<string> {
  const dir = join(tmp, `cache${++n}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isStyleError(e, 'DOWNLOAD'), String(e));
    return e.message.split('\n')[0]!;
  }
  assert.fail('expected the download to be refused');
}

test('no checksum known: 100 KB of random bytes are refused and nothing is placed in the cache', async () => {
  const cacheDir = await freshCache();
  const url = `${base}/random.h5`;
  const first = await refused(fetchWeights({ url, cacheDir }));
  assert.equal(
    first,
    `Downloaded file from ${url} is not VGG-19 weights: the file is not an HDF5 file (no HDF5 signature) (102400 bytes); the file was not kept`,
  );
  assert.deepEqual(await readdir(cacheDir), []);
  // Nor does the first use of the weights accept it, and a later real download is not blocked.
  await assert.rejects(resolveWeights({ env: {}, cacheDir, url }), (e: unknown) => isStyleError(e, 'WEIGHTS_MISSING'));
  assert.deepEqual(await readdir(cacheDir), []);
});

test('no checksum known: a VGG-16 file is refused, naming what it holds', async () => {
  const cacheDir = await freshCache();
  const url = `${base}/vgg16.h5`;
  const size = (await stat(served.get('/vgg16.h5')!)).size;
  assert.equal(
    await refused(fetchWeights({ url, cacheDir })),
    `Downloaded file from ${url} is not VGG-19 weights: it holds VGG-16 layers (no block3_conv4, block4_conv4, block5_conv4) (${size} bytes); the file was not kept`,
  );
  assert.deepEqual(await readdir(cacheDir), []);
});

test('no checksum known: real VGG-19 weights are placed in the cache', async () => {
  const cacheDir = await freshCache();
  const path = await fetchWeights({ url: `${base}/vgg19.h5`, cacheDir });
  assert.equal(path, join(cacheDir, KERAS_VGG19_NOTOP.fileName));
  assert.deepEqual(await readdir(cacheDir), [KERAS_VGG19_NOTOP.fileName]);
  assert.equal(weightsVariant(await loadWeights(path)), 'vgg19');
});
