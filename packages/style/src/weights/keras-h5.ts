/**
 * Loader for Keras HDF5 weight files on disk (e.g. the VGG19 "notop" file
 * vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5), read with h5wasm/node.
 * The layouts and the reading itself are in keras-h5-layers.ts, shared with the
 * browser loader.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StyleError } from '../errors.js';
import { hdf5Reason, hdf5SignatureOffsets, isHdf5SignatureAt, readKerasLayers } from './keras-h5-layers.js';
import type { VggWeights } from './types.js';
import { failWeights } from './vgg.js';

type H5 = typeof import('h5wasm/node').default;
let h5Promise: Promise<H5> | undefined;

/** h5wasm, loaded on first use (its wasm is 4 MB) with HDF5 errors turned into exceptions instead of stderr dumps. */
function h5(): Promise<H5> {
  h5Promise ??= (async () => {
    const mod = (await import('h5wasm/node')).default;
    const module = await mod.ready;
    module.activate_throwing_error_handler();
    return mod;
  })();
  return h5Promise;
}

/** True if the file starts with the HDF5 signature (at 0 or after a user block of 512 * 2^k bytes). */
export async function isHdf5File(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(8);
    for (const at of hdf5SignatureOffsets((await fh.stat()).size)) {
      await fh.read(buf, 0, 8, at);
      if (isHdf5SignatureAt(buf)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/**
 * Loads the VGG conv weights of a Keras HDF5 file. Throws StyleError WEIGHTS
 * for files that are not HDF5, truncated, corrupted or missing a layer.
 */
export async function loadKerasH5Weights(path: string): Promise<VggWeights> {
  const file = path;
  try {
    if (!(await isHdf5File(path))) failWeights(`${file} is not an HDF5 file (no HDF5 signature)`, file);
  } catch (e) {
    if (e instanceof StyleError) throw e;
    failWeights(`Cannot read ${file}: ${(e as Error).message}`, file, e);
  }
  const lib = await h5();
  let f: InstanceType<H5['File']>;
  try {
    f = new lib.File(resolve(path), 'r');
  } catch (e) {
    failWeights(`Cannot open HDF5 file ${file}: ${hdf5Reason(e)}`, file, e);
  }
  try {
    return readKerasLayers(lib, f, file);
  } finally {
    try {
      f.close();
    } catch {
      // Closing a file whose reads failed can fail too; the first error is the one to report.
    }
  }
}
