/**
 * Hand-written decoder for `tf.train.Example`, `SequenceExample` and `Feature`
 * (tensorflow/core/example/{feature,example}.proto, protobuf wire format:
 * https://protobuf.dev/programming-guides/encoding/).
 *
 * Semantics follow the C++ protobuf parser: packed and unpacked lists, several
 * chunks per list, map entries with fields in any order (missing key = "",
 * missing value = a Feature with no kind), the last duplicate map key wins, a
 * oneof set twice keeps the last kind, repeated embedded messages merge (two
 * `float_list` fields of one Feature concatenate), unknown fields (groups too)
 * are skipped. Every malformed input is a `TFRecordError('INVALID_PROTO')` naming
 * the message, the byte (`position`, from the start of the given bytes) and the field.
 */
import { TFRecordError } from '../errors.js';
import { fastFeatures } from './fast.js';
import { mapKeyAt } from './keys.js';
import { NONE_FEATURE, nullPrototypeMap, putEntry } from './maps.js';
import { LITTLE_ENDIAN, dataViewOf, joinInt64, packedFloats } from './packed.js';
import type { Example, Feature, Features, SequenceExample } from './types.js';

/** Nesting limit for unknown groups (protobuf's default recursion limit). */
const MAX_GROUP_DEPTH = 100;

const KIND_NONE = 0; // 1 = bytes_list, the remaining kind
const KIND_FLOAT = 2;
const KIND_INT64 = 3;
const LIST_NAMES = ['', 'bytes_list', 'float_list', 'int64_list'] as const;

const EMPTY_BYTES: Uint8Array[] = [];

/**
 * Decoding state for one top-level message. The fields that describe where we
 * are (`where`, `key`, `index`, `list`) exist only to word error messages; they
 * are plain assignments so the success path builds no strings.
 */
class Decoder {
  buf: Uint8Array;
  /**
   * True when `buf` is a plain Uint8Array (not a Buffer or other subclass):
   * then bytes values are made with the Uint8Array constructor over
   * `buf.buffer`, about twice as fast as `subarray` (which looks up the
   * species constructor) and the same result.
   */
  plain = false;
  /**
   * `buf.buffer`, fetched once per message on first use: the getter is a
   * call into the runtime, and one message makes several views.
   */
  private ab: ArrayBufferLike | undefined;
  /** Top-level message type, for messages ("Example", "SequenceExample", "Feature"). */
  msg: string;
  /**
   * Low and high 32 bits of the last varint read by {@link varint64}. `lo` also
   * returns a second result from {@link tag} (the position after the tag) and
   * {@link length} (the start of the value), so no call allocates a tuple.
   */
  lo = 0;
  hi = 0;
  /** Path context: container field, map key (null before it is known), list index, list name. */
  where = '';
  mapField = '';
  key: string | null = null;
  index = -1;
  list = 0;
  /** Feature being scanned: kind, first chunk, further chunks as flat [start, end, ...]. */
  fk = KIND_NONE;
  fs = 0;
  fe = 0;
  fmore: number[] | null = null;
  /** Value chunks of the last map entry: first chunk, further chunks as flat [start, end, ...]. */
  vs = -1;
  ve = -1;
  vmore: number[] | null = null;

  constructor(buf: Uint8Array, msg: string) {
    this.buf = buf;
    this.msg = msg;
  }

  /**
   * Starts decoding `buf` as a `msg`, resetting every field: one decoder is
   * reused for every record (decoding is synchronous and never re-entered),
   * which saves an allocation per record.
   */
  reset(buf: Uint8Array, msg: string): this {
    this.buf = buf;
    this.plain = buf.constructor === Uint8Array;
    this.ab = undefined;
    this.msg = msg;
    this.lo = 0;
    this.hi = 0;
    this.fk = KIND_NONE;
    this.fmore = null;
    this.vs = -1;
    this.vmore = null;
    this.top();
    return this;
  }

  /** The ArrayBuffer under `buf` (cached for this message). */
  buffer(): ArrayBufferLike {
    let ab = this.ab;
    if (ab === undefined) {
      ab = this.buf.buffer;
      this.ab = ab;
    }
    return ab;
  }

  /** A DataView over the whole ArrayBuffer of `buf` (index it with `buf.byteOffset + p`). */
  dataView(): DataView {
    return dataViewOf(this.buffer());
  }

  path(): string {
    let p = this.where;
    if (this.mapField !== '') {
      p +=
        this.key === null
          ? `.${this.mapField} (map entry)`
          : `.${this.mapField}['${this.key.replace(/[\\']/g, '\\$&')}']`;
    }
    if (this.index >= 0) p += `.feature[${this.index}]`;
    if (this.list !== KIND_NONE) p += (p === '' ? '' : '.') + LIST_NAMES[this.list];
    return p;
  }

  fail(what: string, at: number): never {
    const path = this.path();
    throw new TFRecordError(
      'INVALID_PROTO',
      `invalid ${this.msg}: ${what} at byte ${at}${path === '' ? '' : ` (${path})`}`,
      { position: at },
    );
  }

  /** Reads a field tag at `p` (< end); returns it and leaves the new position in `this.lo`. */
  tag(p: number, end: number): number {
    const buf = this.buf;
    const at = p;
    let b = buf[p++] as number;
    let t = b & 0x7f;
    if (b >= 0x80) {
      let shift = 7;
      for (;;) {
        if (p >= end) this.fail('truncated tag', at);
        b = buf[p++] as number;
        if (shift === 28) {
          if (b > 0x0f) this.fail('tag larger than 32 bits', at);
          t = (t | (b << 28)) >>> 0;
          break;
        }
        t |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
    }
    if (t >>> 3 === 0) this.fail(`invalid field number 0 (tag ${t})`, at);
    this.lo = p;
    return t;
  }

  /** Reads a length prefix at `p`; returns the end of the value and leaves its start in `this.lo`. */
  length(p: number, end: number): number {
    const buf = this.buf;
    const at = p;
    if (p >= end) this.fail('truncated length', at);
    let b = buf[p++] as number;
    let len = b & 0x7f;
    if (b >= 0x80) {
      let mul = 128;
      for (let i = 1; ; i++) {
        if (p >= end) this.fail('truncated length', at);
        if (i === 10) this.fail('varint longer than 10 bytes', at);
        b = buf[p++] as number;
        len += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
    }
    if (len > end - p) this.fail(`length ${len} runs past the end of the message`, at);
    this.lo = p;
    return p + len;
  }

  /** Reads a varint at `p` into `this.lo`/`this.hi` (two's complement halves); returns the new position. */
  varint64(p: number, end: number): number {
    const buf = this.buf;
    const at = p;
    if (p >= end) this.fail('truncated varint', at);
    let b = buf[p++] as number;
    if (b < 0x80) {
      this.lo = b;
      this.hi = 0;
      return p;
    }
    let lo = b & 0x7f;
    let hi = 0;
    for (let shift = 7; shift < 28; shift += 7) {
      if (p >= end) this.fail('truncated varint', at);
      b = buf[p++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo;
        this.hi = 0;
        return p;
      }
    }
    if (p >= end) this.fail('truncated varint', at);
    b = buf[p++] as number;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (p >= end) this.fail('truncated varint', at);
        b = buf[p++] as number;
        // Bits beyond 64 (in the tenth byte) are dropped, as protobuf does.
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        if (shift === 31) this.fail('varint longer than 10 bytes', at);
      }
    }
    this.lo = lo;
    this.hi = hi;
    return p;
  }

  /** Skips the value of an unknown field with tag `t` whose value starts at `p`; returns the new position. */
  skip(t: number, p: number, end: number, at: number): number {
    // Tags below 0x80 are read inline by the callers, so field 0 is caught here.
    if (t < 8) this.fail(`invalid field number 0 (tag ${t})`, at);
    switch (t & 7) {
      case 0:
        return this.varint64(p, end);
      case 1:
        if (end - p < 8) this.fail('truncated fixed64', p);
        return p + 8;
      case 2:
        return this.length(p, end);
      case 5:
        if (end - p < 4) this.fail('truncated fixed32', p);
        return p + 4;
      case 3: {
        // Iterative with an explicit stack, bounded, so nesting cannot overflow the call stack.
        const stack = [t >>> 3];
        while (stack.length > 0) {
          if (p >= end) this.fail(`unterminated group (field ${stack[stack.length - 1]})`, at);
          const tagAt = p;
          const t2 = this.tag(p, end);
          p = this.lo;
          const wt = t2 & 7;
          if (wt === 4) {
            if (t2 >>> 3 !== stack.pop()) this.fail(`mismatched end of group (field ${t2 >>> 3})`, tagAt);
          } else if (wt === 3) {
            if (stack.length >= MAX_GROUP_DEPTH) this.fail(`groups nested deeper than ${MAX_GROUP_DEPTH}`, tagAt);
            stack.push(t2 >>> 3);
          } else p = this.skip(t2, p, end, tagAt);
        }
        return p;
      }
      case 4:
        return this.fail(`unexpected end of group (field ${t >>> 3})`, at);
      default:
        return this.fail(`invalid wire type ${t & 7} (field ${t >>> 3})`, at);
    }
  }

  /**
   * Scans a Feature body `[p, end)` into the feature state (`fk`, `fs`, `fe`, `fmore`).
   * Called once per value chunk, so a map entry whose value appears twice merges.
   */
  scanFeature(p: number, end: number): void {
    const buf = this.buf;
    while (p < end) {
      const at = p;
      let t = buf[p] as number;
      if (t < 0x80) p++;
      else {
        t = this.tag(p, end);
        p = this.lo;
      }
      if ((t & 7) === 2 && t >= 8 && t < 32) {
        const kind = t >>> 3; // 1 bytes_list, 2 float_list, 3 int64_list
        this.list = kind;
        const ce = this.length(p, end);
        this.list = KIND_NONE;
        const cs = this.lo;
        if (kind !== this.fk) {
          // A new oneof case replaces whatever was set before.
          this.fk = kind;
          this.fs = cs;
          this.fe = ce;
          this.fmore = null;
        } else if (this.fmore === null) this.fmore = [cs, ce];
        else this.fmore.push(cs, ce);
        p = ce;
      } else p = this.skip(t, p, end, at);
    }
  }

  /** Builds the Feature from the scanned state and resets it. */
  takeFeature(): Feature {
    const kind = this.fk;
    if (kind === KIND_NONE) return NONE_FEATURE;
    this.fk = KIND_NONE;
    this.list = kind;
    let f: Feature;
    if (kind === KIND_INT64) f = { kind: 'int64', values: this.int64List() };
    else if (kind === KIND_FLOAT) f = { kind: 'float', values: this.floatList() };
    else f = { kind: 'bytes', values: this.bytesList() };
    this.list = KIND_NONE;
    return f;
  }

  /** Decodes the scanned Int64List chunk(s): count the varints first, then fill an exact-size array. */
  int64List(): BigInt64Array {
    const buf = this.buf;
    const more = this.fmore;
    const nChunks = more === null ? 1 : 1 + (more.length >> 1);
    let count = 0;
    for (let c = 0; c < nChunks; c++) {
      let p = c === 0 ? this.fs : (more as number[])[2 * c - 2]!;
      const end = c === 0 ? this.fe : (more as number[])[2 * c - 1]!;
      while (p < end) {
        const at = p;
        let t = buf[p] as number;
        if (t < 0x80) p++;
        else {
          t = this.tag(p, end);
          p = this.lo;
        }
        if (t === 0x0a) {
          const ce = this.length(p, end);
          p = this.lo;
          if (ce > p && (buf[ce - 1] as number) >= 0x80) this.fail('truncated varint in packed list', ce - 1);
          for (; p < ce; p++) if ((buf[p] as number) < 0x80) count++;
        } else if (t === 0x08) {
          p = this.varint64(p, end);
          count++;
        } else p = this.skip(t, p, end, at);
      }
    }
    const out = new BigInt64Array(count);
    if (count === 0) return out;
    // Up to 8 values the array lives in the JS heap, where taking `.buffer` for a
    // second view would move it out: a bigint each is cheaper there.
    const words = LITTLE_ENDIAN && count > 8 ? new Int32Array(out.buffer) : null;
    let i = 0;
    for (let c = 0; c < nChunks; c++) {
      let p = c === 0 ? this.fs : (more as number[])[2 * c - 2]!;
      const end = c === 0 ? this.fe : (more as number[])[2 * c - 1]!;
      while (p < end) {
        const at = p;
        let t = buf[p] as number;
        if (t < 0x80) p++;
        else {
          t = this.tag(p, end);
          p = this.lo;
        }
        if (t === 0x0a) {
          const ce = this.length(p, end);
          p = this.lo;
          if (words !== null) {
            while (p < ce) {
              const b = buf[p] as number;
              if (b < 0x80) {
                // One-byte values dominate (labels, small ids): no call, no BigInt.
                words[2 * i] = b;
                words[2 * i + 1] = 0;
                p++;
              } else {
                p = this.varint64(p, ce);
                words[2 * i] = this.lo;
                words[2 * i + 1] = this.hi;
              }
              i++;
            }
          } else {
            while (p < ce) {
              const b = buf[p] as number;
              if (b < 0x80) {
                out[i++] = BigInt(b);
                p++;
              } else {
                p = this.varint64(p, ce);
                out[i++] = joinInt64(this.lo, this.hi);
              }
            }
          }
        } else if (t === 0x08) {
          p = this.varint64(p, end);
          if (words !== null) {
            words[2 * i] = this.lo;
            words[2 * i + 1] = this.hi;
          } else out[i] = joinInt64(this.lo, this.hi);
          i++;
        } else p = this.skip(t, p, end, at);
      }
    }
    this.fmore = null;
    return out;
  }

  /** Decodes the scanned FloatList chunk(s). A single aligned packed chunk is viewed in place. */
  floatList(): Float32Array {
    const buf = this.buf;
    const more = this.fmore;
    // Fast path: the whole list is one packed field.
    if (more === null && LITTLE_ENDIAN) {
      const s = this.fs;
      const e = this.fe;
      if (s === e) return new Float32Array(0);
      if (buf[s] === 0x0a) {
        const ce = this.length(s + 1, e);
        const cs = this.lo;
        if (ce === e) {
          const n = ce - cs;
          if ((n & 3) !== 0) this.fail(`packed float length ${n} is not a multiple of 4`, s + 1);
          return packedFloats(this.buffer(), buf.byteOffset + cs, n);
        }
      }
    }
    const nChunks = more === null ? 1 : 1 + (more.length >> 1);
    let count = 0;
    for (let c = 0; c < nChunks; c++) {
      let p = c === 0 ? this.fs : (more as number[])[2 * c - 2]!;
      const end = c === 0 ? this.fe : (more as number[])[2 * c - 1]!;
      while (p < end) {
        const at = p;
        let t = buf[p] as number;
        if (t < 0x80) p++;
        else {
          t = this.tag(p, end);
          p = this.lo;
        }
        if (t === 0x0a) {
          const ce = this.length(p, end);
          const n = ce - this.lo;
          if ((n & 3) !== 0) this.fail(`packed float length ${n} is not a multiple of 4`, p);
          count += n >> 2;
          p = ce;
        } else if (t === 0x0d) {
          if (end - p < 4) this.fail('truncated fixed32', p);
          count++;
          p += 4;
        } else p = this.skip(t, p, end, at);
      }
    }
    const out = new Float32Array(count);
    // Bytes are copied, not values, so NaN payloads survive bit for bit.
    const bytes = LITTLE_ENDIAN ? new Uint8Array(out.buffer) : null;
    const view = this.dataView();
    const base = buf.byteOffset;
    let i = 0;
    for (let c = 0; c < nChunks; c++) {
      let p = c === 0 ? this.fs : (more as number[])[2 * c - 2]!;
      const end = c === 0 ? this.fe : (more as number[])[2 * c - 1]!;
      while (p < end) {
        const at = p;
        let t = buf[p] as number;
        if (t < 0x80) p++;
        else {
          t = this.tag(p, end);
          p = this.lo;
        }
        if (t === 0x0a) {
          const ce = this.length(p, end);
          p = this.lo;
          if (bytes !== null) {
            bytes.set(buf.subarray(p, ce), 4 * i);
            i += (ce - p) >> 2;
            p = ce;
          } else for (; p < ce; p += 4) out[i++] = view.getFloat32(base + p, true);
        } else if (t === 0x0d) {
          if (bytes !== null) bytes.set(buf.subarray(p, p + 4), 4 * i++);
          else out[i++] = view.getFloat32(base + p, true);
          p += 4;
        } else p = this.skip(t, p, end, at);
      }
    }
    this.fmore = null;
    return out;
  }

  /** Decodes the scanned BytesList chunk(s) as zero-copy views. */
  bytesList(): Uint8Array[] {
    const buf = this.buf;
    const more = this.fmore;
    const nChunks = more === null ? 1 : 1 + (more.length >> 1);
    let out: Uint8Array[] = EMPTY_BYTES;
    for (let c = 0; c < nChunks; c++) {
      let p = c === 0 ? this.fs : (more as number[])[2 * c - 2]!;
      const end = c === 0 ? this.fe : (more as number[])[2 * c - 1]!;
      while (p < end) {
        const at = p;
        let t = buf[p] as number;
        if (t < 0x80) p++;
        else {
          t = this.tag(p, end);
          p = this.lo;
        }
        if (t === 0x0a) {
          const ce = this.length(p, end);
          const v = this.plain
            ? new Uint8Array(this.buffer(), buf.byteOffset + this.lo, ce - this.lo)
            : buf.subarray(this.lo, ce);
          if (out === EMPTY_BYTES) out = [v];
          else out.push(v);
          p = ce;
        } else p = this.skip(t, p, end, at);
      }
    }
    this.fmore = null;
    return out === EMPTY_BYTES ? [] : out;
  }

  /** Decodes a map key (proto3 string: must be valid UTF-8). */
  mapKey(s: number, e: number): string {
    return mapKeyAt(this.buf, s, e) ?? this.fail('map key is not valid UTF-8', s);
  }

  /**
   * Scans one map entry `[p, end)`: key (field 1) and value (field 2) in any order,
   * each possibly repeated. Returns the key; value chunks are left in `vs`/`ve`/`vmore`.
   */
  mapEntry(p: number, end: number): string {
    const buf = this.buf;
    let ks = -1;
    let ke = -1;
    this.vs = -1;
    this.vmore = null;
    while (p < end) {
      const at = p;
      let t = buf[p] as number;
      if (t < 0x80) p++;
      else {
        t = this.tag(p, end);
        p = this.lo;
      }
      if (t === 0x0a) {
        ke = this.length(p, end);
        ks = this.lo;
        p = ke;
      } else if (t === 0x12) {
        const ve = this.length(p, end);
        if (this.vs < 0) {
          this.vs = this.lo;
          this.ve = ve;
        } else if (this.vmore === null) this.vmore = [this.lo, ve];
        else this.vmore.push(this.lo, ve);
        p = ve;
      } else p = this.skip(t, p, end, at);
    }
    return ks < 0 ? '' : this.mapKey(ks, ke);
  }

  /** Decodes a `Features` body `[p, end)` into `out` (merging: later keys replace earlier ones). */
  features(p: number, end: number, out: Features, where: string): void {
    const buf = this.buf;
    this.where = where;
    this.mapField = 'feature';
    this.index = -1;
    let entry = 0;
    while (p < end) {
      const at = p;
      let t = buf[p] as number;
      if (t < 0x80) p++;
      else {
        t = this.tag(p, end);
        p = this.lo;
      }
      if (t === 0x0a) {
        const ee = this.length(p, end);
        this.key = null;
        const key = this.mapEntry(this.lo, ee);
        this.key = key;
        let f = NONE_FEATURE;
        if (this.vs >= 0) {
          const vmore = this.vmore;
          this.scanFeature(this.vs, this.ve);
          if (vmore !== null) for (let i = 0; i < vmore.length; i += 2) this.scanFeature(vmore[i]!, vmore[i + 1]!);
          f = this.takeFeature();
        }
        putEntry(out, entry++, key, f);
        p = ee;
      } else {
        this.key = null;
        p = this.skip(t, p, end, at);
      }
    }
    this.key = null;
  }

  /** Decodes a `FeatureList` body `[p, end)`, appending its features to `out`. */
  featureList(p: number, end: number, out: Feature[]): void {
    const buf = this.buf;
    while (p < end) {
      const at = p;
      let t = buf[p] as number;
      if (t < 0x80) p++;
      else {
        t = this.tag(p, end);
        p = this.lo;
      }
      if (t === 0x0a) {
        const fe = this.length(p, end);
        this.index = out.length;
        this.scanFeature(this.lo, fe);
        out.push(this.takeFeature());
        p = fe;
      } else {
        this.index = out.length;
        p = this.skip(t, p, end, at);
      }
    }
    this.index = -1;
  }

  /** Decodes a `FeatureLists` body `[p, end)` into `out`. */
  featureLists(p: number, end: number, out: Record<string, Feature[]>): void {
    const buf = this.buf;
    this.where = 'feature_lists';
    this.mapField = 'feature_list';
    this.index = -1;
    while (p < end) {
      const at = p;
      let t = buf[p] as number;
      if (t < 0x80) p++;
      else {
        t = this.tag(p, end);
        p = this.lo;
      }
      if (t === 0x0a) {
        const ee = this.length(p, end);
        this.key = null;
        const key = this.mapEntry(this.lo, ee);
        this.key = key;
        const list: Feature[] = [];
        if (this.vs >= 0) {
          const vmore = this.vmore;
          this.featureList(this.vs, this.ve, list);
          // A value repeated within one entry merges: FeatureList.feature concatenates.
          if (vmore !== null)
            for (let i = 0; i < vmore.length; i += 2) this.featureList(vmore[i]!, vmore[i + 1]!, list);
        }
        out[key] = list;
        p = ee;
      } else {
        this.key = null;
        p = this.skip(t, p, end, at);
      }
    }
    this.key = null;
  }

  /** Resets the path context to the top-level message. */
  top(): void {
    this.where = '';
    this.mapField = '';
    this.key = null;
    this.index = -1;
    this.list = KIND_NONE;
  }
}

const EMPTY = new Uint8Array(0);
const shared = new Decoder(EMPTY, '');

/** The shared decoder, reset for `bytes`; {@link release} it after use so it does not keep `bytes` alive. */
function decoderFor(bytes: Uint8Array, msg: string): Decoder {
  return shared.reset(bytes, msg);
}

function release(d: Decoder): void {
  d.buf = EMPTY;
}

function checkBytes(bytes: unknown, fn: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected Uint8Array for bytes of ${fn} but received ${bytes === null ? 'null' : typeof bytes === 'object' ? (bytes.constructor?.name ?? 'object') : String(bytes)} of type ${typeof bytes}`,
    );
  }
}

/**
 * Decodes a serialised `tf.train.Example`. Bytes values (and, where the input is
 * 4-byte aligned, float values) are zero-copy views into `bytes`: keep `bytes`
 * unchanged while the result is in use. `features` is a null-prototype object.
 * Records laid out the way writers lay them out take a fast path (fast.ts);
 * anything else, and every error, goes through the general decoder.
 * @throws TFRecordError INVALID_PROTO with the `position` (byte in `bytes`) and field at fault.
 */
export function decodeExample(bytes: Uint8Array): Example {
  checkBytes(bytes, 'decodeExample');
  if (bytes.length > 0) {
    const fast = fastFeatures(bytes);
    if (fast !== undefined) return { features: fast };
  }
  return decodeExampleGeneral(bytes);
}

/**
 * {@link decodeExample} without the fast path: the protobuf semantics in
 * full. Not part of the package's API; the tests compare the two paths.
 * @throws TFRecordError INVALID_PROTO as {@link decodeExample} does.
 */
export function decodeExampleGeneral(bytes: Uint8Array): Example {
  checkBytes(bytes, 'decodeExample');
  const d = decoderFor(bytes, 'Example');
  const features = nullPrototypeMap<Feature>();
  const end = bytes.length;
  let p = 0;
  while (p < end) {
    const at = p;
    let t = bytes[p] as number;
    if (t < 0x80) p++;
    else {
      t = d.tag(p, end);
      p = d.lo;
    }
    if (t === 0x0a) {
      const fe = d.length(p, end);
      // A repeated `features` field merges into one map, as protobuf merges messages.
      d.features(d.lo, fe, features, 'features');
      d.top();
      p = fe;
    } else p = d.skip(t, p, end, at);
  }
  release(d);
  return { features };
}

/**
 * Decodes a serialised `tf.train.SequenceExample` (`context` and `feature_lists`).
 * Views share memory with `bytes` as in {@link decodeExample}; both maps are
 * null-prototype objects.
 * @throws TFRecordError INVALID_PROTO with the `position` (byte in `bytes`) and field at fault.
 */
export function decodeSequenceExample(bytes: Uint8Array): SequenceExample {
  checkBytes(bytes, 'decodeSequenceExample');
  const d = decoderFor(bytes, 'SequenceExample');
  const context = nullPrototypeMap<Feature>();
  const featureLists = nullPrototypeMap<Feature[]>();
  const end = bytes.length;
  let p = 0;
  while (p < end) {
    const at = p;
    let t = bytes[p] as number;
    if (t < 0x80) p++;
    else {
      t = d.tag(p, end);
      p = d.lo;
    }
    if (t === 0x0a) {
      const fe = d.length(p, end);
      d.features(d.lo, fe, context, 'context');
      d.top();
      p = fe;
    } else if (t === 0x12) {
      const fe = d.length(p, end);
      d.featureLists(d.lo, fe, featureLists);
      d.top();
      p = fe;
    } else p = d.skip(t, p, end, at);
  }
  release(d);
  return { context, featureLists };
}

/**
 * Decodes one serialised `tf.train.Feature` from `bytes[start, end)` (default: all of it).
 * @throws TFRecordError INVALID_PROTO with the `position` (byte in `bytes`) at fault.
 */
export function decodeFeature(bytes: Uint8Array, start = 0, end: number = bytes.length): Feature {
  checkBytes(bytes, 'decodeFeature');
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= bytes.length)) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected 0 <= start <= end <= ${bytes.length} for decodeFeature range but received [${String(start)}, ${String(end)})`,
    );
  }
  const d = decoderFor(bytes, 'Feature');
  d.scanFeature(start, end);
  const f = d.takeFeature();
  release(d);
  return f;
}
