/**
 * Reading TFRecord framing, in memory (zero-copy) and from chunked streams.
 * Errors follow tensorflow/core/lib/io/record_reader.cc: zero bytes at a record
 * boundary is the end; a partial header or body is TRUNCATED_RECORD; a checksum
 * mismatch is CORRUPTED_LENGTH / CORRUPTED_DATA; each carries the byte offset of
 * the record's first byte.
 */
import { TFRecordError } from '../errors.js';
import { crc32cRange, crc32cWalk, endCrcWalk, maskCrc } from './crc32c.js';
import { RECORD_OVERHEAD } from './encode.js';
import { resolveReaderOptions } from './options.js';
import type { RecordReaderOptions, ResolvedReaderOptions } from './options.js';
import { iterateChunks } from './source.js';
import type { ByteSource } from './source.js';

export type { RecordReaderOptions } from './options.js';
export { DEFAULT_MAX_RECORD_BYTES } from './options.js';

/** Bytes of a record header: uint64 length + uint32 masked CRC of the length. */
export const HEADER_BYTES = 12;

/** Where one record lies in a buffer: `offset` of its first header byte, `length` of its data in bytes. */
export interface RecordSpan {
  offset: number;
  length: number;
}

function le32(buf: Uint8Array, p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
}

function truncated(at: number, detail: string): TFRecordError {
  return new TFRecordError('TRUNCATED_RECORD', `truncated record at byte ${at} (${detail})`, { offset: at });
}

/**
 * Parses the header at `buf[pos]`, reporting errors at stream offset `at`.
 * The length is read as two uint32 words so values beyond 2^53 are caught, not rounded.
 */
function parseHeader(buf: Uint8Array, pos: number, o: ResolvedReaderOptions, at: number): number {
  const rem = buf.length - pos;
  if (rem < HEADER_BYTES) throw truncated(at, `header needs ${HEADER_BYTES} bytes, ${rem} remain`);
  const lo = le32(buf, pos);
  const hi = le32(buf, pos + 4);
  if (o.verifyChecksums && maskCrc(crc32cRange(buf, pos, pos + 8)) !== le32(buf, pos + 8)) {
    throw new TFRecordError('CORRUPTED_LENGTH', `corrupted record at byte ${at}: length checksum mismatch`, {
      offset: at,
    });
  }
  // hi >= 2^21 means length >= 2^53: not exactly representable, and always too large.
  if (hi >= 0x20_0000 || lo + hi * 0x1_0000_0000 > o.maxRecordBytes) {
    const len = ((BigInt(hi) << 32n) | BigInt(lo)).toString();
    throw new TFRecordError(
      'RECORD_TOO_LARGE',
      `record at byte ${at} is too large: length ${len} exceeds maxRecordBytes ${o.maxRecordBytes}`,
      { offset: at },
    );
  }
  return lo + hi * 0x1_0000_0000;
}

/** Verifies the data CRC of the record whose data is `buf[start, start + len)` and footer follows. */
function checkData(buf: Uint8Array, start: number, len: number, at: number): void {
  if (maskCrc(crc32cRange(buf, start, start + len)) !== le32(buf, start + len)) {
    throw new TFRecordError('CORRUPTED_DATA', `corrupted record at byte ${at}: data checksum mismatch`, {
      offset: at,
    });
  }
}

/**
 * Data length in bytes of the record whose header starts at `buf[pos]`.
 * Throws TFRecordError TRUNCATED_RECORD (fewer than 12 bytes), CORRUPTED_LENGTH
 * or RECORD_TOO_LARGE, with `offset` = `at`: where the record starts in its
 * file (default `pos`, for a buffer that begins at the file's first byte).
 * Does not look at the body.
 */
export function readRecordHeader(buf: Uint8Array, pos: number, options?: RecordReaderOptions, at = pos): number {
  return parseHeader(buf, pos, resolveReaderOptions(options), at);
}

function* spans(buf: Uint8Array, o: ResolvedReaderOptions): Generator<RecordSpan, void, undefined> {
  const n = buf.length;
  let pos = 0;
  while (pos < n) {
    const len = parseHeader(buf, pos, o, pos);
    const total = len + RECORD_OVERHEAD;
    const rem = n - pos;
    if (rem < total) throw truncated(pos, `record needs ${total} bytes, ${rem} remain`);
    if (o.verifyChecksums) checkData(buf, pos + HEADER_BYTES, len, pos);
    yield { offset: pos, length: len };
    pos += total;
  }
}

/**
 * Walks the records of a whole in-memory TFRecord stream, yielding where each
 * lies. Options are checked before the first record is read.
 */
export function decodeRecordSpans(
  buf: Uint8Array,
  options?: RecordReaderOptions,
): Generator<RecordSpan, void, undefined> {
  return spans(buf, resolveReaderOptions(options));
}

/**
 * Checks the whole records of `buf` that start in `[pos, limit)` and pushes a
 * view of each record's data to `out`; returns the position after the last
 * one, which is below `limit` only where the next record is incomplete.
 * Data errors are thrown (at stream offset `base + position`) after the good
 * records before them are in `out`. Synchronous from start to end, so the
 * CRC walk may hash from a staged copy: nothing can change `buf` meanwhile.
 * This is the hot loop of every read.
 */
function scan(
  buf: Uint8Array,
  pos: number,
  limit: number,
  o: ResolvedReaderOptions,
  base: number,
  out: Uint8Array[],
): number {
  const n = buf.length;
  const verify = o.verifyChecksums;
  const max = o.maxRecordBytes;
  // Views made with the Uint8Array constructor cost half what `subarray` does
  // (no species look-up); a Buffer or other subclass keeps its own kind of view.
  const plain = buf.constructor === Uint8Array;
  const ab = buf.buffer;
  const at0 = buf.byteOffset;
  try {
    while (pos < limit) {
      const rem = n - pos;
      if (rem < HEADER_BYTES) return pos;
      const lo = le32(buf, pos);
      const hi = le32(buf, pos + 4);
      if (verify && maskCrc(crc32cWalk(buf, pos, pos + 8)) !== le32(buf, pos + 8)) {
        throw new TFRecordError(
          'CORRUPTED_LENGTH',
          `corrupted record at byte ${base + pos}: length checksum mismatch`,
          {
            offset: base + pos,
          },
        );
      }
      // Lengths of 2^32 and more, or over the limit, take the careful path (RECORD_TOO_LARGE).
      const len = hi !== 0 || lo > max ? parseHeader(buf, pos, o, base + pos) : lo;
      const total = len + RECORD_OVERHEAD;
      if (rem < total) return pos;
      const start = pos + HEADER_BYTES;
      const end = start + len;
      if (verify && maskCrc(crc32cWalk(buf, start, end)) !== le32(buf, end)) {
        throw new TFRecordError('CORRUPTED_DATA', `corrupted record at byte ${base + pos}: data checksum mismatch`, {
          offset: base + pos,
        });
      }
      out.push(plain ? new Uint8Array(ab, at0 + start, len) : buf.subarray(start, end));
      pos += total;
    }
    return pos;
  } finally {
    endCrcWalk();
  }
}

/** Bytes of records checked per batch by {@link decodeRecords} before handing them out. */
const BATCH_BYTES = 256 * 1024;

function* views(buf: Uint8Array, o: ResolvedReaderOptions): Generator<Uint8Array, void, undefined> {
  const n = buf.length;
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < n) {
    const limit = Math.min(n, pos + BATCH_BYTES);
    let failure: unknown;
    try {
      pos = scan(buf, pos, limit, o, 0, out);
    } catch (e) {
      failure = e;
    }
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
    if (failure !== undefined) throw failure;
    if (pos < limit) {
      // The record at `pos` is incomplete: word the error as the stream readers do.
      const rem = n - pos;
      if (rem < HEADER_BYTES) throw truncated(pos, `header needs ${HEADER_BYTES} bytes, ${rem} remain`);
      throw truncated(pos, `record needs ${parseHeader(buf, pos, o, pos) + RECORD_OVERHEAD} bytes, ${rem} remain`);
    }
  }
}

/**
 * The records of a whole in-memory TFRecord stream, as zero-copy views into `buf`.
 * An empty buffer has no records; checksums are verified unless turned off.
 */
export function decodeRecords(buf: Uint8Array, options?: RecordReaderOptions): Generator<Uint8Array, void, undefined> {
  return views(buf, resolveReaderOptions(options));
}

const EMPTY = new Uint8Array(0);
/** First allocation for a record that spans chunks, unless the record is smaller. */
const MIN_SPAN_CAPACITY = 64 * 1024;

/**
 * Incremental record decoder: feed chunks in order, collect finished records.
 * Synchronous per chunk, so a caller's async generator pays one yield per
 * record and nothing per layer. A record inside one chunk is a view of it (no
 * copy); one that spans chunks is assembled in its own buffer, grown as its
 * bytes arrive, so a corrupt length never allocates more than about twice the
 * bytes actually received. Offsets count from `startOffset` at the first byte fed.
 */
export class RecordChunkDecoder {
  private readonly o: ResolvedReaderOptions;
  private base: number; // stream offset of the next chunk's first byte
  // A record split across chunks: its bytes so far, how many it needs in all
  // (12 until the header is known), its data length (-1 until then), its offset.
  private acc = EMPTY;
  private have = 0;
  private need = 0;
  private len = -1;
  private start = 0;
  private failed: TFRecordError | undefined;

  /**
   * `options` are checked here, once. `startOffset` (default 0) is where the
   * first byte fed lies in its file, so errors report file offsets when
   * reading starts mid-file (a record range).
   */
  constructor(options?: RecordReaderOptions, startOffset = 0) {
    this.o = resolveReaderOptions(options);
    this.base = startOffset;
  }

  private append(bytes: Uint8Array): void {
    if (this.have + bytes.length > this.acc.length) {
      const cap = Math.min(this.need, Math.max(this.acc.length * 2, this.have + bytes.length));
      const grown = new Uint8Array(cap);
      grown.set(this.acc.subarray(0, this.have));
      this.acc = grown;
    }
    this.acc.set(bytes, this.have);
    this.have += bytes.length;
  }

  /**
   * Appends to `out` each record completed by `chunk`. A data error is
   * returned (after the good records before it are in `out`), not thrown, so
   * the caller can hand those records out first; the decoder then stays failed.
   */
  push(chunk: Uint8Array, out: Uint8Array[]): TFRecordError | undefined {
    if (this.failed !== undefined) return this.failed;
    try {
      this.decode(chunk, out);
      return undefined;
    } catch (e) {
      if (!(e instanceof TFRecordError)) throw e;
      this.failed = e;
      return e;
    }
  }

  /** Call at the end of the stream: a TRUNCATED_RECORD error if a record is incomplete. */
  end(): TFRecordError | undefined {
    if (this.failed !== undefined) return this.failed;
    if (this.need === 0) return undefined;
    return truncated(
      this.start,
      this.len < 0
        ? `header needs ${HEADER_BYTES} bytes, ${this.have} remain`
        : `record needs ${this.need} bytes, ${this.have} remain`,
    );
  }

  private decode(chunk: Uint8Array, out: Uint8Array[]): void {
    const o = this.o;
    const n = chunk.length;
    const base = this.base;
    this.base += n;
    let pos = 0;
    while (this.need > 0 && pos < n) {
      const take = Math.min(this.need - this.have, n - pos);
      this.append(chunk.subarray(pos, pos + take));
      pos += take;
      if (this.have < this.need) return;
      if (this.len < 0) {
        this.len = parseHeader(this.acc, 0, o, this.start);
        this.need = this.len + RECORD_OVERHEAD;
        const grown = new Uint8Array(Math.min(this.need, Math.max(MIN_SPAN_CAPACITY, 2 * n)));
        grown.set(this.acc.subarray(0, this.have));
        this.acc = grown;
      } else {
        if (o.verifyChecksums) checkData(this.acc, HEADER_BYTES, this.len, this.start);
        out.push(this.acc.subarray(HEADER_BYTES, HEADER_BYTES + this.len));
        this.acc = EMPTY;
        this.have = 0;
        this.need = 0;
        this.len = -1;
      }
    }
    pos = scan(chunk, pos, n, o, base, out);
    if (pos === n) return;
    // The rest of the chunk is the start of a record: assemble it from the next chunks.
    const rem = n - pos;
    this.start = base + pos;
    this.have = 0;
    if (rem < HEADER_BYTES) {
      this.need = HEADER_BYTES;
      this.len = -1;
      this.acc = new Uint8Array(HEADER_BYTES);
    } else {
      const l = parseHeader(chunk, pos, o, base + pos);
      this.need = l + RECORD_OVERHEAD;
      this.len = l;
      this.acc = new Uint8Array(Math.min(this.need, Math.max(MIN_SPAN_CAPACITY, 2 * n)));
    }
    this.append(chunk.subarray(pos));
  }
}

/**
 * Records from a chunked stream, chunk boundaries anywhere (see
 * {@link RecordChunkDecoder} for copying and memory). Records may be views of
 * the source's chunks, so the source must not reuse a chunk's memory after
 * yielding it. Offsets in errors count from the first byte of the stream.
 * Options are checked before reading starts.
 */
export function readRecords(
  source: ByteSource,
  options?: RecordReaderOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  return streamRecords(source, new RecordChunkDecoder(options));
}

async function* streamRecords(
  source: ByteSource,
  decoder: RecordChunkDecoder,
): AsyncGenerator<Uint8Array, void, undefined> {
  const out: Uint8Array[] = [];
  for await (const chunk of iterateChunks(source)) {
    const err = decoder.push(chunk, out);
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
    if (err !== undefined) throw err;
  }
  const err = decoder.end();
  if (err !== undefined) throw err;
}
