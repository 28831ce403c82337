/**
 * Record index files, as written by the Python `tfrecord` package's
 * tools/tfrecord2idx.py and NVIDIA DALI's tfrecord2idx: one text line per
 * record, `offset size`, where `offset` is the byte position of the record's
 * first header byte and `size` its whole framed size in bytes (data length
 * + 16: 8 length + 4 length CRC + data + 4 data CRC). Offsets address the
 * uncompressed file, so compressed files cannot be indexed.
 */
import { TFRecordError } from '../errors.js';
import { readRecordHeader } from '../framing/decode.js';
import { resolveReaderOptions } from '../framing/options.js';
import type { RecordReaderOptions } from '../framing/options.js';
import { checkInt } from '../dataset/validate.js';

/** Framing bytes around each record's data. */
const OVERHEAD = 16;

/** Where every record of one file lies: offsets and framed sizes in bytes. */
export class RecordIndex {
  readonly #offsets: Float64Array;
  readonly #sizes: Float64Array;

  /**
   * From parallel arrays of record offsets and framed sizes (bytes, data + 16).
   * Checked like an index file: sizes of at least 16, offsets increasing without overlap.
   */
  constructor(offsets: ArrayLike<number>, sizes: ArrayLike<number>) {
    if (offsets.length !== sizes.length) {
      throw new TFRecordError('INVALID_ARGUMENT', `index has ${offsets.length} offsets but ${sizes.length} sizes`);
    }
    this.#offsets = Float64Array.from(offsets);
    this.#sizes = Float64Array.from(sizes);
    for (let i = 0; i < this.#offsets.length; i++) {
      const prevOff = i === 0 ? -1 : this.#offsets[i - 1]!;
      const prevEnd = i === 0 ? 0 : prevOff + this.#sizes[i - 1]!;
      checkEntry(this.#offsets[i]!, this.#sizes[i]!, prevOff, prevEnd, `entry ${i}`);
    }
  }

  /** Number of records. */
  get count(): number {
    return this.#offsets.length;
  }

  /** Byte offset of record `i`'s header. */
  offset(i: number): number {
    return this.#offsets[this.#check(i)]!;
  }

  /** Framed size of record `i` in bytes (data length + 16). */
  size(i: number): number {
    return this.#sizes[this.#check(i)]!;
  }

  /** Data length of record `i` in bytes. */
  dataLength(i: number): number {
    return this.size(i) - OVERHEAD;
  }

  /** Bytes `[start, end)` of the file that hold records `[first, last)` (empty range for no records). */
  byteRange(first: number, last: number): { start: number; end: number } {
    checkInt('start', first, 0, this.count);
    checkInt('end', last, first, this.count);
    if (first === last) return { start: 0, end: 0 };
    return { start: this.#offsets[first]!, end: this.#offsets[last - 1]! + this.#sizes[last - 1]! };
  }

  /** Byte just past the last record (0 when empty). */
  get byteLength(): number {
    const n = this.count;
    return n === 0 ? 0 : this.#offsets[n - 1]! + this.#sizes[n - 1]!;
  }

  /** The entries of records `[start, end)`, offsets unchanged. */
  slice(start: number, end: number = this.count): RecordIndex {
    checkInt('start', start, 0, this.count);
    checkInt('end', end, start, this.count);
    return new RecordIndex(this.#offsets.subarray(start, end), this.#sizes.subarray(start, end));
  }

  #check(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.#offsets.length) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `record ${String(i)} is out of range: the index has ${this.#offsets.length} records`,
      );
    }
    return i;
  }
}

function checkEntry(off: number, size: number, prevOff: number, prevEnd: number, where: string): void {
  if (!Number.isSafeInteger(off) || off < 0) {
    throw new TFRecordError('INVALID_ARGUMENT', `index ${where}: offset ${off} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(size) || size < OVERHEAD) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `index ${where}: size ${size} is not an integer of at least 16 (the framing bytes of one record)`,
    );
  }
  if (prevOff >= 0 && off < prevEnd) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      off <= prevOff
        ? `index ${where}: offset ${off} does not increase (previous record at ${prevOff})`
        : `index ${where}: record at ${off} overlaps the previous record (bytes ${prevOff} to ${prevEnd})`,
    );
  }
}

/**
 * Parses index file text (`offset size` per line, any whitespace between,
 * LF or CRLF, blank lines ignored). Errors are INVALID_ARGUMENT naming the line.
 */
export function parseIndex(text: string): RecordIndex {
  if (typeof text !== 'string') {
    throw new TFRecordError('INVALID_ARGUMENT', 'Expected string for index text');
  }
  const offsets: number[] = [];
  const sizes: number[] = [];
  const lines = text.split('\n');
  let prevOff = -1;
  let prevEnd = 0;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    const where = `line ${ln + 1}`;
    if (parts.length !== 2 || !/^\d+$/.test(parts[0]!) || !/^\d+$/.test(parts[1]!)) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `index ${where}: expected two non-negative integers "offset size" but found ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const off = Number(parts[0]);
    const size = Number(parts[1]);
    checkEntry(off, size, prevOff, prevEnd, where);
    offsets.push(off);
    sizes.push(size);
    prevOff = off;
    prevEnd = off + size;
  }
  return new RecordIndex(offsets, sizes);
}

/** Index file text for `index`: `offset size\n` per record, as tfrecord2idx writes it. */
export function formatIndex(index: RecordIndex): string {
  let out = '';
  for (let i = 0; i < index.count; i++) out += `${index.offset(i)} ${index.size(i)}\n`;
  return out;
}

/**
 * Indexes an uncompressed TFRecord stream held in memory by reading headers
 * only: each length checksum is verified (unless `verifyChecksums` is false),
 * bodies are skipped, not checked. A record cut short is TRUNCATED_RECORD.
 */
export function scanIndex(bytes: Uint8Array, options?: RecordReaderOptions): RecordIndex {
  const o = resolveReaderOptions(options);
  const offsets: number[] = [];
  const sizes: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const len = readRecordHeader(bytes, pos, o);
    const size = len + OVERHEAD;
    if (bytes.length - pos < size) {
      throw new TFRecordError(
        'TRUNCATED_RECORD',
        `truncated record at byte ${pos} (record needs ${size} bytes, ${bytes.length - pos} remain)`,
        { offset: pos, record: offsets.length },
      );
    }
    offsets.push(pos);
    sizes.push(size);
    pos += size;
  }
  return new RecordIndex(offsets, sizes);
}

/** A half-open range of record numbers `[start, end)`. */
export interface RecordRange {
  start: number;
  end: number;
}

/**
 * The contiguous range of records that worker `index` of `numShards` takes out of
 * `count`: ranges cover every record once, in order, and differ in length by at most one.
 */
export function shardRange(count: number, numShards: number, index: number): RecordRange {
  checkInt('count', count, 0);
  checkInt('numShards', numShards, 1);
  checkInt('index', index, 0, numShards - 1);
  return {
    start: Math.floor((index * count) / numShards),
    end: Math.floor(((index + 1) * count) / numShards),
  };
}

/** Every {@link shardRange} of `count` records over `numShards` workers. */
export function shardRanges(count: number, numShards: number): RecordRange[] {
  checkInt('numShards', numShards, 1);
  return Array.from({ length: numShards }, (_, i) => shardRange(count, numShards, i));
}
