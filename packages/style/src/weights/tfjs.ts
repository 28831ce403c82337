/**
 * Loader for TF.js layers models (model.json + binary weight shards), float32
 * or quantized by the TF.js converter (uint8/uint16 with scale and min,
 * or float16). Spec: tfjs-converter's weights manifest.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StyleError } from '../errors.js';
import { checkSha256Sums } from './checksums.js';
import { decodeEntry, entryBytes, fail, parseManifest, splitName } from './tfjs-manifest.js';
import type { ManifestEntry, ManifestGroup } from './tfjs-manifest.js';
import type { VggWeights } from './types.js';
import { detectVariant, fromKerasKernel, validateVggWeights, vggLayers } from './vgg.js';

/** Options of {@link loadTfjsWeights}. */
export interface TfjsLoadOptions {
  /** Check files against a SHA256SUMS beside model.json when one is present (default true). */
  checksums?: boolean;
}

/**
 * Checks that the shards of one group exist and add up to what the manifest
 * needs; names the shard at fault (all shards but the last are the same size).
 */
async function checkShards(dir: string, group: ManifestGroup, needed: number, file: string): Promise<void> {
  const sizes: number[] = [];
  for (const p of group.paths) {
    const full = join(dir, p);
    try {
      const s = await stat(full);
      if (!s.isFile()) fail(`Weight shard ${p} listed in ${file} is not a file`, full);
      sizes.push(s.size);
    } catch (e) {
      if (e instanceof StyleError) throw e;
      fail(
        `Weight shard ${p} listed in ${file} is missing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        full,
        e,
      );
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === needed) return;
  const n = sizes.length;
  if (n === 0) fail(`${file} lists weights (${needed} bytes) but no shard paths`, file);
  const shardSize = n > 1 ? Math.max(...sizes.slice(0, -1)) : needed;
  for (let i = 0; i < n - 1; i++) {
    if (sizes[i] !== shardSize) {
      fail(
        `Weight shard ${group.paths[i]} is ${sizes[i]} bytes but ${shardSize} bytes were expected (truncated or corrupted shard)`,
        join(dir, group.paths[i] as string),
      );
    }
  }
  const lastExpected = needed - shardSize * (n - 1);
  const last = group.paths[n - 1] as string;
  if (lastExpected > 0) {
    fail(
      `Weight shard ${last} is ${sizes[n - 1]} bytes but ${lastExpected} bytes were expected (the manifest needs ${needed} bytes in ${n} shard(s))`,
      join(dir, last),
    );
  }
  fail(
    `The shards ${group.paths.join(', ')} hold ${total} bytes but the manifest in ${file} needs ${needed} bytes`,
    file,
  );
}

/**
 * Loads the VGG conv weights of a TF.js layers model from its model.json.
 * Throws StyleError WEIGHTS naming the file, shard or layer at fault.
 */
export async function loadTfjsWeights(modelJsonPath: string, options: TfjsLoadOptions = {}): Promise<VggWeights> {
  const file = modelJsonPath;
  const dir = dirname(modelJsonPath);
  let text: string;
  try {
    text = await readFile(modelJsonPath, 'utf8');
  } catch (e) {
    fail(`Cannot read ${file}: ${(e as Error).message}`, file, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`${file} is not valid JSON: ${(e as Error).message}`, file, e);
  }
  const groups = parseManifest(json, file);

  // Check names and shapes from the manifest first: a wrong model fails before any shard is read.
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

  for (const g of groups)
    await checkShards(
      dir,
      g,
      g.weights.reduce((a, e) => a + entryBytes(e), 0),
      file,
    );

  if (options.checksums ?? true) {
    const listed = [basename(modelJsonPath), ...groups.flatMap((g) => g.paths)];
    const sums = await checkSha256Sums(dir, listed);
    const bad = sums?.mismatched[0];
    if (bad !== undefined) {
      fail(
        `Checksum mismatch for ${bad.name}: SHA256SUMS says ${bad.expected}, file has ${bad.actual}`,
        join(dir, bad.name),
      );
    }
  }

  const values = new Map<ManifestEntry, Float32Array>();
  for (const g of groups) {
    const buffers = await Promise.all(g.paths.map((p) => readFile(join(dir, p))));
    const all = buffers.length === 1 ? (buffers[0] as Buffer) : Buffer.concat(buffers);
    let offset = 0;
    for (const e of g.weights) {
      const size = entryBytes(e);
      // Tensors other than the VGG convs' are skipped by size.
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
