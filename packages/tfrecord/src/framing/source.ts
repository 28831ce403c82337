/** Uniform iteration over the byte sources the package accepts. */
import { TFRecordError } from '../errors.js';
import { describe } from './options.js';

/** A stream of byte chunks: any async iterable, or a web ReadableStream. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return typeof s === 'object' && s !== null && typeof (s as ReadableStream).getReader === 'function';
}

/**
 * Iterates `source` chunk by chunk. A ReadableStream is read through its reader
 * (not every browser makes streams async-iterable) and cancelled if the
 * consumer stops early, so the underlying file or socket is released.
 */
export async function* iterateChunks(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (!isReadableStream(source)) {
    if (typeof (source as Partial<AsyncIterable<Uint8Array>>)?.[Symbol.asyncIterator] !== 'function') {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected AsyncIterable<Uint8Array> or ReadableStream<Uint8Array> for source but received ${describe(source)}`,
      );
    }
    for await (const chunk of source) yield checkChunk(chunk);
    return;
  }
  const reader = source.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield checkChunk(r.value);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function checkChunk(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TFRecordError('INVALID_ARGUMENT', `Expected Uint8Array for chunk but received ${describe(chunk)}`);
}
