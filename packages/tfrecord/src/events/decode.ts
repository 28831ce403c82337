/**
 * Hand-written decoder for `tensorflow.Event` (tensorboard/compat/proto/event.proto
 * and the messages it holds; wire format: https://protobuf.dev/programming-guides/encoding/).
 *
 * Semantics follow protobuf's parsers: the last value of a singular field wins, a
 * submessage seen twice merges, repeated scalars accept packed and unpacked
 * chunks and concatenate, setting a oneof member clears the others, a known
 * field with an unexpected wire type and every unknown field (groups too) is
 * skipped. Every malformed input is a `TFRecordError('INVALID_PROTO')` naming
 * the byte (from the start of the given bytes) and the field path.
 */
import { TFRecordError, isTFRecordError } from '../errors.js';
import { describe } from '../framing/options.js';
import { ProtoReader } from '../wire/reader.js';
import { WireType } from '../wire/writer.js';
import type {
  Event,
  HistogramProto,
  LogMessage,
  PluginData,
  SessionLog,
  SourceMetadata,
  Summary,
  SummaryAudio,
  SummaryImage,
  SummaryMetadata,
  SummaryValue,
  TaggedRunMetadata,
  TensorProto,
  TensorShape,
  TensorShapeDim,
} from './types.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const WIRE_FAIL = 'invalid protobuf: ';

/** Decoded-string cache: 256 slots of (bytes, string) for strings up to 64 bytes. */
const MAX_CACHED = 64;
const CACHE_SLOTS = 256;
const cacheBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SLOTS).fill(undefined);
const cacheStrings: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);

/** Reader plus the field path, kept only to word error messages. */
class Ctx {
  readonly r: ProtoReader;
  readonly path: string[] = [];
  field = '';
  constructor(buf: Uint8Array) {
    this.r = new ProtoReader(buf);
  }

  fail(what: string, at: number): never {
    throw new TFRecordError('INVALID_PROTO', `${WIRE_FAIL}${what} at byte ${at}`, { position: at });
  }

  where(): string {
    const parts = this.field === '' ? this.path : [...this.path, this.field];
    return parts.join('.');
  }

  /** Reads a tag; returns it (field << 3 | wire type). */
  tag(): number {
    const at = this.r.pos;
    const t = this.r.uint32();
    if (t >>> 3 === 0) this.fail(`invalid field number 0 (tag ${t})`, at);
    return t;
  }

  double(): number {
    const r = this.r;
    if (r.pos + 8 > r.end) this.fail('truncated fixed64', r.pos);
    const v = r.view.getFloat64(r.pos, true);
    r.pos += 8;
    return v;
  }

  int32(): number {
    return this.r.uint32() | 0;
  }

  bool(): boolean {
    return this.r.int64() !== 0n;
  }

  string(): string {
    const at = this.r.pos;
    const b = this.r.bytes();
    const n = b.length;
    if (n === 0) return '';
    // Tags and plugin names repeat in every event: look short ones up first.
    let slot = -1;
    if (n <= MAX_CACHED) {
      let h = n;
      for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
      slot = (h >>> 0) % CACHE_SLOTS;
      const hit = cacheBytes[slot];
      if (hit !== undefined && hit.length === n) {
        let same = true;
        for (let i = 0; i < n; i++) {
          if (hit[i] !== b[i]) {
            same = false;
            break;
          }
        }
        if (same) return cacheStrings[slot]!;
      }
    }
    let s: string;
    try {
      s = utf8.decode(b);
    } catch {
      return this.fail('invalid UTF-8 in string field', at);
    }
    if (slot >= 0) {
      cacheBytes[slot] = b.slice();
      cacheStrings[slot] = s;
    }
    return s;
  }

  /** Decodes the length-delimited submessage at the cursor with `fn`, inside path element `name`. */
  sub<T>(name: string, fn: (c: Ctx, end: number) => T): T {
    const r = this.r;
    const [s, e] = r.lengthDelimited();
    const outer = r.end;
    const field = this.field;
    this.path.push(name);
    this.field = '';
    r.pos = s;
    r.end = e;
    const v = fn(this, e);
    r.end = outer;
    r.pos = e;
    this.path.pop();
    this.field = field;
    return v;
  }

  skip(field: number, wt: number): void {
    this.field = `field ${field}`;
    this.r.skip(wt, field);
  }
}

// ---- repeated scalars -------------------------------------------------------

type NumArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** Chunks of one repeated field within one message, joined (after any earlier value) at its end. */
class Parts<T extends NumArray> {
  private readonly list: T[] = [];
  private n = 0;
  push(a: T): void {
    if (a.length === 0) return;
    this.list.push(a);
    this.n += a.length;
  }
  join(prev: T | undefined, make: (n: number) => T): T | undefined {
    const list = this.list;
    if (prev !== undefined && prev.length > 0) list.unshift(prev);
    if (list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const out = make(this.n + (prev?.length ?? 0));
    let o = 0;
    for (const a of list) {
      (out as Float64Array).set(a as Float64Array, o);
      o += a.length;
    }
    return out;
  }
}

/** A packed run of fixed-width little-endian values: a view when aligned, else a copy. */
function packedFixed<T extends NumArray>(
  c: Ctx,
  size: 4 | 8,
  ctor: { new (b: ArrayBufferLike, off: number, n: number): T; new (n: number): T },
  get: (v: DataView, p: number) => number,
): T {
  const r = c.r;
  const at = r.pos;
  const [s, e] = r.lengthDelimited();
  const len = e - s;
  if (len % size !== 0) c.fail(`packed length ${len} is not a multiple of ${size}`, at);
  const n = len / size;
  const abs = r.buf.byteOffset + s;
  if (LITTLE_ENDIAN && abs % size === 0) return new ctor(r.buf.buffer, abs, n);
  const out = new ctor(n) as unknown as number[];
  for (let i = 0; i < n; i++) out[i] = get(r.view, s + i * size);
  return out as unknown as T;
}

const getF32 = (v: DataView, p: number): number => v.getFloat32(p, true);
const getF64 = (v: DataView, p: number): number => v.getFloat64(p, true);

function readF32(c: Ctx, wt: number, parts: Parts<Float32Array>): boolean {
  if (wt === WireType.LengthDelimited) parts.push(packedFixed(c, 4, Float32Array, getF32));
  else if (wt === WireType.Bit32) parts.push(Float32Array.of(c.r.float()));
  else return false;
  return true;
}

function readF64(c: Ctx, wt: number, parts: Parts<Float64Array>): boolean {
  if (wt === WireType.LengthDelimited) parts.push(packedFixed(c, 8, Float64Array, getF64));
  else if (wt === WireType.Bit64) parts.push(Float64Array.of(c.double()));
  else return false;
  return true;
}

/** A repeated varint field, packed or not, read with `one`. */
function readVarints<T extends NumArray>(
  c: Ctx,
  wt: number,
  parts: Parts<T>,
  make: (values: (number | bigint)[]) => T,
  one: () => number | bigint,
): boolean {
  if (wt === WireType.Varint) parts.push(make([one()]));
  else if (wt === WireType.LengthDelimited) {
    const r = c.r;
    const [s, e] = r.lengthDelimited();
    const outer = r.end;
    r.pos = s;
    r.end = e;
    const values: (number | bigint)[] = [];
    while (r.pos < e) values.push(one());
    r.end = outer;
    parts.push(make(values));
  } else return false;
  return true;
}

const makeI32 = (v: (number | bigint)[]): Int32Array => Int32Array.from(v as number[]);
const makeU32 = (v: (number | bigint)[]): Uint32Array => Uint32Array.from(v as number[]);
const makeI64 = (v: (number | bigint)[]): BigInt64Array => BigInt64Array.from(v as bigint[]);
const makeU64 = (v: (number | bigint)[]): BigUint64Array => BigUint64Array.from(v as bigint[]);

// ---- presence helpers ---------------------------------------------------------

/** Sets `o[k]` to `v`, or removes it when `v` is the proto3 default (0 bits, "", empty). */
function put<O, K extends keyof O>(o: O, k: K, v: O[K] | undefined): void {
  const isDefault =
    v === undefined ||
    v === '' ||
    v === 0n ||
    v === false ||
    (typeof v === 'number' && v === 0 && !Object.is(v, -0)) ||
    (v instanceof Uint8Array && v.length === 0);
  // `delete` only when present: deleting turns an object into a slow dictionary.
  if (!isDefault) o[k] = v as O[K];
  else if (o[k] !== undefined) delete o[k];
}

/**
 * Sets oneof member `k` of `o` (present even at its default), clears the member
 * set before (`current`, tracked by the caller so absent members are never probed),
 * and returns `k` as the new current member.
 */
function putOneof<O, K extends keyof O>(o: O, current: keyof O | undefined, k: K, v: O[K]): K {
  if (current !== undefined && current !== k) delete o[current];
  o[k] = v;
  return k;
}

// ---- messages -------------------------------------------------------------------

function sourceMetadata(prev: SourceMetadata | undefined) {
  return (c: Ctx, end: number): SourceMetadata => {
    const m: SourceMetadata = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((1 << 3) | 2)) {
        c.field = 'writer';
        put(m, 'writer', c.string());
      } else c.skip(t >>> 3, t & 7);
    }
    return m;
  };
}

function logMessage(prev: LogMessage | undefined) {
  return (c: Ctx, end: number): LogMessage => {
    const m: LogMessage = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((1 << 3) | 0)) {
        c.field = 'level';
        put(m, 'level', c.int32());
      } else if (t === ((2 << 3) | 2)) {
        c.field = 'message';
        put(m, 'message', c.string());
      } else c.skip(t >>> 3, t & 7);
    }
    return m;
  };
}

function sessionLog(prev: SessionLog | undefined) {
  return (c: Ctx, end: number): SessionLog => {
    const m: SessionLog = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((1 << 3) | 0)) {
        c.field = 'status';
        put(m, 'status', c.int32());
      } else if (t === ((2 << 3) | 2)) {
        c.field = 'checkpoint_path';
        put(m, 'checkpointPath', c.string());
      } else if (t === ((3 << 3) | 2)) {
        c.field = 'msg';
        put(m, 'msg', c.string());
      } else c.skip(t >>> 3, t & 7);
    }
    return m;
  };
}

function taggedRunMetadata(prev: TaggedRunMetadata | undefined) {
  return (c: Ctx, end: number): TaggedRunMetadata => {
    const m: TaggedRunMetadata = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((1 << 3) | 2)) {
        c.field = 'tag';
        put(m, 'tag', c.string());
      } else if (t === ((2 << 3) | 2)) {
        c.field = 'run_metadata';
        put(m, 'runMetadata', c.r.bytes());
      } else c.skip(t >>> 3, t & 7);
    }
    return m;
  };
}

function image(prev: SummaryImage | undefined) {
  return (c: Ctx, end: number): SummaryImage => {
    const m: SummaryImage = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      switch (t) {
        case (1 << 3) | 0:
          c.field = 'height';
          put(m, 'height', c.int32());
          break;
        case (2 << 3) | 0:
          c.field = 'width';
          put(m, 'width', c.int32());
          break;
        case (3 << 3) | 0:
          c.field = 'colorspace';
          put(m, 'colorspace', c.int32());
          break;
        case (4 << 3) | 2:
          c.field = 'encoded_image_string';
          put(m, 'encodedImageString', c.r.bytes());
          break;
        default:
          c.skip(t >>> 3, t & 7);
      }
    }
    return m;
  };
}

function audio(prev: SummaryAudio | undefined) {
  return (c: Ctx, end: number): SummaryAudio => {
    const m: SummaryAudio = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      switch (t) {
        case (1 << 3) | 5:
          c.field = 'sample_rate';
          put(m, 'sampleRate', c.r.float());
          break;
        case (2 << 3) | 0:
          c.field = 'num_channels';
          put(m, 'numChannels', c.r.int64());
          break;
        case (3 << 3) | 0:
          c.field = 'length_frames';
          put(m, 'lengthFrames', c.r.int64());
          break;
        case (4 << 3) | 2:
          c.field = 'encoded_audio_string';
          put(m, 'encodedAudioString', c.r.bytes());
          break;
        case (5 << 3) | 2:
          c.field = 'content_type';
          put(m, 'contentType', c.string());
          break;
        default:
          c.skip(t >>> 3, t & 7);
      }
    }
    return m;
  };
}

const makeF64 = (n: number): Float64Array => new Float64Array(n);
const makeF32 = (n: number): Float32Array => new Float32Array(n);

function histo(prev: HistogramProto | undefined) {
  return (c: Ctx, end: number): HistogramProto => {
    const m: HistogramProto = { ...prev };
    const limits = new Parts<Float64Array>();
    const buckets = new Parts<Float64Array>();
    const scalar = ['min', 'max', 'num', 'sum', 'sum_squares'] as const;
    const keys = ['min', 'max', 'num', 'sum', 'sumSquares'] as const;
    while (c.r.pos < end) {
      const t = c.tag();
      const f = t >>> 3;
      const wt = t & 7;
      if (f >= 1 && f <= 5 && wt === WireType.Bit64) {
        c.field = scalar[f - 1]!;
        put(m, keys[f - 1]!, c.double());
        continue;
      }
      if (f === 6) {
        c.field = 'bucket_limit';
        if (readF64(c, wt, limits)) continue;
      } else if (f === 7) {
        c.field = 'bucket';
        if (readF64(c, wt, buckets)) continue;
      }
      c.skip(f, wt);
    }
    put(m, 'bucketLimit', limits.join(m.bucketLimit, makeF64));
    put(m, 'bucket', buckets.join(m.bucket, makeF64));
    return m;
  };
}

function pluginData(prev: PluginData | undefined) {
  return (c: Ctx, end: number): PluginData => {
    const m: PluginData = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((1 << 3) | 2)) {
        c.field = 'plugin_name';
        put(m, 'pluginName', c.string());
      } else if (t === ((2 << 3) | 2)) {
        c.field = 'content';
        put(m, 'content', c.r.bytes());
      } else c.skip(t >>> 3, t & 7);
    }
    return m;
  };
}

function metadata(prev: SummaryMetadata | undefined) {
  return (c: Ctx, end: number): SummaryMetadata => {
    const m: SummaryMetadata = { ...prev };
    while (c.r.pos < end) {
      const t = c.tag();
      switch (t) {
        case (1 << 3) | 2:
          c.field = 'plugin_data';
          m.pluginData = c.sub('plugin_data', pluginData(m.pluginData));
          break;
        case (2 << 3) | 2:
          c.field = 'display_name';
          put(m, 'displayName', c.string());
          break;
        case (3 << 3) | 2:
          c.field = 'summary_description';
          put(m, 'summaryDescription', c.string());
          break;
        case (4 << 3) | 0:
          c.field = 'data_class';
          put(m, 'dataClass', c.int32());
          break;
        default:
          c.skip(t >>> 3, t & 7);
      }
    }
    return m;
  };
}

function dim(c: Ctx, end: number): TensorShapeDim {
  const m: TensorShapeDim = {};
  while (c.r.pos < end) {
    const t = c.tag();
    if (t === ((1 << 3) | 0)) {
      c.field = 'size';
      put(m, 'size', c.r.int64());
    } else if (t === ((2 << 3) | 2)) {
      c.field = 'name';
      put(m, 'name', c.string());
    } else c.skip(t >>> 3, t & 7);
  }
  return m;
}

function tensorShape(prev: TensorShape | undefined) {
  return (c: Ctx, end: number): TensorShape => {
    const m: TensorShape = { ...prev };
    const dims = prev?.dim === undefined ? [] : [...prev.dim];
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((2 << 3) | 2)) {
        c.field = 'dim';
        dims.push(c.sub(`dim[${dims.length}]`, dim));
      } else if (t === ((3 << 3) | 0)) {
        c.field = 'unknown_rank';
        put(m, 'unknownRank', c.bool());
      } else c.skip(t >>> 3, t & 7);
    }
    if (dims.length > 0) m.dim = dims;
    return m;
  };
}

function tensor(prev: TensorProto | undefined) {
  return (c: Ctx, end: number): TensorProto => {
    const m: TensorProto = { ...prev };
    const r = c.r;
    const half = new Parts<Int32Array>();
    const floats = new Parts<Float32Array>();
    const doubles = new Parts<Float64Array>();
    const ints = new Parts<Int32Array>();
    const scomplex = new Parts<Float32Array>();
    const int64s = new Parts<BigInt64Array>();
    const dcomplex = new Parts<Float64Array>();
    const uint32s = new Parts<Uint32Array>();
    const uint64s = new Parts<BigUint64Array>();
    const strings = prev?.stringVal === undefined ? [] : [...prev.stringVal];
    const bools = prev?.boolVal === undefined ? [] : [...prev.boolVal];
    const i32 = (): number => c.int32();
    const u32 = (): number => r.uint32();
    const i64 = (): bigint => r.int64();
    const u64 = (): bigint => BigInt.asUintN(64, r.int64());
    while (r.pos < end) {
      const t = c.tag();
      const f = t >>> 3;
      const wt = t & 7;
      let ok = true;
      switch (f) {
        case 1:
          c.field = 'dtype';
          if (wt === WireType.Varint) put(m, 'dtype', c.int32());
          else ok = false;
          break;
        case 2:
          c.field = 'tensor_shape';
          if (wt === WireType.LengthDelimited) m.tensorShape = c.sub('tensor_shape', tensorShape(m.tensorShape));
          else ok = false;
          break;
        case 3:
          c.field = 'version_number';
          if (wt === WireType.Varint) put(m, 'versionNumber', c.int32());
          else ok = false;
          break;
        case 4:
          c.field = 'tensor_content';
          if (wt === WireType.LengthDelimited) put(m, 'tensorContent', r.bytes());
          else ok = false;
          break;
        case 5:
          c.field = 'float_val';
          ok = readF32(c, wt, floats);
          break;
        case 6:
          c.field = 'double_val';
          ok = readF64(c, wt, doubles);
          break;
        case 7:
          c.field = 'int_val';
          ok = readVarints(c, wt, ints, makeI32, i32);
          break;
        case 8:
          c.field = 'string_val';
          if (wt === WireType.LengthDelimited) strings.push(r.bytes());
          else ok = false;
          break;
        case 9:
          c.field = 'scomplex_val';
          ok = readF32(c, wt, scomplex);
          break;
        case 10:
          c.field = 'int64_val';
          ok = readVarints(c, wt, int64s, makeI64, i64);
          break;
        case 11:
          c.field = 'bool_val';
          if (wt === WireType.Varint) bools.push(c.bool());
          else if (wt === WireType.LengthDelimited) {
            const [s, e] = r.lengthDelimited();
            const outer = r.end;
            r.pos = s;
            r.end = e;
            while (r.pos < e) bools.push(c.bool());
            r.end = outer;
          } else ok = false;
          break;
        case 12:
          c.field = 'dcomplex_val';
          ok = readF64(c, wt, dcomplex);
          break;
        case 13:
          c.field = 'half_val';
          ok = readVarints(c, wt, half, makeI32, i32);
          break;
        case 16:
          c.field = 'uint32_val';
          ok = readVarints(c, wt, uint32s, makeU32, u32);
          break;
        case 17:
          c.field = 'uint64_val';
          ok = readVarints(c, wt, uint64s, makeU64, u64);
          break;
        case 18:
          c.field = 'float8_val';
          if (wt === WireType.LengthDelimited) put(m, 'float8Val', r.bytes());
          else ok = false;
          break;
        default:
          ok = false;
      }
      if (!ok) c.skip(f, wt);
    }
    put(
      m,
      'halfVal',
      half.join(m.halfVal, (n) => new Int32Array(n)),
    );
    put(m, 'floatVal', floats.join(m.floatVal, makeF32));
    put(m, 'doubleVal', doubles.join(m.doubleVal, makeF64));
    put(
      m,
      'intVal',
      ints.join(m.intVal, (n) => new Int32Array(n)),
    );
    put(m, 'scomplexVal', scomplex.join(m.scomplexVal, makeF32));
    put(
      m,
      'int64Val',
      int64s.join(m.int64Val, (n) => new BigInt64Array(n)),
    );
    put(m, 'dcomplexVal', dcomplex.join(m.dcomplexVal, makeF64));
    put(
      m,
      'uint32Val',
      uint32s.join(m.uint32Val, (n) => new Uint32Array(n)),
    );
    put(
      m,
      'uint64Val',
      uint64s.join(m.uint64Val, (n) => new BigUint64Array(n)),
    );
    if (strings.length > 0) m.stringVal = strings;
    else delete m.stringVal;
    if (bools.length > 0) m.boolVal = bools;
    else delete m.boolVal;
    return m;
  };
}

function emptyArrayToUndefined<T extends { length: number }>(a: T | undefined): T | undefined {
  return a === undefined || a.length === 0 ? undefined : a;
}

function value(c: Ctx, end: number): SummaryValue {
  const m: SummaryValue = {};
  let which: keyof SummaryValue | undefined;
  const r = c.r;
  while (r.pos < end) {
    const t = c.tag();
    switch (t) {
      case (1 << 3) | 2:
        c.field = 'tag';
        put(m, 'tag', c.string());
        break;
      case (2 << 3) | 5:
        c.field = 'simple_value';
        which = putOneof(m, which, 'simpleValue', r.float());
        break;
      case (3 << 3) | 2:
        c.field = 'obsolete_old_style_histogram';
        which = putOneof(m, which, 'obsoleteOldStyleHistogram', r.bytes());
        break;
      case (4 << 3) | 2:
        c.field = 'image';
        which = putOneof(m, which, 'image', c.sub('image', image(m.image)));
        break;
      case (5 << 3) | 2:
        c.field = 'histo';
        which = putOneof(m, which, 'histo', c.sub('histo', histo(m.histo)));
        break;
      case (6 << 3) | 2:
        c.field = 'audio';
        which = putOneof(m, which, 'audio', c.sub('audio', audio(m.audio)));
        break;
      case (7 << 3) | 2:
        c.field = 'node_name';
        put(m, 'nodeName', c.string());
        break;
      case (8 << 3) | 2:
        c.field = 'tensor';
        which = putOneof(m, which, 'tensor', c.sub('tensor', tensor(m.tensor)));
        break;
      case (9 << 3) | 2:
        c.field = 'metadata';
        m.metadata = c.sub('metadata', metadata(m.metadata));
        break;
      default:
        c.skip(t >>> 3, t & 7);
    }
  }
  return m;
}

function summary(prev: Summary | undefined) {
  return (c: Ctx, end: number): Summary => {
    const values = prev?.value === undefined ? [] : [...prev.value];
    while (c.r.pos < end) {
      const t = c.tag();
      if (t === ((1 << 3) | 2)) {
        c.field = 'value';
        values.push(c.sub(`value[${values.length}]`, value));
      } else c.skip(t >>> 3, t & 7);
    }
    const m: Summary = {};
    const v = emptyArrayToUndefined(values);
    if (v !== undefined) m.value = v;
    return m;
  };
}

function event(c: Ctx, end: number): Event {
  const m: Event = {};
  let what: keyof Event | undefined;
  const r = c.r;
  while (r.pos < end) {
    const t = c.tag();
    switch (t) {
      case (1 << 3) | 1:
        c.field = 'wall_time';
        put(m, 'wallTime', c.double());
        break;
      case (2 << 3) | 0:
        c.field = 'step';
        put(m, 'step', r.int64());
        break;
      case (3 << 3) | 2:
        c.field = 'file_version';
        what = putOneof(m, what, 'fileVersion', c.string());
        break;
      case (4 << 3) | 2:
        c.field = 'graph_def';
        what = putOneof(m, what, 'graphDef', r.bytes());
        break;
      case (5 << 3) | 2:
        c.field = 'summary';
        what = putOneof(m, what, 'summary', c.sub('summary', summary(m.summary)));
        break;
      case (6 << 3) | 2:
        c.field = 'log_message';
        what = putOneof(m, what, 'logMessage', c.sub('log_message', logMessage(m.logMessage)));
        break;
      case (7 << 3) | 2:
        c.field = 'session_log';
        what = putOneof(m, what, 'sessionLog', c.sub('session_log', sessionLog(m.sessionLog)));
        break;
      case (8 << 3) | 2:
        c.field = 'tagged_run_metadata';
        what = putOneof(
          m,
          what,
          'taggedRunMetadata',
          c.sub('tagged_run_metadata', taggedRunMetadata(m.taggedRunMetadata)),
        );
        break;
      case (9 << 3) | 2:
        c.field = 'meta_graph_def';
        what = putOneof(m, what, 'metaGraphDef', r.bytes());
        break;
      case (10 << 3) | 2:
        c.field = 'source_metadata';
        m.sourceMetadata = c.sub('source_metadata', sourceMetadata(m.sourceMetadata));
        break;
      default:
        c.skip(t >>> 3, t & 7);
    }
  }
  return m;
}

/**
 * Decodes one serialized `tensorflow.Event` (the data of one event-file record).
 * Bytes fields are zero-copy views of `bytes`.
 * @throws TFRecordError INVALID_PROTO naming the byte (from the start of `bytes`) and the
 *   field path, e.g. `invalid Event: truncated fixed32 at byte 21 (summary.value[0].simple_value)`;
 *   INVALID_ARGUMENT when `bytes` is not a Uint8Array.
 */
export function decodeEvent(bytes: Uint8Array): Event {
  if (!(bytes instanceof Uint8Array)) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected Uint8Array for bytes but received ${describe(bytes)}`);
  }
  const c = new Ctx(bytes);
  try {
    return event(c, bytes.length);
  } catch (e) {
    if (!isTFRecordError(e, 'INVALID_PROTO') || !e.message.startsWith(WIRE_FAIL)) throw e;
    const where = c.where();
    throw new TFRecordError(
      'INVALID_PROTO',
      `invalid Event: ${e.message.slice(WIRE_FAIL.length)}${where === '' ? '' : ` (${where})`}`,
      { cause: e },
    );
  }
}

/**
 * True when `bytes` is the first record of a TensorBoard event file: an Event whose
 * `file_version` starts with "brain.Event:". Never throws (false for anything else).
 */
export function isEventRecord(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array) || bytes.length < 14) return false;
  try {
    return decodeEvent(bytes).fileVersion?.startsWith('brain.Event:') === true;
  } catch {
    return false;
  }
}

/**
 * True when a file name (not a path) is one TensorBoard's loaders read as an
 * event file: it contains "tfevents" (tensorboard/backend/event_processing/io_wrapper.py).
 */
export function isEventFileName(name: string): boolean {
  return typeof name === 'string' && name.includes('tfevents');
}
