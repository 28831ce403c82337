import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { asciiJSONString, exampleText, pythonFloat, sequenceExampleText } from '../src/tfrecord/canonical.js';

suite('pythonFloat', () => {
  test('matches Python repr on golden values', () => {
    // Produced by Python 3: repr(v) for each v.
    const golden: Array<[number, string]> = [
      [1e-4, '0.0001'],
      [9.999e-5, '9.999e-05'],
      [1e16, '1e+16'],
      [9999999999999998.0, '9999999999999998.0'],
      [1.5e-7, '1.5e-07'],
      [123456789.0, '123456789.0'],
      [0.1, '0.1'],
      [Math.fround(0.1), '0.10000000149011612'],
      [3.4028234663852886e38, '3.4028234663852886e+38'],
      [1.401298464324817e-45, '1.401298464324817e-45'],
      [-2.5e-5, '-2.5e-05'],
      [1e22, '1e+22'],
      [5e-324, '5e-324'],
      [65504.0, '65504.0'],
      [-0, '-0.0'],
      [0, '0.0'],
      [3.140000104904175, '3.140000104904175'],
    ];
    for (const [v, text] of golden) assert.equal(pythonFloat(v), text, String(v));
  });

  test('non-finite values are the JSON strings of exampleToJSON', () => {
    assert.equal(pythonFloat(Number.NaN), '"NaN"');
    assert.equal(pythonFloat(Number.POSITIVE_INFINITY), '"Infinity"');
    assert.equal(pythonFloat(Number.NEGATIVE_INFINITY), '"-Infinity"');
  });

  test('round-trips every float32 through JSON.parse, always with a point or exponent', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
        const text = pythonFloat(f);
        assert.ok(Object.is(JSON.parse(text), f === 0 && Object.is(f, -0) ? -0 : f), text);
        assert.match(text, /^-?\d+(\.\d+)?(e[+-]\d{2,3})?$/);
        assert.ok(/[.e]/.test(text), text);
      }),
      { numRuns: 2000 },
    );
  });
});

suite('canonical lines', () => {
  test('sorts keys, escapes non-ASCII as Python ensure_ascii does', () => {
    assert.equal(asciiJSONString('é\u{1F600}"'), '"\\u00e9\\ud83d\\ude00\\""');
    const ex = {
      features: {
        zeta: { kind: 'int64', values: new BigInt64Array([-3n, 9223372036854775807n]) },
        alpha: { kind: 'float', values: new Float32Array([0.5, 2]) },
        naïve: { kind: 'bytes', values: [new Uint8Array([0, 255])] },
        empty: { kind: 'none' },
      },
    } as const;
    assert.equal(
      exampleText(ex as never),
      '{"features": {"alpha": {"float": [0.5, 2.0]}, "empty": {}, "na\\u00efve": {"bytes_b64": ["AP8="]}, "zeta": {"int64": ["-3", "9223372036854775807"]}}}',
    );
    const se = { context: {}, featureLists: { b: [], a: [{ kind: 'none' }] } };
    assert.equal(sequenceExampleText(se as never), '{"context": {}, "feature_lists": {"a": [{}], "b": []}}');
  });
});
