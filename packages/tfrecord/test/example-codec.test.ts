import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isTFRecordError } from '../src/errors.js';
import { decodeExample, decodeFeature, decodeSequenceExample } from '../src/example/decode.js';
import {
  encodeExample,
  encodeExampleInto,
  encodeFeature,
  encodeSequenceExample,
  exampleByteLength,
} from '../src/example/encode.js';
import { int64ArrayToNumbers, int64ToNumber } from '../src/example/int64.js';
import { buildExample, buildSequenceExample, bytesList, floatList, int64List } from '../src/example/build.js';
import type { Example, Feature, Features, FloatFeature, SequenceExample } from '../src/example/types.js';
import {
  UNKNOWN_FIELDS,
  bytes,
  entry,
  example,
  f32,
  hex,
  ld,
  norm,
  normFeatures,
  normSequence,
  tag,
  utf8,
  varint,
} from './example-wire.js';

/** Feature { int64_list { packed values } } */
const int64Feature = (...vs: bigint[]): Uint8Array => ld(3, ld(1, ...vs.map((v) => varint(v))));

function throwsProto(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTFRecordError(e, 'INVALID_PROTO'), `expected INVALID_PROTO, got ${String(e)}`);
    assert.equal(e.message, message);
    // `offset` is reserved for where a record starts in its file; inside a message it is `position`.
    assert.equal(e.offset, undefined);
    assert.equal(e.position, Number(/ at byte (\d+)/.exec(message)?.[1]));
    return true;
  });
}

// ---- decoding: lists --------------------------------------------------------

test('packed int64 list decodes exactly, including 10-byte negatives and values beyond 2^53', () => {
  const values = [
    0n,
    1n,
    127n,
    128n,
    300n,
    -1n,
    -300n,
    2n ** 53n + 1n,
    -(2n ** 53n) - 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 32n,
    2n ** 31n,
  ];
  const f = decodeFeature(int64Feature(...values));
  assert.equal(f.kind, 'int64');
  assert.ok(f.values instanceof BigInt64Array);
  assert.deepEqual([...f.values], values);
  // -1 really is the 10-byte varint ff ff ff ff ff ff ff ff ff 01.
  assert.deepEqual(varint(-1n), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
});

test('few and many int64 values take the same path results (bigint path and word path)', () => {
  for (const n of [1, 4, 5, 40]) {
    const values = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? BigInt(i) * 1000003n : -(2n ** 40n) - BigInt(i)));
    const f = decodeFeature(int64Feature(...values));
    assert.deepEqual(f.kind === 'int64' && [...f.values], values);
  }
});

test('unpacked int64 and float lists decode', () => {
  const ints = decodeFeature(ld(3, tag(1, 0), varint(5), tag(1, 0), varint(-2n), tag(1, 0), varint(2n ** 62n)));
  assert.deepEqual(ints.kind === 'int64' && [...ints.values], [5n, -2n, 2n ** 62n]);
  const floats = decodeFeature(ld(2, tag(1, 5), f32(0.5), tag(1, 5), f32(-2.25)));
  assert.deepEqual(floats.kind === 'float' && [...floats.values], [0.5, -2.25]);
});

test('several packed chunks, mixed with unpacked values, concatenate in order', () => {
  const ints = decodeFeature(ld(3, ld(1, [1, 2]), tag(1, 0), varint(3), ld(1, [4]), ld(1), ld(1, varint(-7n))));
  assert.deepEqual(ints.kind === 'int64' && [...ints.values], [1n, 2n, 3n, 4n, -7n]);
  const floats = decodeFeature(ld(2, ld(1, f32(1), f32(2)), tag(1, 5), f32(3), ld(1, f32(4))));
  assert.deepEqual(floats.kind === 'float' && [...floats.values], [1, 2, 3, 4]);
});

test('two float_list fields in one Feature merge (protobuf merge of embedded messages)', () => {
  const f = decodeFeature(bytes(ld(2, ld(1, f32(1))), ld(2, ld(1, f32(2), f32(3)))));
  assert.deepEqual(f.kind === 'float' && [...f.values], [1, 2, 3]);
  const b = decodeFeature(bytes(ld(1, ld(1, utf8('a'))), ld(1, ld(1, utf8('b')))));
  assert.deepEqual(b.kind === 'bytes' && b.values.map((v) => new TextDecoder().decode(v)), ['a', 'b']);
  const i = decodeFeature(bytes(ld(3, ld(1, [1])), ld(3, ld(1, [2]))));
  assert.deepEqual(i.kind === 'int64' && [...i.values], [1n, 2n]);
});

test('oneof set twice: the last kind wins and drops what came before it', () => {
  const f = decodeFeature(bytes(ld(2, ld(1, f32(1))), int64Feature(9n)));
  assert.deepEqual(norm(f), { kind: 'int64', values: ['9'] });
  const g = decodeFeature(bytes(ld(2, ld(1, f32(1))), int64Feature(9n), ld(2, ld(1, f32(5)))));
  assert.deepEqual(f32(g.kind === 'float' ? g.values[0]! : NaN), f32(5));
  assert.equal(g.kind === 'float' && g.values.length, 1);
});

test('float lists: aligned and unaligned inputs give equal values; every float32 bit pattern survives', () => {
  // Quiet NaN with payload, signalling NaN, negative NaN: only a byte copy keeps these.
  const payload = bytes(
    f32(0.1),
    f32(-0),
    f32(Infinity),
    f32(-Infinity),
    [0x01, 0x00, 0xc0, 0x7f],
    [0x01, 0x00, 0x80, 0x7f],
    [0x00, 0x00, 0xc0, 0xff],
    f32(3.5),
  );
  const feature = ld(2, ld(1, payload));
  for (let shift = 0; shift < 8; shift++) {
    const buf = new Uint8Array(feature.length + shift);
    buf.set(feature, shift);
    const f = decodeFeature(buf, shift);
    assert.equal(f.kind, 'float');
    assert.equal(hex(new Uint8Array(f.kind === 'float' ? f.values.slice().buffer : new ArrayBuffer(0))), hex(payload));
    // Unpacked and split lists take the general path; it copies bytes too.
    const unpacked = ld(
      2,
      ...Array.from({ length: payload.length / 4 }, (_, i) => bytes(tag(1, 5), payload.subarray(4 * i, 4 * i + 4))),
    );
    const u = new Uint8Array(unpacked.length + shift);
    u.set(unpacked, shift);
    assert.deepEqual(norm(decodeFeature(u, shift)), norm(f));
  }
});

test('float encoding is bit-exact for NaN payloads, short and long lists, in-heap or not', () => {
  for (const n of [1, 3, 16, 17, 100]) {
    const bits = Uint32Array.from(
      { length: n },
      (_, i) => [0x7f800001, 0x7fc00123, 0xffc00000, 0x3f800000, 0x80000000][i % 5]!,
    );
    const values = new Float32Array(bits.buffer);
    const enc = encodeFeature({ kind: 'float', values });
    const payload = enc.subarray(enc.length - 4 * n);
    assert.equal(hex(payload), hex(new Uint8Array(bits.buffer)), `n=${n}`);
    assert.deepEqual(norm(decodeFeature(enc)), norm({ kind: 'float', values }));
    // A fresh in-heap array of plain floats takes the value-by-value path.
    const plain = Float32Array.from({ length: n }, (_, i) => i - 0.5);
    assert.deepEqual(
      norm(decodeFeature(encodeFeature({ kind: 'float', values: plain }))),
      norm({ kind: 'float', values: plain }),
    );
  }
});

test('bytes values are zero-copy views of the input', () => {
  const input = example(entry('image', ld(1, ld(1, [1, 2, 3]), ld(1), ld(1, utf8('xyz')))));
  const f = decodeExample(input).features['image']!;
  assert.equal(f.kind, 'bytes');
  const values = f.kind === 'bytes' ? f.values : [];
  assert.deepEqual(
    values.map((v) => [...v]),
    [[1, 2, 3], [], [0x78, 0x79, 0x7a]],
  );
  assert.equal(values[0]!.buffer, input.buffer);
  input[values[0]!.byteOffset] = 42;
  assert.equal(values[0]![0], 42);
});

test('empty lists and a Feature with no kind', () => {
  assert.deepEqual(norm(decodeFeature(ld(3))), { kind: 'int64', values: [] });
  assert.deepEqual(norm(decodeFeature(ld(2))), { kind: 'float', values: [] });
  assert.deepEqual(norm(decodeFeature(ld(1))), { kind: 'bytes', values: [] });
  assert.deepEqual(decodeFeature(new Uint8Array(0)), { kind: 'none' });
  const ex = decodeExample(example(entry('empty', new Uint8Array(0)), ld(1, utf8('novalue'))));
  assert.deepEqual(normFeatures(ex.features), [
    ['empty', { kind: 'none' }],
    ['novalue', { kind: 'none' }],
  ]);
});

// ---- decoding: maps ---------------------------------------------------------

test('map entries with value before key, missing key, duplicate keys (last wins)', () => {
  const reversed = bytes(ld(2, int64Feature(1n)), ld(1, utf8('b')));
  const input = example(
    entry('a', int64Feature(1n)),
    reversed,
    ld(2, int64Feature(7n)), // no key: the empty name
    entry('a', int64Feature(2n)),
  );
  const fs = decodeExample(input).features;
  assert.deepEqual(normFeatures(fs), [
    ['a', { kind: 'int64', values: ['2'] }],
    ['b', { kind: 'int64', values: ['1'] }],
    ['', { kind: 'int64', values: ['7'] }],
  ]);
});

test('a key or value repeated inside one map entry: last key, values merged', () => {
  const e = bytes(
    ld(1, utf8('first')),
    ld(2, ld(2, ld(1, f32(1)))),
    ld(1, utf8('second')),
    ld(2, ld(2, ld(1, f32(2)))),
  );
  const fs = decodeExample(example(e)).features;
  assert.deepEqual(Object.keys(fs), ['second']);
  assert.deepEqual(fs['second']!.kind === 'float' && [...fs['second']!.values], [1, 2]);
});

test('a repeated features field merges into one map', () => {
  const input = bytes(
    example(entry('a', int64Feature(1n))),
    example(entry('b', int64Feature(2n)), entry('a', int64Feature(3n))),
  );
  assert.deepEqual(normFeatures(decodeExample(input).features), [
    ['a', { kind: 'int64', values: ['3'] }],
    ['b', { kind: 'int64', values: ['2'] }],
  ]);
});

test('feature names __proto__ and constructor are ordinary keys of a null-prototype map', () => {
  const fs = decodeExample(
    example(entry('__proto__', int64Feature(1n)), entry('constructor', int64Feature(2n)), entry('toString', ld(1))),
  ).features;
  assert.equal(Object.getPrototypeOf(fs), null);
  assert.deepEqual(Object.keys(fs), ['__proto__', 'constructor', 'toString']);
  // biome-ignore lint/suspicious/noProto: the test is that a feature named __proto__ is an ordinary key
  assert.deepEqual(norm(fs['__proto__']!), { kind: 'int64', values: ['1'] });
  assert.deepEqual(norm(fs['constructor']!), { kind: 'int64', values: ['2'] });
  const again = decodeExample(encodeExample({ features: fs }));
  assert.deepEqual(normFeatures(again.features), normFeatures(fs));
});

test('unicode feature names, cached and uncached, long and short', () => {
  const names = ['ß', '日本語', '😀 emoji', 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(300), 'é'.repeat(40)];
  for (let round = 0; round < 2; round++) {
    const fs = decodeExample(example(...names.map((n, i) => entry(n, int64Feature(BigInt(i)))))).features;
    assert.deepEqual(Object.keys(fs), names);
  }
});

test('unknown fields of every wire type are skipped at every level', () => {
  const U = UNKNOWN_FIELDS;
  const feature = ld(3, U, ld(1, [1, 2]), U, tag(1, 0), varint(3), U);
  const ex = bytes(U, ld(1, U, ld(1, U, ld(1, utf8('k')), U, ld(2, U, feature, U), U), U), U);
  assert.deepEqual(normFeatures(decodeExample(ex).features), [['k', { kind: 'int64', values: ['1', '2', '3'] }]]);
  const floats = ld(2, U, ld(1, f32(1)), U, tag(1, 5), f32(2), U);
  assert.deepEqual(norm(decodeFeature(bytes(U, floats, U))), norm({ kind: 'float', values: Float32Array.of(1, 2) }));
  const bl = ld(1, U, ld(1, [5]), U);
  assert.deepEqual(norm(decodeFeature(bytes(U, bl, U))), { kind: 'bytes', values: ['05'] });
  // A known field number with the wrong wire type is an unknown field too.
  assert.deepEqual(norm(decodeFeature(bytes(tag(2, 0), varint(1), tag(3, 5), [0, 0, 0, 0]))), { kind: 'none' });
  const se = bytes(
    U,
    ld(1, U, ld(1, U, ld(2, U, ld(2, ld(1, f32(0.5)))), U, ld(1, utf8('c')))),
    U,
    ld(2, U, ld(1, ld(1, utf8('steps')), U, ld(2, U, ld(1, U, feature), U, ld(1), U)), U),
    U,
  );
  assert.deepEqual(normSequence(decodeSequenceExample(se)), {
    context: [['c', { kind: 'float', values: ['3f000000'] }]],
    lists: [['steps', [{ kind: 'int64', values: ['1', '2', '3'] }, { kind: 'none' }]]],
  });
});

test('SequenceExample: feature lists, duplicate list keys (last wins), merged values within an entry', () => {
  const se = bytes(
    ld(
      2,
      ld(1, ld(1, utf8('a')), ld(2, ld(1, int64Feature(1n)))),
      ld(1, ld(1, utf8('b')), ld(2, ld(1, int64Feature(2n)), ld(1, ld(1))), ld(2, ld(1, ld(2)))),
    ),
    ld(1, ld(1, entry('ctx', int64Feature(5n)))),
    ld(2, ld(1, ld(2, ld(1, int64Feature(3n))), ld(1, utf8('a')))),
  );
  const d = decodeSequenceExample(se);
  assert.equal(Object.getPrototypeOf(d.featureLists), null);
  assert.equal(Object.getPrototypeOf(d.context), null);
  assert.deepEqual(normSequence(d), {
    context: [['ctx', { kind: 'int64', values: ['5'] }]],
    lists: [
      ['a', [{ kind: 'int64', values: ['3'] }]],
      [
        'b',
        [
          { kind: 'int64', values: ['2'] },
          { kind: 'bytes', values: [] },
          { kind: 'float', values: [] },
        ],
      ],
    ],
  });
  assert.deepEqual(normSequence(decodeSequenceExample(new Uint8Array(0))), { context: [], lists: [] });
});

// ---- decoding: errors -------------------------------------------------------

test('invalid input: errors name the message, byte position and field', () => {
  // features.feature['label'].int64_list declares 300 bytes but holds 2.
  const badList = bytes(tag(3, 2), varint(300), [1, 2]);
  const input = example(entry('label', badList));
  const at = input.length - 2 - varint(300).length;
  throwsProto(
    () => decodeExample(input),
    `invalid Example: length 300 runs past the end of the message at byte ${at} (features.feature['label'].int64_list)`,
  );
  throwsProto(
    () => decodeExample(bytes(0x0a, 0x05, 0x0a)),
    'invalid Example: length 5 runs past the end of the message at byte 1',
  );
  throwsProto(() => decodeExample(bytes(0x0a)), 'invalid Example: truncated length at byte 1');
  throwsProto(() => decodeExample(bytes(0x08, 0x80)), 'invalid Example: truncated varint at byte 1');
  throwsProto(() => decodeExample(bytes(0x80)), 'invalid Example: truncated tag at byte 0');
  throwsProto(() => decodeExample(bytes(0x00, 0x00)), 'invalid Example: invalid field number 0 (tag 0) at byte 0');
  throwsProto(() => decodeExample(bytes(0x0e)), 'invalid Example: invalid wire type 6 (field 1) at byte 0');
  throwsProto(() => decodeExample(bytes(0x0f)), 'invalid Example: invalid wire type 7 (field 1) at byte 0');
  throwsProto(() => decodeExample(bytes(0x0c)), 'invalid Example: unexpected end of group (field 1) at byte 0');
  throwsProto(
    () => decodeExample(bytes(0xff, 0xff, 0xff, 0xff, 0x7f)),
    'invalid Example: tag larger than 32 bits at byte 0',
  );
  throwsProto(() => decodeExample(bytes(0x0d, 1, 2)), 'invalid Example: truncated fixed32 at byte 1');
  throwsProto(() => decodeExample(bytes(0x09, 1, 2)), 'invalid Example: truncated fixed64 at byte 1');
  throwsProto(
    () => decodeExample(bytes(0x08, Array(10).fill(0xff), 0x01)),
    'invalid Example: varint longer than 10 bytes at byte 1',
  );
  throwsProto(
    () => decodeExample(bytes(0x0a, Array(10).fill(0x80), 0x00)),
    'invalid Example: varint longer than 10 bytes at byte 1',
  );
  throwsProto(
    () => decodeExample(bytes(tag(5, 3), tag(6, 4))),
    'invalid Example: mismatched end of group (field 6) at byte 1',
  );
  throwsProto(
    () => decodeExample(bytes(tag(5, 3), tag(1, 0), 1)),
    'invalid Example: unterminated group (field 5) at byte 0',
  );
  const deep = bytes(Array(101).fill(tag(5, 3)).flat(), Array(101).fill(tag(5, 4)).flat());
  throwsProto(() => decodeExample(deep), 'invalid Example: groups nested deeper than 100 at byte 100');
  const ok = bytes(Array(100).fill(tag(5, 3)).flat(), Array(100).fill(tag(5, 4)).flat());
  assert.deepEqual(decodeExample(ok).features, Object.create(null));
});

test('invalid lists and keys: packed lengths, truncated packed varints, bad UTF-8', () => {
  throwsProto(
    () => decodeExample(example(entry('x', ld(2, ld(1, [0, 0, 0]))))),
    "invalid Example: packed float length 3 is not a multiple of 4 at byte 12 (features.feature['x'].float_list)",
  );
  throwsProto(
    () => decodeExample(example(entry('x', ld(2, ld(1, f32(1)), ld(1, [0, 0]))))),
    "invalid Example: packed float length 2 is not a multiple of 4 at byte 18 (features.feature['x'].float_list)",
  );
  throwsProto(
    () => decodeExample(example(entry('ids', ld(3, ld(1, [1, 0x80]))))),
    "invalid Example: truncated varint in packed list at byte 16 (features.feature['ids'].int64_list)",
  );
  throwsProto(
    () => decodeExample(example(entry('ids', ld(3, ld(1, Array(10).fill(0x80), 0))))),
    "invalid Example: varint longer than 10 bytes at byte 15 (features.feature['ids'].int64_list)",
  );
  throwsProto(
    () => decodeExample(example(bytes(ld(1, [0xff, 0xfe]), ld(2)))),
    'invalid Example: map key is not valid UTF-8 at byte 6 (features.feature (map entry))',
  );
  throwsProto(
    () => decodeSequenceExample(bytes(ld(2, ld(1, ld(1, utf8('s')), ld(2, ld(1, ld(1)), ld(1, ld(2, ld(1, [1])))))))),
    "invalid SequenceExample: packed float length 1 is not a multiple of 4 at byte 18 (feature_lists.feature_list['s'].feature[1].float_list)",
  );
  throwsProto(
    () => decodeSequenceExample(bytes(ld(1, ld(1, ld(1, utf8("it's")), ld(2, ld(3, [0x0a, 0x09])))))),
    "invalid SequenceExample: length 9 runs past the end of the message at byte 15 (context.feature['it\\'s'].int64_list)",
  );
  throwsProto(
    () => decodeFeature(bytes(tag(2, 2), 9)),
    'invalid Feature: length 9 runs past the end of the message at byte 1 (float_list)',
  );
});

test('non-Uint8Array input and bad ranges are INVALID_ARGUMENT', () => {
  assert.throws(() => decodeExample('abc' as unknown as Uint8Array), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected Uint8Array for bytes of decodeExample but received abc of type string',
  });
  assert.throws(() => decodeFeature(new Uint8Array(4), 3, 2), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected 0 <= start <= end <= 4 for decodeFeature range but received [3, 2)',
  });
});

// ---- encoding ---------------------------------------------------------------

test('single-feature Examples encode exactly as TensorFlow does', () => {
  // Bytes of pwnall-singles.tfrecords (written by TensorFlow), record 1.
  const tf = bytes(0x0a, 0x16, 0x0a, 0x14, 0x0a, 0x0b, utf8('int_feature'), 0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x2a);
  assert.equal(hex(encodeExample({ features: { int_feature: int64List([42]) } })), hex(tf));
  const neg = encodeFeature(int64List([-1n]));
  assert.equal(hex(neg), hex(bytes(0x1a, 12, 0x0a, 10, varint(-1n))));
  assert.equal(hex(encodeFeature(int64List([]))), '1a 00');
  assert.equal(hex(encodeFeature(floatList([]))), '12 00');
  assert.equal(hex(encodeFeature(bytesList([]))), '0a 00');
  assert.equal(hex(encodeFeature({ kind: 'none' })), '');
  assert.equal(hex(encodeFeature(floatList([1.5]))), hex(bytes(0x12, 6, 0x0a, 4, f32(1.5))));
  assert.equal(hex(encodeFeature(bytesList(['ab', new Uint8Array(0)]))), '0a 06 0a 02 61 62 0a 00');
  assert.equal(hex(encodeExample({ features: { '': { kind: 'none' } } })), '0a 06 0a 04 0a 00 12 00');
  assert.equal(hex(encodeExample({ features: {} })), '0a 00');
});

test('encoding: int64 extremes, long payloads (multi-byte lengths), insertion order', () => {
  const values = [
    0n,
    127n,
    128n,
    2n ** 31n - 1n,
    2n ** 31n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 35n,
    2n ** 42n,
    2n ** 49n,
    2n ** 56n,
    2n ** 63n - 1n,
    -1n,
    -(2n ** 63n),
  ];
  for (const v of values) {
    assert.equal(hex(encodeFeature(int64List([v])).subarray(4)), hex(Uint8Array.from(varint(v))), String(v));
  }
  const big = new Uint8Array(70000).fill(7);
  const ex: Example = { features: { z: bytesList([big]), a: int64List(values), m: floatList(new Float32Array(5000)) } };
  const enc = encodeExample(ex);
  const dec = decodeExample(enc);
  assert.deepEqual(Object.keys(dec.features), ['z', 'a', 'm']);
  assert.deepEqual(normFeatures(dec.features), normFeatures(ex.features));
});

test('SequenceExample encodes context then feature_lists, and round-trips', () => {
  const se: SequenceExample = {
    context: { id: int64List([7]) },
    featureLists: { tokens: [int64List([1, 2]), { kind: 'none' }, floatList([0.5])], empty: [] },
  };
  const enc = encodeSequenceExample(se);
  assert.equal(enc[0], 0x0a);
  assert.deepEqual(normSequence(decodeSequenceExample(enc)), normSequence(se));
  assert.equal(
    hex(encodeSequenceExample({ context: {}, featureLists: { s: [{ kind: 'none' }] } })),
    hex(bytes(0x0a, 0x00, ld(2, ld(1, ld(1, utf8('s')), ld(2, ld(1)))))),
  );
});

test('encoding rejects malformed features with INVALID_ARGUMENT naming them', () => {
  const bad = (ex: unknown, message: string): void =>
    assert.throws(() => encodeExample(ex as Example), { code: 'INVALID_ARGUMENT', message });
  bad(
    { features: { x: { kind: 'int64', values: [1n] } } },
    "Expected Feature ({ kind: 'int64' | 'float' | 'bytes' | 'none', values }) for features['x'] but received an object of type object",
  );
  bad(
    { features: { x: { kind: 'bytes', values: ['a'] } } },
    `Expected Uint8Array for features['x'] bytes value 0 but received "a" of type string`,
  );
  bad(
    { features: { x: 3 } },
    "Expected Feature ({ kind: 'int64' | 'float' | 'bytes' | 'none', values }) for features['x'] but received 3 of type number",
  );
  bad({ features: null }, 'Expected object for Example.features but received null of type object');
  assert.throws(
    () =>
      encodeSequenceExample({
        context: {},
        featureLists: { s: [{ kind: 'float', values: [1] }] },
      } as unknown as SequenceExample),
    {
      code: 'INVALID_ARGUMENT',
      message:
        "Expected Feature ({ kind: 'int64' | 'float' | 'bytes' | 'none', values }) for feature_lists['s'][0] but received an object of type object",
    },
  );
});

test('encodeExampleInto writes the same bytes at an offset; exampleByteLength predicts the size', () => {
  const ex: Example = {
    features: { label: int64List([3]), image: bytesList([new Uint8Array(300).fill(9)]), x: floatList([0.5, 1.5]) },
  };
  const expected = encodeExample(ex);
  assert.equal(exampleByteLength(ex), expected.length);
  const target = new Uint8Array(expected.length + 10).fill(0xee);
  const end = encodeExampleInto(ex, target, 7);
  assert.equal(end, 7 + expected.length);
  assert.equal(hex(target.subarray(7, end)), hex(expected));
  assert.deepEqual([...target.subarray(0, 7), ...target.subarray(end)], Array(10).fill(0xee));
  assert.equal(encodeExampleInto(ex, target.subarray(3)), expected.length);
  assert.throws(() => encodeExampleInto(ex, target, 11), {
    code: 'INVALID_ARGUMENT',
    message: `Expected offset with room for ${expected.length} bytes in a target of ${target.length} bytes but received 11 of type number`,
  });
  assert.throws(() => encodeExampleInto(ex, target, -1), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => encodeExampleInto(ex, [] as unknown as Uint8Array), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected Uint8Array for target but received an array of type object',
  });
});

// ---- int64 conversion -------------------------------------------------------

test('int64ToNumber / int64ArrayToNumbers convert safe values and refuse the rest by name', () => {
  assert.equal(int64ToNumber(-(2n ** 53n) + 1n), -(2 ** 53) + 1);
  assert.deepEqual(
    [...int64ArrayToNumbers(BigInt64Array.of(0n, -1n, 2n ** 53n - 1n, -(2n ** 32n), 2n ** 32n + 5n))],
    [0, -1, 2 ** 53 - 1, -(2 ** 32), 2 ** 32 + 5],
  );
  assert.throws(() => int64ToNumber(2n ** 53n, 'label'), {
    code: 'INVALID_ARGUMENT',
    message:
      'Expected int64 between -9007199254740991 and 9007199254740991 for label but received 9007199254740992 of type bigint',
  });
  assert.throws(() => int64ToNumber(-(2n ** 53n)), {
    message:
      'Expected int64 between -9007199254740991 and 9007199254740991 for value but received -9007199254740992 of type bigint',
  });
  assert.throws(() => int64ArrayToNumbers(BigInt64Array.of(1n, 2n ** 53n + 1n), 'ids'), {
    code: 'INVALID_ARGUMENT',
    message:
      'Expected int64 between -9007199254740991 and 9007199254740991 for ids[1] but received 9007199254740993 of type bigint',
  });
  assert.throws(() => int64ArrayToNumbers(BigInt64Array.of(-(2n ** 63n))), {
    message:
      'Expected int64 between -9007199254740991 and 9007199254740991 for element 0 but received -9223372036854775808 of type bigint',
  });
});

// ---- property-based round trips ---------------------------------------------

const nameArb = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !/\p{Cs}/u.test(s));
const featureArb: fc.Arbitrary<Feature> = fc.oneof(
  fc
    .array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 12 })
    .map((v) => ({ kind: 'int64' as const, values: BigInt64Array.from(v) })),
  fc
    .array(fc.integer({ min: -300, max: 300 }), { maxLength: 12 })
    .map((v) => ({ kind: 'int64' as const, values: BigInt64Array.from(v, BigInt) })),
  fc
    .array(fc.float({ noDefaultInfinity: false, noNaN: false }), { maxLength: 12 })
    .map((v) => ({ kind: 'float' as const, values: Float32Array.from(v) })),
  fc
    .array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 })
    .map((bits) => ({ kind: 'float' as const, values: new Float32Array(Uint32Array.from(bits).buffer) })),
  fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }).map((v) => ({ kind: 'bytes' as const, values: v })),
  fc.constant<Feature>({ kind: 'none' }),
);
const featuresArb = fc.array(fc.tuple(nameArb, featureArb), { maxLength: 8 }).map((pairs) => {
  const fs = Object.create(null) as Features;
  for (const [k, f] of pairs) fs[k] = f;
  return fs;
});

test('property: encode -> decode round-trips random Examples bit-exactly', () => {
  fc.assert(
    fc.property(featuresArb, (fs) => {
      const enc = encodeExample({ features: fs });
      const dec = decodeExample(enc);
      assert.deepEqual(normFeatures(dec.features), normFeatures(fs));
      assert.equal(hex(encodeExample(dec)), hex(enc));
    }),
    { numRuns: 300 },
  );
});

test('property: encode -> decode round-trips random SequenceExamples', () => {
  const listsArb = fc
    .array(fc.tuple(nameArb, fc.array(featureArb, { maxLength: 5 })), { maxLength: 5 })
    .map((pairs) => {
      const ls = Object.create(null) as Record<string, Feature[]>;
      for (const [k, l] of pairs) ls[k] = l;
      return ls;
    });
  fc.assert(
    fc.property(featuresArb, listsArb, (context, featureLists) => {
      const se = { context, featureLists };
      const enc = encodeSequenceExample(se);
      const dec = decodeSequenceExample(enc);
      assert.deepEqual(normSequence(dec), normSequence(se));
      assert.equal(hex(encodeSequenceExample(dec)), hex(enc));
    }),
    { numRuns: 200 },
  );
});

test('property: decoding accepts unpacked and split encodings of the same list', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 10 }),
      fc.array(fc.nat(10)),
      (values, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (values.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const c of [...points, values.length]) {
          const part = values.slice(prev, c);
          chunks.push(
            part.length % 2 === 0
              ? ld(1, ...part.map((v) => varint(v)))
              : bytes(...part.map((v) => bytes(tag(1, 0), varint(v)))),
          );
          prev = c;
        }
        const f = decodeFeature(ld(3, ...chunks));
        assert.deepEqual(f.kind === 'int64' && [...f.values], values);
      },
    ),
    { numRuns: 200 },
  );
});

// ---- builders ---------------------------------------------------------------

test('buildExample guesses kinds from plain values', () => {
  const image = new Uint8Array([1, 2, 3]);
  const ex = buildExample({
    label: 3,
    shape: new Uint8Array(12),
    image,
    x: [0.5, 1.5],
    whole: [1, 2, 3],
    mixed: [1, 2n],
    name: 'cat',
    ids: [1n, 2n],
    big: 2n ** 63n - 1n,
    f: 0.25,
    nan: NaN,
    f32: new Float32Array([1, 2]),
    f64: new Float64Array([0.1]),
    i32: new Int32Array([-1, 5]),
    u32: new Uint32Array([4294967295]),
    b64: new BigUint64Array([2n ** 63n - 1n]),
    names: ['a', new Uint8Array([0xff])],
    empty: int64List([]),
    none: { kind: 'none' },
    given: floatList([1, 2]),
  });
  assert.equal(Object.getPrototypeOf(ex.features), null);
  assert.deepEqual(
    Object.fromEntries(
      normFeatures(ex.features).map(([k, f]) => [
        k,
        f.kind === 'float' ? { kind: 'float', values: [...(ex.features[k] as FloatFeature).values] } : f,
      ]),
    ),
    {
      label: { kind: 'int64', values: ['3'] },
      shape: { kind: 'bytes', values: ['00 00 00 00 00 00 00 00 00 00 00 00'] },
      image: { kind: 'bytes', values: ['01 02 03'] },
      x: { kind: 'float', values: [0.5, 1.5] },
      whole: { kind: 'int64', values: ['1', '2', '3'] },
      mixed: { kind: 'int64', values: ['1', '2'] },
      name: { kind: 'bytes', values: ['63 61 74'] },
      ids: { kind: 'int64', values: ['1', '2'] },
      big: { kind: 'int64', values: ['9223372036854775807'] },
      f: { kind: 'float', values: [0.25] },
      nan: { kind: 'float', values: [NaN] },
      f32: { kind: 'float', values: [1, 2] },
      f64: { kind: 'float', values: [Math.fround(0.1)] },
      i32: { kind: 'int64', values: ['-1', '5'] },
      u32: { kind: 'int64', values: ['4294967295'] },
      b64: { kind: 'int64', values: ['9223372036854775807'] },
      names: { kind: 'bytes', values: ['61', 'ff'] },
      empty: { kind: 'int64', values: [] },
      none: { kind: 'none' },
      given: { kind: 'float', values: [1, 2] },
    },
  );
  // A Uint8Array value is used as is (no copy).
  assert.equal(ex.features['image']!.kind === 'bytes' && ex.features['image']!.values[0], image);
  const round = decodeExample(encodeExample(ex));
  assert.deepEqual(normFeatures(round.features), normFeatures(ex.features));
});

test('explicit list helpers accept iterables and typed arrays', () => {
  assert.deepEqual(norm(int64List(new Set([1, 2n]))), { kind: 'int64', values: ['1', '2'] });
  assert.deepEqual(norm(floatList([1, 2].values())), norm({ kind: 'float', values: Float32Array.of(1, 2) }));
  assert.deepEqual(norm(bytesList(['é'])), { kind: 'bytes', values: ['c3 a9'] });
  const same = BigInt64Array.of(5n);
  assert.equal(int64List(same).values, same);
});

test('buildSequenceExample builds context and per-step feature lists', () => {
  const se = buildSequenceExample({ context: { id: 7 }, featureLists: { tokens: [[1, 2], 'x', 0.5], empty: [] } });
  assert.deepEqual(normSequence(se), {
    context: [['id', { kind: 'int64', values: ['7'] }]],
    lists: [
      [
        'tokens',
        [
          { kind: 'int64', values: ['1', '2'] },
          { kind: 'bytes', values: ['78'] },
          { kind: 'float', values: ['3f000000'] },
        ],
      ],
      ['empty', []],
    ],
  });
  assert.deepEqual(normSequence(buildSequenceExample({})), { context: [], lists: [] });
});

test('builder errors name the feature and the value (exact text)', () => {
  const bad = (fn: () => unknown, message: string): void => assert.throws(fn, { code: 'INVALID_ARGUMENT', message });
  bad(
    () => buildExample({ ok: 1, flag: true as unknown as number }),
    "Expected number, bigint, string, Uint8Array, array or typed array of them, or Feature for feature 'flag' but received true of type boolean",
  );
  bad(
    () => buildExample({ n: null as unknown as number }),
    "Expected number, bigint, string, Uint8Array, array or typed array of them, or Feature for feature 'n' but received null of type object",
  );
  bad(
    () => buildExample({ o: { a: 1 } as unknown as number }),
    "Expected number, bigint, string, Uint8Array, array or typed array of them, or Feature for feature 'o' but received an object of type object",
  );
  bad(
    () => buildExample({ d: new Date(0) as unknown as number }),
    "Expected number, bigint, string, Uint8Array, array or typed array of them, or Feature for feature 'd' but received a Date of type object",
  );
  bad(
    () => buildExample({ big: 2 ** 53 }),
    "Expected safe integer for feature 'big' but received 9007199254740992 of type number",
  );
  bad(
    () => buildExample({ ids: [1, 2 ** 60] }),
    "Expected safe integer for feature 'ids' element 1 but received 1152921504606847000 of type number",
  );
  bad(
    () => buildExample({ b: 2n ** 63n }),
    "Expected integer between -9223372036854775808 and 9223372036854775807 for feature 'b' but received 9223372036854775808 of type bigint",
  );
  bad(
    () => buildExample({ u: new BigUint64Array([2n ** 64n - 1n]) }),
    "Expected integer between -9223372036854775808 and 9223372036854775807 for feature 'u' element 0 but received 18446744073709551615 of type bigint",
  );
  bad(
    () => buildExample({ m: [1, 'a'] as unknown as number[] }),
    `Expected number or bigint for feature 'm' element 1 but received "a" of type string`,
  );
  bad(
    () => buildExample({ m: ['a', 1] as unknown as string[] }),
    "Expected string or Uint8Array for feature 'm' element 1 but received 1 of type number",
  );
  bad(
    () => buildExample({ m: [0.5, 1n] as unknown as number[] }),
    "Expected number (the list holds non-integers, so it is a float list) for feature 'm' element 1 but received 1 of type bigint",
  );
  bad(
    () => buildExample({ m: [true] as unknown as number[] }),
    "Expected number, bigint, string or Uint8Array for feature 'm' element 0 but received true of type boolean",
  );
  bad(
    () => buildExample({ e: [] }),
    "Expected non-empty array (use int64List([]), floatList([]) or bytesList([]) for an empty list) for feature 'e' but received [] of type object",
  );
  bad(
    () => buildExample({ c: new Uint8ClampedArray(2) as unknown as Uint8Array }),
    "Expected number, bigint, string, Uint8Array, array or typed array of them, or Feature for feature 'c' but received a Uint8ClampedArray of type object",
  );
  bad(
    () => buildExample({ f: { kind: 'int64', values: [1n] } as unknown as Feature }),
    "Expected BigInt64Array values for feature 'f' but received an array of type object",
  );
  bad(
    () => buildExample({ f: { kind: 'bytes', values: ['x'] } as unknown as Feature }),
    `Expected Uint8Array for feature 'f' element 0 but received "x" of type string`,
  );
  bad(() => int64List([1.5]), 'Expected safe integer for int64List element 0 but received 1.5 of type number');
  bad(
    () => floatList(['1'] as unknown as number[]),
    'Expected number for floatList element 0 but received "1" of type string',
  );
  bad(
    () => bytesList([3] as unknown as string[]),
    'Expected string or Uint8Array for bytesList element 0 but received 3 of type number',
  );
  bad(
    () => int64List(5 as unknown as number[]),
    'Expected array or iterable for int64List but received 5 of type number',
  );
  bad(
    () => buildSequenceExample({ featureLists: { s: [1, []] } }),
    "Expected non-empty array (use int64List([]), floatList([]) or bytesList([]) for an empty list) for feature list 's' step 1 but received [] of type object",
  );
  bad(
    () => buildSequenceExample({ featureLists: { s: 1 as unknown as number[] } }),
    "Expected array of steps for feature list 's' but received 1 of type number",
  );
  bad(
    () => buildExample([] as unknown as Record<string, number>),
    'Expected object of features for buildExample but received [] of type object',
  );
});
