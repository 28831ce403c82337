/**
 * The byte source of the Node entry: a file (or any Node Readable) opened,
 * read, its compression detected from the first bytes and decompressed, with
 * every error naming the file. Every reader builds on these two functions.
 */
import { DETECT_BYTES, checkCompression, detectCompression } from '../../compression/index.js';
import type { Compression } from '../../compression/index.js';
import { decompressAuto } from '../../dataset/records.js';
import { TFRecordError } from '../../errors.js';
import { describe } from '../../framing/options.js';
import { iterateChunks } from '../../framing/source.js';
import type { ByteSource } from '../../framing/source.js';
import { ioError, isAborted, openCounted, readAbortError, readFileBytes } from './files.js';
import { inflate } from './inflate.js';

/** node:zlib for gzip/zlib, pass-through for 'none'. */
async function* nodeDecompress(source: ByteSource, c: Compression): AsyncGenerator<Uint8Array, void, undefined> {
  const chunks = iterateChunks(source);
  if (c !== 'none') {
    yield* inflate(chunks, c);
    return;
  }
  try {
    for (;;) {
      const r = await chunks.next();
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * Decompressed chunks of the raw chunks `raw`: 'auto' detects gzip/zlib/none
 * from the first 12 bytes (not from a name); errors are named `name`.
 */
async function* decompressed(
  raw: AsyncGenerator<Uint8Array, void, undefined>,
  compression: Compression | 'auto',
  name: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* decompressAuto(raw, compression, nodeDecompress);
  } catch (e) {
    throw ioError(e, name);
  } finally {
    await raw.return(undefined);
  }
}

/** Options for {@link fileBytes} and {@link readableBytes}. */
export interface ByteSourceOptions {
  /** 'auto' (default) detects gzip/zlib/none from the first bytes, not the name. */
  compression?: Compression | 'auto';
  /** Stops reading with ABORTED (naming the source) and releases it. */
  signal?: AbortSignal | undefined;
  /** Bytes per read from disk (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * The decompressed bytes of the file at `path`, in chunks that are never
 * reused (records may view them). The file is opened once and closed when the
 * generator ends, breaks or throws. Errors are TFRecordErrors naming `path`:
 * IO (with the fs error as cause), COMPRESSION, ABORTED.
 */
export function fileBytes(path: string, options: ByteSourceOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const compression = checkCompression(options.compression ?? 'auto', true);
  return decompressed(
    readFileBytes(path, {
      signal: options.signal,
      ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }),
    }),
    compression,
    path,
  );
}

async function* readableChunks(
  readable: AsyncIterable<unknown>,
  name: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (isAborted(signal)) throw readAbortError(signal, name);
  for await (const chunk of readable) {
    if (isAborted(signal)) throw readAbortError(signal, name);
    if (!(chunk instanceof Uint8Array)) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected Uint8Array chunks from ${name} but received ${describe(chunk)} (a Readable in object or text mode?)`,
      );
    }
    yield chunk;
  }
}

/**
 * The decompressed bytes of a Node Readable (or any async iterable of byte
 * chunks), e.g. `process.stdin`, through the same detection and
 * decompression as files; errors name `name`. The readable is destroyed
 * (through its iterator) when the generator ends early.
 */
export function readableBytes(
  readable: AsyncIterable<Uint8Array>,
  name: string,
  options: ByteSourceOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const compression = checkCompression(options.compression ?? 'auto', true);
  return decompressed(readableChunks(readable, name, options.signal), compression, name);
}

/** The compression of the file at `path`, from its first 12 bytes (one short read). */
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
