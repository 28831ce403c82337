/**
 * Writing a stream of records or Examples into a set of shard files named as
 * TensorFlow does: `prefix-00000-of-00010` (+ optional suffix).
 *
 * Two ways to split:
 * - `numShards: N` (default 1): round-robin, record i goes to shard i mod N.
 *   A stream's length is not known in advance, so contiguous splitting would
 *   need two passes; round-robin needs one, keeps shards within one record of
 *   each other, and reading the shards back with interleave(cycleLength N,
 *   blockLength 1) restores the original order.
 * - `maxShardBytes: B`: contiguous; a new shard starts when the next record
 *   would take the current one past B framed (uncompressed) bytes. The count
 *   is known only at the end.
 *
 * Atomic: every shard is written under a registered temporary name beside the
 * prefix (`.<prefix base>.<pid>.<random>.tmp`, see ./atomic.ts); only when all
 * are complete are they renamed to their final names. Temporaries of dead
 * processes for the same prefix are removed first.
 * On any failure (source error, I/O, abort) the temporaries are removed and
 * no final name appears.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TFRecordError } from '../errors.js';
import { checkCompression } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { encodeExample } from '../example/encode.js';
import type { Example } from '../example/types.js';
import { throwIfAborted } from '../dataset/abort.js';
import { checkInt, invalid } from '../dataset/validate.js';
import { cleanStaleTemps, syncDir, tempPathFor, unregisterTemp } from './atomic.js';
import { openFileWriter, type TFRecordWriter } from './write.js';

/** Options for {@link writeShards}. */
export interface WriteShardsOptions {
  /** Fixed number of shards, filled round-robin (default 1 unless `maxShardBytes` is given). */
  numShards?: number;
  /** Largest shard in framed, uncompressed bytes (records + 16 each); shards are contiguous. A record larger than this gets a shard of its own. */
  maxShardBytes?: number;
  /** Compression of every shard (default 'none'). */
  compression?: Compression;
  /** zlib level 0-9 for gzip/zlib (default 6). */
  level?: number;
  /** Appended to each name after `-of-NNNNN`, e.g. '.tfrecord' (default ''). */
  suffix?: string;
  /** Aborting stops writing (ABORTED) and removes the temporaries. */
  signal?: AbortSignal;
  /** Told the temporaries of dead processes removed before writing (only called when there were some). */
  onStaleTemps?: (paths: string[]) => void;
}

/** One written shard. */
export interface ShardInfo {
  /** Final path. */
  path: string;
  /** Records in the shard. */
  records: number;
  /** Framed, uncompressed bytes (records + 16 each). */
  bytes: number;
}

/** TensorFlow's shard name: `prefix-00003-of-00010` + suffix. */
export function shardPath(prefix: string, index: number, count: number, suffix = ''): string {
  return `${prefix}-${String(index).padStart(5, '0')}-of-${String(count).padStart(5, '0')}${suffix}`;
}

/** TFRecord-ish extensions, longest first, kept at the end of shard names. */
const EXTENSIONS = [
  '.tfrecord.gz',
  '.tfrecord.zz',
  '.tfrecords.gz',
  '.tfrecords.zz',
  '.tfrecord',
  '.tfrecords',
  '.gz',
  '.zz',
];

/**
 * Splits an output path into a shard prefix and the extension kept after the
 * shard number, as TensorFlow names shards: `out/train.tfrecord.gz` ->
 * `{ prefix: 'out/train', suffix: '.tfrecord.gz' }` (so its shards are
 * `out/train-00000-of-00004.tfrecord.gz` and keep their compression's extension).
 */
export function splitShardName(output: string): { prefix: string; suffix: string } {
  const name = basename(output);
  const suffix = EXTENSIONS.find((e) => name.length > e.length && name.endsWith(e)) ?? '';
  return { prefix: join(dirname(output), name.slice(0, name.length - suffix.length)), suffix };
}

/** Shard `index` of `count` of an output path: `out/train.tfrecord` -> `out/train-00001-of-00004.tfrecord`. */
export function outputShardPath(output: string, index: number, count: number): string {
  const { prefix, suffix } = splitShardName(output);
  return shardPath(prefix, index, count, suffix);
}

interface Part {
  tmp: string;
  writer: TFRecordWriter | undefined;
  records: number;
  bytes: number;
}

/**
 * Writes every element of `source` (records as Uint8Array, or Examples) into
 * shards named from `prefix` (a path: `out/train` gives `out/train-00000-of-00004`),
 * and resolves with the shards written, in order. See the module notes for
 * how records are split and how the set is finalised atomically.
 */
export async function writeShards(
  prefix: string,
  source: AsyncIterable<Uint8Array | Example> | Iterable<Uint8Array | Example>,
  options: WriteShardsOptions = {},
): Promise<ShardInfo[]> {
  if (typeof prefix !== 'string' || prefix === '') invalid('prefix', 'non-empty string', prefix);
  if (typeof source !== 'object' || source === null) invalid('source', 'iterable or async iterable', source);
  if (options.numShards !== undefined && options.maxShardBytes !== undefined) {
    throw new TFRecordError('INVALID_ARGUMENT', 'give either numShards or maxShardBytes, not both');
  }
  const bySize = options.maxShardBytes !== undefined;
  const numShards = bySize ? 0 : checkInt('numShards', options.numShards ?? 1, 1, 99999);
  const maxBytes = bySize ? checkInt('maxShardBytes', options.maxShardBytes, 1) : Infinity;
  const compression = checkCompression(options.compression ?? 'none', false) as Compression;
  const suffix = options.suffix ?? '';
  if (typeof suffix !== 'string' || /[\\/]/.test(suffix)) invalid('suffix', 'string without path separators', suffix);
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalid('signal', 'AbortSignal', signal);
  const { onStaleTemps } = options;
  if (onStaleTemps !== undefined && typeof onStaleTemps !== 'function')
    invalid('onStaleTemps', 'function', onStaleTemps);
  const writerOptions = { compression, ...(options.level === undefined ? {} : { level: options.level }) };

  const stale = await cleanStaleTemps(prefix);
  if (stale.length > 0) onStaleTemps?.(stale);
  const parts: Part[] = [];
  const newPart = async (): Promise<Part> => {
    const part: Part = { tmp: tempPathFor(prefix), writer: undefined, records: 0, bytes: 0 };
    parts.push(part);
    part.writer = await openFileWriter(part.tmp, undefined, writerOptions);
    return part;
  };
  const finishPart = async (part: Part): Promise<void> => {
    const w = part.writer;
    if (w === undefined) return;
    part.writer = undefined;
    await w.close();
  };

  const renamed: string[] = [];
  try {
    throwIfAborted(signal);
    if (!bySize) for (let i = 0; i < numShards; i++) await newPart();
    let current: Part | undefined;
    let i = 0;
    for await (const item of source as AsyncIterable<Uint8Array | Example>) {
      throwIfAborted(signal);
      const record = item instanceof Uint8Array ? item : encodeExample(item);
      const size = record.length + 16;
      let part: Part;
      if (bySize) {
        if (current === undefined || (current.records > 0 && current.bytes + size > maxBytes)) {
          if (current !== undefined) await finishPart(current);
          current = await newPart();
        }
        part = current;
      } else {
        part = parts[i % numShards]!;
      }
      await part.writer!.write(record);
      part.records++;
      part.bytes += size;
      i++;
    }
    if (bySize && parts.length === 0) await newPart();
    throwIfAborted(signal);
    for (const part of parts) await finishPart(part);
    const count = parts.length;
    const out: ShardInfo[] = [];
    for (let k = 0; k < count; k++) {
      const part = parts[k]!;
      const path = shardPath(prefix, k, count, suffix);
      try {
        await rename(part.tmp, path);
      } catch (e) {
        throw new TFRecordError('IO', `${path}: cannot rename the finished shard into place: ${(e as Error).message}`, {
          file: path,
          cause: e,
        });
      }
      unregisterTemp(part.tmp);
      renamed.push(path);
      out.push({ path, records: part.records, bytes: part.bytes });
    }
    await syncDir(dirname(prefix));
    return out;
  } catch (e) {
    await Promise.allSettled(parts.map((p) => p.writer?.abort()));
    await Promise.allSettled(parts.map((p) => rm(p.tmp, { force: true })));
    for (const p of parts) unregisterTemp(p.tmp);
    // A failed rename leaves a partial set: remove what was already renamed.
    await Promise.allSettled(renamed.map((p) => rm(p, { force: true })));
    throw e;
  }
}
