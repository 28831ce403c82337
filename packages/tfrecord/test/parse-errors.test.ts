/** Exact error messages and codes for bad records (PARSE) and bad specs (INVALID_ARGUMENT). */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { isTFRecordError } from '../src/errors.js';
import type { TFRecordErrorCode } from '../src/errors.js';
import {
  compileSequenceSpec,
  compileSpec,
  decodeRaw,
  fixedLen,
  fixedLenSequence,
  parseExample,
  parseExamples,
  parseSequenceExample,
  ragged,
  reshape,
  rowSplits,
  sparse,
  uniformRowLength,
  valueRowIds,
  varLen,
} from '../src/parse/index.js';
import type { ParseSpec } from '../src/parse/index.js';
import { ex, f32, i64, none, seqEx, str } from './parse-helpers.js';

function throwsWith(fn: () => unknown, code: TFRecordErrorCode, message: string, record?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTFRecordError(e), `not a TFRecordError: ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    if (record !== undefined) assert.equal(e.record, record);
    return true;
  });
}

suite('record errors (PARSE)', () => {
  const label = { label: fixedLen({ shape: [], dtype: 'int64' }) };

  test('names the record and the kind mismatch', () => {
    const batch = [ex({ label: i64(1) }), ex({ label: i64(2) }), ex({ label: i64(3) }), ex({ label: f32(4) })];
    throwsWith(
      () => parseExamples(batch, label),
      'PARSE',
      "record 3: feature 'label' is a float_list, spec says int64",
      3,
    );
  });

  test('names the value count and the shape', () => {
    throwsWith(
      () => parseExample(ex({ x: f32(1, 2, 3, 4, 5) }), { x: fixedLen({ shape: [2, 3], dtype: 'float32' }) }),
      'PARSE',
      "record 0: feature 'x' has 5 values, spec shape [2, 3] needs 6",
      0,
    );
  });

  test('reports a required feature that is missing or has no kind', () => {
    const batch = [ex({ label: i64(1) }), ex({ label: i64(2) }), ex({ other: i64(3) })];
    throwsWith(
      () => parseExamples(batch, label),
      'PARSE',
      "record 2: required feature 'label' is missing (no default_value)",
      2,
    );
    throwsWith(
      () => parseExample(ex({ label: none }), label),
      'PARSE',
      "record 0: required feature 'label' is missing (no default_value)",
    );
  });

  // TF's fast parser (what parse_example runs) counts an int64_list with no values as
  // present: 0 values for a scalar is a count error, not the default.
  test('counts an empty but typed list as present', () => {
    const spec = { age: fixedLen({ shape: [], dtype: 'int64', defaultValue: -1 }) };
    throwsWith(
      () => parseExamples([ex({ age: i64(0) }), ex({ age: i64() })], spec),
      'PARSE',
      "record 1: feature 'age' has 0 values, spec shape [] needs 1",
      1,
    );
  });

  test('uses the record index passed to a compiled parser', () => {
    throwsWith(
      () => compileSpec(label).parse(ex({}), 41),
      'PARSE',
      "record 41: required feature 'label' is missing (no default_value)",
      41,
    );
  });

  test('reports kind mismatches for varLen, sparse and ragged keys', () => {
    throwsWith(
      () => parseExample(ex({ t: i64(1) }), { t: varLen({ dtype: 'string' }) }),
      'PARSE',
      "record 0: feature 't' is an int64_list, spec says string",
    );
    const sp = { sp: sparse({ indexKey: 'ix', valueKey: 'v', dtype: 'float32', size: 4 }) };
    throwsWith(
      () => parseExample(ex({ ix: f32(1), v: f32(1) }), sp),
      'PARSE',
      "record 0: feature 'ix' (index of sparse feature 'sp') is a float_list, spec says int64",
    );
    const rg = { r: ragged({ dtype: 'float32', valueKey: 'v', partitions: [rowSplits('s')] }) };
    throwsWith(
      () => parseExample(ex({ v: f32(1), s: f32(0, 1) }), rg),
      'PARSE',
      "record 0: feature 's' (partition of ragged feature 'r') is a float_list, spec says int64",
    );
  });

  test('reports sparse length mismatch and out-of-range indices', () => {
    const sp = { sp: sparse({ indexKey: ['a', 'b'], valueKey: 'v', dtype: 'int64', size: [2, 5] }) };
    throwsWith(
      () => parseExamples([ex({ a: i64(0), b: i64(1), v: i64(9) }), ex({ a: i64(0, 1), b: i64(1), v: i64(9, 8) })], sp),
      'PARSE',
      "record 1: sparse feature 'sp': index feature 'b' has 1 values but value feature 'v' has 2",
      1,
    );
    throwsWith(
      () => parseExample(ex({ a: i64(0), b: i64(5), v: i64(9) }), sp),
      'PARSE',
      "record 0: sparse feature 'sp': index 5 in feature 'b' is out of range [0, 5)",
    );
  });

  test('reports ragged partitions that do not fit the values', () => {
    const rg = { f2: ragged({ dtype: 'int64', valueKey: 'v', partitions: [rowSplits('s1')] }) };
    throwsWith(
      () => parseExamples([ex({ v: i64(1), s1: i64(0, 1) }), ex({ v: i64(1, 2, 3, 4, 5, 6), s1: i64(0, 2, 7) })], rg),
      'PARSE',
      "record 1: ragged feature 'f2': row_splits 's1' = [0, 2, 7] cannot partition 6 values (must start at 0, not decrease, and end at 6)",
      1,
    );
    const ids = { r: ragged({ dtype: 'int64', valueKey: 'v', partitions: [valueRowIds('i')] }) };
    throwsWith(
      () => parseExample(ex({ v: i64(1, 2, 3), i: i64(0, 2, 1) }), ids),
      'PARSE',
      "record 0: ragged feature 'r': value_rowids 'i' = [0, 2, 1] cannot partition 3 values (ids must be in [0, 268435456) and not decrease)",
    );
    const uni = { r: ragged({ dtype: 'float32', partitions: [uniformRowLength(4)] }) };
    throwsWith(
      () => parseExample(ex({ r: f32(1, 2, 3) }), uni),
      'PARSE',
      "record 0: ragged feature 'r': 3 values cannot be reshaped to rows of 4 (uniform row lengths [4])",
    );
  });

  test('reports a fixedLenSequence value count that is not a multiple of the row size', () => {
    const spec = { p: fixedLenSequence({ shape: [3], dtype: 'float32', allowMissing: true }) };
    throwsWith(
      () => parseExample(ex({ p: f32(1, 2, 3, 4) }), spec),
      'PARSE',
      "record 0: feature 'p' has 4 values, spec shape [None, 3] needs a multiple of 3",
    );
  });

  test('adds the record index to decoding errors', () => {
    const good = new Uint8Array(0); // an Example with no features
    const bad = Uint8Array.of(0x0a, 0x05, 0x0a);
    assert.throws(
      () => parseExamples([good, bad], { x: varLen({ dtype: 'int64' }) }),
      (e: unknown) => isTFRecordError(e, 'INVALID_PROTO') && e.record === 1 && e.message.startsWith('record 1: '),
    );
  });

  test('reports SequenceExample problems with the feature list and step', () => {
    const se = seqEx({ id: none }, { frames: [f32(1, 2), f32(3)], tokens: [i64(1), str('x')] });
    const seq = { frames: fixedLenSequence({ shape: [2], dtype: 'float32' }) };
    throwsWith(
      () => parseSequenceExample(se, {}, seq),
      'PARSE',
      "record 0: feature list 'frames' step 1 has 1 values, spec shape [2] needs 2",
    );
    throwsWith(
      () => parseSequenceExample(se, {}, { tokens: varLen({ dtype: 'int64' }) }),
      'PARSE',
      "record 0: feature list 'tokens' step 1 is a bytes_list, spec says int64",
    );
    throwsWith(
      () => parseSequenceExample(se, {}, { gone: fixedLenSequence({ shape: [], dtype: 'int64' }) }),
      'PARSE',
      "record 0: required feature list 'gone' is missing (allowMissing is false)",
    );
    // In a SequenceExample context TF counts a Feature with no kind as present with no values.
    throwsWith(
      () => parseSequenceExample(se, { id: fixedLen({ shape: [], dtype: 'string', defaultValue: 'x' }) }, {}),
      'PARSE',
      "record 0: context feature 'id' has 0 values, spec shape [] needs 1",
    );
    throwsWith(
      () =>
        compileSequenceSpec(
          {},
          { r: ragged({ dtype: 'float32', valueKey: 'frames', partitions: [rowSplits('s')] }) },
        ).parse(seqEx({}, { frames: [f32(1, 2)], s: [i64(0, 1), i64(0)] }), 7),
      'PARSE',
      "record 7: ragged sequence feature 'r': partition feature list 's' has 2 steps but value feature list 'frames' has 1",
      7,
    );
  });
});

suite('spec errors (INVALID_ARGUMENT)', () => {
  const bad = (spec: unknown, message: string): void =>
    throwsWith(() => compileSpec(spec as ParseSpec), 'INVALID_ARGUMENT', message);

  test('names the spec key and the option', () => {
    bad(
      { x: { kind: 'fixedLen', shape: [], dtype: 'int32' } },
      `Expected one of 'int64', 'float32', 'string' for dtype of feature 'x' but received "int32" of type string`,
    );
    bad(
      { x: fixedLen({ shape: [2, -1], dtype: 'float32' }) },
      "Expected array of non-negative integers for shape of feature 'x' but received [2, -1] of type object",
    );
    bad(
      { x: fixedLen({ shape: [2, 3], dtype: 'float32', defaultValue: [1, 2, 3, 4, 5] }) },
      "feature 'x': defaultValue has 5 values, shape [2, 3] needs 6",
    );
    bad(
      { x: fixedLen({ shape: [], dtype: 'int64', defaultValue: 1.5 }) },
      "Expected integers in the int64 range for defaultValue of feature 'x' but received 1.5 of type number",
    );
    bad(
      { x: { kind: 'dense' } },
      `Expected a feature spec (fixedLen, fixedLenSequence, varLen, sparse or ragged) for feature 'x' but received [object Object] of type object`,
    );
    bad(null, 'Expected an object of feature specs for spec but received null of type null');
  });

  test('applies TF rules for fixedLenSequence, sparse and ragged specs', () => {
    bad(
      { p: fixedLenSequence({ shape: [2], dtype: 'float32' }) },
      "feature 'p': fixedLenSequence in an Example spec requires allowMissing: true (as TF)",
    );
    bad(
      { p: fixedLenSequence({ shape: [2], dtype: 'float32', allowMissing: true, defaultValue: [1, 2] }) },
      "feature 'p': defaultValue must be a single padding value, received 2 values",
    );
    bad(
      { sp: sparse({ indexKey: ['a', 'b'], valueKey: 'v', dtype: 'int64', size: 5 }) },
      "Expected an array of 2 non-negative integers (one per indexKey) for size of feature 'sp' but received 5 of type number",
    );
    bad(
      { r: ragged({ dtype: 'int64', partitions: [uniformRowLength(0)] }) },
      "Expected a positive integer for length of partitions[0] of feature 'r' but received 0 of type number",
    );
  });

  test('requires dense, sparse and ragged keys to be disjoint (TF _ParseOpParams)', () => {
    bad(
      {
        v: fixedLen({ shape: [], dtype: 'int64' }),
        sp: sparse({ indexKey: 'v', valueKey: 'w', dtype: 'float32', size: 3 }),
      },
      "key 'v' is read as dense by feature 'v' and as sparse by feature 'sp'; dense, sparse and ragged keys must be disjoint (as TF)",
    );
    bad(
      { a: varLen({ dtype: 'float32' }), b: sparse({ indexKey: 'i', valueKey: 'a', dtype: 'int64', size: 3 }) },
      "key 'a' is read as float32 by feature 'a' and as int64 by feature 'b'",
    );
  });

  test('rejects kinds TF does not allow in SequenceExample specs', () => {
    throwsWith(
      () => compileSequenceSpec({ s: sparse({ indexKey: 'i', valueKey: 'v', dtype: 'int64', size: 3 }) }, {}),
      'INVALID_ARGUMENT',
      "context feature 's': sparse is not supported in a SequenceExample context spec (as in TF; allowed: fixedLen, varLen, ragged)",
    );
    throwsWith(
      () => compileSequenceSpec({}, { f: fixedLen({ shape: [], dtype: 'int64' }) }),
      'INVALID_ARGUMENT',
      "sequence feature 'f': fixedLen is not supported in a SequenceExample sequence spec (as in TF; allowed: fixedLenSequence, varLen, ragged)",
    );
  });
});

suite('decodeRaw and reshape errors', () => {
  test('rejects lengths that are not a multiple of the element size', () => {
    throwsWith(
      () => decodeRaw(new Uint8Array(7), 'int32'),
      'PARSE',
      'decodeRaw: input has 7 bytes, not a multiple of 4 (the size of int32)',
    );
    throwsWith(
      () => decodeRaw(new Uint8Array(4), 'int24' as 'int32'),
      'INVALID_ARGUMENT',
      'Expected one of uint8, int8, int16, uint16, int32, uint32, int64, float16, float32, float64 for dtype but received "int24" of type string',
    );
  });
  test('rejects a shape that does not fit', () => {
    throwsWith(() => reshape(new Uint8Array(12), [5, -1]), 'INVALID_ARGUMENT', 'cannot reshape 12 values to [5, -1]');
    throwsWith(
      () => reshape(new Uint8Array(12), [2, 5]),
      'INVALID_ARGUMENT',
      'cannot reshape 12 values to [2, 5] (needs 10)',
    );
  });
});
