/**
 * node:zlib decompression for every reader of the Node entry (the only place
 * the entry wires zlib; faster than the web DecompressionStream). Ends are
 * checked the same way for both formats: a gzip file may hold several members
 * (read to the end), but any byte after the last member or after the end of
 * a zlib stream is a COMPRESSION error, never a quiet short read.
 */
import { createGunzip, createInflate } from 'node:zlib';
import type { Gunzip, Inflate } from 'node:zlib';
import { TFRecordError } from '../../errors.js';
import { CHUNK_BYTES } from './files.js';

/** Decompressed chunks queued before the inflater is paused (backpressure). */
const MAX_QUEUED = 4;

/** A node:zlib failure (code `Z_*`) as COMPRESSION; anything else unchanged. */
function zlibError(e: unknown, compression: 'gzip' | 'zlib'): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TFRecordError('COMPRESSION', `invalid or truncated ${compression} data: ${message}`, { cause: e });
}

/**
 * The decompressed bytes of the compressed chunks `raw` ('gzip': every member;
 * 'zlib': RFC 1950). Errors of `raw` pass through unchanged; bad, truncated or
 * trailing compressed data is TFRecordError COMPRESSION (without a file: the
 * caller names it). Output chunks are never reused, so records may view them.
 * Stopping early destroys the inflater and closes `raw`.
 */
export async function* inflate(
  raw: AsyncIterator<Uint8Array, void, undefined>,
  compression: 'gzip' | 'zlib',
): AsyncGenerator<Uint8Array, void, undefined> {
  const z: Gunzip | Inflate =
    compression === 'gzip' ? createGunzip({ chunkSize: CHUNK_BYTES }) : createInflate({ chunkSize: CHUNK_BYTES });
  const queue: Uint8Array[] = [];
  let ended = false;
  let failure: { e: unknown } | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // Driven by hand rather than piped: the loop must know exactly how many
  // compressed bytes went in, and pull the source only when zlib wants more.
  z.on('data', (c: Buffer) => {
    queue.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    if (queue.length >= MAX_QUEUED) z.pause();
    poke();
  });
  z.on('end', () => {
    ended = true;
    poke();
  });
  z.on('error', (e) => {
    failure = { e };
    poke();
  });
  z.on('drain', poke);
  let fed = 0;
  let inputDone = false;
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (failure !== undefined) throw zlibError(failure.e, compression);
      if (ended) break;
      if (z.isPaused()) z.resume();
      if (!inputDone && !z.writableNeedDrain) {
        const r = await raw.next();
        if (r.done === true) {
          inputDone = true;
          z.end();
        } else if (r.value.length > 0) {
          fed += r.value.length;
          z.write(r.value);
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    // zlib stops at the end of its stream (gzip: of the last member it
    // recognised) and drops whatever follows; count those bytes and fail.
    const used = z.bytesWritten;
    let trailing = fed - used;
    while (!inputDone) {
      const r = await raw.next();
      if (r.done === true) inputDone = true;
      else trailing += r.value.length;
    }
    if (trailing > 0) {
      throw new TFRecordError(
        'COMPRESSION',
        `invalid ${compression} data: ${trailing} unexpected bytes after the end of the ${compression} stream at compressed byte ${used}`,
      );
    }
  } finally {
    z.destroy();
    if (!inputDone) await raw.return?.(undefined).catch(() => undefined);
  }
}
