/**
 * Dataset sources over files on Node: single files, globs, shard sets
 * (`name-00000-of-00010`, `name@10`), read one after another or interleaved,
 * compression detected per file, strict or tolerant (`skipCorrupt`).
 * Files are read through the entry's byte source (node/source/) and closed as
 * soon as their stream ends, breaks, fails or is aborted.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { glob, isDynamicPattern } from 'tinyglobby';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { checkCompression } from '../compression/index.js';
import { resolveReaderOptions } from '../framing/options.js';
import { Dataset } from '../dataset/dataset.js';
import { interleaveOp } from '../dataset/ops/interleave.js';
import { decodeExamples, readRecordsSkipping, skipCounterOf } from '../dataset/records.js';
import type { RecordSourceOptions } from '../dataset/records.js';
import type { SkipCounter } from '../dataset/skip.js';
import type { DatasetSize } from '../dataset/types.js';
import { checkInt, invalid } from '../dataset/validate.js';
import type { Example } from '../example/types.js';
import { countRecords } from './index-file.js';
import { fileBytes, ioError, readerOptionsOf, recordsOfBatches } from './source/index.js';
import { checkWorker, fileBatches } from './worker/choose.js';

export { activeFileCount, detectFileCompression } from './source/index.js';

/** Options for the file sources of this module. */
export interface FileDatasetOptions extends RecordSourceOptions {
  /** Files read at once, interleaved record by record in tf.data's order (default 1: one file after another). */
  cycleLength?: number;
  /** Records taken from one file before moving to the next, when interleaving (default 1). */
  blockLength?: number;
  /** > 1: the open files read ahead concurrently (order unchanged). Default 1. */
  numParallelCalls?: number;
  /**
   * Read, frame and verify each file on a worker thread of its own, as
   * `worker` of openRecordStream does (default false: a dataset may hold
   * many files open at once, see `cycleLength`, and each would start a
   * thread). Strict reading only: with `skipCorrupt`, files are read here.
   */
  worker?: boolean;
}

/** The strict records of the file at `path`, framed here or on a worker as `worker` says. */
function strictRecords(
  path: string,
  options: RecordSourceOptions & { worker?: boolean },
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = readerOptionsOf(options);
  const compression = checkCompression(options.compression ?? 'auto', true);
  const worker = checkWorker(options.worker);
  return recordsOfBatches(() => fileBatches(path, { compression, reader, signal, worker }), path, {
    ...reader,
    signal,
  }) as AsyncGenerator<Uint8Array, void, undefined>;
}

/**
 * The records of one file as a stream (strict, or tolerant with `counter`).
 * Strict errors name the file; tolerant skips are counted with the file named.
 */
export async function* fileRecordStream(
  path: string,
  options: RecordSourceOptions & { worker?: boolean },
  counter: SkipCounter | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (counter === undefined) {
    yield* strictRecords(path, options, signal);
    return;
  }
  const reader = readerOptionsOf(options);
  const compression = checkCompression(options.compression ?? 'auto', true);
  const bytes = fileBytes(path, { compression, signal });
  const named = {
    add(kind: 'record' | 'rest', error: unknown): void {
      counter.add(kind, isTFRecordError(error) ? error.withFile(path) : error);
    },
  } as SkipCounter;
  yield* readRecordsSkipping(bytes, named, reader);
}

// ---- file lists: globs and shard sets ----

const SHARD_RE = /^(.*)-(\d{5,})-of-(\d{5,})(.*)$/;
const AT_RE = /^(.*)@(\d+)$/;

/** True if `s` is a glob (`*`, `?`, `[...]`, `**`, braces, extglobs) rather than a path. */
function hasWildcard(s: string): boolean {
  return isDynamicPattern(s);
}

/**
 * The files matching the glob `pattern` (tinyglobby: `*`, `?`, `[...]`,
 * `**` across folders, `{a,b}` braces; names starting with a dot only when
 * the pattern spells the dot), relative patterns giving relative paths.
 * The crawl starts at the pattern's static leading folders, so `../data/**`
 * and absolute patterns are walked from there, not from the working folder.
 */
async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split('/');
  let k = 0;
  while (k < parts.length - 1 && !hasWildcard(parts[k]!) && !/[{}]/.test(parts[k]!)) k++;
  const base = parts.slice(0, k).join('/') || (pattern.startsWith('/') ? '/' : '.');
  const rest = parts.slice(k).join('/');
  const found = await glob(rest, { cwd: base, onlyFiles: true, expandDirectories: false, dot: false });
  return found.map((f) => (base === '.' ? f : join(base, f)));
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
    const namePart = picomatch(basename(pattern), { dot: false });
    for (let i = 0; i < set.n; i++) {
      if (!set.seen.has(i) && namePart(basename(shardName(set.prefix, i, set.n, set.suffix)))) {
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
 * exist), a glob (`*`, `?`, `[abc]` in any path component, `**` for any
 * depth of folders, `{a,b}` braces; through tinyglobby), or a
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
  resolveReaderOptions(readerOptionsOf(options));
  checkCompression(options.compression ?? 'auto', true);
  checkWorker(options.worker);
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
  options: RecordSourceOptions & { worker?: boolean },
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const path of up()) yield* strictRecords(path, options, signal);
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
  let total = 0;
  for await (const path of paths) total += await countRecords(path, readerOptionsOf(options));
  return recordsOfFiles(paths, options, total);
}

/** `files(patterns) -> records -> examples`: every record decoded as a tf.train.Example. */
export async function readExampleFiles(
  patterns: string | readonly string[],
  options: FileDatasetOptions & { count?: boolean } = {},
): Promise<Dataset<Example>> {
  return decodeExamples(await readRecordFiles(patterns, options));
}
