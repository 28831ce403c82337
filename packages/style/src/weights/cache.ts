/**
 * Where downloaded weights live, and what is downloaded.
 */
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';

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
 * The platform's cache folder for Pastiche: `PASTICHE_CACHE_DIR` if set, else
 * `$XDG_CACHE_HOME/pastiche` or `~/.cache/pastiche` (Linux and other Unix),
 * `~/Library/Caches/pastiche` (macOS), `%LOCALAPPDATA%\pastiche\Cache` (Windows).
 * `platform` and `home` default to the running process's.
 */
export function defaultCacheDir(
  env: WeightsEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const explicit = env['PASTICHE_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  if (platform === 'win32') {
    const local = env['LOCALAPPDATA'];
    return win32.join(
      local !== undefined && local !== '' ? local : win32.join(home, 'AppData', 'Local'),
      'pastiche',
      'Cache',
    );
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'pastiche');
  // XDG says relative values are invalid and must be ignored.
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg?.startsWith('/')) return posix.join(xdg, 'pastiche');
  return posix.join(home, '.cache', 'pastiche');
}

/** Path of the Keras VGG19 file inside a cache folder. */
export function cachedWeightsPath(cacheDir: string, fileName: string = KERAS_VGG19_NOTOP.fileName): string {
  return join(cacheDir, fileName);
}
