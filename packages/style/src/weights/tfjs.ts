/**
 * Loader for TF.js layers models (model.json + binary weight shards), float32
 * or quantized by the TF.js converter (uint8/uint16 with scale and min,
 * or float16). Spec: tfjs-converter's weights manifest.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StyleError } from '../errors.js';
import { checkSha256Sums } from './checksums.js';
import { assembleVggWeights, decodeGroup, entryBytes, fail, parseManifest, vggEntries } from './tfjs-manifest.js';
import type { ManifestEntry, ManifestGroup } from './tfjs-manifest.js';
import type { VggWeights } from './types.js';

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

  // Names and shapes first: a wrong model fails before any shard is read.
  const found = vggEntries(groups, file);

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
    decodeGroup(g, buffers.length === 1 ? (buffers[0] as Buffer) : Buffer.concat(buffers), found.needed, values);
  }
  return assembleVggWeights(found, values, file);
}
