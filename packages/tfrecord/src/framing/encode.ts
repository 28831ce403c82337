/**
 * Writing TFRecord framing: uint64 LE length, masked CRC32C of those 8 bytes,
 * the data, masked CRC32C of the data (tensorflow/core/lib/io/record_writer.cc).
 */
import { TFRecordError } from '../errors.js';
import { crc32cRange, maskCrc } from './crc32c.js';

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
  checkRoom(target, offset, n);
  target.set(data, offset + 12);
  return frameInPlace(target, offset, n);
}

function checkRoom(target: Uint8Array, offset: number, n: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + n + RECORD_OVERHEAD > target.length) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected offset with room for ${n + RECORD_OVERHEAD} bytes in a target of ${target.length} bytes but received ${String(offset)} of type ${typeof offset}`,
    );
  }
}

/**
 * Writes the framing around `dataLength` bytes of data that already sit at
 * `offset + 12` in `target` (so an encoder can serialise straight into a batch
 * buffer), and returns the offset just past the record.
 */
export function frameInPlace(target: Uint8Array, offset: number, dataLength: number): number {
  const n = dataLength;
  checkRoom(target, offset, n);
  // Plain byte stores: a DataView per record costs more than the header itself.
  const hi = Math.floor(n / 0x1_0000_0000);
  target[offset] = n & 0xff;
  target[offset + 1] = (n >>> 8) & 0xff;
  target[offset + 2] = (n >>> 16) & 0xff;
  target[offset + 3] = (n >>> 24) & 0xff;
  target[offset + 4] = hi & 0xff;
  target[offset + 5] = (hi >>> 8) & 0xff;
  target[offset + 6] = (hi >>> 16) & 0xff;
  target[offset + 7] = (hi >>> 24) & 0xff;
  putUint32(target, offset + 8, maskCrc(crc32cRange(target, offset, offset + 8)));
  const p = offset + 12 + n;
  putUint32(target, p, maskCrc(crc32cRange(target, offset + 12, p)));
  return p + 4;
}

function putUint32(target: Uint8Array, p: number, v: number): void {
  target[p] = v & 0xff;
  target[p + 1] = (v >>> 8) & 0xff;
  target[p + 2] = (v >>> 16) & 0xff;
  target[p + 3] = v >>> 24;
}

/** One framed record (a new buffer of `data.length + 16` bytes). */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(recordSize(data.length));
  writeRecordInto(out, 0, data);
  return out;
}
