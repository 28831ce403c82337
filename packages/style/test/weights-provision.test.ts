/**
 * Weights provisioning: cache folders per platform, the resolution order
 * (flag, PASTICHE_WEIGHTS, cache, download) and the download itself against a
 * local HTTP server on 127.0.0.1. No test touches the real network.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import envPaths from 'env-paths';
import { isStyleError } from '../src/errors.js';
import type { StyleError } from '../src/errors.js';
import { KERAS_VGG19_NOTOP, cachedWeightsPath, defaultCacheDir } from '../src/weights/cache.js';
import { fetchWeights, weightsInstructions } from '../src/weights/fetch.js';
import { resolveWeights } from '../src/weights/resolve.js';

const FILE = KERAS_VGG19_NOTOP.fileName;
const body = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 0xff);
const sha256 = createHash('sha256').update(body).digest('hex');
const md5 = createHash('md5').update(body).digest('hex');

let tmp: string;
let server: Server;
let base: string;
let hits = 0;

function handle(req: IncomingMessage, res: ServerResponse): void {
  hits++;
  const path = req.url ?? '/';
  if (path === '/weights.h5') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    // Several writes so the client sees several chunks and reports progress more than once.
    for (let i = 0; i < body.length; i += 65536) res.write(body.subarray(i, i + 65536));
    res.end();
  } else if (path === '/chunked.h5') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  } else if (path === '/short.h5') {
    // Announces the full length, sends half, then drops the connection.
    res.writeHead(200, { 'content-length': String(body.length) });
    res.write(body.subarray(0, body.length / 2), () => res.socket?.destroy());
  } else if (path === '/stall.h5') {
    res.writeHead(200, { 'content-length': String(body.length) });
    res.write(body.subarray(0, 1000));
    // ... and never another byte; the client's idle timeout must fire.
    setTimeout(() => res.socket?.destroy(), 5000).unref();
  } else if (path === '/error.h5') {
    res.writeHead(500, 'Internal Server Error');
    res.end('boom');
  } else {
    res.writeHead(404, 'Not Found');
    res.end('no such file');
  }
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pastiche-weights-dl-'));
  server = createServer(handle);
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

async function caught(fn: () => Promise<unknown>): Promise<StyleError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(isStyleError(e), `expected a StyleError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

function assertInstructions(message: string, cacheDir: string, url: string): void {
  assert.ok(message.includes(`download ${url}`), message);
  assert.ok(message.includes(`save it as ${join(cacheDir, FILE)}`), message);
  assert.ok(message.includes('--weights PATH'), message);
  assert.ok(message.includes('PASTICHE_WEIGHTS'), message);
  assert.ok(message.includes('`pastiche weights fetch`'), message);
}

/** Files left in a cache folder (a failed download must leave none, not even a temporary). */
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** defaultCacheDir() in a child process with exactly `env` (the platform folder follows the process). */
function cacheDirIn(env: Record<string, string>): string {
  const cache = new URL('../src/weights/cache.js', import.meta.url).href;
  const script = `const m = await import(${JSON.stringify(cache)}); process.stdout.write(m.defaultCacheDir());`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

suite('defaultCacheDir', () => {
  test('PASTICHE_CACHE_DIR wins', () => {
    assert.equal(defaultCacheDir({ PASTICHE_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c' }), '/x/y');
    assert.equal(defaultCacheDir({ PASTICHE_CACHE_DIR: 'D:\\c' }), 'D:\\c');
    assert.equal(cacheDirIn({ PASTICHE_CACHE_DIR: '/x/y', HOME: '/home/u' }), '/x/y');
  });
  test('otherwise the platform cache folder from env-paths, without a suffix', () => {
    assert.equal(defaultCacheDir({}), envPaths('pastiche', { suffix: '' }).cache);
    assert.equal(defaultCacheDir({ PASTICHE_CACHE_DIR: '' }), envPaths('pastiche', { suffix: '' }).cache);
  });
  test('Linux: XDG_CACHE_HOME, else ~/.cache', (t) => {
    if (process.platform !== 'linux') return t.skip(`XDG folders are for Linux; this is ${process.platform}`);
    assert.equal(cacheDirIn({ XDG_CACHE_HOME: '/var/cache/u', HOME: '/home/u' }), '/var/cache/u/pastiche');
    assert.equal(cacheDirIn({ HOME: '/home/u' }), '/home/u/.cache/pastiche');
  });
});

suite('resolveWeights order', () => {
  test('flag, then PASTICHE_WEIGHTS, then the cache; no download when any exists', async () => {
    const cacheDir = await freshCache();
    const flag = join(tmp, 'flag.h5');
    const envPath = join(tmp, 'env.h5');
    await writeFile(flag, 'x');
    await writeFile(envPath, 'x');
    await writeFile(cachedWeightsPath(cacheDir), 'x');
    const before = hits;
    const env = { PASTICHE_WEIGHTS: envPath };
    assert.deepEqual(await resolveWeights({ weights: flag, env, cacheDir, url: `${base}/weights.h5` }), {
      path: flag,
      source: 'flag',
    });
    assert.deepEqual(await resolveWeights({ env, cacheDir, url: `${base}/weights.h5` }), {
      path: envPath,
      source: 'env',
    });
    assert.deepEqual(await resolveWeights({ env: {}, cacheDir, url: `${base}/weights.h5` }), {
      path: cachedWeightsPath(cacheDir),
      source: 'cache',
    });
    // The cache folder also comes from the environment.
    assert.deepEqual(await resolveWeights({ env: { PASTICHE_CACHE_DIR: cacheDir } }), {
      path: cachedWeightsPath(cacheDir),
      source: 'cache',
    });
    assert.equal(hits, before);
  });

  test('a --weights or PASTICHE_WEIGHTS path that does not exist is an error, not a fallback', async () => {
    const missing = join(tmp, 'missing.h5');
    const e1 = await caught(() => resolveWeights({ weights: missing, env: {}, download: false }));
    assert.equal(e1.code, 'WEIGHTS_MISSING');
    assert.equal(e1.message, `Weights not found: --weights ${missing} does not exist`);
    const e2 = await caught(() => resolveWeights({ env: { PASTICHE_WEIGHTS: missing }, download: false }));
    assert.equal(e2.message, `Weights not found: PASTICHE_WEIGHTS=${missing} does not exist`);
  });

  test('download: false with nothing found: WEIGHTS_MISSING with the instructions', async () => {
    const cacheDir = await freshCache();
    const e = await caught(() => resolveWeights({ env: {}, cacheDir, download: false }));
    assert.equal(e.code, 'WEIGHTS_MISSING');
    assert.ok(
      e.message.startsWith(
        `No VGG-19 weights found (no --weights, no PASTICHE_WEIGHTS, nothing in the cache ${cacheDir}) and downloads are off.\n`,
      ),
      e.message,
    );
    assertInstructions(e.message, cacheDir, KERAS_VGG19_NOTOP.url);
    assert.ok(e.message.includes(`md5 ${KERAS_VGG19_NOTOP.md5}`));
  });

  test('downloads into the cache on first use, then finds it there', async () => {
    const cacheDir = await freshCache();
    const progress: [number, number | undefined][] = [];
    const r = await resolveWeights({
      env: {},
      cacheDir,
      url: `${base}/weights.h5`,
      sha256,
      onProgress: (a, b) => progress.push([a, b]),
    });
    assert.deepEqual(r, { path: cachedWeightsPath(cacheDir), source: 'download' });
    assert.deepEqual(new Uint8Array(await readFile(r.path)), body);
    assert.ok(progress.length >= 2, `progress reported ${progress.length} times`);
    assert.deepEqual(progress[progress.length - 1], [body.length, body.length]);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]![0] > progress[i - 1]![0]);
    assert.deepEqual(await resolveWeights({ env: {}, cacheDir, url: `${base}/weights.h5`, sha256 }), {
      path: r.path,
      source: 'cache',
    });
  });

  test('connection refused: WEIGHTS_MISSING naming the cause, with the instructions', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/weights.h5`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const cacheDir = await freshCache();
    const e = await caught(() => resolveWeights({ env: {}, cacheDir, url, sha256 }));
    assert.equal(e.code, 'WEIGHTS_MISSING');
    assert.ok(
      e.message.startsWith(
        `No VGG-19 weights found and the download failed. Cannot download ${url}: fetch failed (ECONNREFUSED`,
      ),
      e.message,
    );
    assertInstructions(e.message, cacheDir, url);
    assert.ok(isStyleError(e.cause, 'DOWNLOAD'));
    assert.deepEqual(await leftovers(cacheDir), []);
  });
});

suite('fetchWeights', () => {
  test('md5 or sha256, known or unknown length; atomic: only the final file remains', async () => {
    const cacheDir = await freshCache();
    const p = await fetchWeights({ url: `${base}/chunked.h5`, md5, cacheDir });
    assert.equal(p, join(cacheDir, FILE));
    assert.deepEqual(new Uint8Array(await readFile(p)), body);
    const totals = new Set<number | undefined>();
    await fetchWeights({
      url: `${base}/chunked.h5`,
      sha256,
      cacheDir,
      fileName: 'other.h5',
      onProgress: (_, t) => totals.add(t),
    });
    assert.deepEqual([...totals], [undefined]);
    assert.deepEqual(await leftovers(cacheDir), ['other.h5', FILE]);
  });

  test('checksum mismatch: DOWNLOAD error, nothing placed in the cache', async () => {
    const cacheDir = await freshCache();
    const wrong = '0'.repeat(64);
    const e = await caught(() => fetchWeights({ url: `${base}/weights.h5`, sha256: wrong, cacheDir }));
    assert.equal(e.code, 'DOWNLOAD');
    assert.equal(
      e.message.split('\n')[0],
      `Checksum mismatch for ${base}/weights.h5: expected sha256 ${wrong}, received ${sha256} (300000 bytes); the file was not kept`,
    );
    assertInstructions(e.message, cacheDir, `${base}/weights.h5`);
    assert.deepEqual(await leftovers(cacheDir), []);
    const e2 = await caught(() => fetchWeights({ url: `${base}/weights.h5`, md5: 'f'.repeat(32), cacheDir }));
    assert.match(e2.message, /^Checksum mismatch .*: expected md5 f{32}, received [0-9a-f]{32} /);
  });

  test('HTTP 404 and 500', async () => {
    const cacheDir = await freshCache();
    const e404 = await caught(() => fetchWeights({ url: `${base}/nope.h5`, sha256, cacheDir }));
    assert.equal(e404.code, 'DOWNLOAD');
    assert.equal(e404.message.split('\n')[0], `Download of ${base}/nope.h5 failed: HTTP 404 Not Found`);
    const e500 = await caught(() => fetchWeights({ url: `${base}/error.h5`, sha256, cacheDir }));
    assert.equal(e500.message.split('\n')[0], `Download of ${base}/error.h5 failed: HTTP 500 Internal Server Error`);
    assert.deepEqual(await leftovers(cacheDir), []);
    const viaResolve = await caught(() => resolveWeights({ env: {}, cacheDir, url: `${base}/nope.h5`, sha256 }));
    assert.equal(viaResolve.code, 'WEIGHTS_MISSING');
    assert.ok(viaResolve.message.includes('HTTP 404 Not Found'));
  });

  test('interrupted transfer (Content-Length larger than what was sent)', async () => {
    const cacheDir = await freshCache();
    const e = await caught(() => fetchWeights({ url: `${base}/short.h5`, sha256, cacheDir }));
    assert.equal(e.code, 'DOWNLOAD');
    assert.match(
      e.message.split('\n')[0] as string,
      new RegExp(`^Download of ${base}/short\\.h5 was interrupted(:| after \\d+ of 300000 bytes)`),
    );
    assert.deepEqual(await leftovers(cacheDir), []);
  });

  test('idle timeout', async () => {
    const cacheDir = await freshCache();
    const e = await caught(() => fetchWeights({ url: `${base}/stall.h5`, sha256, cacheDir, timeoutMs: 500 }));
    assert.equal(e.code, 'DOWNLOAD');
    // On a loaded machine the timer may even fire before the first 1000 bytes arrive.
    const url = `${base}/stall.h5`.replace(/[.]/g, '\\.');
    assert.match(
      e.message.split('\n')[0] as string,
      new RegExp(
        `^(Download of ${url} was interrupted after \\d+ of 300000 bytes|Cannot download ${url}): no data received for 0\\.5 s$`,
      ),
    );
    assert.deepEqual(await leftovers(cacheDir), []);
  });

  test('AbortSignal: ABORTED, nothing left', async () => {
    const cacheDir = await freshCache();
    const ac = new AbortController();
    const p = fetchWeights({
      url: `${base}/stall.h5`,
      sha256,
      cacheDir,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    const e = await caught(() => p);
    assert.equal(e.code, 'ABORTED');
    assert.deepEqual(await leftovers(cacheDir), []);
  });

  test('option validation', async () => {
    const e = await caught(() => fetchWeights({ url: `${base}/weights.h5`, sha256: 'abc', cacheDir: tmp }));
    assert.equal(e.code, 'INVALID_OPTION');
    const t = await caught(() => fetchWeights({ url: `${base}/weights.h5`, timeoutMs: -1, cacheDir: tmp }));
    assert.equal(t.message, 'Expected positive number for timeoutMs but received -1 of type number');
  });

  test('the instructions name the URL, the md5, the cache path and every other way', () => {
    const text = weightsInstructions('/home/u/.cache/pastiche');
    assert.equal(
      text,
      [
        'To supply the VGG-19 weights:',
        `  - download ${KERAS_VGG19_NOTOP.url} (about 80 MB, md5 253f8cb515780f3b799900260a226db6) by hand and save it as /home/u/.cache/pastiche/${FILE}`,
        '  - or pass a weights file or folder (Keras .h5, or a TF.js model.json) with --weights PATH or the PASTICHE_WEIGHTS environment variable',
        '  - or run `pastiche weights fetch` when the network is available; it downloads the file into the cache',
      ].join('\n'),
    );
  });
});
