/**
 * Keras HDF5 weight files from bytes, with h5wasm's browser build (HDF5 in
 * WebAssembly, its 4 MB wasm inlined, loaded on first use). The bytes are
 * written to h5wasm's in-memory file system, read with the loader shared with
 * Node (weights/keras-h5-layers.ts), and removed.
 */
import { hdf5Reason, hdf5SignatureOffsets, isHdf5SignatureAt, readKerasLayers } from '../weights/keras-h5-layers.js';
import type { VggWeights } from '../weights/types.js';
import { failWeights } from '../weights/vgg.js';
import { type Bytes, toUint8 } from './weights-tfjs.js';

type H5 = typeof import('h5wasm');
let h5Promise: Promise<H5> | undefined;

function h5(): Promise<H5> {
  h5Promise ??= (async () => {
    const mod = await import('h5wasm');
    const module = await mod.ready;
    // HDF5 errors become exceptions instead of console dumps.
    module.activate_throwing_error_handler();
    return mod;
  })();
  return h5Promise;
}

/** True if `bytes` start with the HDF5 signature (at 0 or after a user block of 512 * 2^k bytes). */
export function isHdf5(bytes: Bytes): boolean {
  const b = toUint8(bytes);
  return hdf5SignatureOffsets(b.length).some((at) => isHdf5SignatureAt(b, at));
}

let sequence = 0;

/**
 * The VGG conv weights of a Keras HDF5 file's bytes (`name` appears in messages,
 * default 'weights.h5'). Throws StyleError WEIGHTS for bytes that are not HDF5,
 * truncated, corrupted or missing a layer.
 */
export async function parseKerasH5Weights(bytes: Bytes, name = 'weights.h5'): Promise<VggWeights> {
  if (!isHdf5(bytes)) failWeights(`${name} is not an HDF5 file (no HDF5 signature)`, name);
  const lib = await h5();
  const fs = lib.FS as NonNullable<H5['FS']>;
  const path = `/pastiche-weights-${++sequence}.h5`;
  fs.writeFile(path, toUint8(bytes));
  let f: InstanceType<H5['File']> | undefined;
  try {
    try {
      f = new lib.File(path, 'r');
    } catch (e) {
      failWeights(`Cannot open HDF5 file ${name}: ${hdf5Reason(e)}`, name, e);
    }
    return readKerasLayers(lib, f, name);
  } finally {
    try {
      f?.close();
    } catch {
      // A file whose reads failed may fail to close; the first error is the one to report.
    }
    fs.unlink(path);
  }
}
