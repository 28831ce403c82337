/**
 * The TF.js layers-model weights manifest, portable (no node:*): its entries, how many
 * bytes each takes, and how to decode one (float32, float16, uint8/uint16 quantized).
 * Shared by the Node loader (weights/tfjs.ts) and the browser one (web/weights-tfjs.ts),
 * which differ only in where the bytes come from.
 */
import type { VggWeights } from './types.js';
import {
  type VggWeightsVariant,
  detectVariant,
  failWeights as fail,
  fromKerasKernel,
  validateVggWeights,
  vggLayers,
} from './vgg.js';

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

export const STORAGE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint16: 2, uint8: 1, float16: 2, bool: 1 };

/** StyleError WEIGHTS naming `file` (vgg.ts's failWeights, under the name the loaders use). */
export { fail };

export function parseManifest(json: unknown, file: string): ManifestGroup[] {
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) fail(`${file} has no weightsManifest array; is it a TF.js layers model?`, file);
  manifest.forEach((g: unknown, gi) => {
    const group = g as Partial<ManifestGroup> | null;
    if (
      group === null ||
      !Array.isArray(group.paths) ||
      !Array.isArray(group.weights) ||
      group.paths.some((p) => typeof p !== 'string')
    ) {
      fail(`weightsManifest[${gi}] in ${file} needs "paths" (strings) and "weights" arrays`, file);
    }
    group.weights.forEach((e: unknown, ei) => {
      const entry = e as Partial<ManifestEntry> | null;
      const at = `weightsManifest[${gi}].weights[${ei}]`;
      if (entry === null || typeof entry.name !== 'string' || typeof entry.dtype !== 'string')
        fail(`${at} in ${file} needs a "name" and a "dtype"`, file);
      if (!Array.isArray(entry.shape) || entry.shape.some((d) => !Number.isInteger(d) || d < 0)) {
        fail(`${at} (${entry.name}) in ${file} has an invalid shape ${JSON.stringify(entry.shape)}`, file);
      }
      const storage = entry.quantization?.dtype ?? entry.dtype;
      if (STORAGE_BYTES[storage] === undefined)
        fail(`${at} (${entry.name}) in ${file} has unsupported dtype ${storage}`, file);
      const q = entry.quantization;
      if (
        q !== undefined &&
        (q.dtype === 'uint8' || q.dtype === 'uint16') &&
        (typeof q.scale !== 'number' || typeof q.min !== 'number')
      ) {
        fail(`${at} (${entry.name}) in ${file} is quantized to ${q.dtype} without a numeric scale and min`, file);
      }
    });
  });
  return manifest as ManifestGroup[];
}

export function entryBytes(e: ManifestEntry): number {
  return e.shape.reduce((a, b) => a * b, 1) * (STORAGE_BYTES[e.quantization?.dtype ?? e.dtype] as number);
}

let float16Table: Float32Array | undefined;

/** All 65536 float16 values, built once (faster than decoding each element). */
export function float16Values(): Float32Array {
  if (float16Table === undefined) {
    float16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const f = h & 0x3ff;
      float16Table[h] =
        e === 0 ? s * f * 2 ** -24 : e === 31 ? (f === 0 ? s * Infinity : NaN) : s * (1 + f / 1024) * 2 ** (e - 15);
    }
  }
  return float16Table;
}

export function decodeEntry(bytes: Uint8Array, e: ManifestEntry): Float32Array {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = e.quantization;
  const storage = q?.dtype ?? e.dtype;
  if (storage === 'uint8' || storage === 'uint16') {
    // value = q * scale + min (min and scale absent only for unquantized ints)
    const scale = q?.scale ?? 1;
    const min = q?.min ?? 0;
    if (storage === 'uint8') for (let i = 0; i < n; i++) out[i] = (bytes[i] as number) * scale + min;
    else for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true) * scale + min;
  } else if (storage === 'float16') {
    const table = float16Values();
    for (let i = 0; i < n; i++) out[i] = table[dv.getUint16(2 * i, true)] as number;
  } else if (storage === 'int32') {
    for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
  } else if (storage === 'bool') {
    for (let i = 0; i < n; i++) out[i] = bytes[i] === 0 ? 0 : 1;
  } else {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  }
  return out;
}

/** Splits a TF.js weight name ('block1_conv1/kernel', 'vgg19/block1_conv1/kernel:0') into layer and part. */
export function splitName(name: string): { layer: string; part: string } | undefined {
  const parts = name.replace(/:\d+$/, '').split('/');
  if (parts.length < 2) return undefined;
  return { layer: parts[parts.length - 2] as string, part: parts[parts.length - 1] as string };
}

/** The VGG conv tensors a manifest lists, found by name and checked by shape. */
export interface VggEntries {
  readonly variant: VggWeightsVariant;
  /** 'block1_conv1/kernel' -> its manifest entry. */
  readonly entries: ReadonlyMap<string, ManifestEntry>;
  /** The entries to decode; every other tensor is skipped by size. */
  readonly needed: ReadonlySet<ManifestEntry>;
}

/**
 * The VGG conv layers a manifest must hold, checked by name and shape before
 * any shard is read, so a wrong model fails without reading (or downloading)
 * its weights. Throws StyleError WEIGHTS naming the layer and `file`.
 */
export function vggEntries(groups: readonly ManifestGroup[], file: string): VggEntries {
  const entries = new Map<string, ManifestEntry>();
  for (const g of groups) {
    for (const e of g.weights) {
      const split = splitName(e.name);
      if (
        split !== undefined &&
        (split.part === 'kernel' || split.part === 'bias') &&
        /^block\d_conv\d$/.test(split.layer)
      ) {
        entries.set(`${split.layer}/${split.part}`, e);
      }
    }
  }
  const layerNames = [...entries.keys()].filter((k) => k.endsWith('/kernel')).map((k) => k.slice(0, -'/kernel'.length));
  const variant = detectVariant(layerNames);
  const needed = new Set<ManifestEntry>();
  for (const spec of vggLayers(variant)) {
    const kernel = entries.get(`${spec.name}/kernel`);
    const bias = entries.get(`${spec.name}/bias`);
    if (kernel === undefined && bias === undefined)
      fail(`Missing layer ${spec.name} in ${file} (needed by ${variant.toUpperCase()})`, file);
    if (kernel === undefined) fail(`Missing ${spec.name}/kernel in ${file}`, file);
    if (bias === undefined) fail(`Missing ${spec.name}/bias in ${file}`, file);
    const want = [3, 3, spec.inChannels, spec.outChannels];
    if (kernel.shape.length !== 4 || kernel.shape.some((d, i) => d !== want[i])) {
      fail(
        `${spec.name}/kernel in ${file} has shape [${kernel.shape.join(', ')}] but ${variant.toUpperCase()} needs [${want.join(', ')}] ([kh, kw, in, out])`,
        file,
      );
    }
    if (bias.shape.length !== 1 || bias.shape[0] !== spec.outChannels) {
      fail(
        `${spec.name}/bias in ${file} has shape [${bias.shape.join(', ')}] but ${variant.toUpperCase()} needs [${spec.outChannels}]`,
        file,
      );
    }
    needed.add(kernel).add(bias);
  }
  return { variant, entries, needed };
}

/** Decodes the needed entries of one group from its concatenated shard bytes into `values`. */
export function decodeGroup(
  group: ManifestGroup,
  all: Uint8Array,
  needed: ReadonlySet<ManifestEntry>,
  values: Map<ManifestEntry, Float32Array>,
): void {
  let offset = 0;
  for (const e of group.weights) {
    const size = entryBytes(e);
    if (needed.has(e)) values.set(e, decodeEntry(all.subarray(offset, offset + size), e));
    offset += size;
  }
}

/** The VGG weights from decoded entries, validated (StyleError WEIGHTS naming `file`). */
export function assembleVggWeights(
  found: VggEntries,
  values: ReadonlyMap<ManifestEntry, Float32Array>,
  file: string,
): VggWeights {
  const weights: VggWeights = new Map();
  for (const spec of vggLayers(found.variant)) {
    const kernel = found.entries.get(`${spec.name}/kernel`) as ManifestEntry;
    const bias = found.entries.get(`${spec.name}/bias`) as ManifestEntry;
    weights.set(
      spec.name,
      fromKerasKernel(spec.name, values.get(kernel) as Float32Array, kernel.shape, values.get(bias) as Float32Array),
    );
  }
  validateVggWeights(weights, file);
  return weights;
}
