/**
 * `loadWeights(path)`: picks the loader for a path (TF.js model.json, a folder
 * holding one or a single .h5, or a Keras .h5 file).
 */
import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { StyleError } from '../errors.js';
import { isHdf5File, loadKerasH5Weights } from './keras-h5.js';
import { loadTfjsWeights } from './tfjs.js';
import type { VggWeights } from './types.js';

/** Formats {@link loadWeights} reads. */
export type WeightsFormat = 'tfjs-layers' | 'keras-h5';

/** A weights path resolved to one file and its format. */
export interface WeightsSource {
  /** The file to read: a model.json or an .h5 file. */
  file: string;
  /** Its format. */
  format: WeightsFormat;
}

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /** For TF.js models, check files against a SHA256SUMS beside model.json when present (default true). */
  checksums?: boolean;
}

const H5_EXTENSIONS = new Set(['.h5', '.hdf5', '.he5']);

async function startsWithBrace(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    const head = new TextDecoder().decode(buf.subarray(0, bytesRead)).trimStart();
    return head.startsWith('{');
  } finally {
    await fh.close();
  }
}

/**
 * Finds the weights file and its format for a path: a model.json, a folder
 * holding a model.json or exactly one .h5 file, or an .h5 file. Throws
 * StyleError WEIGHTS_MISSING when the path does not exist, WEIGHTS when it
 * holds nothing loadable.
 */
export async function locateWeights(path: string): Promise<WeightsSource> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new StyleError('WEIGHTS_MISSING', `Weights not found: ${path} does not exist`, { file: path, cause: e });
  }
  if (info.isDirectory()) {
    const entries = await readdir(path);
    if (entries.includes('model.json')) return { file: join(path, 'model.json'), format: 'tfjs-layers' };
    const h5 = entries.filter((n) => H5_EXTENSIONS.has(extname(n).toLowerCase())).sort();
    if (h5.length === 1) return { file: join(path, h5[0] as string), format: 'keras-h5' };
    if (h5.length > 1) {
      throw new StyleError(
        'WEIGHTS',
        `The folder ${path} holds several HDF5 files (${h5.join(', ')}); pass the one to use`,
        { file: path },
      );
    }
    throw new StyleError(
      'WEIGHTS',
      `The folder ${path} holds no model.json (TF.js layers model) and no .h5 file (Keras weights)`,
      { file: path },
    );
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.keras') {
    throw new StyleError(
      'WEIGHTS',
      `${path} is a Keras 3 .keras archive (a zip); extract its model.weights.h5 and pass that file`,
      { file: path },
    );
  }
  if (ext === '.json') return { file: path, format: 'tfjs-layers' };
  if (H5_EXTENSIONS.has(ext)) return { file: path, format: 'keras-h5' };
  if (await isHdf5File(path)) return { file: path, format: 'keras-h5' };
  if (await startsWithBrace(path)) return { file: path, format: 'tfjs-layers' };
  throw new StyleError(
    'WEIGHTS',
    `Unsupported weights file ${path}: expected a TF.js model.json, a Keras .h5 file, or a folder holding one`,
    { file: path },
  );
}

/**
 * Loads VGG-16 or VGG-19 conv weights (the variant is detected from the layers
 * present) from a TF.js model.json, a folder holding one or a single .h5 file,
 * or a Keras .h5 file. Kernels come back in ONNX layout [out, in, kh, kw].
 */
export async function loadWeights(path: string, options: LoadWeightsOptions = {}): Promise<VggWeights> {
  const source = await locateWeights(path);
  return source.format === 'tfjs-layers' ? loadTfjsWeights(source.file, options) : loadKerasH5Weights(source.file);
}
