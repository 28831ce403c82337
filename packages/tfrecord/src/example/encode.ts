/**
 * Encoder for `tf.train.Example`, `SequenceExample` and `Feature`, byte-compatible
 * with TensorFlow's C++ serialisation: fields in proto order, packed float/int64
 * lists, map entries written key then value (both always present), maps in the
 * insertion order of the object. `Example.features`, `SequenceExample.context` and
 * `feature_lists` are always written, even when empty (TensorFlow omits an unset
 * submessage, so a record that lacked one gains 2 bytes). Two passes: sizes first, then one exact-size
 * Uint8Array is filled, so no buffer ever grows or moves.
 */
import { TFRecordError } from '../errors.js';
import type { Example, Feature, Features, SequenceExample } from './types.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * V8 keeps typed arrays of up to 64 bytes inside the JS heap; reading `.buffer`
 * of one moves it out (an allocation of its own), so short lists are handled
 * element by element instead of through a second view.
 */
const SMALL_BYTES = 64;
const SMALL_INT64 = SMALL_BYTES / 8;
/** Scratch for copying one float32's bytes (values are rounded exactly as Float32Array stores them). */
const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);

/** Bytes of the varint encoding of a non-negative integer below 2^53. */
function vsize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  return 6 + Math.floor(Math.log2(v / 0x800000000) / 7);
}

function writeVarint(out: Uint8Array, p: number, v: number): number {
  while (v > 0x7f) {
    out[p++] = (v & 0x7f) | 0x80;
    v = v > 0xffffffff ? Math.floor(v / 128) : v >>> 7;
  }
  out[p++] = v;
  return p;
}

/** Varint size of the int64 whose two's complement halves are `lo`, `hi` (hi signed). */
function int64Size(lo: number, hi: number): number {
  if (hi === 0) {
    lo >>>= 0;
    if (lo < 0x80) return 1;
    if (lo < 0x4000) return 2;
    if (lo < 0x200000) return 3;
    if (lo < 0x10000000) return 4;
    return 5;
  }
  if (hi < 0) return 10;
  if (hi < 0x8) return 5;
  if (hi < 0x400) return 6;
  if (hi < 0x20000) return 7;
  if (hi < 0x1000000) return 8;
  return 9;
}

function writeInt64(out: Uint8Array, p: number, lo: number, hi: number): number {
  lo >>>= 0;
  hi >>>= 0;
  while (hi !== 0 || lo > 0x7f) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out[p++] = lo;
  return p;
}

/** UTF-8 length of `s`, as TextEncoder would encode it (lone surrogates become U+FFFD). */
function utf8Length(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) len += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 2; // 4 bytes for 2 UTF-16 units
        i++;
      } else len += 2;
    } else len += 2;
  }
  return len;
}

function writeUtf8(out: Uint8Array, p: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
      continue;
    }
    if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[p++] = 0xf0 | (c >> 18);
        out[p++] = 0x80 | ((c >> 12) & 0x3f);
        out[p++] = 0x80 | ((c >> 6) & 0x3f);
        out[p++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = 0xfffd;
    }
    out[p++] = 0xe0 | (c >> 12);
    out[p++] = 0x80 | ((c >> 6) & 0x3f);
    out[p++] = 0x80 | (c & 0x3f);
  }
  return p;
}

function describe(v: unknown): string {
  if (v === null) return 'null of type object';
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return `${Array.isArray(v) ? 'an array' : typeof name === 'string' && name !== 'Object' ? `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}` : 'an object'} of type object`;
  }
  if (typeof v === 'string') return `${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)} of type string`;
  return `${String(v)} of type ${typeof v}`;
}

function badFeature(where: string, f: unknown): never {
  throw new TFRecordError(
    'INVALID_ARGUMENT',
    `Expected Feature ({ kind: 'int64' | 'float' | 'bytes' | 'none', values }) for ${where} but received ${describe(f)}`,
  );
}

/**
 * Per-call size plan: pass 1 appends, in traversal order, one number per feature
 * (int64/float packed payload bytes, bytes-list body bytes) and one per map key
 * (UTF-8 bytes); pass 2 reads them back in the same order.
 */
type Plan = number[];

/** Names a feature for messages; built only on failure, so the success path allocates nothing. */
function whereOf(what: string, key: string | null, index: number): string {
  return `${what}${key === null ? '' : `['${key}']`}${index < 0 ? '' : `[${index}]`}`;
}

/** Pass 1 for one feature: validates it, records its inner size, returns the Feature body size. */
function sizeFeature(f: Feature, plan: Plan, what: string, key: string | null, index: number): number {
  if (f === null || typeof f !== 'object') badFeature(whereOf(what, key, index), f);
  let inner: number;
  let lb: number;
  switch (f.kind) {
    case 'int64': {
      const values = f.values;
      if (!(values instanceof BigInt64Array)) badFeature(whereOf(what, key, index), f);
      const n = values.length;
      inner = 0;
      if (LITTLE_ENDIAN && n > SMALL_INT64) {
        const w = new Int32Array(values.buffer, values.byteOffset, n * 2);
        for (let i = 0; i < n; i++) inner += int64Size(w[2 * i]!, w[2 * i + 1]!);
      } else {
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          inner +=
            v >= 0n && v <= 0xffffffffn
              ? int64Size(Number(v), 0)
              : int64Size(Number(BigInt.asUintN(32, v)), Number(v >> 32n));
        }
      }
      lb = inner === 0 ? 0 : 1 + vsize(inner) + inner;
      break;
    }
    case 'float': {
      const values = f.values;
      if (!(values instanceof Float32Array)) badFeature(whereOf(what, key, index), f);
      inner = values.length * 4;
      lb = inner === 0 ? 0 : 1 + vsize(inner) + inner;
      break;
    }
    case 'bytes': {
      const values = f.values;
      if (!Array.isArray(values)) badFeature(whereOf(what, key, index), f);
      inner = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!(v instanceof Uint8Array)) {
          throw new TFRecordError(
            'INVALID_ARGUMENT',
            `Expected Uint8Array for ${whereOf(what, key, index)} bytes value ${i} but received ${describe(v)}`,
          );
        }
        inner += 1 + vsize(v.length) + v.length;
      }
      lb = inner;
      break;
    }
    case 'none':
      plan.push(0);
      return 0;
    default:
      badFeature(whereOf(what, key, index), f);
  }
  plan.push(inner);
  return 1 + vsize(lb) + lb;
}

/**
 * Writes a short float list value by value, avoiding a byte view of an in-heap
 * array. Returns false, having written garbage, when a value is NaN: NaN payloads
 * are only kept bit for bit by copying bytes, which the caller then does.
 */
function writeSmallFloats(out: Uint8Array, p: number, values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) return false;
    F32[0] = v;
    out[p++] = F32_BYTES[0]!;
    out[p++] = F32_BYTES[1]!;
    out[p++] = F32_BYTES[2]!;
    out[p++] = F32_BYTES[3]!;
  }
  return true;
}

/** Pass 2 for one feature: writes the Feature body at `p`, returns the new position. */
function writeFeature(out: Uint8Array, p: number, f: Feature, inner: number): number {
  switch (f.kind) {
    case 'int64': {
      const values = f.values;
      const lb = inner === 0 ? 0 : 1 + vsize(inner) + inner;
      out[p++] = 0x1a;
      p = writeVarint(out, p, lb);
      if (inner === 0) return p;
      out[p++] = 0x0a;
      p = writeVarint(out, p, inner);
      const n = values.length;
      if (LITTLE_ENDIAN && n > SMALL_INT64) {
        const w = new Int32Array(values.buffer, values.byteOffset, n * 2);
        for (let i = 0; i < n; i++) {
          const lo = w[2 * i]!;
          if (lo >= 0 && lo < 0x80 && w[2 * i + 1] === 0) out[p++] = lo;
          else p = writeInt64(out, p, lo, w[2 * i + 1]!);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          if (v >= 0n && v < 0x80n) out[p++] = Number(v);
          else if (v >= 0n && v <= 0xffffffffn) p = writeInt64(out, p, Number(v), 0);
          else p = writeInt64(out, p, Number(BigInt.asUintN(32, v)), Number(v >> 32n));
        }
      }
      return p;
    }
    case 'float': {
      const values = f.values;
      const lb = inner === 0 ? 0 : 1 + vsize(inner) + inner;
      out[p++] = 0x12;
      p = writeVarint(out, p, lb);
      if (inner === 0) return p;
      out[p++] = 0x0a;
      p = writeVarint(out, p, inner);
      if (LITTLE_ENDIAN && (inner > SMALL_BYTES || !writeSmallFloats(out, p, values))) {
        out.set(new Uint8Array(values.buffer, values.byteOffset, inner), p);
      } else if (!LITTLE_ENDIAN) {
        const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
        for (let i = 0; i < values.length; i++) view.setFloat32(p + 4 * i, values[i]!, true);
      }
      return p + inner;
    }
    case 'bytes': {
      const values = f.values;
      out[p++] = 0x0a;
      p = writeVarint(out, p, inner);
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        const n = v.length;
        out[p++] = 0x0a;
        p = writeVarint(out, p, n);
        if (n <= 16) for (let j = 0; j < n; j++) out[p + j] = v[j]!;
        else out.set(v, p);
        p += n;
      }
      return p;
    }
    default:
      return p;
  }
}

/** Feature body size from the planned inner size (mirrors {@link sizeFeature}). */
function featureBodySize(f: Feature, inner: number): number {
  if (f.kind === 'none') return 0;
  const lb = f.kind === 'bytes' ? inner : inner === 0 ? 0 : 1 + vsize(inner) + inner;
  return 1 + vsize(lb) + lb;
}

function checkMap(m: unknown, what: string): asserts m is Record<string, unknown> {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected object for ${what} but received ${describe(m)}`);
  }
}

/** Pass 1 for a `Features` map: returns its body size. */
function sizeFeatures(features: Features, keys: string[], plan: Plan, what: string): number {
  let total = 0;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const kl = utf8Length(key);
    plan.push(kl);
    const fb = sizeFeature(features[key] as Feature, plan, what, key, -1);
    const eb = 1 + vsize(kl) + kl + 1 + vsize(fb) + fb;
    total += 1 + vsize(eb) + eb;
  }
  return total;
}

/** Pass 2 for a `Features` map body; `i` indexes `plan`. Returns [new position, new plan index] packed as p. */
function writeFeatures(out: Uint8Array, p: number, features: Features, keys: string[], plan: Plan, i: number): number {
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const f = features[key] as Feature;
    const kl = plan[i++]!;
    const inner = plan[i++]!;
    const fb = featureBodySize(f, inner);
    const eb = 1 + vsize(kl) + kl + 1 + vsize(fb) + fb;
    out[p++] = 0x0a;
    p = writeVarint(out, p, eb);
    out[p++] = 0x0a;
    p = writeVarint(out, p, kl);
    p = writeUtf8(out, p, key);
    out[p++] = 0x12;
    p = writeVarint(out, p, fb);
    p = writeFeature(out, p, f, inner);
  }
  return p;
}

/** Pass 1 for an Example: validates it and plans sizes; returns the Features body size. */
function planExample(ex: Example, keysOut: string[][], plan: Plan): number {
  if (ex === null || typeof ex !== 'object') checkMap(ex, 'Example');
  const features = ex.features;
  checkMap(features, 'Example.features');
  const keys = Object.keys(features);
  keysOut.push(keys);
  return sizeFeatures(features, keys, plan, 'features');
}

function writeExample(out: Uint8Array, p: number, ex: Example, keys: string[], plan: Plan, fsize: number): number {
  out[p++] = 0x0a;
  p = writeVarint(out, p, fsize);
  return writeFeatures(out, p, ex.features, keys, plan, 0);
}

/**
 * Serialises a `tf.train.Example`. Features are written in the object's key
 * order; a single-feature Example is byte-identical to TensorFlow's output.
 * @throws TFRecordError INVALID_ARGUMENT for a value that is not a valid Feature.
 */
export function encodeExample(ex: Example): Uint8Array {
  const keys: string[][] = [];
  const plan: Plan = [];
  const fsize = planExample(ex, keys, plan);
  const out = new Uint8Array(1 + vsize(fsize) + fsize);
  writeExample(out, 0, ex, keys[0]!, plan, fsize);
  return out;
}

/** An Example validated and sized, ready to be written anywhere (see {@link prepareExample}). */
export interface PreparedExample {
  /** Serialised size in bytes. */
  readonly size: number;
  /** Writes the Example at `target[offset]` (room for `size` bytes is the caller's to ensure); returns the end offset. */
  writeInto(target: Uint8Array, offset: number): number;
}

/**
 * Plans `ex` once so a caller can learn its size, then serialise it straight
 * into its own buffer (a record writer frames it in place, with no copy).
 * @throws TFRecordError INVALID_ARGUMENT for a value that is not a valid Feature.
 */
export function prepareExample(ex: Example): PreparedExample {
  const keys: string[][] = [];
  const plan: Plan = [];
  const fsize = planExample(ex, keys, plan);
  return {
    size: 1 + vsize(fsize) + fsize,
    writeInto: (target, offset) => writeExample(target, offset, ex, keys[0]!, plan, fsize),
  };
}

/**
 * Serialised size in bytes of `ex` (what {@link encodeExample} would return).
 * @throws TFRecordError INVALID_ARGUMENT for a value that is not a valid Feature.
 */
export function exampleByteLength(ex: Example): number {
  const fsize = planExample(ex, [], []);
  return 1 + vsize(fsize) + fsize;
}

/**
 * Serialises `ex` straight into `target` at byte `offset` (default 0) and returns
 * the offset just past it, so a writer can frame records in one batch buffer
 * without allocating per record. Bytes beyond the Example are left untouched.
 * @throws TFRecordError INVALID_ARGUMENT when the Example is invalid or does not fit.
 */
export function encodeExampleInto(ex: Example, target: Uint8Array, offset = 0): number {
  if (!(target instanceof Uint8Array)) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected Uint8Array for target but received ${describe(target)}`);
  }
  const keys: string[][] = [];
  const plan: Plan = [];
  const fsize = planExample(ex, keys, plan);
  const size = 1 + vsize(fsize) + fsize;
  if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected offset with room for ${size} bytes in a target of ${target.length} bytes but received ${describe(offset)}`,
    );
  }
  return writeExample(target, offset, ex, keys[0]!, plan, fsize);
}

/**
 * Serialises a `tf.train.SequenceExample`: `context` (field 1) then
 * `feature_lists` (field 2), each in the object's key order.
 * @throws TFRecordError INVALID_ARGUMENT for a value that is not a valid Feature.
 */
export function encodeSequenceExample(se: SequenceExample): Uint8Array {
  if (se === null || typeof se !== 'object') checkMap(se, 'SequenceExample');
  const context = se.context;
  const lists = se.featureLists;
  checkMap(context, 'SequenceExample.context');
  checkMap(lists, 'SequenceExample.featureLists');
  const ckeys = Object.keys(context);
  const lkeys = Object.keys(lists);
  const plan: Plan = [];
  const csize = sizeFeatures(context, ckeys, plan, 'context');
  // Per list: key bytes, then per step its inner size; list and entry sizes are kept too.
  let lsize = 0;
  for (let k = 0; k < lkeys.length; k++) {
    const key = lkeys[k]!;
    const list = lists[key] as Feature[];
    if (!Array.isArray(list)) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected array of Feature for feature_lists['${key}'] but received ${describe(list)}`,
      );
    }
    const kl = utf8Length(key);
    plan.push(kl);
    const bodyAt = plan.length;
    plan.push(0);
    let body = 0;
    for (let j = 0; j < list.length; j++) {
      const fb = sizeFeature(list[j] as Feature, plan, 'feature_lists', key, j);
      body += 1 + vsize(fb) + fb;
    }
    plan[bodyAt] = body;
    const eb = 1 + vsize(kl) + kl + 1 + vsize(body) + body;
    lsize += 1 + vsize(eb) + eb;
  }
  const out = new Uint8Array(1 + vsize(csize) + csize + 1 + vsize(lsize) + lsize);
  out[0] = 0x0a;
  let p = writeVarint(out, 1, csize);
  p = writeFeatures(out, p, context, ckeys, plan, 0);
  let i = 2 * ckeys.length;
  out[p++] = 0x12;
  p = writeVarint(out, p, lsize);
  for (let k = 0; k < lkeys.length; k++) {
    const key = lkeys[k]!;
    const list = lists[key] as Feature[];
    const kl = plan[i++]!;
    const body = plan[i++]!;
    const eb = 1 + vsize(kl) + kl + 1 + vsize(body) + body;
    out[p++] = 0x0a;
    p = writeVarint(out, p, eb);
    out[p++] = 0x0a;
    p = writeVarint(out, p, kl);
    p = writeUtf8(out, p, key);
    out[p++] = 0x12;
    p = writeVarint(out, p, body);
    for (let j = 0; j < list.length; j++) {
      const f = list[j]!;
      const inner = plan[i++]!;
      out[p++] = 0x0a;
      p = writeVarint(out, p, featureBodySize(f, inner));
      p = writeFeature(out, p, f, inner);
    }
  }
  return out;
}

/**
 * Serialises one `tf.train.Feature` (the oneof kind with its packed list; a
 * `none` feature is zero bytes).
 * @throws TFRecordError INVALID_ARGUMENT for a value that is not a valid Feature.
 */
export function encodeFeature(feature: Feature): Uint8Array {
  const plan: Plan = [];
  const fb = sizeFeature(feature, plan, 'feature', null, -1);
  const out = new Uint8Array(fb);
  writeFeature(out, 0, feature, plan[0]!);
  return out;
}
