/**
 * Where downloaded weights live, and what is downloaded.
 */
import { join } from 'node:path';
import envPaths from 'env-paths';

/**
 * The Keras VGG19 ImageNet "notop" weights (conv layers only, float32, about
 * 80 MB), as `keras.applications.VGG19(include_top=False)` downloads them.
 * URL and digest from keras/src/applications/vgg19.py (WEIGHTS_PATH_NO_TOP and
 * its `file_hash`; Keras treats a 32-digit hash as md5).
 */
export const KERAS_VGG19_NOTOP = {
  /** File name, as Keras caches it. */
  fileName: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
  /** Official download location. */
  url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
  /** md5 published by Keras for the file. */
  md5: '253f8cb515780f3b799900260a226db6',
} as const;

/** Environment variables read by the weights provisioning. */
export type WeightsEnv = Record<string, string | undefined>;

/**
 * The cache folder for Pastiche: `PASTICHE_CACHE_DIR` from `env` if set and
 * non-empty, else the platform's user cache folder as the `env-paths` package
 * gives it (no suffix): `$XDG_CACHE_HOME/pastiche` or `~/.cache/pastiche`
 * (Linux and other Unix), `~/Library/Caches/pastiche` (macOS),
 * `%LOCALAPPDATA%\pastiche\Cache` (Windows). The platform folder follows the
 * running process (its platform, home folder and `XDG_CACHE_HOME` /
 * `LOCALAPPDATA`), not `env`.
 */
export function defaultCacheDir(env: WeightsEnv = process.env): string {
  const explicit = env['PASTICHE_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  return envPaths('pastiche', { suffix: '' }).cache;
}

/** Path of the Keras VGG19 file inside a cache folder. */
export function cachedWeightsPath(cacheDir: string, fileName: string = KERAS_VGG19_NOTOP.fileName): string {
  return join(cacheDir, fileName);
}
