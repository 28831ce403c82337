/**
 * TF.js layers models (model.json + binary weight shards) from bytes: the
 * portable half of weights/tfjs.ts, which reads files with node:fs. Float32 or
 * quantized by the TF.js converter (uint8/uint16 with scale and min, float16).
 * Spec: tfjs-converter's weights manifest.
 */
import { StyleError } from '../errors.js';
import type { VggWeights } from '../weights/types.js';
import { detectVariant, fromKerasKernel, validateVggWeights, vggLayers } from '../weights/vgg.js';

/** Bytes of one shard: an ArrayBuffer or a view of one. */
export type Bytes = ArrayBuffer | ArrayBufferView;

/** Shards by the relative path model.json lists them under, or a function fetching one. */
export type ShardSource = Readonly<Record<string, Bytes>> | ((path: string) => Promise<Bytes>);

/** Inputs of {@link parseTfjsWeights}. */
export interface TfjsWeightsInput {
  /** model.json: its text, its bytes, or the parsed object. */
  modelJson: string | Bytes | object;
  /** The weight shards. */
  shards: ShardSource;
  /** Name of model.json in messages (a URL, a file name); default 'model.json'. */
  name?: string;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const STORAGE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint16: 2, uint8: 1, float16: 2, bool: 1 };

function fail(message: string, file: string, cause?: unknown): never {
  throw new StyleError('WEIGHTS', message, cause === undefined ? { file } : { file, cause });
}

/** A Uint8Array over any Bytes (no copy). */
export function toUint8(b: Bytes): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(b);
}

function isBytes(v: unknown): v is Bytes {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function parseManifest(json: unknown, file: string): ManifestGroup[] {
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

function entryBytes(e: ManifestEntry): number {
  return e.shape.reduce((a, b) => a * b, 1) * (STORAGE_BYTES[e.quantization?.dtype ?? e.dtype] as number);
}

let float16Table: Float32Array | undefined;

/** All 65536 float16 values, built once (faster than decoding each element). */
function float16Values(): Float32Array {
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

function decodeEntry(bytes: Uint8Array, e: ManifestEntry): Float32Array {
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
function splitName(name: string): { layer: string; part: string } | undefined {
  const parts = name.replace(/:\d+$/, '').split('/');
  if (parts.length < 2) return undefined;
  return { layer: parts[parts.length - 2] as string, part: parts[parts.length - 1] as string };
}

function parseJson(modelJson: TfjsWeightsInput['modelJson'], file: string): unknown {
  if (typeof modelJson !== 'string' && !isBytes(modelJson)) return modelJson;
  const text = typeof modelJson === 'string' ? modelJson : new TextDecoder().decode(toUint8(modelJson));
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${file} is not valid JSON: ${(e as Error).message}`, file, e);
  }
}

/**
 * The VGG conv layers a manifest must hold, checked by name and shape before
 * any shard is read (a wrong model fails without downloading its weights).
 */
function neededEntries(
  groups: ManifestGroup[],
  file: string,
): { variant: ReturnType<typeof detectVariant>; entries: Map<string, ManifestEntry> } {
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
  }
  return { variant, entries };
}

/** One group's shards concatenated, checked against the manifest's byte count. */
async function groupBytes(group: ManifestGroup, shards: ShardSource, file: string): Promise<Uint8Array> {
  const needed = group.weights.reduce((a, e) => a + entryBytes(e), 0);
  if (group.paths.length === 0 && needed > 0) fail(`${file} lists weights (${needed} bytes) but no shard paths`, file);
  const parts: Uint8Array[] = [];
  for (const p of group.paths) {
    let b: Bytes | undefined;
    try {
      b = typeof shards === 'function' ? await shards(p) : shards[p];
    } catch (e) {
      if (e instanceof StyleError) throw e;
      fail(`Weight shard ${p} listed in ${file} could not be read: ${(e as Error).message}`, p, e);
    }
    if (b === undefined || !isBytes(b)) fail(`Weight shard ${p} listed in ${file} is missing`, p);
    parts.push(toUint8(b));
  }
  const total = parts.reduce((a, b) => a + b.length, 0);
  if (total !== needed) {
    fail(
      `The shards ${group.paths.join(', ')} hold ${total} bytes but the manifest in ${file} needs ${needed} bytes (truncated or corrupted shard)`,
      file,
    );
  }
  if (parts.length === 1) return parts[0] as Uint8Array;
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * The VGG conv weights of a TF.js layers model from model.json and its shards.
 * Throws StyleError WEIGHTS naming the manifest entry, shard or layer at fault.
 */
export async function parseTfjsWeights(input: TfjsWeightsInput): Promise<VggWeights> {
  const file = input.name ?? 'model.json';
  const groups = parseManifest(parseJson(input.modelJson, file), file);
  const { variant, entries } = neededEntries(groups, file);
  const needed = new Set<ManifestEntry>();
  for (const spec of vggLayers(variant)) {
    needed
      .add(entries.get(`${spec.name}/kernel`) as ManifestEntry)
      .add(entries.get(`${spec.name}/bias`) as ManifestEntry);
  }
  const values = new Map<ManifestEntry, Float32Array>();
  for (const g of groups) {
    // A group without VGG tensors is never fetched.
    if (!g.weights.some((e) => needed.has(e))) continue;
    const all = await groupBytes(g, input.shards, file);
    let offset = 0;
    for (const e of g.weights) {
      const size = entryBytes(e);
      if (needed.has(e)) values.set(e, decodeEntry(all.subarray(offset, offset + size), e));
      offset += size;
    }
  }
  const weights: VggWeights = new Map();
  for (const spec of vggLayers(variant)) {
    const kernel = entries.get(`${spec.name}/kernel`) as ManifestEntry;
    const bias = entries.get(`${spec.name}/bias`) as ManifestEntry;
    weights.set(
      spec.name,
      fromKerasKernel(spec.name, values.get(kernel) as Float32Array, kernel.shape, values.get(bias) as Float32Array),
    );
  }
  validateVggWeights(weights, file);
  return weights;
}
