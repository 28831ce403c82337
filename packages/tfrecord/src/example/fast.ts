/**
 * The fast path of {@link decodeExample}: records laid out the way writers
 * lay them out (TensorFlow, tfjs, ours): one `features` field; each map entry
 * a key, then one value or none; each Feature one list or none; each numeric
 * list one packed chunk, each bytes list a run of values. It reads such a
 * record in one pass with local state, without the general decoder's
 * bookkeeping for error messages, and gives up (returns undefined) at the
 * first byte that is anything else: unknown or repeated fields, unpacked
 * lists, a value before its key, any malformed byte. The general decoder then
 * decodes the record from the start, with its full semantics and exact
 * errors, so the fast path only ever returns what the general one would
 * (test/example-fast.test.ts checks both on every golden file and on mutated
 * records). On seed-shaped records, alternating in one process, it took
 * 1.1-1.4x less time than the general decoder (bench/tfrecord.mjs).
 */
import { mapKeyAt } from './keys.js';
import { NONE_FEATURE, nullPrototypeMap, putEntry } from './maps.js';
import { LITTLE_ENDIAN, joinInt64, packedFloats } from './packed.js';
import type { Feature, Features } from './types.js';

/**
 * Second results, so no call allocates a tuple: `end` of the last length read
 * by {@link len} (it returns the value's start), halves of the last varint
 * read by {@link varint}. One object with fields, not module-level `let`s,
 * which cost a context slot and a hole check at every use.
 */
const last = { end: 0, lo: 0, hi: 0 };

/**
 * Reads a length prefix at `p` (at most 4 bytes: values under 256 MiB) whose
 * value must end by `end`; returns the value's start and leaves its end in
 * `last.end`, or returns -1.
 */
function len(buf: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  let b = buf[p++] as number;
  let n = b & 0x7f;
  if (b >= 0x80) {
    if (p >= end) return -1;
    b = buf[p++] as number;
    n |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      if (p >= end) return -1;
      b = buf[p++] as number;
      n |= (b & 0x7f) << 14;
      if (b >= 0x80) {
        if (p >= end) return -1;
        b = buf[p++] as number;
        if (b >= 0x80) return -1;
        n |= b << 21;
      }
    }
  }
  if (n > end - p) return -1;
  last.end = p + n;
  return p;
}

/**
 * Reads a multi-byte varint at `p` that the caller knows ends before `end`
 * (the chunk's last byte has no continuation bit) into `last.lo`/`last.hi`, as the
 * general decoder does (bits beyond 64 dropped); returns the next position,
 * or -1 past 10 bytes.
 */
function varint(buf: Uint8Array, p: number): number {
  let b = buf[p++] as number;
  let lo = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    b = buf[p++] as number;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      last.lo = lo;
      last.hi = 0;
      return p;
    }
  }
  b = buf[p++] as number;
  lo |= (b & 0x0f) << 28;
  let hi = (b & 0x7f) >>> 4;
  for (let shift = 3; b >= 0x80; shift += 7) {
    if (shift > 31) return -1;
    b = buf[p++] as number;
    hi |= (b & 0x7f) << shift;
  }
  last.lo = lo;
  last.hi = hi;
  return p;
}

/** The int64 values of one packed chunk `[p, e)` whose last byte ends a varint, or undefined. */
function int64s(buf: Uint8Array, p: number, e: number): BigInt64Array | undefined {
  let count = 0;
  for (let q = p; q < e; q++) if ((buf[q] as number) < 0x80) count++;
  const out = new BigInt64Array(count);
  // Up to 8 values the array lives in the JS heap, where taking `.buffer` for a
  // second view would move it out: a bigint each is cheaper there.
  const words = count > 8 ? new Int32Array(out.buffer) : null;
  for (let i = 0; p < e; i++) {
    const b = buf[p] as number;
    let lo = b;
    let hi = 0;
    if (b < 0x80) p++;
    else {
      p = varint(buf, p);
      if (p < 0) return undefined;
      lo = last.lo;
      hi = last.hi;
    }
    if (words !== null) {
      words[2 * i] = lo;
      words[2 * i + 1] = hi;
    } else out[i] = hi === 0 && lo >= 0 ? BigInt(lo) : joinInt64(lo, hi);
  }
  return out;
}

/**
 * The Feature body `[p, ee)` (non-empty) if it is exactly one list laid out as
 * writers lay it out, else undefined. `plain`, `ab` and `base` describe `buf`
 * (a plain Uint8Array, its ArrayBuffer and byte offset), fetched once per record.
 */
function feature(
  buf: Uint8Array,
  p: number,
  ee: number,
  plain: boolean,
  ab: ArrayBufferLike,
  base: number,
): Feature | undefined {
  const t = buf[p] as number;
  p = len(buf, p + 1, ee);
  if (p < 0 || last.end !== ee) return undefined;
  if (t === 0x0a) {
    // BytesList: a run of field-1 values.
    let values: Uint8Array[] | undefined;
    while (p < ee) {
      if (buf[p] !== 0x0a) return undefined;
      const s = len(buf, p + 1, ee);
      if (s < 0) return undefined;
      p = last.end;
      const v = plain ? new Uint8Array(ab, base + s, p - s) : buf.subarray(s, p);
      if (values === undefined) values = [v];
      else values.push(v);
    }
    return { kind: 'bytes', values: values ?? [] };
  }
  if (t === 0x12) {
    // FloatList: one packed chunk, or nothing.
    if (p === ee) return { kind: 'float', values: new Float32Array(0) };
    if (buf[p] !== 0x0a) return undefined;
    const s = len(buf, p + 1, ee);
    if (s < 0 || last.end !== ee || ((ee - s) & 3) !== 0) return undefined;
    return { kind: 'float', values: packedFloats(ab, base + s, ee - s) };
  }
  if (t === 0x1a) {
    // Int64List: one packed chunk, or nothing.
    if (p === ee) return { kind: 'int64', values: new BigInt64Array(0) };
    if (buf[p] !== 0x0a) return undefined;
    const s = len(buf, p + 1, ee);
    if (s < 0 || last.end !== ee || (s < ee && (buf[ee - 1] as number) >= 0x80)) return undefined;
    const values = int64s(buf, s, ee);
    return values === undefined ? undefined : { kind: 'int64', values };
  }
  return undefined;
}

/**
 * The features of `buf` if it is a canonically laid out Example, else
 * undefined (decode it with the general decoder). `buf` is non-empty.
 */
export function fastFeatures(buf: Uint8Array): Features | undefined {
  const n = buf.length;
  if (!LITTLE_ENDIAN || buf[0] !== 0x0a) return undefined;
  let p = len(buf, 1, n);
  if (p < 0 || last.end !== n) return undefined;
  const features = nullPrototypeMap<Feature>();
  const plain = buf.constructor === Uint8Array;
  const ab = buf.buffer;
  const base = buf.byteOffset;
  let entry = 0;
  while (p < n) {
    // Map entry: key (field 1), then value (field 2), nothing else.
    if (buf[p] !== 0x0a) return undefined;
    p = len(buf, p + 1, n);
    if (p < 0) return undefined;
    const ee = last.end;
    if (buf[p] !== 0x0a) return undefined;
    const ks = len(buf, p + 1, ee);
    if (ks < 0) return undefined;
    const ke = last.end;
    const key = mapKeyAt(buf, ks, ke);
    if (key === undefined) return undefined;
    // No value, or an empty one: a Feature with no kind, as in the general
    // decoder (TensorFlow writes an empty one for a feature given no values).
    let f: Feature = NONE_FEATURE;
    if (ke < ee) {
      if (buf[ke] !== 0x12) return undefined;
      p = len(buf, ke + 1, ee);
      if (p < 0 || last.end !== ee) return undefined;
      if (p < ee) {
        const v = feature(buf, p, ee, plain, ab, base);
        if (v === undefined) return undefined;
        f = v;
      }
    }
    putEntry(features, entry++, key, f);
    p = ee;
  }
  return features;
}
