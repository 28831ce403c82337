/**
 * A small protobuf wire-format writer (https://protobuf.dev/programming-guides/encoding/):
 * one growable Uint8Array, varints written in place, nested messages by fork/join.
 * Shared by the Example codec and by `@pastiche/style`'s ONNX serialiser.
 */

/** Protobuf wire types. */
export const WireType = {
  Varint: 0,
  Bit64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Bit32: 5,
} as const;
/** A protobuf wire type number (0..5). */
export type WireType = (typeof WireType)[keyof typeof WireType];

const encoder = new TextEncoder();

/** Growable protobuf writer. `finish()` returns a view of the bytes written. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Start offsets of open nested messages (see {@link fork}). */
  private readonly forks: number[] = [];

  /** @param initialBytes starting capacity in bytes (default 256); grows by doubling. */
  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Writes a field key: `(field << 3) | wireType`. */
  tag(field: number, wireType: WireType): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  /** Writes an unsigned 32-bit varint (values are taken `>>> 0`). */
  uint32(value: number): this {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Writes a signed 32-bit int as protobuf `int32`: negatives take 10 bytes, as the spec requires. */
  int32(value: number): this {
    return value >= 0 ? this.uint32(value) : this.int64(BigInt(value | 0));
  }

  /** Writes a 64-bit varint from a bigint (two's complement for negatives: 10 bytes). */
  int64(value: bigint): this {
    this.ensure(10);
    let lo = Number(value & 0xffffffffn) >>> 0;
    let hi = Number((value >> 32n) & 0xffffffffn) >>> 0;
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
    return this;
  }

  /** Writes a 64-bit varint from a safe integer number (negative allowed). */
  int64Number(value: number): this {
    if (value >= 0 && value <= 0xffffffff) return this.uint32(value);
    return this.int64(BigInt(value));
  }

  /** Writes a little-endian float32. */
  float(value: number): this {
    this.ensure(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
    return this;
  }

  /** Writes a little-endian float64. */
  double(value: number): this {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
    return this;
  }

  /** Writes a little-endian fixed32. */
  fixed32(value: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
    return this;
  }

  /** Writes raw bytes with no length prefix. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Writes a length-prefixed byte string. */
  bytes(bytes: Uint8Array): this {
    this.uint32(bytes.length);
    return this.raw(bytes);
  }

  /** Writes a length-prefixed UTF-8 string. */
  string(text: string): this {
    return this.bytes(encoder.encode(text));
  }

  /**
   * Opens a nested length-delimited value; close it with {@link join}. The length
   * is not known yet, so one byte is reserved and the body moved if it needs more.
   */
  fork(): this {
    this.ensure(1);
    this.forks.push(this.pos);
    this.pos += 1;
    return this;
  }

  /** Closes the innermost {@link fork}, writing its length prefix. */
  join(): this {
    const start = this.forks.pop();
    if (start === undefined) throw new Error('ProtoWriter.join() without a matching fork()');
    const bodyStart = start + 1;
    const len = this.pos - bodyStart;
    const prefix = varintSize(len);
    if (prefix > 1) {
      this.ensure(prefix - 1);
      this.buf.copyWithin(bodyStart + prefix - 1, bodyStart, this.pos);
      this.pos += prefix - 1;
    }
    let v = len;
    let p = start;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }

  /** The bytes written (a view; valid until the next write). */
  finish(): Uint8Array {
    if (this.forks.length !== 0) throw new Error('ProtoWriter.finish() with an unclosed fork()');
    return this.buf.subarray(0, this.pos);
  }
}

/** Number of bytes the varint encoding of the unsigned 32-bit `value` takes (1..5). */
export function varintSize(value: number): number {
  const v = value >>> 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}
