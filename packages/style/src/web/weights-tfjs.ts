/**
 * TF.js layers models (model.json + binary weight shards) from bytes: the
 * portable half of weights/tfjs.ts, which reads files with node:fs. Float32 or
 * quantized by the TF.js converter (uint8/uint16 with scale and min, float16).
 * Spec: tfjs-converter's weights manifest.
 */
import { StyleError } from '../errors.js';
import type { VggWeights } from '../weights/types.js';
import {
  assembleVggWeights,
  decodeGroup,
  entryBytes,
  fail,
  parseManifest,
  vggEntries,
} from '../weights/tfjs-manifest.js';
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
  const found = vggEntries(groups, file);
  const values = new Map<ManifestEntry, Float32Array>();
  for (const g of groups) {
    // A group without VGG tensors is never fetched.
    if (!g.weights.some((e) => found.needed.has(e))) continue;
    decodeGroup(g, await groupBytes(g, input.shards, file), found.needed, values);
  }
  return assembleVggWeights(found, values, file);
}
