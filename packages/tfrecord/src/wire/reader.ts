/**
 * A small protobuf wire-format reader over a Uint8Array: zero-copy `subarray`
 * reads, one bounds check per value, and errors that name the byte (`position`) at fault.
 */
import { TFRecordError } from '../errors.js';
import { WireType } from './writer.js';

/** Reads protobuf wire format from `buf[start, end)`. Positions are absolute into `buf`. */
export class ProtoReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** True when every byte up to `end` has been read. */
  done(): boolean {
    return this.pos >= this.end;
  }

  private fail(what: string, at: number = this.pos): never {
    throw new TFRecordError('INVALID_PROTO', `invalid protobuf: ${what} at byte ${at}`, { position: at });
  }

  /** Reads a varint as an unsigned 32-bit number (higher bits of longer varints dropped, as protobuf does for uint32). */
  uint32(): number {
    const buf = this.buf;
    const start = this.pos;
    let result = 0;
    let shift = 0;
    let p = this.pos;
    for (;;) {
      if (p >= this.end) this.fail('truncated varint', start);
      const b = buf[p++] as number;
      if (shift < 32) result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift >= 70) this.fail('varint longer than 10 bytes', start);
    }
    this.pos = p;
    return result >>> 0;
  }

  /** Reads a varint as an int64 bigint (two's complement). */
  int64(): bigint {
    const buf = this.buf;
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    let p = this.pos;
    for (let i = 0; ; i++) {
      if (p >= this.end) this.fail('truncated varint', start);
      if (i >= 10) this.fail('varint longer than 10 bytes', start);
      const b = buf[p++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) break;
    }
    this.pos = p;
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  }

  /** Reads a little-endian float32. */
  float(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a length prefix and returns the `[start, end)` range it covers, checked against the bounds. */
  lengthDelimited(): [number, number] {
    const at = this.pos;
    const len = this.uint32();
    const start = this.pos;
    if (len > this.end - start) this.fail(`length ${len} runs past the end of the message`, at);
    this.pos = start + len;
    return [start, start + len];
  }

  /** Reads a length-delimited value as a zero-copy view. */
  bytes(): Uint8Array {
    const [s, e] = this.lengthDelimited();
    return this.buf.subarray(s, e);
  }

  /** Skips one value of the given wire type. Groups are skipped to their matching end tag. */
  skip(wireType: number, field = 0): void {
    switch (wireType) {
      case WireType.Varint:
        this.int64();
        return;
      case WireType.Bit64:
        if (this.pos + 8 > this.end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WireType.LengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.Bit32:
        if (this.pos + 4 > this.end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      case WireType.StartGroup: {
        // Iterative, so a deep nest of groups cannot overflow the stack.
        const stack = [field];
        while (stack.length > 0) {
          const tagAt = this.pos;
          const t = this.uint32();
          const wt = t & 7;
          if (wt === WireType.EndGroup) {
            if (t >>> 3 !== stack.pop()) this.fail('mismatched end group', tagAt);
          } else if (wt === WireType.StartGroup) stack.push(t >>> 3);
          else this.skip(wt);
        }
        return;
      }
      default:
        this.fail(`wire type ${wireType}`, this.pos - 1);
    }
  }
}
