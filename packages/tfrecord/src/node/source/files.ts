/**
 * Opening and reading files for every reader of the Node entry: one counted
 * open (see {@link activeFileCount}), chunked reads that never reuse memory a
 * record may still view, and fs errors as TFRecordError IO naming the file.
 */
import { Buffer } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { TFRecordError, isTFRecordError } from '../../errors.js';

/** Bytes per read from disk and per decompressed chunk, unless a reader asks otherwise: 1 MiB. */
export const CHUNK_BYTES = 1024 * 1024;

let openFiles = 0;
const EMPTY = new Uint8Array(0);

/**
 * Number of files the readers of this entry (record streams, dataset sources,
 * counting, index building, RecordFiles) hold open right now. Diagnostics: it
 * returns to 0 when every iteration has ended, broken off or been aborted.
 */
export function activeFileCount(): number {
  return openFiles;
}

/** Any error met while reading `name` as a TFRecordError naming it (fs errors become IO, with the cause). */
export function ioError(e: unknown, name: string): TFRecordError {
  if (isTFRecordError(e)) return e.withFile(name);
  const message = e instanceof Error ? e.message : String(e);
  return new TFRecordError('IO', `${name}: ${message}`, { file: name, cause: e });
}

/** The TFRecordError ABORTED for `signal` (reason as cause), naming `name`. */
export function readAbortError(signal: AbortSignal, name: string): TFRecordError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? `: ${reason.message}` : '';
  return new TFRecordError('ABORTED', `${name}: reading aborted${why}`, { cause: reason, file: name });
}

/** True once `signal` has fired (a call, so TypeScript does not narrow it away between checks). */
export function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

/** A FileHandle counted in {@link activeFileCount} until `closeCounted()`. */
export type CountedFile = FileHandle & { closeCounted(): Promise<void> };

/** Opens `path` for reading, counted in {@link activeFileCount}; failures are IO errors naming it. */
export async function openCounted(path: string): Promise<CountedFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(e, path);
  }
  openFiles++;
  let closed = false;
  return Object.assign(fh, {
    async closeCounted(): Promise<void> {
      if (closed) return;
      closed = true;
      openFiles--;
      await fh.close().catch(() => undefined);
    },
  });
}

/** Options for {@link readFileBytes}. */
export interface FileBytesOptions {
  /** First byte to read (default 0). Giving `start` or `end` makes every read positioned. */
  start?: number;
  /** Byte to stop before (default: end of file); a file that ends earlier is TRUNCATED_RECORD. */
  end?: number;
  /** Checked before every read: ABORTED naming the file. */
  signal?: AbortSignal | undefined;
  /** Bytes per read buffer (default {@link CHUNK_BYTES}). */
  chunkBytes?: number;
}

/**
 * Raw bytes of `path` in `[start, end)`, in chunks of up to `chunkBytes`; the
 * file is closed when the generator finishes, breaks or throws. A whole-file
 * read uses the file position rather than offsets, so pipes and character
 * devices (`/dev/stdin`) read as well as regular files. A short read fills the
 * rest of the same buffer next time, never memory already handed out; a
 * chunk that covers its whole ArrayBuffer is never written to again, so a
 * reader may transfer that buffer.
 */
export async function* readFileBytes(
  path: string,
  options: FileBytesOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal } = options;
  if (isAborted(signal)) throw readAbortError(signal, path);
  const positioned = options.start !== undefined || options.end !== undefined;
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const fh = await openCounted(path);
  try {
    let pos = options.start ?? 0;
    const end = options.end ?? Infinity;
    let buf = new Uint8Array(0);
    let used = 0;
    while (pos < end) {
      if (isAborted(signal)) throw readAbortError(signal, path);
      if (used === buf.length) {
        // Not zero-filled: only bytes the read wrote are ever handed out.
        const b = Buffer.allocUnsafeSlow(Math.min(chunkBytes, end - pos));
        buf = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        used = 0;
      }
      const want = Math.min(buf.length - used, end - pos);
      let n: number;
      try {
        n = (await fh.read(buf, used, want, positioned ? pos : null)).bytesRead;
      } catch (e) {
        throw ioError(e, path);
      }
      if (n === 0) {
        if (end !== Infinity) {
          // No `offset`: the end of the file is not where a record starts.
          throw new TFRecordError(
            'TRUNCATED_RECORD',
            `${path}: file ends at byte ${pos}, expected data up to byte ${end}`,
            { file: path },
          );
        }
        return;
      }
      const chunk = buf.subarray(used, used + n);
      used += n;
      pos += n;
      // A full buffer is let go before it is handed out: nothing here touches
      // it again, so a reader may transfer it to another thread (worker/).
      if (used === buf.length) {
        buf = EMPTY;
        used = 0;
      }
      yield chunk;
    }
  } finally {
    await fh.closeCounted();
  }
}
