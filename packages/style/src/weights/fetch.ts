/**
 * Download of the VGG-19 weights into the cache: streamed to a temporary file
 * beside the destination (named and registered by the safe-write mechanism of
 * `@pastiche/tfrecord/node`, so a signal handler removes it), hashed on the
 * way, renamed into place only when complete and verified. Verified means the
 * known checksum matches or, with no checksum known, the file loads as VGG-19
 * weights (every layer name and shape); anything else is deleted.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanStaleTemps, registerTemp, tempPathFor, unregisterTemp } from '@pastiche/tfrecord/node';
import { StyleError } from '../errors.js';
import { KERAS_VGG19_NOTOP, defaultCacheDir } from './cache.js';
import type { WeightsEnv } from './cache.js';
import { digestAlgorithm } from './checksums.js';
import type { DigestAlgorithm } from './checksums.js';
import { loadKerasH5Weights } from './keras-h5.js';
import { weightsVariant } from './vgg.js';

/** Options of {@link fetchWeights}. */
export interface FetchWeightsOptions {
  /** URL to download (default: the Keras VGG19 notop file, {@link KERAS_VGG19_NOTOP}). */
  url?: string;
  /** Expected sha256 (hex) of the file. Checked instead of `md5` when given. */
  sha256?: string;
  /** Expected md5 (hex) of the file (default: Keras' published digest when `url` is the default). */
  md5?: string;
  /** Cache folder (default {@link defaultCacheDir}(env)). */
  cacheDir?: string;
  /** Environment for {@link defaultCacheDir} (default process.env). */
  env?: WeightsEnv;
  /** File name inside the cache (default the Keras file name). */
  fileName?: string;
  /** Called after each chunk with bytes received and the total (undefined when the server does not say). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** fetch implementation (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Give up when no byte arrives for this many milliseconds (default 60000). */
  timeoutMs?: number;
  /** Cancels the download; the temporary file is removed. */
  signal?: AbortSignal;
}

/**
 * How to supply the weights by hand; part of every download or missing-weights
 * error so a user without network knows exactly what to do.
 */
export function weightsInstructions(
  cacheDir: string,
  url: string = KERAS_VGG19_NOTOP.url,
  fileName: string = KERAS_VGG19_NOTOP.fileName,
): string {
  const digest = url === KERAS_VGG19_NOTOP.url ? ` (about 80 MB, md5 ${KERAS_VGG19_NOTOP.md5})` : '';
  return [
    'To supply the VGG-19 weights:',
    `  - download ${url}${digest} by hand and save it as ${join(cacheDir, fileName)}`,
    '  - or pass a weights file or folder (Keras .h5, or a TF.js model.json) with --weights PATH or the PASTICHE_WEIGHTS environment variable',
    '  - or run `pastiche weights fetch` when the network is available; it downloads the file into the cache',
  ].join('\n');
}

class IdleTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no data received for ${ms / 1000} s`);
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof IdleTimeout) return e.message;
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (cause?.code !== undefined)
    return `${err.message ?? 'error'} (${cause.code}${cause.message !== undefined && !cause.message.includes(cause.code) ? `: ${cause.message}` : ''})`;
  if (cause?.message !== undefined) return `${err.message ?? 'error'} (${cause.message})`;
  return err.message ?? String(e);
}

/**
 * Why the file at `tmp` is not VGG-19 weights, or undefined when it is: it
 * must load as a Keras HDF5 file with every VGG-19 conv layer in its shape.
 * The loader's message names the file; here the file is a hidden temporary,
 * so "the file" says it better.
 */
async function notVgg19(tmp: string): Promise<string | undefined> {
  try {
    const weights = await loadKerasH5Weights(tmp);
    return weightsVariant(weights) === 'vgg19'
      ? undefined
      : 'it holds VGG-16 layers (no block3_conv4, block4_conv4, block5_conv4)';
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return message.replaceAll(` in ${tmp}`, '').replaceAll(tmp, 'the file');
  }
}

/**
 * Downloads the weights into the cache and returns the cached path. The file
 * is streamed to a temporary name in the cache folder and checked before it is
 * renamed into place: against the digest when one is known (`sha256`, `md5`,
 * or Keras' md5 for the default URL), else by loading it as VGG-19 weights
 * (layer names and shapes). On any failure nothing is left behind; temporaries
 * of dead processes for the same file are removed first.
 * Throws StyleError DOWNLOAD (with instructions for a manual download), e.g.
 * `Downloaded file from <url> is not VGG-19 weights: <reason>; the file was not kept`, or ABORTED.
 */
export async function fetchWeights(options: FetchWeightsOptions = {}): Promise<string> {
  const url = options.url ?? KERAS_VGG19_NOTOP.url;
  const fileName = options.fileName ?? KERAS_VGG19_NOTOP.fileName;
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env ?? process.env);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected positive number for timeoutMs but received ${String(timeoutMs)} of type ${typeof timeoutMs}`,
    );
  }
  let expected: { algorithm: DigestAlgorithm; digest: string } | undefined;
  if (options.sha256 !== undefined) expected = { algorithm: 'sha256', digest: options.sha256.toLowerCase() };
  else if (options.md5 !== undefined) expected = { algorithm: 'md5', digest: options.md5.toLowerCase() };
  else if (url === KERAS_VGG19_NOTOP.url) expected = { algorithm: 'md5', digest: KERAS_VGG19_NOTOP.md5 };
  if (expected !== undefined && digestAlgorithm(expected.digest) !== expected.algorithm) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected a ${expected.algorithm} hex digest for ${expected.algorithm} but received ${JSON.stringify(expected.digest)}`,
    );
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const dest = join(cacheDir, fileName);
  const help = weightsInstructions(cacheDir, url, fileName);
  const failure = (what: string, cause?: unknown): StyleError =>
    new StyleError('DOWNLOAD', `${what}\n${help}`, cause === undefined ? { file: dest } : { file: dest, cause });

  if (options.signal?.aborted)
    throw new StyleError('ABORTED', `Download of ${url} aborted`, { cause: options.signal.reason });
  try {
    await mkdir(cacheDir, { recursive: true });
  } catch (e) {
    throw failure(`Cannot create the cache folder ${cacheDir}: ${(e as Error).message}`, e);
  }

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new IdleTimeout(timeoutMs)), timeoutMs);
  };
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const wrap = (what: string, e: unknown): StyleError => {
    if (options.signal?.aborted)
      return new StyleError('ABORTED', `Download of ${url} aborted`, { file: dest, cause: e });
    const reason = controller.signal.reason instanceof IdleTimeout ? controller.signal.reason : e;
    return failure(`${what}: ${reasonOf(reason)}`, e);
  };

  await cleanStaleTemps(dest);
  const tmp = tempPathFor(dest);
  registerTemp(tmp);
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    arm();
    let res: Response;
    try {
      res = await fetchImpl(url, { signal: controller.signal, redirect: 'follow' });
    } catch (e) {
      throw wrap(`Cannot download ${url}`, e);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw failure(
        `Download of ${url} failed: HTTP ${res.status}${res.statusText === '' ? '' : ` ${res.statusText}`}`,
      );
    }
    if (res.body === null) throw failure(`Download of ${url} failed: the response has no body`);
    const length = res.headers.get('content-length');
    const encoding = res.headers.get('content-encoding');
    // With a content coding, Content-Length counts encoded bytes, not the file's.
    const total =
      length !== null && /^\d+$/.test(length) && (encoding === null || encoding === 'identity')
        ? Number(length)
        : undefined;

    try {
      fh = await open(tmp, 'wx');
    } catch (e) {
      throw failure(`Cannot write to the cache folder ${cacheDir}: ${(e as Error).message}`, e);
    }
    const hash = expected === undefined ? undefined : createHash(expected.algorithm);
    let received = 0;
    const reader = res.body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw wrap(
          `Download of ${url} was interrupted after ${received}${total === undefined ? '' : ` of ${total}`} bytes`,
          e,
        );
      }
      if (chunk.done) break;
      arm();
      hash?.update(chunk.value);
      await fh.write(chunk.value);
      received += chunk.value.byteLength;
      options.onProgress?.(received, total);
    }
    if (total !== undefined && received !== total) {
      throw failure(`Download of ${url} was interrupted: received ${received} of ${total} bytes`);
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    if (hash !== undefined && expected !== undefined) {
      const actual = hash.digest('hex');
      if (actual !== expected.digest) {
        throw failure(
          `Checksum mismatch for ${url}: expected ${expected.algorithm} ${expected.digest}, received ${actual} (${received} bytes); the file was not kept`,
        );
      }
    } else {
      const wrong = await notVgg19(tmp);
      if (wrong !== undefined) {
        throw failure(
          `Downloaded file from ${url} is not VGG-19 weights: ${wrong} (${received} bytes); the file was not kept`,
        );
      }
    }
    await rename(tmp, dest);
    return dest;
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    if (e instanceof StyleError) throw e;
    throw wrap(`Download of ${url} failed`, e);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    unregisterTemp(tmp);
  }
}
