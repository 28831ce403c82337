/**
 * Keras HDF5 weight files from bytes, with h5wasm's browser build (HDF5 in
 * WebAssembly, its 4 MB wasm inlined, loaded on first use): the portable half
 * of weights/keras-h5.ts, which opens paths with h5wasm/node. The bytes are
 * written to h5wasm's in-memory file system, read, and removed.
 *
 * Layouts handled, as in weights/keras-h5.ts: Keras 1/2 `save_weights`
 * (`layer_names` attribute, one group per layer), a whole Keras 2 model
 * (`model_weights/<layer>`), Keras 3 `.weights.h5` (`layers/<layer>/vars`).
 */
import type { Dataset, Group } from 'h5wasm';
import { StyleError } from '../errors.js';
import type { VggWeights } from '../weights/types.js';
import { detectVariant, fromKerasKernel, validateVggWeights, vggLayers } from '../weights/vgg.js';
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

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True if `bytes` start with the HDF5 signature (at 0 or after a user block of 512 * 2^k bytes). */
export function isHdf5(bytes: Bytes): boolean {
  const b = toUint8(bytes);
  for (let at = 0; at + 8 <= b.length && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((s, i) => b[at + i] === s)) return true;
  }
  return false;
}

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
  const v: unknown = ds.value;
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  return fail(`${label} in ${file} has dtype ${ds.dtype}; expected float32 or float64`, file);
}

function layerNames(root: Group): string[] {
  const attr = root.attrs['layer_names'];
  if (attr === undefined) return root.keys();
  const v = attr.value;
  return (Array.isArray(v) ? v : [v]).map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
}

function readLayers(lib: H5, f: Group, file: string): VggWeights {
  let root: Group = f;
  const keys = new Set(f.keys());
  for (const k of ['model_weights', 'layers']) {
    const g = keys.has(k) && !keys.has('block1_conv1') ? f.get(k) : null;
    if (g instanceof lib.Group) root = g;
  }
  const names = layerNames(root);
  const variant = detectVariant(names);
  const weights: VggWeights = new Map();
  for (const spec of vggLayers(variant)) {
    const group = names.includes(spec.name) ? root.get(spec.name) : null;
    if (!(group instanceof lib.Group))
      fail(`Missing layer ${spec.name} in ${file} (needed by ${variant.toUpperCase()})`, file);
    const found = datasets(lib, group);
    const kernels = found.filter(([, d]) => d.shape?.length === 4);
    const biases = found.filter(([, d]) => d.shape?.length === 1);
    if (kernels.length !== 1 || biases.length !== 1) {
      fail(
        `Layer ${spec.name} in ${file} should hold one kernel (rank 4) and one bias (rank 1); found ${
          found.length === 0 ? 'no datasets' : found.map(([n, d]) => `${n} [${(d.shape ?? []).join(', ')}]`).join(', ')
        }`,
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
    weights.set(
      spec.name,
      fromKerasKernel(
        spec.name,
        asFloat32(kDs, `${spec.name}/${kName}`, file),
        shape,
        asFloat32(bDs, `${spec.name}/${bName}`, file),
      ),
    );
  }
  validateVggWeights(weights, file);
  return weights;
}

let sequence = 0;

/**
 * The VGG conv weights of a Keras HDF5 file's bytes (`name` appears in messages,
 * default 'weights.h5'). Throws StyleError WEIGHTS for bytes that are not HDF5,
 * truncated, corrupted or missing a layer.
 */
export async function parseKerasH5Weights(bytes: Bytes, name = 'weights.h5'): Promise<VggWeights> {
  if (!isHdf5(bytes)) fail(`${name} is not an HDF5 file (no HDF5 signature)`, name);
  const lib = await h5();
  const fs = lib.FS as NonNullable<H5['FS']>;
  const path = `/pastiche-weights-${++sequence}.h5`;
  fs.writeFile(path, toUint8(bytes));
  let f: InstanceType<H5['File']> | undefined;
  try {
    try {
      f = new lib.File(path, 'r');
    } catch (e) {
      fail(`Cannot open HDF5 file ${name}: ${hdf5Reason(e)}`, name, e);
    }
    return readLayers(lib, f, name);
  } catch (e) {
    if (e instanceof StyleError) throw e;
    return fail(`Cannot read HDF5 file ${name}: ${hdf5Reason(e)}`, name, e);
  } finally {
    try {
      f?.close();
    } catch {
      // A file whose reads failed may fail to close; the first error is the one to report.
    }
    fs.unlink(path);
  }
}
