/**
 * Writing TFRecord framing: uint64 LE length, masked CRC32C of those 8 bytes,
 * the data, masked CRC32C of the data (tensorflow/core/lib/io/record_writer.cc).
 */
import { TFRecordError } from '../errors.js';
import { crc32c, maskCrc } from './crc32c.js';

/** Bytes of framing around each record: 8 length + 4 length CRC + 4 data CRC. */
export const RECORD_OVERHEAD = 16;

/** Total framed size in bytes of a record holding `dataLength` bytes (= dataLength + 16). */
export function recordSize(dataLength: number): number {
  return dataLength + RECORD_OVERHEAD;
}

/**
 * Frames `data` into `target` at byte `offset` and returns the offset just past it.
 * Throws INVALID_ARGUMENT when `target` has fewer than `recordSize(data.length)` bytes left.
 */
export function writeRecordInto(target: Uint8Array, offset: number, data: Uint8Array): number {
  const n = data.length;
  const end = offset + n + RECORD_OVERHEAD;
  if (!Number.isInteger(offset) || offset < 0 || end > target.length) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected offset with room for ${n + RECORD_OVERHEAD} bytes in a target of ${target.length} bytes but received ${String(offset)} of type ${typeof offset}`,
    );
  }
  const view = new DataView(target.buffer, target.byteOffset + offset, RECORD_OVERHEAD - 4);
  view.setUint32(0, n >>> 0, true);
  // Lengths beyond 2^32 cannot occur for a Uint8Array today, but keep the high word right.
  view.setUint32(4, Math.floor(n / 0x1_0000_0000), true);
  view.setUint32(8, maskCrc(crc32c(target.subarray(offset, offset + 8))), true);
  target.set(data, offset + 12);
  const crc = maskCrc(crc32c(data));
  const p = offset + 12 + n;
  target[p] = crc & 0xff;
  target[p + 1] = (crc >>> 8) & 0xff;
  target[p + 2] = (crc >>> 16) & 0xff;
  target[p + 3] = crc >>> 24;
  return end;
}

/** One framed record (a new buffer of `data.length + 16` bytes). */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(recordSize(data.length));
  writeRecordInto(out, 0, data);
  return out;
}
