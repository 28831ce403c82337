/**
 * `startStudio`: opens the workspace, marks runs a previous studio left
 * unfinished as interrupted, and serves the studio until `close()` or the
 * signal. Prints nothing (the CLI prints the address).
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveWeights } from '@pastiche/style';
import { StudioError } from '../errors.js';
import { buildApp } from './app.js';
import { detectCapabilities } from './capabilities.js';
import { DatasetBrowser } from './datasets.js';
import { EventHub } from './events.js';
import { JobManager } from './jobs.js';
import { LogStore, openLogdirs, workspaceLogdir } from './logdirs.js';
import { recoverRuns } from './runs.js';
import { allowedHosts, newToken } from './security.js';
import { RUNS, openWorkspace } from './workspace.js';

/** Options of {@link startStudio}. */
export interface StudioOptions {
  /** TCP port; default 0 (the system picks a free one; see `url`). */
  port?: number;
  /** Address to bind; default '127.0.0.1' (loopback only). */
  host?: string;
  /** Workspace folder (created if missing); default `./pastiche-studio`. */
  workspace?: string;
  /** Open the studio in the default browser; default false. */
  open?: boolean;
  /** Closes the studio when aborted. */
  signal?: AbortSignal;
  /** VGG-19 weights path (model.json, its folder, or a Keras .h5); default: the engine finds them (PASTICHE_WEIGHTS, cache, download). */
  weights?: string;
  /** The token to require; default a fresh random one (32 bytes, base64url). */
  token?: string;
  /** Largest accepted upload in bytes; default 64 MiB. */
  maxUploadBytes?: number;
  /** Largest decoded image accepted, width x height in pixels; default 40 000 000. */
  maxPixels?: number;
  /** Jobs that may wait behind the running one; default 3 (429 beyond). */
  maxQueued?: number;
  /** onnxruntime threads per job; default all cores. */
  threads?: number;
  /**
   * TensorBoard log directories whose runs the Logs page shows (read only, and
   * only below these folders); default none. The workspace's own runs are always shown.
   */
  logdir?: string | readonly string[];
}

/** A running studio. */
export interface Studio {
  /** The address to open, with the token: `http://127.0.0.1:N/?token=T`. */
  readonly url: string;
  /** The address without the token: `http://127.0.0.1:N`. */
  readonly origin: string;
  readonly token: string;
  readonly port: number;
  /** Real absolute path of the workspace. */
  readonly workspace: string;
  /** Runs found queued or running at start (a previous studio stopped mid-job), now marked interrupted. */
  readonly interrupted: readonly string[];
  /** Stops serving: cancels queued jobs, aborts the running one (its best image is kept), closes streams. */
  close(): Promise<void>;
}

async function loadAssets(): Promise<Map<string, Uint8Array>> {
  // dist/src/server/start.js -> dist/web/
  const dir = fileURLToPath(new URL('../../web/', import.meta.url));
  const out = new Map<string, Uint8Array>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    out.set(name, new Uint8Array(await readFile(resolve(dir, name))));
  }
  return out;
}

function ortDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch {
    return undefined;
  }
}

/**
 * What the in-page engine is served: the folder of a TF.js model (model.json and
 * shards) or of a Keras .h5 file, and the file to load. Without a `weights`
 * option, whatever the engine would find without downloading (PASTICHE_WEIGHTS, the cache).
 */
async function servedWeights(weights: string | undefined): Promise<{ dir: string; entry: string } | undefined> {
  let path = weights;
  if (path === undefined) {
    path = await resolveWeights({ download: false })
      .then((found) => found.path)
      .catch(() => undefined);
  }
  if (path === undefined) return undefined;
  const s = await stat(path).catch(() => undefined);
  if (s === undefined) return undefined;
  if (s.isFile() && /\.h5$/i.test(path)) return { dir: resolve(dirname(path)), entry: basename(path) };
  const dir = s.isDirectory() ? path : dirname(path);
  return (await stat(resolve(dir, 'model.json')).catch(() => undefined))?.isFile()
    ? { dir: resolve(dir), entry: 'model.json' }
    : undefined;
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser to open is not an error: the CLI prints the address.
  }
}

/**
 * Starts Pastiche Studio. Throws StudioError WORKSPACE (the folder cannot be
 * used), INVALID_OPTION (bad option), or the listen error (port in use).
 */
export async function startStudio(options: StudioOptions = {}): Promise<Studio> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StudioError(
      'INVALID_OPTION',
      `Expected integer between 0 and 65535 for port but received ${String(port)}`,
    );
  }
  const positive = (name: string, v: number | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    if (!Number.isInteger(v) || v < 1)
      throw new StudioError('INVALID_OPTION', `Expected positive integer for ${name} but received ${String(v)}`);
    return v;
  };
  const limits = {
    uploadBytes: positive('maxUploadBytes', options.maxUploadBytes, 64 * 1024 * 1024),
    pixels: positive('maxPixels', options.maxPixels, 40_000_000),
  };
  const maxQueued = options.maxQueued === undefined ? 3 : options.maxQueued;
  if (!Number.isInteger(maxQueued) || maxQueued < 0) {
    throw new StudioError(
      'INVALID_OPTION',
      `Expected integer of at least 0 for maxQueued but received ${String(maxQueued)}`,
    );
  }
  options.signal?.throwIfAborted();

  const logdirs = await openLogdirs(
    options.logdir === undefined ? [] : typeof options.logdir === 'string' ? [options.logdir] : options.logdir,
  );
  const workspace = await openWorkspace(options.workspace ?? 'pastiche-studio');
  const interrupted = await recoverRuns(workspace);
  const token = options.token ?? newToken();
  const events = new EventHub();
  const capabilities = detectCapabilities();
  const jobs = new JobManager({
    workspace,
    events,
    capabilities,
    maxWaiting: maxQueued,
    ...(options.weights === undefined ? {} : { weights: resolve(options.weights) }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const datasets = new DatasetBrowser(workspace);
  const logs = new LogStore({ logdirs: [...logdirs, workspaceLogdir(join(workspace.root, RUNS))] });
  let bound = { hosts: new Set<string>(), port };
  const app = await buildApp({
    workspace,
    token,
    address: () => bound,
    jobs,
    events,
    datasets,
    logs,
    capabilities,
    limits,
    weights: options.weights,
    assets: await loadAssets(),
    ortDir: ortDir(),
    weightsServed: await servedWeights(options.weights),
  });
  await app.listen({ port, host });
  const actual = (app.server.address() as AddressInfo).port;
  bound = { hosts: allowedHosts(host, actual), port: actual };
  const shown = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shown}:${actual}`;
  const url = `${origin}/?token=${token}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await jobs.close();
      await app.close();
      await datasets.close();
    })();
    return closing;
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  if (options.open === true) openBrowser(url);
  return { url, origin, token, port: actual, workspace: workspace.root, interrupted, close };
}
