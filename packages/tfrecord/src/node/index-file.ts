/**
 * Index files and random access on Node: build an index by reading record
 * headers only (positional reads that skip the bodies), read and write index
 * files in the tfrecord2idx format, count records, read record `i` directly,
 * and read only records `[start, end)` (the basis for splitting a file over
 * workers). Indexes address uncompressed files only.
 */
import { readFile } from 'node:fs/promises';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { detectCompression, DETECT_BYTES } from '../compression/index.js';
import { decodeRecords, readRecordHeader, readRecords } from '../framing/decode.js';
import { resolveReaderOptions } from '../framing/options.js';
import type { RecordReaderOptions } from '../framing/options.js';
import { Dataset } from '../dataset/dataset.js';
import { abortError } from '../dataset/abort.js';
import { checkInt, invalid } from '../dataset/validate.js';
import { RecordIndex, formatIndex, parseIndex, shardRange } from '../index-file/index.js';
import { fileBytes, ioError, openCounted, readFileBytes } from './dataset.js';
import { writeFileAtomic } from './atomic.js';

/** Options for {@link buildIndex} and {@link countRecords}. */
export interface IndexOptions extends RecordReaderOptions {
  /** Stops the scan (ABORTED) and closes the file. */
  signal?: AbortSignal;
}

function throwIfAborted(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted === true) throw abortError(signal).withFile(path);
}

/** Read window for headers: small records are indexed from one read per window. */
const WINDOW_BYTES = 64 * 1024;

function notIndexable(path: string, compression: string): TFRecordError {
  return new TFRecordError(
    'INVALID_ARGUMENT',
    `${path}: cannot index a ${compression}-compressed file: index offsets address bytes of an uncompressed TFRecord file (decompress it first, or read it sequentially)`,
    { file: path },
  );
}

/**
 * Indexes the uncompressed TFRecord file at `path` by reading headers only:
 * each length checksum is verified (unless `verifyChecksums` is false) and the
 * bodies are skipped, so the cost is one read per 64 KiB of small records or
 * one 12-byte positional read per large record. A gzip/zlib file is
 * INVALID_ARGUMENT; a record cut short is TRUNCATED_RECORD with its offset.
 */
export async function buildIndex(path: string, options: IndexOptions = {}): Promise<RecordIndex> {
  if (typeof path !== 'string' || path === '') invalid('path', 'non-empty string', path);
  const o = resolveReaderOptions({
    ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  });
  const { signal } = options;
  throwIfAborted(signal, path);
  const fh = await openCounted(path);
  try {
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (e) {
      throw ioError(e, path);
    }
    const win = new Uint8Array(WINDOW_BYTES);
    let winStart = 0;
    let winLen = 0;
    const read = async (at: number, len: number): Promise<void> => {
      try {
        winLen = (await fh.read(win, 0, len, at)).bytesRead;
      } catch (e) {
        throw ioError(e, path);
      }
      winStart = at;
    };
    if (size > 0) {
      await read(0, Math.min(WINDOW_BYTES, size));
      const c = detectCompression(win.subarray(0, Math.min(winLen, DETECT_BYTES)));
      if (c !== 'none') throw notIndexable(path, c);
    }
    const offsets: number[] = [];
    const sizes: number[] = [];
    let pos = 0;
    let lastSize = 0;
    while (pos < size) {
      if ((offsets.length & 1023) === 1023) throwIfAborted(signal, path);
      if (pos < winStart || pos + 12 > winStart + winLen) {
        // Big records: fetch just the header; small ones: a whole window.
        await read(pos, lastSize >= WINDOW_BYTES ? 12 : Math.min(WINDOW_BYTES, size - pos));
      }
      const rel = pos - winStart;
      let len: number;
      try {
        len = readRecordHeader(win.subarray(0, winLen), rel, o);
      } catch (e) {
        if (!isTFRecordError(e)) throw e;
        throw new TFRecordError(e.code, `${path}: ${e.message.replace(`byte ${rel}`, `byte ${pos}`)}`, {
          offset: pos,
          file: path,
          record: offsets.length,
        });
      }
      const total = len + 16;
      if (size - pos < total) {
        throw new TFRecordError(
          'TRUNCATED_RECORD',
          `${path}: truncated record at byte ${pos} (record needs ${total} bytes, ${size - pos} remain)`,
          { offset: pos, file: path, record: offsets.length },
        );
      }
      offsets.push(pos);
      sizes.push(total);
      lastSize = total;
      pos += total;
    }
    return new RecordIndex(offsets, sizes);
  } finally {
    await fh.closeCounted();
  }
}

/** Reads an index file (`offset size` per line); errors name the file and line. */
export async function readIndexFile(path: string): Promise<RecordIndex> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw ioError(e, path);
  }
  try {
    return parseIndex(text);
  } catch (e) {
    throw isTFRecordError(e) ? e.withFile(path) : e;
  }
}

/**
 * Writes `index` to `path` in the tfrecord2idx format with {@link writeFileAtomic}
 * (temporary beside it, fsync, rename): an existing file stays intact on failure.
 */
export async function writeIndexFile(path: string, index: RecordIndex): Promise<void> {
  if (!(index instanceof RecordIndex)) invalid('index', 'RecordIndex', index);
  await writeFileAtomic(path, new TextEncoder().encode(formatIndex(index)));
}

/** Builds the index of `recordPath` and writes it to `indexPath` (default `recordPath + '.idx'`). */
export async function createIndexFile(
  recordPath: string,
  indexPath = `${recordPath}.idx`,
  options: IndexOptions = {},
): Promise<RecordIndex> {
  const index = await buildIndex(recordPath, options);
  await writeIndexFile(indexPath, index);
  return index;
}

/**
 * Number of records in the file at `path`. Uncompressed files are counted
 * from the headers alone ({@link buildIndex}); compressed files are
 * decompressed and walked (every checksum verified unless turned off).
 */
export async function countRecords(path: string, options: IndexOptions = {}): Promise<number> {
  const { signal, ...reader } = options;
  if (detectCompression(await readHead(path)) === 'none') return (await buildIndex(path, options)).count;
  let n = 0;
  try {
    for await (const r of readRecords(fileBytes(path, 'auto', signal), reader)) {
      void r;
      n++;
    }
  } catch (e) {
    throw isTFRecordError(e) ? e.withFile(path) : e;
  }
  return n;
}

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await openCounted(path);
  try {
    const head = new Uint8Array(DETECT_BYTES);
    const { bytesRead } = await fh.read(head, 0, DETECT_BYTES, 0);
    return head.subarray(0, bytesRead);
  } catch (e) {
    throw ioError(e, path);
  } finally {
    await fh.closeCounted();
  }
}

/** Options for {@link RecordFile.open}. */
export interface RecordFileOptions extends RecordReaderOptions {
  /** The index: a RecordIndex, or the path of an index file. Default: built by scanning headers. */
  index?: RecordIndex | string;
}

/**
 * Random access to the records of one uncompressed TFRecord file through its
 * index: `get(i)` is one positional read. Keep one open per file and `close()` it.
 */
export class RecordFile {
  /** Path of the record file. */
  readonly path: string;
  /** Where each record lies. */
  readonly index: RecordIndex;
  readonly #fh: Awaited<ReturnType<typeof openCounted>>;
  readonly #reader: RecordReaderOptions;

  private constructor(
    path: string,
    index: RecordIndex,
    fh: Awaited<ReturnType<typeof openCounted>>,
    reader: RecordReaderOptions,
  ) {
    this.path = path;
    this.index = index;
    this.#fh = fh;
    this.#reader = reader;
  }

  /**
   * Opens `path` with its index (given, read from an index file, or built).
   * An index that reaches past the end of the file is INVALID_ARGUMENT.
   */
  static async open(path: string, options: RecordFileOptions = {}): Promise<RecordFile> {
    const reader = {
      ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
      ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
    };
    resolveReaderOptions(reader);
    const given = options.index;
    const index =
      given === undefined
        ? await buildIndex(path, reader)
        : typeof given === 'string'
          ? await readIndexFile(given)
          : given instanceof RecordIndex
            ? given
            : invalid('index', 'RecordIndex or index file path', given);
    const fh = await openCounted(path);
    try {
      const size = (await fh.stat()).size;
      if (index.byteLength > size) {
        throw new TFRecordError(
          'INVALID_ARGUMENT',
          `${path}: the index describes ${index.byteLength} bytes but the file has ${size}`,
          { file: path },
        );
      }
      const head = new Uint8Array(DETECT_BYTES);
      const { bytesRead } = await fh.read(head, 0, DETECT_BYTES, 0);
      const c = detectCompression(head.subarray(0, bytesRead));
      if (c !== 'none') throw notIndexable(path, c);
    } catch (e) {
      await fh.closeCounted();
      throw ioError(e, path);
    }
    return new RecordFile(path, index, fh, reader);
  }

  /** Number of records. */
  get count(): number {
    return this.index.count;
  }

  /**
   * The data of record `i` (0-based), checksums verified. A record that does
   * not match its index entry is INVALID_ARGUMENT naming record and offset.
   */
  async get(i: number): Promise<Uint8Array> {
    const offset = this.index.offset(i);
    const size = this.index.size(i);
    const buf = new Uint8Array(size);
    let n: number;
    try {
      n = (await this.#fh.read(buf, 0, size, offset)).bytesRead;
    } catch (e) {
      throw ioError(e, this.path);
    }
    let records: Uint8Array[];
    try {
      if (n < size) {
        throw new TFRecordError(
          'TRUNCATED_RECORD',
          `truncated record at byte ${offset} (the file ends before the ${size} bytes the index gives)`,
          {
            offset,
          },
        );
      }
      const len = readRecordHeader(buf, 0, this.#reader);
      if (len + 16 !== size) {
        throw new TFRecordError(
          'INVALID_ARGUMENT',
          `the index does not match the file: record ${i} at byte ${offset} has ${len + 16} bytes, the index says ${size}`,
          { offset },
        );
      }
      records = [...decodeRecords(buf, this.#reader)];
    } catch (e) {
      if (!isTFRecordError(e)) throw e;
      throw new TFRecordError(e.code, `${this.path}: ${e.message.replace('at byte 0', `at byte ${offset}`)}`, {
        offset,
        file: this.path,
        record: i,
        cause: e,
      });
    }
    return records[0]!;
  }

  /** Records `[start, end)` in order, read sequentially from their byte range. */
  async *records(
    start = 0,
    end: number = this.count,
    signal?: AbortSignal,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    const range = this.index.byteRange(start, end);
    if (range.start === range.end) return;
    yield* rangeRecords(this.path, range, this.#reader, signal);
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.#fh.closeCounted();
  }
}

async function* rangeRecords(
  path: string,
  range: { start: number; end: number },
  reader: RecordReaderOptions,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const r of readRecords(readFileBytes(path, { start: range.start, end: range.end, signal }), reader))
      yield r;
  } catch (e) {
    if (!isTFRecordError(e) || e.file !== undefined) throw e;
    // Offsets from readRecords count from the range start.
    const offset = e.offset === undefined ? undefined : e.offset + range.start;
    throw new TFRecordError(
      e.code,
      `${path}: ${offset === undefined || e.offset === undefined ? e.message : e.message.replace(`byte ${e.offset}`, `byte ${offset}`)}`,
      { file: path, cause: e, ...(offset === undefined ? {} : { offset }) },
    );
  }
}

/** Options for {@link recordRange}. */
export interface RecordRangeOptions extends RecordReaderOptions {
  /** The index: a RecordIndex or an index file path. Default: built by scanning headers. */
  index?: RecordIndex | string;
  /** First record (default 0). */
  start?: number;
  /** Record to stop before (default: the count). */
  end?: number;
  /** Instead of start/end: this worker's contiguous part, see {@link shardRange}. */
  shard?: { numShards: number; index: number };
}

/**
 * A dataset of records `[start, end)` of one uncompressed file, reading only
 * their bytes (one seek, then sequential reads). With `shard`, the worker's
 * contiguous part: give each process its `index` to spread a file over machines.
 * Size known; chain `records[start, end)`.
 */
export async function recordRange(path: string, options: RecordRangeOptions = {}): Promise<Dataset<Uint8Array>> {
  const { index: given, start: s, end: e, shard, ...reader } = options;
  resolveReaderOptions(reader);
  const index =
    given === undefined
      ? await buildIndex(path, reader)
      : typeof given === 'string'
        ? await readIndexFile(given)
        : given instanceof RecordIndex
          ? given
          : invalid('index', 'RecordIndex or index file path', given);
  let start: number;
  let end: number;
  if (shard !== undefined) {
    if (s !== undefined || e !== undefined) {
      throw new TFRecordError('INVALID_ARGUMENT', 'give either shard or start/end, not both');
    }
    ({ start, end } = shardRange(index.count, shard.numShards, shard.index));
  } else {
    start = checkInt('start', s ?? 0, 0, index.count);
    end = checkInt('end', e ?? index.count, start, index.count);
  }
  const range = index.byteRange(start, end);
  return Dataset.fromIterable(
    (ctx) => (range.start === range.end ? [] : rangeRecords(path, range, reader, ctx.signal)),
    { size: end - start, name: `records[${start}, ${end})` },
  );
}
