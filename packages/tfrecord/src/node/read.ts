/**
 * Reading TFRecord files on Node: plain, GZIP (every member) or ZLIB, from a
 * path or any Node Readable (standard input), through the entry's one byte
 * source (node/source/): 1 MiB reads, so most records are zero-copy views of
 * a chunk.
 */
import { checkCompression } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { TFRecordError } from '../errors.js';
import { decodeExample, decodeSequenceExample } from '../example/decode.js';
import type { Example, SequenceExample } from '../example/types.js';
import { describe, resolveReaderOptions } from '../framing/options.js';
import type { RecordReaderOptions } from '../framing/options.js';
import { readableBytes, readerOptionsOf, recordsOf, recordsOfBatches } from './source/index.js';
import { checkWorker, fileBatches } from './worker/choose.js';

/** Options for reading a TFRecord file. */
export type FileReadOptions = RecordReaderOptions & {
  /** 'auto' (default) detects gzip/zlib/none from the first bytes, not the file name. */
  compression?: Compression | 'auto';
  /** Stops reading (error code ABORTED) and closes the file when fired. */
  signal?: AbortSignal;
  /**
   * Read, decompress, frame and verify on a worker thread, so that only
   * making views and decoding is left to this one (default false). It
   * needs a free core: on a busy machine the two threads take turns, slower
   * than one. Measured quiet on 2 cores (bench/tfrecord.mjs):
   * readExamples of a 58 MB file in a running process 464 -> 568 MB/s; but a
   * fresh process pays the thread's start-up (about 100 ms), and whole
   * `pastiche tfrecord verify` runs of 134 MB and 232 MB files took the same
   * time either way, so it is off unless asked for. One idle worker is kept
   * for the next file, so a long-running process pays the start-up once. The
   * records are the same, and so are the errors (code, message, offset, file,
   * record). Read-ahead is bounded (a few batches of about 2 MiB); ending the
   * loop, an error or `signal` stops the worker and closes the file.
   */
  worker?: boolean;
};

/**
 * Options for {@link openRecordStreamFrom}: those of {@link FileReadOptions}
 * but `worker` (a readable is read on this thread), and a name for messages.
 */
export type ReadableReadOptions = Omit<FileReadOptions, 'worker'> & {
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
  checkWorker(options.worker);
  resolveReaderOptions(readerOptionsOf(options));
}

/** An iterator that rejects with `e` on its first `next()`, as a generator checking its arguments would. */
// biome-ignore lint/correctness/useYield: it only throws, on first use.
async function* rejected(e: unknown): AsyncGenerator<never, void, undefined> {
  throw e;
}

function checkPath(path: unknown): void {
  if (typeof path !== 'string' || path === '') {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected non-empty string for path but received ${describe(path)}`);
  }
}

/** The records (mapped) of the file at `path`; argument errors reject the first `next()`, unnamed. */
function fileRecords<T>(
  path: string,
  options: FileReadOptions,
  map?: (record: Uint8Array) => T,
): AsyncGenerator<T, void, undefined> {
  try {
    checkPath(path);
    checkOptions(options);
  } catch (e) {
    return rejected(e);
  }
  const { signal } = options;
  const reader = readerOptionsOf(options);
  const open = () =>
    fileBatches(path, {
      compression: options.compression ?? 'auto',
      reader,
      signal,
      worker: checkWorker(options.worker),
    });
  return recordsOfBatches(open, path, { ...reader, signal }, map) as AsyncGenerator<T, void, undefined>;
}

/**
 * The records of the TFRecord file at `path`, as byte views (valid as long as
 * you keep them; a view may share memory with its neighbours). The file is
 * closed when the loop ends, breaks or throws, or when `signal` fires.
 * Errors are TFRecordErrors naming the file (`err.file`) and, for data errors,
 * the `offset` where the record starts (in the decompressed stream of a
 * gzip/zlib file). Arguments are checked before the file is opened; every
 * error, argument errors too, rejects a `next()` call.
 */
export function openRecordStream(
  path: string,
  options: FileReadOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return fileRecords(path, options);
}

/**
 * The records read from a Node Readable (e.g. `process.stdin` for a `-`
 * argument) or any async iterable of byte chunks, exactly as
 * {@link openRecordStream} reads a file: compression detected from the first
 * bytes ('auto', default), every gzip member read, trailing bytes after a
 * compressed stream an error. Errors name `options.name` (default '-').
 * Ending the loop early destroys the readable.
 */
export function openRecordStreamFrom(
  readable: AsyncIterable<Uint8Array>,
  options: ReadableReadOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    if (typeof (readable as Partial<AsyncIterable<Uint8Array>> | null)?.[Symbol.asyncIterator] !== 'function') {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected Readable or AsyncIterable<Uint8Array> for readable but received ${describe(readable)}`,
      );
    }
    checkOptions(options);
    if (typeof options.name !== 'undefined' && (typeof options.name !== 'string' || options.name === '')) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected non-empty string for name but received ${describe(options.name)}`,
      );
    }
  } catch (e) {
    return rejected(e);
  }
  const name = options.name ?? '-';
  const { signal } = options;
  return recordsOf(() => readableBytes(readable, name, { compression: options.compression ?? 'auto', signal }), name, {
    ...readerOptionsOf(options),
    signal,
  });
}

/**
 * Each record of the file at `path` decoded as a tf.train.Example (see
 * {@link openRecordStream}); a decode error names the record number and the
 * `offset` where the record starts in the file.
 */
export function readExamples(path: string, options: FileReadOptions = {}): AsyncGenerator<Example, void, undefined> {
  return fileRecords(path, options, decodeExample);
}

/** Each record of the file at `path` decoded as a tf.train.SequenceExample (see {@link readExamples}). */
export function readSequenceExamples(
  path: string,
  options: FileReadOptions = {},
): AsyncGenerator<SequenceExample, void, undefined> {
  return fileRecords(path, options, decodeSequenceExample);
}
