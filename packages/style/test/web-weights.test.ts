/**
 * The web entry's portable weight parsers and download path, in Node (no
 * browser needed): TF.js models from bytes and by URL (through a fetch that
 * serves files), Keras .h5 bytes, exact error messages, progress and abort;
 * the web runtime's option checks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isStyleError } from '../src/errors.js';
import { createWebRuntime } from '../src/runtime/web.js';
import { loadKerasH5Weights } from '../src/weights/keras-h5.js';
import { loadTfjsWeights } from '../src/weights/tfjs.js';
import type { VggWeights } from '../src/weights/types.js';
import { isHdf5, parseKerasH5Weights } from '../src/web/weights-h5.js';
import { parseTfjsWeights } from '../src/web/weights-tfjs.js';
import { loadWebWeights } from '../src/web/weights.js';
import { writeKerasH5, writeTfjsModel } from './weights-fixtures.js';

let tmp: string;
let tfjsDir: string;
let h5Path: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pastiche-web-weights-'));
  tfjsDir = join(tmp, 'tfjs');
  await writeTfjsModel(tfjsDir, { variant: 'vgg16', storage: 'uint8', shardBytes: 4 << 20 });
  h5Path = join(tmp, 'vgg16.h5');
  await writeKerasH5(h5Path, { variant: 'vgg16', layout: 'keras3' });
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function sameWeights(a: VggWeights, b: VggWeights): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, w] of a) {
    const v = b.get(name)!;
    assert.deepEqual([w.outChannels, w.inChannels, w.kh, w.kw], [v.outChannels, v.inChannels, v.kh, v.kw], name);
    assert.deepEqual(w.kernel, v.kernel, `${name} kernel`);
    assert.deepEqual(w.bias, v.bias, `${name} bias`);
  }
}

/** A fetch over the files of `dir` at http://weights.test/, counting requests. */
function fileFetch(dir: string, requests: string[]): typeof fetch {
  return (async (input: URL | RequestInfo) => {
    const url = new URL(String(input));
    requests.push(url.pathname);
    try {
      return new Response(await readFile(join(dir, decodeURIComponent(url.pathname.slice(1)))));
    } catch {
      return new Response('missing', { status: 404, statusText: 'Not Found' });
    }
  }) as typeof fetch;
}

async function rejects(p: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStyleError(e), `expected StyleError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

test('parseTfjsWeights on model.json + shards in memory equals the Node file loader', async () => {
  const json = await readFile(join(tfjsDir, 'model.json'), 'utf8');
  const manifest = JSON.parse(json) as { weightsManifest: { paths: string[] }[] };
  const shards: Record<string, Uint8Array> = {};
  for (const p of manifest.weightsManifest.flatMap((g) => g.paths)) shards[p] = await readFile(join(tfjsDir, p));
  sameWeights(await parseTfjsWeights({ modelJson: json, shards }), await loadTfjsWeights(join(tfjsDir, 'model.json')));
});

test('loadWebWeights fetches model.json and its shards by URL, reporting progress up to the total', async () => {
  const requests: string[] = [];
  const progress: [number, number | undefined][] = [];
  const w = await loadWebWeights('model.json', {
    baseUrl: 'http://weights.test/',
    fetch: fileFetch(tfjsDir, requests),
    onProgress: (loaded, total) => progress.push([loaded, total]),
  });
  sameWeights(w, await loadTfjsWeights(join(tfjsDir, 'model.json')));
  assert.equal(requests[0], '/model.json');
  assert.ok(requests.length > 2, `${requests.length} requests`);
  const [loaded, total] = progress.at(-1)!;
  assert.equal(loaded, total);
  assert.ok(progress.every(([l], i) => i === 0 || l >= progress[i - 1]![0]));
});

test('a missing shard is a DOWNLOAD error naming its URL', async () => {
  const requests: string[] = [];
  const serve = fileFetch(tfjsDir, requests);
  const fetchMissing = (async (input: URL | RequestInfo) =>
    String(input).endsWith('shard2of4.bin')
      ? new Response('x', { status: 404, statusText: 'Not Found' })
      : serve(input)) as typeof fetch;
  const json = JSON.parse(await readFile(join(tfjsDir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[] }[];
  };
  const second = json.weightsManifest[0]!.paths[1]!;
  assert.match(second, /shard2of4\.bin$/);
  await rejects(
    loadWebWeights('http://weights.test/model.json', { fetch: fetchMissing }),
    'DOWNLOAD',
    `Cannot download http://weights.test/${second}: HTTP 404 Not Found`,
  );
});

test('a truncated shard fails with the byte counts', async () => {
  const json = await readFile(join(tfjsDir, 'model.json'), 'utf8');
  const manifest = JSON.parse(json) as { weightsManifest: { paths: string[] }[] };
  const paths = manifest.weightsManifest[0]!.paths;
  const shards: Record<string, Uint8Array> = {};
  let total = 0;
  for (const p of paths) {
    shards[p] = await readFile(join(tfjsDir, p));
    total += shards[p]!.length;
  }
  const last = paths.at(-1)!;
  shards[last] = shards[last]!.subarray(0, shards[last]!.length - 3);
  await rejects(
    parseTfjsWeights({ modelJson: json, shards, name: 'm.json' }),
    'WEIGHTS',
    `The shards ${paths.join(', ')} hold ${total - 3} bytes but the manifest in m.json needs ${total} bytes (truncated or corrupted shard)`,
  );
});

test('bytes that are neither HDF5 nor JSON, and JSON passed as bytes, are named', async () => {
  const fetchText = (async () => new Response('hello')) as unknown as typeof fetch;
  await rejects(
    loadWebWeights('http://weights.test/w.bin', { fetch: fetchText }),
    'WEIGHTS',
    `http://weights.test/w.bin is neither HDF5 nor JSON (a TF.js model.json): ${jsonError('hello')}`,
  );
  await rejects(
    loadWebWeights(new TextEncoder().encode('{"weightsManifest": []}')),
    'INVALID_OPTION',
    'Expected the bytes of a Keras .h5 file for weights but received JSON; pass a TF.js model as { modelJson, shards } or by URL',
  );
  await rejects(
    parseKerasH5Weights(new Uint8Array(64), 'w.h5'),
    'WEIGHTS',
    'w.h5 is not an HDF5 file (no HDF5 signature)',
  );
});

test('Keras .h5 bytes (h5wasm browser build) read as the Node loader reads the file', async () => {
  const bytes = await readFile(h5Path);
  assert.equal(isHdf5(bytes), true);
  sameWeights(await loadWebWeights(bytes), await loadKerasH5Weights(h5Path));
});

test('an aborted signal stops before any download', async () => {
  const requests: string[] = [];
  const controller = new AbortController();
  controller.abort();
  await rejects(
    loadWebWeights('http://weights.test/model.json', {
      fetch: fileFetch(tfjsDir, requests),
      signal: controller.signal,
    }),
    'ABORTED',
    'Loading the weights aborted',
  );
  assert.deepEqual(requests, []);
});

test('the web runtime rejects unknown execution providers by name', async () => {
  const runtime = createWebRuntime({ executionProviders: ['wasm'] });
  await rejects(
    runtime.createSession(new Uint8Array(0), { executionProviders: ['cuda'] }),
    'INVALID_OPTION',
    'Expected execution providers among wasm, webgpu for executionProviders but received [cuda]',
  );
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}
