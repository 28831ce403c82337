/**
 * Dataset sources over files on Node: single files, globs, shard sets
 * (`name-00000-of-00010`, `name@10`), read one after another or interleaved,
 * compression detected per file, strict or tolerant (`skipCorrupt`).
 * Files are read through a FileHandle in 1 MiB positional reads and closed as
 * soon as their stream ends, breaks, fails or is aborted.
 */
import { open, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { checkCompression, detectCompression, DETECT_BYTES } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { readRecords } from '../framing/decode.js';
import { resolveReaderOptions } from '../framing/options.js';
import type { RecordReaderOptions } from '../framing/options.js';
import { Dataset } from '../dataset/dataset.js';
import { abortError } from '../dataset/abort.js';
import { interleaveOp } from '../dataset/ops/interleave.js';
import { decodeExamples, readRecordsSkipping, skipCounterOf } from '../dataset/records.js';
import type { RecordSourceOptions } from '../dataset/records.js';
import type { SkipCounter } from '../dataset/skip.js';
import type { DatasetSize } from '../dataset/types.js';
import { checkInt, invalid } from '../dataset/validate.js';
import type { Example } from '../example/types.js';

/** Bytes per positional read: 1 MiB. */
const CHUNK_BYTES = 1024 * 1024;

let openFiles = 0;

/**
 * Number of files the dataset sources, index builders and RecordFiles of this
 * module hold open right now. Diagnostics: it returns to 0 when every
 * iteration has ended, broken off or been aborted.
 */
export function activeFileCount(): number {
  return openFiles;
}

/** An fs error as TFRecordError IO naming `path`. */
export function ioError(e: unknown, path: string): TFRecordError {
  if (isTFRecordError(e)) return e.withFile(path);
  const message = e instanceof Error ? e.message : String(e);
  return new TFRecordError('IO', `${path}: ${message}`, { file: path, cause: e });
}

/** Opens `path` for reading, counted in {@link activeFileCount}. */
export async function openCounted(path: string): Promise<FileHandle & { closeCounted(): Promise<void> }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(e, path);
  }
  openFiles++;
  let closed = false;
  return Object.assign(fh, {
    async closeCounted(): Promise<void> {
      if (closed) return;
      closed = true;
      openFiles--;
      await fh.close().catch(() => undefined);
    },
  });
}

/** Options for {@link readFileBytes}. */
export interface FileBytesOptions {
  /** First byte to read (default 0). */
  start?: number;
  /** Byte to stop before (default: end of file). */
  end?: number;
  signal?: AbortSignal | undefined;
}

function throwIfAbortedAt(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted === true) throw abortError(signal).withFile(path);
}

/** Raw bytes of `path` in `[start, end)`, 1 MiB at a time; the file is closed when the generator finishes. */
export async function* readFileBytes(
  path: string,
  options: FileBytesOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal } = options;
  if (signal?.aborted === true) throw abortError(signal).withFile(path);
  const fh = await openCounted(path);
  try {
    let pos = options.start ?? 0;
    const end = options.end ?? Infinity;
    while (pos < end) {
      throwIfAbortedAt(signal, path);
      const want = Math.min(CHUNK_BYTES, end - pos);
      // A fresh buffer per read: records are zero-copy views the consumer may keep.
      const buf = new Uint8Array(want);
      let n: number;
      try {
        n = (await fh.read(buf, 0, want, pos)).bytesRead;
      } catch (e) {
        throw ioError(e, path);
      }
      if (n === 0) {
        if (end !== Infinity) {
          throw new TFRecordError(
            'TRUNCATED_RECORD',
            `${path}: file ends at byte ${pos}, expected data up to byte ${end}`,
            {
              file: path,
              offset: pos,
            },
          );
        }
        return;
      }
      pos += n;
      yield n === want ? buf : buf.subarray(0, n);
    }
  } finally {
    await fh.closeCounted();
  }
}

/** The compression of the file at `path`, from its first 12 bytes. */
export async function detectFileCompression(path: string): Promise<Compression> {
  const fh = await openCounted(path);
  try {
    const head = new Uint8Array(DETECT_BYTES);
    const { bytesRead } = await fh.read(head, 0, DETECT_BYTES, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } catch (e) {
    throw ioError(e, path);
  } finally {
    await fh.closeCounted();
  }
}

/** Decompressed bytes of `path` (node:zlib for gzip/zlib; every gzip member); 'auto' detects. */
export async function* fileBytes(
  path: string,
  compression: Compression | 'auto',
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const c = compression === 'auto' ? await detectFileCompression(path) : compression;
  const raw = readFileBytes(path, { signal });
  if (c === 'none') {
    yield* raw;
    return;
  }
  const z = c === 'gzip' ? createGunzip({ chunkSize: CHUNK_BYTES }) : createInflate({ chunkSize: CHUNK_BYTES });
  const input = Readable.from(raw, { objectMode: false });
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  try {
    for await (const chunk of z as AsyncIterable<Uint8Array>) yield chunk;
  } catch (e) {
    if (isTFRecordError(e)) throw e.withFile(path);
    const code = (e as { code?: unknown } | null)?.code;
    const message = e instanceof Error ? e.message : String(e);
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new TFRecordError('COMPRESSION', `${path}: invalid or truncated ${c} data: ${message}`, {
        file: path,
        cause: e,
      });
    }
    throw ioError(e, path);
  } finally {
    input.unpipe(z);
    z.destroy();
    input.destroy();
    await raw.return(undefined).catch(() => undefined);
  }
}

/** Options for the file sources of this module. */
export interface FileDatasetOptions extends RecordSourceOptions {
  /** Files read at once, interleaved record by record in tf.data's order (default 1: one file after another). */
  cycleLength?: number;
  /** Records taken from one file before moving to the next, when interleaving (default 1). */
  blockLength?: number;
  /** > 1: the open files read ahead concurrently (order unchanged). Default 1. */
  numParallelCalls?: number;
}

function readerOptions(options: RecordReaderOptions): RecordReaderOptions {
  return {
    ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  };
}

/**
 * The records of one file as a stream (strict, or tolerant with `counter`).
 * Strict errors name the file; tolerant skips are counted with the file named.
 */
export async function* fileRecordStream(
  path: string,
  options: RecordSourceOptions,
  counter: SkipCounter | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = readerOptions(options);
  const compression = checkCompression(options.compression ?? 'auto', true);
  if (counter === undefined) {
    try {
      yield* readRecords(fileBytes(path, compression, signal), reader);
    } catch (e) {
      throw isTFRecordError(e) ? e.withFile(path) : e;
    }
    return;
  }
  const named = {
    add(kind: 'record' | 'rest', error: unknown): void {
      counter.add(kind, isTFRecordError(error) ? error.withFile(path) : error);
    },
  } as SkipCounter;
  yield* readRecordsSkipping(fileBytes(path, compression, signal), named, reader);
}

// ---- file lists: globs and shard sets ----

const SHARD_RE = /^(.*)-(\d{5,})-of-(\d{5,})(.*)$/;
const AT_RE = /^(.*)@(\d+)$/;

function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith(sep) || pattern.startsWith('/');
  const parts = pattern.split(/[\\/]+/).filter((p, i) => p !== '' || i === 0);
  let bases: string[] = [absolute ? sep : '.'];
  const start = absolute ? 1 : 0;
  for (let k = start; k < parts.length; k++) {
    const part = parts[k]!;
    const last = k === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!hasWildcard(part)) {
        next.push(k === start && !absolute ? part : join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const name of names.sort()) {
        if (!re.test(name) || (name.startsWith('.') && !part.startsWith('.'))) continue;
        const p = k === start && !absolute ? name : join(base, name);
        if (!last) {
          const st = await stat(p).catch(() => undefined);
          if (st?.isDirectory() !== true) continue;
        }
        next.push(p);
      }
    }
    bases = next;
  }
  const files: string[] = [];
  for (const p of bases) {
    const st = await stat(p).catch(() => undefined);
    if (st?.isFile() === true) files.push(p);
  }
  return files;
}

function shardName(prefix: string, i: number, n: number, suffix = ''): string {
  return `${prefix}-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}${suffix}`;
}

/**
 * Checks that every `-of-N` shard set among `files` is complete, as far as the
 * pattern asks for it: a missing shard is an error when the pattern's file
 * name part would have matched it (so `train-*` needs all shards, while
 * `train-0000[12]-of-*` asks only for two).
 */
function checkShardSets(files: readonly string[], pattern: string): void {
  const sets = new Map<string, { prefix: string; n: number; suffix: string; seen: Set<number> }>();
  for (const f of files) {
    const m = SHARD_RE.exec(f);
    if (m === null) continue;
    const n = Number(m[3]);
    const key = `${m[1]}\u0000${m[3]}\u0000${m[4]}`;
    let set = sets.get(key);
    if (set === undefined) {
      set = { prefix: m[1]!, n, suffix: m[4]!, seen: new Set() };
      sets.set(key, set);
    }
    set.seen.add(Number(m[2]));
  }
  for (const set of sets.values()) {
    const missing: string[] = [];
    const namePart = globToRegExp(basename(pattern));
    for (let i = 0; i < set.n; i++) {
      if (!set.seen.has(i) && namePart.test(basename(shardName(set.prefix, i, set.n, set.suffix)))) {
        missing.push(String(i).padStart(5, '0'));
      }
    }
    if (missing.length > 0) {
      const shown =
        missing.length > 10 ? `${missing.slice(0, 10).join(', ')} and ${missing.length - 10} more` : missing.join(', ');
      throw new TFRecordError(
        'IO',
        `shard set ${shardName(set.prefix, 0, set.n, set.suffix).replace(/-00000-of-/, '-?????-of-')} matched by ${JSON.stringify(pattern)} is incomplete: missing shard ${shown} of ${set.n}`,
        { file: shardName(set.prefix, Number(missing[0]), set.n, set.suffix) },
      );
    }
  }
}

/**
 * The files named by `patterns`, expanded and sorted: a plain path (must
 * exist), a glob (`*`, `?`, `[abc]` in any path component; no `**`), or a
 * shard spec `name@N` meaning `name-00000-of-0000N` .. `name-0000(N-1)-of-0000N`
 * (unless a file is literally named so).
 * A glob matching part of an `-of-N` shard set is an IO error naming the missing
 * shards; a pattern matching nothing is an IO error. Duplicates are removed.
 */
export async function listFiles(patterns: string | readonly string[]): Promise<string[]> {
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  if (!Array.isArray(list) || list.length === 0) invalid('patterns', 'non-empty string or array of strings', patterns);
  const out: string[] = [];
  for (const pattern of list as readonly unknown[]) {
    if (typeof pattern !== 'string' || pattern === '') invalid('pattern', 'non-empty string', pattern);
    const at = AT_RE.exec(pattern);
    let files: string[];
    const literal = (await stat(pattern).catch(() => undefined))?.isFile() === true;
    if (at !== null && !hasWildcard(pattern) && !literal) {
      const n = Number(at[2]);
      checkInt('shard count', n, 1, 99999);
      files = Array.from({ length: n }, (_, i) => shardName(at[1]!, i, n));
      const missing: string[] = [];
      for (const f of files) if ((await stat(f).catch(() => undefined))?.isFile() !== true) missing.push(basename(f));
      if (missing.length > 0) {
        throw new TFRecordError(
          'IO',
          `shard set ${JSON.stringify(pattern)} is incomplete: missing ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} in ${dirname(files[0]!)}`,
          { file: join(dirname(files[0]!), missing[0]!) },
        );
      }
    } else if (hasWildcard(pattern)) {
      files = (await expandGlob(pattern)).sort();
      if (files.length === 0)
        throw new TFRecordError('IO', `no files match ${JSON.stringify(pattern)}`, { file: pattern });
      checkShardSets(files, pattern);
    } else {
      const st = await stat(pattern).catch((e: unknown) => {
        throw ioError(e, pattern);
      });
      if (!st.isFile()) throw new TFRecordError('IO', `${pattern}: not a file`, { file: pattern });
      files = [pattern];
    }
    for (const f of files) if (!out.includes(f)) out.push(f);
  }
  return out;
}

/** A dataset of the file paths named by `patterns` (see {@link listFiles}); chain `files(N)`. */
export async function files(patterns: string | readonly string[]): Promise<Dataset<string>> {
  const list = await listFiles(patterns);
  return Dataset.fromIterable(() => list, { size: list.length, name: `files(${list.length})` });
}

/**
 * The records of every file of a dataset of paths, one file after another
 * (or interleaved with `cycleLength` > 1). Chain: `... -> records`.
 */
export function recordsOfFiles(
  paths: Dataset<string>,
  options: FileDatasetOptions = {},
  size: DatasetSize = 'unknown',
): Dataset<Uint8Array> {
  resolveReaderOptions(readerOptions(options));
  checkCompression(options.compression ?? 'auto', true);
  const counter = skipCounterOf(options.skipCorrupt);
  const cycleLength = checkInt('cycleLength', options.cycleLength ?? 1, 1);
  const blockLength = checkInt('blockLength', options.blockLength ?? 1, 1);
  const numParallelCalls = checkInt('numParallelCalls', options.numParallelCalls ?? 1, 1);
  const name = cycleLength === 1 ? 'records' : `records(interleave ${cycleLength})`;
  return paths.apply(
    name,
    (up, ctx) =>
      cycleLength === 1
        ? counter === undefined
          ? strictOneByOne(up, options, ctx.signal)
          : oneByOne(up, (path) => fileRecordStream(path, options, counter, ctx.signal))
        : interleaveOp(up, (path: string) => fileRecordStream(path, options, counter, ctx.signal), {
            cycleLength,
            blockLength,
            numParallelCalls,
          }),
    size,
  );
}

/** Strict records of one file after another, in one generator: one async hop per record fewer. */
async function* strictOneByOne(
  up: () => AsyncGenerator<string, void, undefined>,
  options: RecordSourceOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = readerOptions(options);
  const compression = checkCompression(options.compression ?? 'auto', true);
  for await (const path of up()) {
    try {
      for await (const r of readRecords(fileBytes(path, compression, signal), reader)) yield r;
    } catch (e) {
      throw isTFRecordError(e) ? e.withFile(path) : e;
    }
  }
}

/** Every record of one file after another (fewer hops per record than a one-slot interleave). */
async function* oneByOne<T>(
  up: () => AsyncGenerator<string, void, undefined>,
  open: (path: string) => AsyncGenerator<T, void, undefined>,
): AsyncGenerator<T, void, undefined> {
  for await (const path of up()) yield* open(path);
}

/**
 * `files(patterns)` then `records`: every record of every matched file, in
 * file order (or interleaved, see {@link FileDatasetOptions}). The size is
 * unknown unless `count` is set: then every file is counted first (headers
 * only for uncompressed files, see countRecords) and the size is known.
 * Records are zero-copy views of 1 MiB read buffers: holding a few records for
 * long (e.g. in a large shuffle buffer) keeps their buffers alive; `slice()`
 * a record to keep only its own bytes.
 */
export async function readRecordFiles(
  patterns: string | readonly string[],
  options: FileDatasetOptions & { count?: boolean } = {},
): Promise<Dataset<Uint8Array>> {
  const paths = await files(patterns);
  if (options.count !== undefined && typeof options.count !== 'boolean') invalid('count', 'boolean', options.count);
  if (options.count !== true) return recordsOfFiles(paths, options);
  // Imported lazily: index-file.ts imports this module.
  const { countRecords } = await import('./index-file.js');
  let total = 0;
  for await (const path of paths) total += await countRecords(path, readerOptions(options));
  return recordsOfFiles(paths, options, total);
}

/** `files(patterns) -> records -> examples`: every record decoded as a tf.train.Example. */
export async function readExampleFiles(
  patterns: string | readonly string[],
  options: FileDatasetOptions & { count?: boolean } = {},
): Promise<Dataset<Example>> {
  return decodeExamples(await readRecordFiles(patterns, options));
}
