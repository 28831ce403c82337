/**
 * Reading TFRecord files on Node: plain, GZIP (.gz, every member) or ZLIB
 * (.zz), decompressed with node:zlib (faster than the web streams), read in
 * 1 MiB chunks so most records are zero-copy views of a chunk.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { Gunzip, Inflate } from 'node:zlib';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { checkCompression, detectCompression, DETECT_BYTES } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { RecordChunkDecoder } from '../framing/decode.js';
import { describe } from '../framing/options.js';
import type { RecordReaderOptions } from '../framing/options.js';
import { decodeExample, decodeSequenceExample } from '../example/decode.js';
import type { Example, SequenceExample } from '../example/types.js';

/** Options for reading a TFRecord file. */
export type FileReadOptions = RecordReaderOptions & {
  /** 'auto' (default) detects gzip/zlib/none from the first bytes, not the file name. */
  compression?: Compression | 'auto';
  /** Stops reading (error code ABORTED) and closes the file when fired. */
  signal?: AbortSignal;
};

/** Bytes per read from disk and per decompressed chunk: 1 MiB. */
const CHUNK_BYTES = 1024 * 1024;

function abortError(signal: AbortSignal): TFRecordError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? `: ${reason.message}` : '';
  return new TFRecordError('ABORTED', `reading aborted${why}`, { cause: reason });
}

/** A node:zlib or fs error as a TFRecordError naming `path`. */
function fileError(e: unknown, path: string, compression: Compression): TFRecordError {
  if (isTFRecordError(e)) return e.withFile(path);
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new TFRecordError('COMPRESSION', `${path}: invalid or truncated ${compression} data: ${message}`, {
      file: path,
      cause: e,
    });
  }
  return new TFRecordError('IO', `${path}: ${message}`, { file: path, cause: e });
}

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
}

async function detect(fh: FileHandle): Promise<Compression> {
  const head = new Uint8Array(DETECT_BYTES);
  const { bytesRead } = await fh.read(head, 0, DETECT_BYTES, 0);
  return detectCompression(head.subarray(0, bytesRead));
}

/**
 * The records of the TFRecord file at `path`, as byte views (valid as long as
 * you keep them; a view may share memory with its neighbours). The file is
 * closed when the loop ends, breaks or throws, or when `signal` fires.
 * Errors are TFRecordErrors naming the file (`err.file`) and, for data errors,
 * the byte offset in the uncompressed stream.
 */
export async function* openRecordStream(
  path: string,
  options: FileReadOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof path !== 'string' || path === '') {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected non-empty string for path but received ${describe(path)}`);
  }
  checkOptions(options);
  const compressionOption = checkCompression(options.compression ?? 'auto', true);
  const decoder = new RecordChunkDecoder({
    ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  });
  const { signal } = options;
  if (signal?.aborted === true) throw abortError(signal).withFile(path);

  let compression: Compression = compressionOption === 'auto' ? 'none' : compressionOption;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fileError(e, path, compression);
  }
  const streams: Readable[] = [];
  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    for (const s of streams) s.destroy();
  };
  const isAborted = (): boolean => aborted || signal?.aborted === true;
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (compressionOption === 'auto') compression = await detect(fh);
    const file = fh.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES, autoClose: false });
    streams.push(file);
    let source: Readable = file;
    let inflater: Gunzip | Inflate | undefined;
    if (compression !== 'none') {
      const z =
        compression === 'gzip' ? createGunzip({ chunkSize: CHUNK_BYTES }) : createInflate({ chunkSize: CHUNK_BYTES });
      inflater = z;
      streams.push(z);
      // pipe() does not forward errors: a read error must fail the inflater too.
      file.on('error', (e) => z.destroy(e));
      source = file.pipe(z);
    }
    // The signal may have fired while the header was read, before the streams existed.
    if (isAborted()) onAbort();
    // One async layer: the decoder is synchronous per chunk.
    const out: Uint8Array[] = [];
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      // Hand out plain Uint8Array views, not Buffers.
      const err = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), out);
      for (let i = 0; i < out.length && !aborted; i++) yield out[i]!;
      out.length = 0;
      if (aborted) break;
      if (err !== undefined) throw err;
    }
    if (aborted && signal !== undefined) throw abortError(signal);
    // node:zlib's inflate stops at the end of the first zlib stream and drops
    // whatever follows; that would be a silent truncation, so report it.
    if (inflater !== undefined && compression === 'zlib' && inflater.bytesWritten < file.bytesRead) {
      throw new TFRecordError(
        'COMPRESSION',
        `invalid zlib data: ${file.bytesRead - inflater.bytesWritten} unexpected bytes after the end of the zlib stream at compressed byte ${inflater.bytesWritten}`,
      );
    }
    const err = decoder.end();
    if (err !== undefined) throw err;
  } catch (e) {
    if (aborted && signal !== undefined) throw abortError(signal).withFile(path);
    throw fileError(e, path, compression);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const s of streams) s.destroy();
    await fh.close().catch(() => undefined);
  }
}

function withRecord(e: unknown, index: number): unknown {
  if (!isTFRecordError(e) || e.record !== undefined) return e;
  return new TFRecordError(e.code, `record ${index}: ${e.message}`, {
    record: index,
    cause: e,
    ...(e.offset === undefined ? {} : { offset: e.offset }),
  });
}

async function* decodeAll<T>(
  path: string,
  options: FileReadOptions | undefined,
  decode: (bytes: Uint8Array) => T,
): AsyncGenerator<T, void, undefined> {
  let index = 0;
  for await (const record of openRecordStream(path, options)) {
    let value: T;
    try {
      value = decode(record);
    } catch (e) {
      const err = withRecord(e, index);
      throw isTFRecordError(err) ? err.withFile(path) : err;
    }
    index++;
    yield value;
  }
}

/** Each record of the file at `path` decoded as a tf.train.Example (see {@link openRecordStream}). */
export function readExamples(path: string, options?: FileReadOptions): AsyncGenerator<Example, void, undefined> {
  return decodeAll(path, options, decodeExample);
}

/** Each record of the file at `path` decoded as a tf.train.SequenceExample (see {@link openRecordStream}). */
export function readSequenceExamples(
  path: string,
  options?: FileReadOptions,
): AsyncGenerator<SequenceExample, void, undefined> {
  return decodeAll(path, options, decodeSequenceExample);
}
