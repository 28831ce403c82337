/**
 * Finding the weights to use: --weights flag, PASTICHE_WEIGHTS, the cache,
 * then a download on first use.
 */
import { stat } from 'node:fs/promises';
import { StyleError, isStyleError } from '../errors.js';
import { KERAS_VGG19_NOTOP, cachedWeightsPath, defaultCacheDir } from './cache.js';
import type { WeightsEnv } from './cache.js';
import { fetchWeights, weightsInstructions } from './fetch.js';

/** Options of {@link resolveWeights}. */
export interface ResolveWeightsOptions {
  /** Explicit weights path (the --weights flag); wins over everything else. */
  weights?: string;
  /** Environment (default process.env); PASTICHE_WEIGHTS, PASTICHE_CACHE_DIR, XDG_CACHE_HOME, LOCALAPPDATA are read. */
  env?: Record<string, string | undefined>;
  /** Cache folder (default {@link defaultCacheDir}(env)). */
  cacheDir?: string;
  /** Download the Keras file when nothing else is found (default true). */
  download?: boolean;
  /** URL to download (default the Keras VGG19 notop file). */
  url?: string;
  /** Expected sha256 of the download (hex). */
  sha256?: string;
  /** Expected md5 of the download (hex; default Keras' digest for the default URL). */
  md5?: string;
  /** Download progress: bytes received and total (undefined when unknown). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** fetch implementation (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** Idle timeout of the download in milliseconds (default 60000). */
  timeoutMs?: number;
  /** Cancels a download. */
  signal?: AbortSignal;
}

/** Where {@link resolveWeights} found the weights. */
export type WeightsOrigin = 'flag' | 'env' | 'cache' | 'download';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the weights path to load, in this order: `weights` (the --weights
 * flag), `PASTICHE_WEIGHTS`, the Keras file in the cache folder, and finally
 * a download into the cache. Throws StyleError WEIGHTS_MISSING, with
 * instructions for supplying the file by hand, when none of these works.
 */
export async function resolveWeights(o: ResolveWeightsOptions = {}): Promise<{ path: string; source: WeightsOrigin }> {
  const env: WeightsEnv = o.env ?? process.env;
  if (o.weights !== undefined) {
    if (!(await exists(o.weights))) {
      throw new StyleError('WEIGHTS_MISSING', `Weights not found: --weights ${o.weights} does not exist`, {
        file: o.weights,
      });
    }
    return { path: o.weights, source: 'flag' };
  }
  const fromEnv = env['PASTICHE_WEIGHTS'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(await exists(fromEnv))) {
      throw new StyleError('WEIGHTS_MISSING', `Weights not found: PASTICHE_WEIGHTS=${fromEnv} does not exist`, {
        file: fromEnv,
      });
    }
    return { path: fromEnv, source: 'env' };
  }
  const cacheDir = o.cacheDir ?? defaultCacheDir(env);
  const cached = cachedWeightsPath(cacheDir);
  try {
    const s = await stat(cached);
    if (s.isFile() && s.size > 0) return { path: cached, source: 'cache' };
  } catch {
    // not cached yet
  }
  const url = o.url ?? KERAS_VGG19_NOTOP.url;
  const help = weightsInstructions(cacheDir, url);
  if (o.download === false) {
    throw new StyleError(
      'WEIGHTS_MISSING',
      `No VGG-19 weights found (no --weights, no PASTICHE_WEIGHTS, nothing in the cache ${cacheDir}) and downloads are off.\n${help}`,
    );
  }
  try {
    const path = await fetchWeights({
      url,
      cacheDir,
      env,
      ...(o.sha256 === undefined ? {} : { sha256: o.sha256 }),
      ...(o.md5 === undefined ? {} : { md5: o.md5 }),
      ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
      ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
    return { path, source: 'download' };
  } catch (e) {
    if (!isStyleError(e, 'DOWNLOAD')) throw e;
    // The DOWNLOAD message already ends with the instructions; keep its first line as the reason.
    const reason = e.message.split('\n')[0] ?? e.message;
    throw new StyleError('WEIGHTS_MISSING', `No VGG-19 weights found and the download failed. ${reason}\n${help}`, {
      cause: e,
    });
  }
}
