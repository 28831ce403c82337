/**
 * The byte source of the Node entry: a file (or any Node Readable) opened,
 * read, its compression detected from the first bytes and decompressed, with
 * every error naming the file. Every reader builds on these two functions.
 */
import { DETECT_BYTES, checkCompression, detectCompression } from '../../compression/index.js';
import type { Compression } from '../../compression/index.js';
import { TFRecordError } from '../../errors.js';
import { describe } from '../../framing/options.js';
import { ioError, isAborted, openCounted, readAbortError, readFileBytes } from './files.js';
import { inflate } from './inflate.js';

/** The first bytes of `raw` (at least 12 unless it ends sooner), and all of `raw` again from its first byte. */
async function peek(
  raw: AsyncIterator<Uint8Array, void, undefined>,
): Promise<{ head: Uint8Array; chunks: AsyncIterator<Uint8Array, void, undefined> }> {
  const first: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < DETECT_BYTES) {
    const r = await raw.next();
    if (r.done === true) {
      ended = true;
      break;
    }
    first.push(r.value);
    have += r.value.length;
  }
  let head = first.length === 1 ? first[0]! : new Uint8Array(have);
  if (first.length > 1) {
    let p = 0;
    for (const c of first) {
      head.set(c, p);
      p += c.length;
    }
  }
  head = head.subarray(0, Math.min(have, DETECT_BYTES));
  async function* again(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield* first;
      if (ended) return;
      for (;;) {
        const r = await raw.next();
        if (r.done === true) return;
        yield r.value;
      }
    } finally {
      await raw.return?.(undefined);
    }
  }
  return { head, chunks: again() };
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
  let chunks: AsyncIterator<Uint8Array, void, undefined> = raw;
  try {
    let c: Compression;
    if (compression === 'auto') {
      const peeked = await peek(raw);
      chunks = peeked.chunks;
      c = detectCompression(peeked.head);
    } else c = compression;
    if (c === 'none') {
      for (;;) {
        const r = await chunks.next();
        if (r.done === true) break;
        yield r.value;
      }
    } else yield* inflate(chunks, c);
  } catch (e) {
    throw ioError(e, name);
  } finally {
    await chunks.return?.(undefined);
    if (chunks !== raw) await raw.return(undefined);
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
