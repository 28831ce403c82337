/** Recognising how a TFRecord stream is compressed from its first bytes. */
import { crc32c, maskCrc } from '../framing/crc32c.js';

/** How a whole TFRecord file is compressed (headers included, not per record). */
export type Compression = 'none' | 'gzip' | 'zlib';

/** All values of {@link Compression}. */
export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zlib'];

/**
 * The compression a file name implies, as TensorFlow's writers are usually
 * named: `.gz` gzip, `.zz` zlib, anything else none. Used when writing, where
 * there are no bytes to look at yet.
 */
export function compressionFromPath(path: string): Compression {
  if (path.endsWith('.gz')) return 'gzip';
  if (path.endsWith('.zz')) return 'zlib';
  return 'none';
}

/** Bytes {@link detectCompression} wants to see: one record header. */
export const DETECT_BYTES = 12;

function isRecordHeader(h: Uint8Array): boolean {
  if (h.length < DETECT_BYTES) return false;
  const stored = (h[8]! | (h[9]! << 8) | (h[10]! << 16) | (h[11]! << 24)) >>> 0;
  return maskCrc(crc32c(h.subarray(0, 8))) === stored;
}

/**
 * Guesses the compression from the first bytes of a stream (give at least 12).
 * A valid record header (length CRC matches) wins, because an uncompressed
 * record's length may itself start with a gzip or zlib magic byte. Otherwise
 * gzip is `1f 8b`, and zlib is a deflate CMF/FLG pair (RFC 1950: method 8,
 * window <= 32 KiB, no preset dictionary, (CMF * 256 + FLG) % 31 == 0).
 * Anything else, including an empty stream, is 'none'.
 */
export function detectCompression(head: Uint8Array): Compression {
  if (isRecordHeader(head)) return 'none';
  if (head.length < 2) return 'none';
  const b0 = head[0]!;
  const b1 = head[1]!;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if ((b0 & 0x0f) === 8 && b0 >>> 4 <= 7 && (b1 & 0x20) === 0 && (b0 * 256 + b1) % 31 === 0) return 'zlib';
  return 'none';
}
