/**
 * VGG weights in the browser: from a URL (a TF.js model.json, whose shards are
 * fetched beside it, or a Keras .h5), from bytes, or from model.json + shards
 * held in memory. Downloads can be kept in the Cache API, so a page fetches the
 * 20-80 MB of weights once.
 */
import { StyleError } from '../errors.js';
import type { VggWeights } from '../weights/types.js';
import { isHdf5, parseKerasH5Weights } from './weights-h5.js';
import { type Bytes, parseTfjsWeights, type TfjsWeightsInput, toUint8 } from './weights-tfjs.js';

/**
 * Where weights come from: loaded weights; the URL of a model.json or .h5;
 * the bytes of a .h5; or a TF.js model's model.json and shards.
 */
export type WebWeightsSource = VggWeights | string | URL | Bytes | TfjsWeightsInput;

/** Options of {@link loadWebWeights}. */
export interface WebWeightsOptions {
  /** Base URL for relative URLs; default `globalThis.location?.href`. */
  baseUrl?: string | URL;
  /** Aborts downloads with StyleError ABORTED. */
  signal?: AbortSignal;
  /** Download progress in bytes; `total` is undefined when the server sends no length. */
  onProgress?: (loaded: number, total: number | undefined) => void;
  /**
   * A Cache API cache name: responses are kept there and reused on the next
   * load (default: none, every load downloads).
   */
  cache?: string;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
}

function abortError(signal: AbortSignal): StyleError {
  return new StyleError('ABORTED', 'Loading the weights aborted', { cause: signal.reason });
}

class Downloader {
  private loaded = 0;
  /** Bytes known to be coming in all; undefined while a download of unknown length runs. */
  private total: number | undefined = 0;
  private known = 0;
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly o: WebWeightsOptions) {}

  /** Adds bytes known to be coming (model.json tells the shards' sizes before they are fetched). */
  expect(bytes: number | undefined): void {
    if (bytes !== undefined) this.known += bytes;
    this.total = bytes === undefined ? undefined : this.known;
  }

  private async response(url: URL): Promise<Response> {
    const doFetch = this.o.fetch ?? globalThis.fetch.bind(globalThis);
    const init: RequestInit = this.o.signal === undefined ? {} : { signal: this.o.signal };
    const cache =
      this.o.cache !== undefined && typeof caches !== 'undefined' ? await caches.open(this.o.cache) : undefined;
    const hit = await cache?.match(url);
    if (hit !== undefined) return hit;
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (e) {
      if (this.o.signal?.aborted) throw abortError(this.o.signal);
      throw new StyleError('DOWNLOAD', `Cannot download ${url.href}: ${(e as Error).message}`, {
        file: url.href,
        cause: e,
      });
    }
    if (!res.ok) {
      throw new StyleError('DOWNLOAD', `Cannot download ${url.href}: HTTP ${res.status} ${res.statusText}`.trim(), {
        file: url.href,
      });
    }
    // The cache reads a clone while the caller reads the body (progress stays live).
    if (cache !== undefined) this.pending.push(cache.put(url, res.clone()));
    return res;
  }

  /** The whole body, reporting progress as it arrives. */
  async bytes(url: URL, counted: boolean): Promise<Uint8Array> {
    const res = await this.response(url);
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    const unknownLength = !counted && !Number.isFinite(length);
    if (!counted) this.expect(unknownLength ? undefined : length);
    const reader = res.body?.getReader();
    if (reader === undefined) {
      const whole = new Uint8Array(await res.arrayBuffer());
      await Promise.all(this.pending.splice(0));
      if (unknownLength) this.expect(whole.length);
      this.loaded += whole.length;
      this.o.onProgress?.(this.loaded, this.total);
      return whole;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
        this.loaded += value.length;
        this.o.onProgress?.(this.loaded, this.total);
      }
    } catch (e) {
      if (this.o.signal?.aborted) throw abortError(this.o.signal);
      throw new StyleError('DOWNLOAD', `Download of ${url.href} failed: ${(e as Error).message}`, {
        file: url.href,
        cause: e,
      });
    }
    await Promise.all(this.pending.splice(0));
    if (unknownLength) this.expect(size);
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function manifestBytes(json: unknown): number | undefined {
  const m = (
    json as {
      weightsManifest?: { weights?: { shape?: number[]; dtype?: string; quantization?: { dtype?: string } }[] }[];
    }
  )?.weightsManifest;
  if (!Array.isArray(m)) return undefined;
  const size: Record<string, number> = { float32: 4, int32: 4, uint16: 2, uint8: 1, float16: 2, bool: 1 };
  let n = 0;
  for (const g of m)
    for (const w of g.weights ?? [])
      n += (w.shape ?? []).reduce((a, b) => a * b, 1) * (size[w.quantization?.dtype ?? w.dtype ?? ''] ?? 0);
  return n;
}

function looksLikeJson(b: Uint8Array): boolean {
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09 || b[i] === 0xef)) i++;
  return b[i] === 0x7b;
}

/**
 * Loads VGG weights in a browser (or any runtime with fetch). A URL is fetched:
 * HDF5 bytes are read as Keras weights, JSON as a TF.js model.json whose shards
 * are fetched relative to it. Throws StyleError WEIGHTS (malformed, misshapen,
 * missing layers), DOWNLOAD (HTTP or network failure), ABORTED,
 * INVALID_OPTION (a source of another type).
 */
export async function loadWebWeights(source: WebWeightsSource, o: WebWeightsOptions = {}): Promise<VggWeights> {
  if (source instanceof Map) return source;
  if (o.signal?.aborted) throw abortError(o.signal);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const b = toUint8(source);
    if (!isHdf5(b) && looksLikeJson(b)) {
      throw new StyleError(
        'INVALID_OPTION',
        'Expected the bytes of a Keras .h5 file for weights but received JSON; pass a TF.js model as { modelJson, shards } or by URL',
      );
    }
    return parseKerasH5Weights(b);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const base = o.baseUrl ?? (globalThis as { location?: { href: string } }).location?.href;
    let url: URL;
    try {
      url = base === undefined ? new URL(source) : new URL(source, base);
    } catch (e) {
      throw new StyleError('INVALID_OPTION', `Expected a URL for weights but received ${String(source)}`, { cause: e });
    }
    const dl = new Downloader(o);
    const bytes = await dl.bytes(url, false);
    if (isHdf5(bytes)) return parseKerasH5Weights(bytes, url.href);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new StyleError(
        'WEIGHTS',
        `${url.href} is neither HDF5 nor JSON (a TF.js model.json): ${(e as Error).message}`,
        { file: url.href, cause: e },
      );
    }
    dl.expect(manifestBytes(json));
    return parseTfjsWeights({
      modelJson: json as object,
      name: url.href,
      shards: (path) => dl.bytes(new URL(path, url), true),
    });
  }
  if (typeof source === 'object' && source !== null && 'modelJson' in source && 'shards' in source) {
    return parseTfjsWeights(source);
  }
  throw new StyleError(
    'INVALID_OPTION',
    `Expected VggWeights, a URL, .h5 bytes or { modelJson, shards } for weights but received ${String(source)} of type ${typeof source}`,
  );
}
