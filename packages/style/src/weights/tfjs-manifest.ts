/**
 * The TF.js layers-model weights manifest, portable (no node:*): its entries, how many
 * bytes each takes, and how to decode one (float32, float16, uint8/uint16 quantized).
 * Shared by the Node loader (weights/tfjs.ts) and the browser one (web/weights-tfjs.ts),
 * which differ only in where the bytes come from.
 */
import { StyleError } from '../errors.js';

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

export function fail(message: string, file: string, cause?: unknown): never {
  throw new StyleError('WEIGHTS', message, cause === undefined ? { file } : { file, cause });
}

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
