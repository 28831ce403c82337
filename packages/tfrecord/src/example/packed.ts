/** Packed value lists read straight from wire bytes, shared by decode.ts and fast.ts. */

/** True on little-endian hosts, where typed-array views can read wire bytes directly. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// The DataView of the last buffer floats were read from: records are views of
// one large read chunk, and a DataView per record cost more than the floats it reads.
let sharedViewBuffer: ArrayBufferLike | undefined;
let sharedView: DataView | undefined;

/** A DataView over the whole of `b` (index it with byteOffset + position), kept for the next call. */
export function dataViewOf(b: ArrayBufferLike): DataView {
  if (b !== sharedViewBuffer) {
    sharedView = new DataView(b);
    sharedViewBuffer = b;
  }
  return sharedView!;
}

/**
 * The float32 values of one packed chunk: `n` bytes (a multiple of 4) at byte
 * `off` of `ab` (a little-endian host). A 4-byte aligned chunk is a zero-copy
 * view; longer unaligned ones are a copied buffer; short unaligned ones an
 * in-heap array filled value by value, which beats an ArrayBuffer copy and is
 * bit-exact except for NaN payloads, so a NaN sends the list down the copy.
 */
export function packedFloats(ab: ArrayBufferLike, off: number, n: number): Float32Array {
  if ((off & 3) === 0) return new Float32Array(ab, off, n >> 2);
  if (n > 64) return new Float32Array(ab.slice(off, off + n));
  const out = new Float32Array(n >> 2);
  const view = dataViewOf(ab);
  for (let i = 0, p = off; i < out.length; p += 4) {
    const v = view.getFloat32(p, true);
    if (v !== v) return new Float32Array(ab.slice(off, off + n));
    out[i++] = v;
  }
  return out;
}

/** The int64 whose two's complement halves are `lo` and `hi`. */
export function joinInt64(lo: number, hi: number): bigint {
  if (hi === 0) return BigInt(lo >>> 0);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}
