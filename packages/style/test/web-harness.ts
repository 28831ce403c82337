/**
 * The browser side of the web tests and bench/browser.mjs: bundles the web
 * entry for the browser platform (which fails on any `node:*` import or
 * Node-only package), serves it with onnxruntime-web's wasm files and the
 * shared weights from a local server that sends the cross-origin isolation
 * headers wasm threads need, and drives Debian's Chromium with playwright-core.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { repoRoot, sharedPath } from '@pastiche/testing';

/** onnxruntime-web's dist folder (its .mjs glue and .wasm binaries). */
export const ORT_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
/**
 * The files the default `onnxruntime-web` import (wasm + WebGPU through JSEP)
 * loads at run time from `wasmPaths`; a page must serve both.
 */
export const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'] as const;

/** Headers that make a page cross-origin isolated (SharedArrayBuffer, so wasm threads). */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
} as const;

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

/** Bundles `@pastiche/style/web` from source for the browser platform; throws esbuild's errors. `inputs`: the files bundled. */
export async function bundleWebEntry(): Promise<{ code: Uint8Array; inputs: string[] }> {
  const esbuild = await import('esbuild');
  const built = await esbuild.build({
    entryPoints: [join(repoRoot, 'packages/style/src/web/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: built.outputFiles[0]!.contents, inputs: Object.keys(built.metafile.inputs) };
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.h5': 'application/octet-stream',
};

function typeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return TYPES[dot < 0 ? '' : name.slice(dot)] ?? 'application/octet-stream';
}

/** A running test server. */
export interface WebServer {
  /** http://127.0.0.1:PORT */
  base: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves, with {@link ISOLATION_HEADERS} on every response:
 * `/` an empty page; `/pastiche-style.js` the bundle; `/ort/<file>` onnxruntime-web's
 * {@link ORT_FILES}; `/weights/<file>` the shared uint8 VGG-19 TF.js model (when
 * present); `/files/<name>` the extra files given.
 */
export async function startWebServer(bundle: Uint8Array, files: Record<string, Uint8Array> = {}): Promise<WebServer> {
  const weights = sharedPath('weights', 'vgg19-imagenet-uint8');
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    requests.push(path);
    const send = (status: number, type: string, body: Uint8Array | string): void => {
      res.writeHead(status, { 'content-type': type, ...ISOLATION_HEADERS });
      res.end(body);
    };
    const file = (dir: string | undefined, name: string): void => {
      const full = dir === undefined ? undefined : join(dir, name);
      if (full === undefined || !/^[\w.-]+$/.test(name) || !existsSync(full) || !statSync(full).isFile()) {
        send(404, 'text/plain', `not found: ${path}`);
        return;
      }
      send(200, typeOf(name), readFileSync(full));
    };
    if (path === '/' || path === '/index.html') send(200, 'text/html', '<!doctype html><title>pastiche web</title>');
    else if (path === '/pastiche-style.js') send(200, 'text/javascript', bundle);
    else if (path.startsWith('/ort/')) {
      const name = path.slice('/ort/'.length);
      if (!(ORT_FILES as readonly string[]).includes(name)) send(404, 'text/plain', `not served: ${path}`);
      else file(ORT_DIST, name);
    } else if (path.startsWith('/weights/')) file(weights, path.slice('/weights/'.length));
    else if (path.startsWith('/files/') && files[path.slice('/files/'.length)] !== undefined) {
      const name = path.slice('/files/'.length);
      send(200, typeOf(name), files[name]!);
    } else send(404, 'text/plain', `not found: ${path}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A page on the server with the bundle importable as '/pastiche-style.js'; page errors go to stderr. */
export async function openPage(browser: Browser, base: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  await page.goto(`${base}/`);
  return page;
}
