/**
 * GZIP and ZLIB around whole TFRecord streams, portable through the web
 * CompressionStream / DecompressionStream ('deflate' there is the zlib format).
 * Node 20's DecompressionStream('gzip') reads every member of a multi-member
 * gzip file, Chromium's stops after the first; gzip-members.ts handles both.
 * The Node entry uses node:zlib directly (faster), which reads every member too.
 */
import { TFRecordError } from '../errors.js';
import { describe } from '../framing/options.js';
import { iterateChunks } from '../framing/source.js';
import type { ByteSource } from '../framing/source.js';
import { COMPRESSIONS } from './detect.js';
import type { Compression } from './detect.js';
import { gunzipMembers, gzipStreamReadsAllMembers } from './gzip-members.js';
import type { WebTransform } from './gzip-members.js';

export { detectCompression, compressionFromPath, COMPRESSIONS, DETECT_BYTES } from './detect.js';
export type { Compression } from './detect.js';

/** Checks a `compression` argument; `allowAuto` also accepts 'auto'. */
export function checkCompression(value: unknown, allowAuto: boolean): Compression | 'auto' {
  if (allowAuto && value === 'auto') return 'auto';
  if (typeof value === 'string' && (COMPRESSIONS as readonly string[]).includes(value)) return value as Compression;
  const allowed = [...COMPRESSIONS, ...(allowAuto ? ['auto'] : [])].map((c) => `'${c}'`).join(', ');
  throw new TFRecordError(
    'INVALID_ARGUMENT',
    `Expected one of ${allowed} for compression but received ${describe(value)}`,
  );
}

const FORMAT = { gzip: 'gzip', zlib: 'deflate' } as const;

function compressionError(compression: Compression, e: unknown, decompressing: boolean): TFRecordError {
  const detail = e instanceof Error ? e.message : String(e);
  const what = decompressing ? `invalid or truncated ${compression} data` : `${compression} compression failed`;
  return new TFRecordError('COMPRESSION', `${what}: ${detail}`, { cause: e });
}

/**
 * Runs `source` through a web transform stream, with backpressure, and yields
 * its output. Errors of the source itself pass through unchanged; errors of the
 * transform become COMPRESSION errors. Stopping early cancels both sides.
 */
async function* transform(
  source: ByteSource,
  stream: WebTransform,
  compression: Compression,
  decompressing: boolean,
): AsyncGenerator<Uint8Array, void, undefined> {
  const writer = stream.writable.getWriter();
  let sourceError: { e: unknown } | undefined;
  let stop = false;
  const pump = (async () => {
    const chunks = iterateChunks(source);
    try {
      for (;;) {
        let r: IteratorResult<Uint8Array, void>;
        try {
          r = await chunks.next();
        } catch (e) {
          if (!stop) sourceError = { e };
          await writer.abort(e).catch(() => undefined);
          return;
        }
        if (r.done || stop) break;
        await writer.ready;
        if (stop) break;
        // Awaiting write() would also wait for the consumer; ready is enough backpressure.
        writer.write(r.value).catch(() => undefined);
      }
      if (!stop) await writer.close();
    } catch {
      // The transform failed; the reader side reports it.
    } finally {
      if (stop) await chunks.return().catch(() => undefined);
    }
  })();
  const reader = stream.readable.getReader();
  let finished = false;
  try {
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (e) {
        await pump;
        if (sourceError !== undefined) throw sourceError.e;
        throw compressionError(compression, e, decompressing);
      }
      if (r.done) break;
      yield r.value;
    }
    finished = true;
    await pump;
    if (sourceError !== undefined) throw sourceError.e;
  } finally {
    if (!finished) {
      stop = true;
      await reader.cancel().catch(() => undefined);
    }
    reader.releaseLock();
  }
}

const gunzipStream = (): WebTransform => new DecompressionStream('gzip') as unknown as WebTransform;

/** The plain stream where it reads every member, else the member-by-member reader. */
async function* gunzip(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (await gzipStreamReadsAllMembers(gunzipStream)) yield* transform(source, gunzipStream(), 'gzip', true);
  else yield* gunzipMembers(source, gunzipStream);
}

/**
 * Decompressed bytes of `source`. 'none' passes chunks through; 'gzip' reads
 * every member of a multi-member file; 'zlib' is RFC 1950. Bad or truncated
 * compressed data is a TFRecordError COMPRESSION (with the cause), never a quiet end.
 */
export function decompress(source: ByteSource, compression: Compression): AsyncGenerator<Uint8Array, void, undefined> {
  const c = checkCompression(compression, false) as Compression;
  if (c === 'none') return iterateChunks(source);
  // The cast: DOM and Node typings disagree on the chunk types of these streams.
  if (c === 'gzip') return gunzip(source);
  return transform(source, new DecompressionStream(FORMAT[c]) as unknown as WebTransform, c, true);
}

/** Compressed bytes of `source` ('none' passes chunks through). */
export function compress(source: ByteSource, compression: Compression): AsyncGenerator<Uint8Array, void, undefined> {
  const c = checkCompression(compression, false) as Compression;
  if (c === 'none') return iterateChunks(source);
  return transform(source, new CompressionStream(FORMAT[c]) as unknown as WebTransform, c, false);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of chunks) {
    parts.push(c);
    total += c.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of parts) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}

function checkBytes(bytes: unknown): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected Uint8Array for bytes but received ${describe(bytes)}`);
  }
}

/** `bytes` compressed as a whole ('none' returns `bytes` itself). */
export async function compressBytes(bytes: Uint8Array, compression: Compression): Promise<Uint8Array> {
  checkBytes(bytes);
  if (checkCompression(compression, false) === 'none') return bytes;
  return collect(compress(once(bytes), compression));
}

/** `bytes` decompressed as a whole ('none' returns `bytes` itself). */
export async function decompressBytes(bytes: Uint8Array, compression: Compression): Promise<Uint8Array> {
  checkBytes(bytes);
  if (checkCompression(compression, false) === 'none') return bytes;
  return collect(decompress(once(bytes), compression));
}
