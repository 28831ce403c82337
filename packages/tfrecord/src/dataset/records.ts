/**
 * Record streams as Dataset sources, portable: from bytes in memory or from any
 * byte stream (fetch bodies, files), with compression detection and optional
 * tolerant reading that counts corrupt records instead of failing.
 *
 * What tolerant reading (`skipCorrupt`) skips: TFRecord framing cannot resync
 * after a bad length (there is no sync marker), so
 * - a record whose data checksum does not match is skipped alone (counted as a
 *   `record` skip) and reading goes on with the next record;
 * - a bad length checksum, a length beyond `maxRecordBytes`, a truncated record
 *   or bad compressed data ends that stream (file) there, counted as a `rest`
 *   skip; the dataset goes on with the next file.
 */
import { TFRecordError } from '../errors.js';
import { detectCompression, decompress, DETECT_BYTES } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { crc32c, maskCrc } from '../framing/crc32c.js';
import { readRecords } from '../framing/decode.js';
import { resolveReaderOptions } from '../framing/options.js';
import type { RecordReaderOptions, ResolvedReaderOptions } from '../framing/options.js';
import { iterateChunks } from '../framing/source.js';
import type { ByteSource } from '../framing/source.js';
import { decodeExample, decodeSequenceExample } from '../example/decode.js';
import type { Example, SequenceExample } from '../example/types.js';
import { Dataset } from './dataset.js';
import { SkipCounter, isDataError } from './skip.js';
import type { IterationContext } from './types.js';
import { invalid } from './validate.js';

/** Options for record sources. */
export interface RecordSourceOptions extends RecordReaderOptions {
  /** 'auto' (default) detects gzip/zlib/none from the first bytes. */
  compression?: Compression | 'auto';
  /**
   * Count corrupt records instead of failing (see the module notes for what
   * is skipped): `true` for a fresh counter per dataset, or a {@link SkipCounter}
   * to read the counts from. Default false: the first error fails the iteration.
   */
  skipCorrupt?: boolean | SkipCounter;
}

/** Resolves `skipCorrupt` to a counter, or undefined when off. */
export function skipCounterOf(option: unknown): SkipCounter | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return new SkipCounter();
  if (option instanceof SkipCounter) return option;
  return invalid('skipCorrupt', 'boolean or SkipCounter', option);
}

function le32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/**
 * Records of a byte stream, skipping corrupt ones and counting them in `counter`
 * (see the module notes). Errors of the source that are not data errors
 * (I/O, aborts) still throw. Offsets in the counted errors are stream offsets.
 * A record that spans chunks is assembled once in a buffer of its exact size.
 */
export async function* readRecordsSkipping(
  source: ByteSource,
  counter: SkipCounter,
  options?: RecordReaderOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const o: ResolvedReaderOptions = resolveReaderOptions(options);
  /** Data length of the header at buf[pos], or -1 after counting a fatal header error. */
  const header = (buf: Uint8Array, pos: number, at: number): number => {
    if (o.verifyChecksums && maskCrc(crc32c(buf.subarray(pos, pos + 8))) !== le32(buf, pos + 8)) {
      counter.add(
        'rest',
        new TFRecordError('CORRUPTED_LENGTH', `corrupted record at byte ${at}: length checksum mismatch`, {
          offset: at,
        }),
      );
      return -1;
    }
    const lo = le32(buf, pos);
    const hi = le32(buf, pos + 4);
    const len = lo + hi * 0x1_0000_0000;
    if (hi >= 0x20_0000 || len > o.maxRecordBytes) {
      counter.add(
        'rest',
        new TFRecordError(
          'RECORD_TOO_LARGE',
          `record at byte ${at} is too large: length ${hi >= 0x20_0000 ? ((BigInt(hi) << 32n) | BigInt(lo)).toString() : len} exceeds maxRecordBytes ${o.maxRecordBytes}`,
          { offset: at },
        ),
      );
      return -1;
    }
    return len;
  };
  /** The record data at buf[pos] (length len), or undefined after counting a bad data checksum. */
  const body = (buf: Uint8Array, pos: number, len: number, at: number): Uint8Array | undefined => {
    const data = buf.subarray(pos + 12, pos + 12 + len);
    if (o.verifyChecksums && maskCrc(crc32c(data)) !== le32(buf, pos + 12 + len)) {
      counter.add(
        'record',
        new TFRecordError('CORRUPTED_DATA', `corrupted record at byte ${at}: data checksum mismatch`, { offset: at }),
      );
      return undefined;
    }
    return data;
  };

  // A record split across chunks: its bytes so far, how many it needs (12
  // until the header is known), and its stream offset.
  let acc = new Uint8Array(12);
  let have = 0;
  let need = 0;
  let start = 0;
  let base = 0;
  const chunks = iterateChunks(source);
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array, void>;
      try {
        r = await chunks.next();
      } catch (e) {
        if (!isDataError(e)) throw e;
        counter.add('rest', e);
        return;
      }
      if (r.done === true) break;
      const chunk = r.value;
      const n = chunk.length;
      let pos = 0;
      while (need > 0 && pos < n) {
        const take = Math.min(need - have, n - pos);
        acc.set(chunk.subarray(pos, pos + take), have);
        have += take;
        pos += take;
        if (have < need) break;
        if (need === 12) {
          const len = header(acc, 0, start);
          if (len < 0) return;
          need = len + 16;
          const grown = new Uint8Array(need);
          grown.set(acc.subarray(0, 12));
          acc = grown;
          continue;
        }
        const data = body(acc, 0, need - 16, start);
        acc = new Uint8Array(12);
        have = 0;
        need = 0;
        if (data !== undefined) yield data;
      }
      while (pos < n) {
        const at = base + pos;
        const rem = n - pos;
        if (rem < 12) {
          start = at;
          acc = new Uint8Array(12);
          acc.set(chunk.subarray(pos));
          have = rem;
          need = 12;
          break;
        }
        const len = header(chunk, pos, at);
        if (len < 0) return;
        const total = len + 16;
        if (rem < total) {
          start = at;
          acc = new Uint8Array(total);
          acc.set(chunk.subarray(pos));
          have = rem;
          need = total;
          break;
        }
        const data = body(chunk, pos, len, at);
        pos += total;
        if (data !== undefined) yield data;
      }
      base += n;
    }
    if (need > 0) {
      counter.add(
        'rest',
        new TFRecordError(
          'TRUNCATED_RECORD',
          `truncated record at byte ${start} (${need === 12 ? `header needs 12 bytes, ${have} remain` : `record needs ${need} bytes, ${have} remain`})`,
          { offset: start },
        ),
      );
    }
  } finally {
    await chunks.return(undefined);
  }
}

/** A decompressor: the decompressed chunks of `source` for a known compression. */
export type Decompressor = (
  source: ByteSource,
  compression: Compression,
) => AsyncGenerator<Uint8Array, void, undefined>;

/**
 * `source` decompressed: `compression` 'auto' looks at the first 12 bytes
 * (read ahead, then passed on), anything else is used as given. `decompressor`
 * (default: the portable web-stream one) does the work once the compression
 * is known; the Node entry passes node:zlib.
 */
export async function* decompressAuto(
  source: ByteSource,
  compression: Compression | 'auto',
  decompressor: Decompressor = decompress,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (compression !== 'auto') {
    yield* decompressor(source, compression);
    return;
  }
  const chunks = iterateChunks(source);
  const head: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  try {
    while (have < DETECT_BYTES) {
      const r = await chunks.next();
      if (r.done === true) {
        ended = true;
        break;
      }
      head.push(r.value);
      have += r.value.length;
    }
    const first = head.length === 1 ? head[0]! : new Uint8Array(have);
    if (head.length > 1) {
      let p = 0;
      for (const h of head) {
        first.set(h, p);
        p += h.length;
      }
    }
    const detected = detectCompression(first.subarray(0, DETECT_BYTES));
    async function* rest(): AsyncGenerator<Uint8Array, void, undefined> {
      yield* head;
      if (!ended) {
        for (;;) {
          const r = await chunks.next();
          if (r.done === true) return;
          yield r.value;
        }
      }
    }
    yield* decompressor(rest(), detected);
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * Records of a (possibly compressed) byte stream: strict by default, or
 * tolerant with a counter (see {@link RecordSourceOptions.skipCorrupt}).
 */
export function decodeRecordStream(
  source: ByteSource,
  options: RecordSourceOptions = {},
  counter: SkipCounter | undefined = skipCounterOf(options.skipCorrupt),
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader: RecordReaderOptions = {
    ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  };
  const bytes = decompressAuto(source, options.compression ?? 'auto');
  return counter === undefined ? readRecords(bytes, reader) : readRecordsSkipping(bytes, counter, reader);
}

/**
 * A dataset of the records of a byte stream opened afresh per iteration
 * (e.g. `() => fetch(url).then(r => r.body!)`), or of bytes in memory.
 * Chain: `records`.
 */
export function recordDataset(
  source: Uint8Array | ((ctx: IterationContext) => ByteSource | Promise<ByteSource>),
  options: RecordSourceOptions = {},
): Dataset<Uint8Array> {
  resolveReaderOptions(options);
  const counter = skipCounterOf(options.skipCorrupt);
  const open =
    source instanceof Uint8Array
      ? () => source
      : typeof source === 'function'
        ? source
        : invalid('source', 'Uint8Array or function returning a byte stream', source);
  return Dataset.fromIterable(
    async function* (ctx) {
      const opened = await open(ctx);
      const bytes: ByteSource = opened instanceof Uint8Array ? once(opened) : opened;
      yield* decodeRecordStream(bytes, options, counter);
    },
    { name: 'records' },
  );
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}

function decodeEach<T>(records: Dataset<Uint8Array>, name: string, decode: (bytes: Uint8Array) => T): Dataset<T> {
  return records.apply(
    name,
    async function* (up) {
      let i = 0;
      for await (const r of up()) {
        let value: T;
        try {
          value = decode(r);
        } catch (e) {
          // Records of several files flow through here, so no file offset is known.
          throw e instanceof TFRecordError ? e.atRecord(i) : e;
        }
        i++;
        yield value;
      }
    },
    (s) => s,
  );
}

/** Decodes each record as a tf.train.Example; an undecodable record is INVALID_PROTO naming its number. Chain: `examples`. */
export function decodeExamples(records: Dataset<Uint8Array>): Dataset<Example> {
  return decodeEach(records, 'examples', decodeExample);
}

/** Decodes each record as a tf.train.SequenceExample (errors as {@link decodeExamples}). Chain: `sequenceExamples`. */
export function decodeSequenceExamples(records: Dataset<Uint8Array>): Dataset<SequenceExample> {
  return decodeEach(records, 'sequenceExamples', decodeSequenceExample);
}
