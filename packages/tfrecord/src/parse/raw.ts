/**
 * tf.io.decode_raw: reinterpret bytes (such as a `bytes_list` value) as numbers,
 * plus {@link reshape} to give the result a shape.
 */
import { TFRecordError } from '../errors.js';
import { specError } from './errors.js';

/** Element types of {@link decodeRaw} (float16 is widened to Float32Array). */
export type RawDType =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64';

/** The typed array {@link decodeRaw} returns for each {@link RawDType}. */
export interface RawArrays {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  float16: Float32Array;
  float32: Float32Array;
  float64: Float64Array;
}

type Ctor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

const SIZE: Readonly<Record<RawDType, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
};
const CTOR: Readonly<Record<Exclude<RawDType, 'float16'>, Ctor>> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 binary16 bits -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Reinterprets `bytes` as an array of `dtype` (tf.io.decode_raw), little-endian by
 * default. When the bytes are aligned for the type and in host order the result is
 * a zero-copy view sharing memory with `bytes`; otherwise it is a copy. `float16`
 * is widened to a Float32Array. Throws PARSE when the length is not a multiple of
 * the element size.
 */
export function decodeRaw<D extends RawDType>(bytes: Uint8Array, dtype: D, littleEndian = true): RawArrays[D] {
  if (!(bytes instanceof Uint8Array)) throw specError('Uint8Array', 'bytes', bytes);
  if (typeof dtype !== 'string' || !Object.hasOwn(SIZE, dtype)) {
    throw specError(`one of ${Object.keys(SIZE).join(', ')}`, 'dtype', dtype);
  }
  if (typeof littleEndian !== 'boolean') throw specError('boolean', 'littleEndian', littleEndian);
  const size = SIZE[dtype];
  if (bytes.length % size !== 0) {
    throw new TFRecordError(
      'PARSE',
      `decodeRaw: input has ${bytes.length} bytes, not a multiple of ${size} (the size of ${dtype})`,
    );
  }
  const n = bytes.length / size;
  if (dtype === 'float16') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, littleEndian));
    return out as RawArrays[D];
  }
  const C = CTOR[dtype as Exclude<RawDType, 'float16'>];
  if (size === 1 || (littleEndian === HOST_LITTLE_ENDIAN && bytes.byteOffset % size === 0)) {
    return new C(bytes.buffer, bytes.byteOffset, n) as RawArrays[D];
  }
  // Misaligned or foreign byte order: copy byte-wise, then swap if needed.
  const out = new C(new ArrayBuffer(bytes.length), 0, n);
  const raw = new Uint8Array(out.buffer);
  raw.set(bytes);
  if (littleEndian !== HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < raw.length; i += size) raw.subarray(i, i + size).reverse();
  }
  return out as RawArrays[D];
}

/**
 * Gives flat `values` a shape (tf.reshape): at most one dimension may be -1 and is
 * inferred. Throws INVALID_ARGUMENT when the element count does not match.
 */
export function reshape<V extends { readonly length: number }>(
  values: V,
  shape: readonly number[],
): { kind: 'dense'; values: V; shape: number[] } {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= -1)) {
    throw specError('array of non-negative integers (one may be -1)', 'shape', shape);
  }
  const n = values.length;
  let known = 1;
  let inferred = -1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (inferred !== -1) throw specError('at most one -1 dimension', 'shape', shape);
      inferred = i;
    } else {
      known *= d;
    }
  });
  const out = shape.slice();
  if (inferred !== -1) {
    if (known === 0 || n % known !== 0) {
      throw new TFRecordError('INVALID_ARGUMENT', `cannot reshape ${n} values to [${shape.join(', ')}]`);
    }
    out[inferred] = n / known;
  } else if (known !== n) {
    throw new TFRecordError('INVALID_ARGUMENT', `cannot reshape ${n} values to [${shape.join(', ')}] (needs ${known})`);
  }
  return { kind: 'dense', values, shape: out };
}
