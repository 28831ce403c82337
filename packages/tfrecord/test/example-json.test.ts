import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { base64ToBytes, bytesToBase64 } from '../src/example/base64.js';
import { bytesList, floatList, int64List } from '../src/example/build.js';
import { decodeExample } from '../src/example/decode.js';
import { encodeExample } from '../src/example/encode.js';
import {
  exampleFromJSON,
  exampleToJSON,
  featureFromJSON,
  featureToJSON,
  sequenceExampleFromJSON,
  sequenceExampleToJSON,
} from '../src/example/json.js';
import type { Feature, Features } from '../src/example/types.js';
import { norm, normFeatures, normSequence } from './example-wire.js';
import { absent, sharedPath } from '@pastiche/testing';

test('featureToJSON: decimal int64 strings, widened floats, base64 bytes, {} for no kind', () => {
  assert.deepEqual(featureToJSON(int64List([-3n, 7n, 2n ** 63n - 1n])), { int64: ['-3', '7', '9223372036854775807'] });
  assert.deepEqual(featureToJSON(floatList([0.1, 0.5, NaN, Infinity, -Infinity, -0])), {
    float: [0.10000000149011612, 0.5, 'NaN', 'Infinity', '-Infinity', -0],
  });
  assert.equal(JSON.stringify(featureToJSON(floatList([0.1, -0]))), '{"float":[0.10000000149011612,0]}');
  assert.deepEqual(featureToJSON(bytesList(['@ABCD', new Uint8Array(0)])), { bytes_b64: ['QEFCQ0Q=', ''] });
  assert.deepEqual(featureToJSON({ kind: 'none' }), {});
});

test('exampleToJSON sorts names by code point, keeps __proto__ as an own key', () => {
  const fs = Object.create(null) as Features;
  for (const k of ['b', '\u{1F600}', '\uFF21', 'a', '__proto__', '']) fs[k] = int64List([1]);
  const json = exampleToJSON({ features: fs });
  assert.deepEqual(Object.keys(json.features), ['', '__proto__', 'a', 'b', '\uFF21', '\u{1F600}']);
  assert.equal(Object.getPrototypeOf(json.features), Object.prototype);
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  const back = exampleFromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(Object.keys(back.features), Object.keys(json.features));
  assert.equal(Object.getPrototypeOf(back.features), null);
});

test('sequenceExampleToJSON / FromJSON', () => {
  const se = {
    context: { b: floatList([1.5]), a: bytesList(['x']) },
    featureLists: { s: [int64List([1]), { kind: 'none' } as Feature], e: [] },
  };
  const json = sequenceExampleToJSON(se);
  assert.equal(
    JSON.stringify(json),
    '{"context":{"a":{"bytes_b64":["eA=="]},"b":{"float":[1.5]}},"feature_lists":{"e":[],"s":[{"int64":["1"]},{}]}}',
  );
  const back = sequenceExampleFromJSON(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(normSequence(back), {
    context: [
      ['a', { kind: 'bytes', values: ['78'] }],
      ['b', { kind: 'float', values: ['3fc00000'] }],
    ],
    lists: [
      ['e', []],
      ['s', [{ kind: 'int64', values: ['1'] }, { kind: 'none' }]],
    ],
  });
  assert.deepEqual(normSequence(sequenceExampleFromJSON({})), { context: [], lists: [] });
});

test('featureFromJSON accepts non-finite float strings, safe-integer numbers and URL-safe/unpadded base64', () => {
  const f = featureFromJSON({ float: ['NaN', 'Infinity', '-Infinity', 2] });
  assert.deepEqual(f.kind === 'float' && [...f.values], [NaN, Infinity, -Infinity, 2]);
  assert.deepEqual(norm(featureFromJSON({ int64: [5, '-9223372036854775808'] })), {
    kind: 'int64',
    values: ['5', '-9223372036854775808'],
  });
  assert.deepEqual(norm(featureFromJSON({ bytes_b64: ['-_8', '+/8=', 'QQ'] })), {
    kind: 'bytes',
    values: ['fb ff', 'fb ff', '41'],
  });
  assert.deepEqual(featureFromJSON({}), { kind: 'none' });
});

test('fromJSON errors name the JSON path and the value', () => {
  const bad = (fn: () => unknown, message: string): void => assert.throws(fn, { code: 'INVALID_ARGUMENT', message });
  bad(
    () => exampleFromJSON({ features: { x: { int64: ['1', 1.5] } } }),
    'Expected decimal int64 string for $.features["x"].int64[1] but received 1.5 of type number',
  );
  bad(
    () => exampleFromJSON({ features: { x: { int64: ['9223372036854775808'] } } }),
    'Expected decimal int64 string for $.features["x"].int64[0] but received "9223372036854775808" of type string',
  );
  bad(
    () => exampleFromJSON({ features: { x: { int64: ['01'] } } }),
    'Expected decimal int64 string for $.features["x"].int64[0] but received "01" of type string',
  );
  bad(
    () => exampleFromJSON({ features: { x: { float: [null] } } }),
    "Expected number, 'NaN', 'Infinity' or '-Infinity' for $.features[\"x\"].float[0] but received null of type object",
  );
  bad(
    () => exampleFromJSON({ features: { x: { bytes_b64: ['abc!'] } } }),
    'Expected base64 string for $.features["x"].bytes_b64[0] but received "abc!" of type string',
  );
  bad(
    () => exampleFromJSON({ features: { x: { bytes_b64: 'QQ==' } } }),
    'Expected array for $.features["x"].bytes_b64 but received "QQ==" of type string',
  );
  bad(
    () => exampleFromJSON({ features: { x: { int64: [], float: [] } } }),
    'Expected object with only one of int64, float, bytes_b64 for $.features["x"] but received an object of type object',
  );
  bad(
    () => exampleFromJSON({ features: { x: { double: [] } } }),
    'Expected object with one of int64, float, bytes_b64 for $.features["x"] but received an object of type object',
  );
  bad(
    () => exampleFromJSON({ features: { x: [] } }),
    'Expected object with one of int64, float, bytes_b64 for $.features["x"] but received an array of type object',
  );
  bad(() => exampleFromJSON({ features: [] }), 'Expected object for $.features but received an array of type object');
  bad(() => exampleFromJSON({ context: {} }), 'Expected only "features" in Example JSON but found "context" at $');
  bad(() => exampleFromJSON('{}'), 'Expected Example JSON object for $ but received "{}" of type string');
  bad(
    () => sequenceExampleFromJSON({ feature_lists: { s: [{}, { int64: [true] }] } }),
    'Expected decimal int64 string for $.feature_lists["s"][1].int64[0] but received true of type boolean',
  );
  bad(
    () => sequenceExampleFromJSON({ feature_lists: { s: {} } }),
    'Expected array for $.feature_lists["s"] but received an object of type object',
  );
});

test('golden .jsonl lines go through fromJSON -> encode -> decode -> toJSON unchanged', (t) => {
  const dir = sharedPath('data', 'tfrecord');
  if (dir === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  for (const f of [
    'pwnall-singles.tfrecords',
    'pytorch-data-example.tfrecord',
    'tfx-penguin-train.tfrecord.gz',
    'cs20-friday.tfrecord',
    'pytorch-data-sequence_example.tfrecord',
  ]) {
    const lines = readFileSync(join(dir, `${f}.jsonl`), 'utf8')
      .trimEnd()
      .split('\n');
    for (const line of lines) {
      const parsed: unknown = JSON.parse(line);
      if (line.startsWith('{"context"'))
        assert.deepEqual(sequenceExampleToJSON(sequenceExampleFromJSON(parsed)), parsed);
      else assert.deepEqual(exampleToJSON(decodeExample(encodeExample(exampleFromJSON(parsed)))), parsed);
    }
  }
});

const featureArb: fc.Arbitrary<Feature> = fc.oneof(
  fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 6 }).map((v) => int64List(v)),
  fc.array(fc.float(), { maxLength: 6 }).map((v) => floatList(v)),
  fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }).map((v) => bytesList(v)),
  fc.constant<Feature>({ kind: 'none' }),
);

test('property: Example -> JSON text -> Example is exact (floats bitwise, -0 aside)', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ maxLength: 8 }), featureArb, { maxKeys: 6 }), (dict) => {
      const fs = Object.create(null) as Features;
      for (const k of Object.keys(dict)) fs[k] = dict[k]!;
      const json = exampleToJSON({ features: fs });
      const back = exampleFromJSON(JSON.parse(JSON.stringify(json)));
      const fixZero = (n: ReturnType<typeof normFeatures>): unknown =>
        n
          .map(([k, f]) => [
            k,
            f.kind === 'float' ? { ...f, values: f.values!.map((h) => (h === '80000000' ? '0' : h)) } : f,
          ])
          .sort();
      assert.deepEqual(fixZero(normFeatures(back.features)), fixZero(normFeatures(fs)));
      assert.deepEqual(exampleToJSON(back), JSON.parse(JSON.stringify(json)));
    }),
    { numRuns: 300 },
  );
});

test('base64 matches the standard encoding for random bytes and decodes back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const text = bytesToBase64(b);
      assert.equal(text, Buffer.from(b).toString('base64'));
      assert.deepEqual(base64ToBytes(text), b);
      assert.deepEqual(base64ToBytes(text.replace(/=+$/, '')), b);
      assert.deepEqual(base64ToBytes(Buffer.from(b).toString('base64url')), b);
    }),
    { numRuns: 300 },
  );
  const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255);
  assert.equal(bytesToBase64(big), Buffer.from(big).toString('base64'));
  for (const badText of ['A', 'AB=C', 'A===', '====', 'QQ=', 'Q\u0141==', 'QUJD\u0100', 'ab c']) {
    assert.equal(base64ToBytes(badText), undefined, badText);
  }
  assert.deepEqual(base64ToBytes(''), new Uint8Array(0));
});
