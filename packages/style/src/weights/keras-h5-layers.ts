/**
 * The portable half of the Keras HDF5 loaders: finding the VGG layers in an
 * opened h5wasm file and turning HDF5's error stacks into one-line reasons.
 * weights/keras-h5.ts (Node, opens paths with h5wasm/node) and
 * web/weights-h5.ts (browser, bytes in h5wasm's in-memory file system) differ
 * only in how they open the file, so everything after that lives here once.
 *
 * Layouts handled, found by walking each layer's group:
 * - Keras 1/2 `save_weights`: root attribute `layer_names`, group per layer with
 *   datasets `block1_conv1_W_1:0` / `block1_conv1_b_1:0` or `block1_conv1/kernel:0`
 *   / `block1_conv1/bias:0` (a nested group);
 * - a whole model saved by Keras 2 (`model_weights/<layer>/...`);
 * - Keras 3 `.weights.h5` (`layers/<layer>/vars/0` and `vars/1`).
 * The kernel is the rank-4 dataset ([kh, kw, in, out]), the bias the rank-1 one.
 */
import type { Dataset, Group } from 'h5wasm';
import { StyleError } from '../errors.js';
import type { VggWeights } from './types.js';
import { detectVariant, failWeights, fromKerasKernel, validateVggWeights, vggLayers } from './vgg.js';

/**
 * The h5wasm classes used for `instanceof` checks. h5wasm's Node and browser
 * builds export distinct but identically shaped classes, so the loaders pass
 * theirs in.
 */
export interface H5Classes {
  readonly Dataset: abstract new (...args: never[]) => Dataset;
  readonly Group: abstract new (...args: never[]) => Group;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Byte offsets where an HDF5 superblock may start in a file of `size` bytes:
 * 0, then after a user block of 512 * 2^k bytes, up to 1 MiB (the HDF5 rule).
 */
export function hdf5SignatureOffsets(size: number): number[] {
  const out: number[] = [];
  for (let at = 0; at + 8 <= size && at <= 1 << 20; at = at === 0 ? 512 : at * 2) out.push(at);
  return out;
}

/** True if the 8 bytes of `bytes` from `at` (default 0) are the HDF5 signature. */
export function isHdf5SignatureAt(bytes: Uint8Array, at = 0): boolean {
  return SIGNATURE.every((s, i) => bytes[at + i] === s);
}

/** The useful line of an HDF5 error stack: the innermost "in func(): reason". */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const truncated = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(text);
  if (truncated !== null)
    return `truncated file: it is ${truncated[1]} bytes but its HDF5 superblock says ${truncated[2]}`;
  const lines = [...text.matchAll(/ in [A-Za-z0-9_]+\(\): (.*)$/gm)].map((m) => (m[1] as string).trim());
  return lines[lines.length - 1] ?? text.split('\n')[0] ?? 'unknown HDF5 error';
}

function attrStrings(obj: Group, name: string): string[] | undefined {
  const attr = obj.attrs[name];
  if (attr === undefined) return undefined;
  const v = attr.value;
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
}

/** All datasets under a group (depth-first), as [relative path, dataset]. */
function datasets(lib: H5Classes, group: Group, prefix = ''): [string, Dataset][] {
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
    failWeights(`Cannot read ${label} in ${file}: ${hdf5Reason(e)}`, file, e);
  }
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  failWeights(`${label} in ${file} has dtype ${ds.dtype}; expected float32 or float64`, file);
}

/** Finds the group holding per-layer groups: the root, `model_weights` or `layers`. */
function layerRoot(lib: H5Classes, f: Group): Group {
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
 * The VGG conv weights of an opened Keras HDF5 file (`file` names it in
 * messages). Throws StyleError WEIGHTS for a missing layer, a wrong shape or
 * dtype, and for any HDF5 failure on the way (corruption can surface in any
 * call), so callers only open and close the file.
 */
export function readKerasLayers(lib: H5Classes, f: Group, file: string): VggWeights {
  try {
    const root = layerRoot(lib, f);
    let names: string[];
    try {
      names = attrStrings(root, 'layer_names') ?? root.keys();
    } catch (e) {
      failWeights(`Cannot list the layers of ${file}: ${hdf5Reason(e)}`, file, e);
    }
    const variant = detectVariant(names);
    const weights: VggWeights = new Map();
    for (const spec of vggLayers(variant)) {
      let group: Group | undefined;
      try {
        const g = names.includes(spec.name) ? root.get(spec.name) : null;
        if (g instanceof lib.Group) group = g;
      } catch (e) {
        failWeights(`Cannot read layer ${spec.name} in ${file}: ${hdf5Reason(e)}`, file, e);
      }
      if (group === undefined)
        failWeights(`Missing layer ${spec.name} in ${file} (needed by ${variant.toUpperCase()})`, file);
      let found: [string, Dataset][];
      try {
        found = datasets(lib, group);
      } catch (e) {
        failWeights(`Cannot read layer ${spec.name} in ${file}: ${hdf5Reason(e)}`, file, e);
      }
      const kernels = found.filter(([, d]) => d.shape?.length === 4);
      const biases = found.filter(([, d]) => d.shape?.length === 1);
      if (kernels.length !== 1 || biases.length !== 1) {
        failWeights(
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
        failWeights(
          `${spec.name}/${kName} in ${file} has shape [${shape.join(', ')}] but ${variant.toUpperCase()} needs [${want.join(', ')}] ([kh, kw, in, out]; channels-first "th" files are not supported)`,
          file,
        );
      }
      if (bDs.shape?.[0] !== spec.outChannels) {
        failWeights(
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
    if (e instanceof StyleError) throw e;
    return failWeights(`Cannot read HDF5 file ${file}: ${hdf5Reason(e)}`, file, e);
  }
}
