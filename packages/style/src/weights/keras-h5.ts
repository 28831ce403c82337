/**
 * Loader for Keras HDF5 weight files (e.g. the VGG19 "notop" file
 * vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5), read with h5wasm.
 *
 * Layouts handled, found by walking each layer's group:
 * - Keras 1/2 `save_weights`: root attribute `layer_names`, group per layer with
 *   attribute `weight_names`, datasets `block1_conv1_W_1:0` / `block1_conv1_b_1:0`
 *   or `block1_conv1/kernel:0` / `block1_conv1/bias:0` (a nested group);
 * - a whole model saved by Keras 2 (`model_weights/<layer>/...`);
 * - Keras 3 `.weights.h5` (`layers/<layer>/vars/0` and `vars/1`).
 * The kernel is the rank-4 dataset ([kh, kw, in, out]), the bias the rank-1 one.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Dataset, Group } from 'h5wasm';
import { StyleError } from '../errors.js';
import type { VggWeights } from './types.js';
import { detectVariant, fromKerasKernel, validateVggWeights, vggLayers } from './vgg.js';

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

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True if the file starts with the HDF5 signature (at 0 or after a user block of 512 * 2^k bytes). */
export async function isHdf5File(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    for (let at = 0; at + 8 <= size && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
      const buf = new Uint8Array(8);
      await fh.read(buf, 0, 8, at);
      if (SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** The useful line of an HDF5 error stack: the innermost "in func(): reason". */
function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const truncated = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(text);
  if (truncated !== null)
    return `truncated file: it is ${truncated[1]} bytes but its HDF5 superblock says ${truncated[2]}`;
  const lines = [...text.matchAll(/ in [A-Za-z0-9_]+\(\): (.*)$/gm)].map((m) => (m[1] as string).trim());
  return lines[lines.length - 1] ?? text.split('\n')[0] ?? 'unknown HDF5 error';
}

function fail(message: string, file: string, cause?: unknown): never {
  throw new StyleError('WEIGHTS', message, cause === undefined ? { file } : { file, cause });
}

function attrStrings(obj: Group, name: string): string[] | undefined {
  const attr = obj.attrs[name];
  if (attr === undefined) return undefined;
  const v = attr.value;
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
}

/** All datasets under a group (depth-first), as [relative path, dataset]. */
function datasets(lib: H5, group: Group, prefix = ''): [string, Dataset][] {
  const out: [string, Dataset][] = [];
  for (const key of group.keys()) {
    const child = group.get(key);
    if (child instanceof lib.Dataset) out.push([prefix + key, child]);
    else if (child instanceof lib.Group) out.push(...datasets(lib, child, `${prefix}${key}/`));
  }
  return out;
}

function asFloat32(ds: Dataset, label: string, file: string): Float32Array {
  let v: unknown;
  try {
    v = ds.value;
  } catch (e) {
    fail(`Cannot read ${label} in ${file}: ${hdf5Reason(e)}`, file, e);
  }
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  fail(`${label} in ${file} has dtype ${ds.dtype}; expected float32 or float64`, file);
}

/** Finds the group holding per-layer groups: the root, `model_weights` or `layers`. */
function layerRoot(lib: H5, f: Group): Group {
  const keys = new Set(f.keys());
  for (const k of ['model_weights', 'layers']) {
    if (keys.has(k) && !keys.has('block1_conv1')) {
      const g = f.get(k);
      if (g instanceof lib.Group) return g;
    }
  }
  return f;
}

/**
 * Loads the VGG conv weights of a Keras HDF5 file. Throws StyleError WEIGHTS
 * for files that are not HDF5, truncated, corrupted or missing a layer.
 */
export async function loadKerasH5Weights(path: string): Promise<VggWeights> {
  const file = path;
  try {
    if (!(await isHdf5File(path))) fail(`${file} is not an HDF5 file (no HDF5 signature)`, file);
  } catch (e) {
    if (e instanceof StyleError) throw e;
    fail(`Cannot read ${file}: ${(e as Error).message}`, file, e);
  }
  const lib = await h5();
  let f: InstanceType<H5['File']>;
  try {
    f = new lib.File(resolve(path), 'r');
  } catch (e) {
    fail(`Cannot open HDF5 file ${file}: ${hdf5Reason(e)}`, file, e);
  }
  try {
    const root = layerRoot(lib, f);
    let names: string[];
    try {
      names = attrStrings(root, 'layer_names') ?? root.keys();
    } catch (e) {
      fail(`Cannot list the layers of ${file}: ${hdf5Reason(e)}`, file, e);
    }
    const variant = detectVariant(names);
    const weights: VggWeights = new Map();
    for (const spec of vggLayers(variant)) {
      let group: Group | undefined;
      try {
        const g = names.includes(spec.name) ? root.get(spec.name) : null;
        if (g instanceof lib.Group) group = g;
      } catch (e) {
        fail(`Cannot read layer ${spec.name} in ${file}: ${hdf5Reason(e)}`, file, e);
      }
      if (group === undefined) fail(`Missing layer ${spec.name} in ${file} (needed by ${variant.toUpperCase()})`, file);
      let found: [string, Dataset][];
      try {
        found = datasets(lib, group);
      } catch (e) {
        fail(`Cannot read layer ${spec.name} in ${file}: ${hdf5Reason(e)}`, file, e);
      }
      const kernels = found.filter(([, d]) => d.shape?.length === 4);
      const biases = found.filter(([, d]) => d.shape?.length === 1);
      if (kernels.length !== 1 || biases.length !== 1) {
        fail(
          `Layer ${spec.name} in ${file} should hold one kernel (rank 4) and one bias (rank 1); found ` +
            (found.length === 0
              ? 'no datasets'
              : found.map(([n, d]) => `${n} [${(d.shape ?? []).join(', ')}]`).join(', ')),
          file,
        );
      }
      const [kName, kDs] = kernels[0] as [string, Dataset];
      const [bName, bDs] = biases[0] as [string, Dataset];
      const shape = kDs.shape as number[];
      const want = [3, 3, spec.inChannels, spec.outChannels];
      if (shape.some((d, i) => d !== want[i])) {
        fail(
          `${spec.name}/${kName} in ${file} has shape [${shape.join(', ')}] but ${variant.toUpperCase()} needs [${want.join(', ')}] ([kh, kw, in, out]; channels-first "th" files are not supported)`,
          file,
        );
      }
      if (bDs.shape?.[0] !== spec.outChannels) {
        fail(
          `${spec.name}/${bName} in ${file} has shape [${(bDs.shape ?? []).join(', ')}] but ${variant.toUpperCase()} needs [${spec.outChannels}]`,
          file,
        );
      }
      const kernel = asFloat32(kDs, `${spec.name}/${kName}`, file);
      const bias = asFloat32(bDs, `${spec.name}/${bName}`, file);
      weights.set(spec.name, fromKerasKernel(spec.name, kernel, shape, bias));
    }
    validateVggWeights(weights, file);
    return weights;
  } catch (e) {
    // Corruption can surface in any HDF5 call; every failure leaves as StyleError WEIGHTS.
    if (e instanceof StyleError) throw e;
    return fail(`Cannot read HDF5 file ${file}: ${hdf5Reason(e)}`, file, e);
  } finally {
    try {
      f.close();
    } catch {
      // Closing a file whose reads failed can fail too; the first error is the one to report.
    }
  }
}
