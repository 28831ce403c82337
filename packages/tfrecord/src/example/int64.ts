/**
 * Exact int64 values (BigInt64Array, as decoded) to JavaScript numbers, refusing
 * any value a number cannot hold exactly (beyond ±(2^53 - 1)).
 */
import { TFRecordError } from '../errors.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const MAX = Number.MAX_SAFE_INTEGER;

function unsafe(v: bigint, field: string | undefined, index: number): never {
  const name =
    field === undefined ? (index < 0 ? 'value' : `element ${index}`) : index < 0 ? field : `${field}[${index}]`;
  throw new TFRecordError(
    'INVALID_ARGUMENT',
    `Expected int64 between -${MAX} and ${MAX} for ${name} but received ${v} of type bigint`,
  );
}

/**
 * The int64 `v` as a number.
 * @param field name used in the error message (e.g. the feature name).
 * @throws TFRecordError INVALID_ARGUMENT when |v| > 2^53 - 1 (the number would be inexact).
 */
export function int64ToNumber(v: bigint, field?: string): number {
  if (v > 9007199254740991n || v < -9007199254740991n) unsafe(v, field, -1);
  return Number(v);
}

/**
 * Every element of `a` as a number, in a Float64Array of the same length.
 * @param field name used in the error message, which also gives the element index.
 * @throws TFRecordError INVALID_ARGUMENT when an element is beyond ±(2^53 - 1).
 */
export function int64ArrayToNumbers(a: BigInt64Array, field?: string): Float64Array {
  const n = a.length;
  const out = new Float64Array(n);
  // Short arrays live in the JS heap, where a second view would first move them out.
  if (LITTLE_ENDIAN && n > 8) {
    // Reading the two 32-bit halves avoids creating a bigint per element.
    const w = new Int32Array(a.buffer, a.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      // hi * 2^32 is exact; rounding of the sum is monotonic, so any value beyond
      // the safe range lands at or beyond 2^53 and is caught.
      const v = w[2 * i + 1]! * 4294967296 + (w[2 * i]! >>> 0);
      if (v > MAX || v < -MAX) unsafe(a[i]!, field, i);
      out[i] = v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = a[i]!;
      if (v > 9007199254740991n || v < -9007199254740991n) unsafe(v, field, i);
      out[i] = Number(v);
    }
  }
  return out;
}
