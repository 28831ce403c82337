/**
 * Reading TFRecord files on Node: plain, GZIP (every member) or ZLIB, from a
 * path or any Node Readable (standard input), through the entry's one byte
 * source (node/source/): 1 MiB reads, so most records are zero-copy views of
 * a chunk.
 */
import { checkCompression } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { decodeExample, decodeSequenceExample } from '../example/decode.js';
import type { Example, SequenceExample } from '../example/types.js';
import { RECORD_OVERHEAD } from '../framing/encode.js';
import { describe, resolveReaderOptions } from '../framing/options.js';
import type { RecordReaderOptions } from '../framing/options.js';
import { fileBytes, readAbortError, readableBytes, readerOptionsOf, recordsOf } from './source/index.js';

/** Options for reading a TFRecord file. */
export type FileReadOptions = RecordReaderOptions & {
  /** 'auto' (default) detects gzip/zlib/none from the first bytes, not the file name. */
  compression?: Compression | 'auto';
  /** Stops reading (error code ABORTED) and closes the file when fired. */
  signal?: AbortSignal;
};

/** Options for {@link openRecordStreamFrom}: those of {@link FileReadOptions}, and a name for messages. */
export type ReadableReadOptions = FileReadOptions & {
  /** What errors call the source (`err.file` and the message prefix); default '-'. */
  name?: string;
};

function checkOptions(options: FileReadOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected object for options but received ${describe(options)}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected AbortSignal for signal but received ${describe(options.signal)}`,
    );
  }
  checkCompression(options.compression ?? 'auto', true);
  resolveReaderOptions(readerOptionsOf(options));
}

/**
 * The records of the TFRecord file at `path`, as byte views (valid as long as
 * you keep them; a view may share memory with its neighbours). The file is
 * closed when the loop ends, breaks or throws, or when `signal` fires.
 * Errors are TFRecordErrors naming the file (`err.file`) and, for data errors,
 * the `offset` where the record starts (in the decompressed stream of a
 * gzip/zlib file). Arguments are checked before the file is opened.
 */
export async function* openRecordStream(
  path: string,
  options: FileReadOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof path !== 'string' || path === '') {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected non-empty string for path but received ${describe(path)}`);
  }
  checkOptions(options);
  const { signal } = options;
  if (signal?.aborted === true) throw readAbortError(signal, path);
  yield* recordsOf(fileBytes(path, { compression: options.compression ?? 'auto', signal }), path, {
    ...readerOptionsOf(options),
    signal,
  });
}

/**
 * The records read from a Node Readable (e.g. `process.stdin` for a `-`
 * argument) or any async iterable of byte chunks, exactly as
 * {@link openRecordStream} reads a file: compression detected from the first
 * bytes ('auto', default), every gzip member read, trailing bytes after a
 * compressed stream an error. Errors name `options.name` (default '-').
 * Ending the loop early destroys the readable.
 */
export async function* openRecordStreamFrom(
  readable: AsyncIterable<Uint8Array>,
  options: ReadableReadOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof (readable as Partial<AsyncIterable<Uint8Array>> | null)?.[Symbol.asyncIterator] !== 'function') {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected Readable or AsyncIterable<Uint8Array> for readable but received ${describe(readable)}`,
    );
  }
  checkOptions(options);
  const name = options.name ?? '-';
  if (typeof name !== 'string' || name === '') {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected non-empty string for name but received ${describe(name)}`);
  }
  const { signal } = options;
  if (signal?.aborted === true) throw readAbortError(signal, name);
  yield* recordsOf(readableBytes(readable, name, { compression: options.compression ?? 'auto', signal }), name, {
    ...readerOptionsOf(options),
    signal,
  });
}

/**
 * Decodes each record of `records` (read from `name`); a decode error names
 * the record number and the `offset` where that record starts in the file
 * (records follow each other without gaps, so offsets are running sums).
 */
async function* decodeAll<T>(
  records: AsyncGenerator<Uint8Array, void, undefined>,
  name: string,
  decode: (bytes: Uint8Array) => T,
): AsyncGenerator<T, void, undefined> {
  let index = 0;
  let offset = 0;
  for await (const record of records) {
    let value: T;
    try {
      value = decode(record);
    } catch (e) {
      throw isTFRecordError(e) ? e.atRecord(index, offset).withFile(name) : e;
    }
    index++;
    offset += record.length + RECORD_OVERHEAD;
    yield value;
  }
}

/** Each record of the file at `path` decoded as a tf.train.Example (see {@link openRecordStream}). */
export function readExamples(path: string, options?: FileReadOptions): AsyncGenerator<Example, void, undefined> {
  return decodeAll(openRecordStream(path, options), path, decodeExample);
}

/** Each record of the file at `path` decoded as a tf.train.SequenceExample (see {@link openRecordStream}). */
export function readSequenceExamples(
  path: string,
  options?: FileReadOptions,
): AsyncGenerator<SequenceExample, void, undefined> {
  return decodeAll(openRecordStream(path, options), path, decodeSequenceExample);
}
