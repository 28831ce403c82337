/**
 * File digests: streaming md5/sha256 and `SHA256SUMS` files as written by
 * `sha256sum` (`<64 hex>  <name>` per line, `*` before the name in binary mode).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StyleError } from '../errors.js';

/** Digest algorithms used for weights files. */
export type DigestAlgorithm = 'md5' | 'sha256';

/** Lower-case hex digest of a file, read as a stream. */
export async function hashFile(path: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The algorithm a hex digest was made with, from its length (32 -> md5,
 * 64 -> sha256), as Keras' `get_file(file_hash=...)` decides it.
 */
export function digestAlgorithm(digest: string): DigestAlgorithm {
  if (/^[0-9a-fA-F]{64}$/.test(digest)) return 'sha256';
  if (/^[0-9a-fA-F]{32}$/.test(digest)) return 'md5';
  throw new StyleError(
    'INVALID_OPTION',
    `Expected a 32-digit md5 or 64-digit sha256 hex digest but received ${JSON.stringify(digest)}`,
  );
}

/** Parses a SHA256SUMS text into file name -> lower-case sha256. */
export function parseSha256Sums(text: string, file?: string): Map<string, string> {
  const sums = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (m === null) {
      throw new StyleError(
        'WEIGHTS',
        `Malformed line ${i + 1} in ${file ?? 'SHA256SUMS'}: ${JSON.stringify(line.slice(0, 80))}`,
        file === undefined ? {} : { file },
      );
    }
    sums.set((m[2] as string).replace(/^\.\//, ''), (m[1] as string).toLowerCase());
  });
  return sums;
}

/** Result of checking a folder's SHA256SUMS. */
export interface Sha256SumsResult {
  /** Files whose digest matched. */
  checked: string[];
  /** Listed files that are absent. */
  missing: string[];
  /** Files whose digest differs (name, expected, actual). */
  mismatched: { name: string; expected: string; actual: string }[];
}

/**
 * Checks every file listed in `dir/SHA256SUMS`, or only `only` when given.
 * Returns undefined when the folder has no SHA256SUMS.
 */
export async function checkSha256Sums(dir: string, only?: readonly string[]): Promise<Sha256SumsResult | undefined> {
  const sumsPath = join(dir, 'SHA256SUMS');
  let text: string;
  try {
    text = await readFile(sumsPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StyleError('WEIGHTS', `Cannot read ${sumsPath}: ${(e as Error).message}`, { file: sumsPath, cause: e });
  }
  const sums = parseSha256Sums(text, sumsPath);
  const result: Sha256SumsResult = { checked: [], missing: [], mismatched: [] };
  const names = only ?? [...sums.keys()];
  for (const name of names) {
    const expected = sums.get(name);
    if (expected === undefined) continue;
    let actual: string;
    try {
      actual = await hashFile(join(dir, name), 'sha256');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        result.missing.push(name);
        continue;
      }
      throw new StyleError('WEIGHTS', `Cannot read ${join(dir, name)}: ${(e as Error).message}`, {
        file: join(dir, name),
        cause: e,
      });
    }
    if (actual === expected) result.checked.push(name);
    else result.mismatched.push({ name, expected, actual });
  }
  return result;
}
