/**
 * TF.js layers models (model.json + binary weight shards) from bytes: the
 * portable half of weights/tfjs.ts, which reads files with node:fs. Float32 or
 * quantized by the TF.js converter (uint8/uint16 with scale and min, float16).
 * Spec: tfjs-converter's weights manifest.
 */
import { StyleError } from '../errors.js';
import type { VggWeights } from '../weights/types.js';
import { detectVariant, fromKerasKernel, validateVggWeights, vggLayers } from '../weights/vgg.js';
import { decodeEntry, entryBytes, fail, parseManifest, splitName } from '../weights/tfjs-manifest.js';
import type { ManifestEntry, ManifestGroup } from '../weights/tfjs-manifest.js';

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

/** A Uint8Array over any Bytes (no copy). */
export function toUint8(b: Bytes): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(b);
}

function isBytes(v: unknown): v is Bytes {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
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
