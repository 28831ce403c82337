/** decodeRaw (tf.io.decode_raw) and reshape, with hand-worked byte layouts. */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { decodeRaw, reshape } from '../src/parse/index.js';

suite('decodeRaw', () => {
  // The cs20 seed stores its image shape as int32 little-endian bytes: 322 = 0x142, 403 = 0x193.
  const shapeBytes = Uint8Array.of(0x42, 0x01, 0, 0, 0x93, 0x01, 0, 0, 3, 0, 0, 0);

  test('reads int32 little-endian as a zero-copy view when aligned', () => {
    const buf = new Uint8Array(16);
    buf.set(shapeBytes, 4);
    const bytes = buf.subarray(4, 16);
    const a = decodeRaw(bytes, 'int32');
    assert.ok(a instanceof Int32Array);
    assert.deepEqual([...a], [322, 403, 3]);
    assert.equal(a.buffer, buf.buffer, 'aligned little-endian input is a view');
    assert.equal(a.byteOffset, 4);
  });

  test('copies when misaligned', () => {
    const buf = new Uint8Array(13);
    buf.set(shapeBytes, 1);
    const a = decodeRaw(buf.subarray(1), 'int32');
    assert.deepEqual([...a], [322, 403, 3]);
    assert.notEqual(a.buffer, buf.buffer);
  });

  test('reads big-endian when asked (little_endian=False)', () => {
    assert.deepEqual(
      [...decodeRaw(Uint8Array.of(0, 0, 0x01, 0x42, 0xff, 0xff, 0xff, 0xfe), 'int32', false)],
      [322, -2],
    );
    assert.deepEqual([...decodeRaw(Uint8Array.of(0x01, 0x42), 'uint16', false)], [322]);
  });

  test('handles every element type', () => {
    assert.deepEqual([...decodeRaw(Uint8Array.of(0xff, 1), 'int8')], [-1, 1]);
    assert.deepEqual([...decodeRaw(Uint8Array.of(0xfe, 0xff), 'int16')], [-2]);
    assert.deepEqual([...decodeRaw(Uint8Array.of(0xfe, 0xff, 0xff, 0xff), 'uint32')], [0xfffffffe]);
    assert.deepEqual([...decodeRaw(Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'int64')], [-2n]);
    // 1.5f = 0x3fc00000; 1.5 (double) = 0x3ff8000000000000.
    assert.deepEqual([...decodeRaw(Uint8Array.of(0, 0, 0xc0, 0x3f), 'float32')], [1.5]);
    assert.deepEqual([...decodeRaw(Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf8, 0x3f), 'float64')], [1.5]);
    const u8 = Uint8Array.of(1, 2, 3);
    assert.equal(decodeRaw(u8, 'uint8').buffer, u8.buffer);
  });

  // IEEE 754 binary16: 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504 (max), 0x0001 = 2^-24
  // (smallest subnormal), 0x7c00 = +inf, 0x7e00 = NaN.
  test('widens float16 to Float32Array', () => {
    const bytes = Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x7e);
    const a = decodeRaw(bytes, 'float16');
    assert.ok(a instanceof Float32Array);
    assert.deepEqual([...a.subarray(0, 5)], [1, -2, 65504, 2 ** -24, Infinity]);
    assert.ok(Number.isNaN(a[5]));
  });

  test('agrees with DataView for any bytes, offset and byte order', () => {
    const types = [
      ['int16', 2, 'getInt16'],
      ['uint16', 2, 'getUint16'],
      ['int32', 4, 'getInt32'],
      ['float32', 4, 'getFloat32'],
      ['float64', 8, 'getFloat64'],
      ['int64', 8, 'getBigInt64'],
    ] as const;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(7),
        fc.constantFrom(...types),
        fc.boolean(),
        (data, offset, [dtype, size, getter], le) => {
          const n = Math.floor(data.length / size);
          const buf = new Uint8Array(offset + n * size);
          buf.set(data.subarray(0, n * size), offset);
          const bytes = buf.subarray(offset);
          const got = [...decodeRaw(bytes, dtype, le)] as (number | bigint)[];
          const dv = new DataView(buf.buffer, offset);
          const want = Array.from({ length: n }, (_, i) =>
            (dv[getter] as (o: number, le: boolean) => number | bigint).call(dv, i * size, le),
          );
          assert.deepEqual(got, want);
        },
      ),
    );
  });
});

suite('reshape', () => {
  test('infers one -1 dimension', () => {
    const r = reshape(new Uint8Array(24), [2, -1, 3]);
    assert.deepEqual(r.shape, [2, 4, 3]);
    assert.equal(r.values.length, 24);
    assert.deepEqual(reshape(Float32Array.of(5), []).shape, []);
  });
});
