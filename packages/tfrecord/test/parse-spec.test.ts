/**
 * Each spec kind against hand-worked expectations. Where a case follows an
 * example from TensorFlow's documentation, the comment names it; the expected
 * values were written by hand from that documentation.
 */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { encodeExample, encodeSequenceExample } from '../src/example/encode.js';
import {
  compileSpec,
  fixedLen,
  fixedLenSequence,
  parseExample,
  parseExamples,
  parseSequenceExample,
  parseSequenceExamples,
  ragged,
  rowLengths,
  rowLimits,
  rowSplits,
  rowStarts,
  sparse,
  uniformRowLength,
  valueRowIds,
  varLen,
} from '../src/parse/index.js';
import type { RaggedTensor } from '../src/parse/index.js';
import { ex, f32, i64, indexRows, nested, none, plain, seqEx, str } from './parse-helpers.js';

suite('fixedLen', () => {
  test('reads scalars and shaped values, zero-copy for one record', () => {
    const e = ex({ label: i64(7), x: f32(1, 2, 3, 4, 5, 6), name: str('cat') });
    const r = parseExample(e, {
      label: fixedLen({ shape: [], dtype: 'int64' }),
      x: fixedLen({ shape: [2, 3], dtype: 'float32' }),
      name: fixedLen({ shape: [], dtype: 'string' }),
    });
    assert.deepEqual(r.label.shape, []);
    assert.deepEqual([...r.label.values], [7n]);
    assert.deepEqual(r.x.shape, [2, 3]);
    assert.equal(r.x.values, (e.features['x'] as { values: Float32Array }).values);
    assert.deepEqual(plain(r.name.values), ['cat']);
  });

  // parse_example docstring, dense case: "age" FixedLenFeature([], int64, default_value=-1)
  // and "gender" FixedLenFeature([], string); the second example lacks "age".
  test('fills a missing feature from default_value in a batch', () => {
    const spec = {
      age: fixedLen({ shape: [], dtype: 'int64', defaultValue: -1 }),
      gender: fixedLen({ shape: [], dtype: 'string' }),
    };
    const r = parseExamples([ex({ age: i64(0), gender: str('f') }), ex({ gender: str('f') })], spec);
    assert.deepEqual(r.age.shape, [2]);
    assert.deepEqual([...r.age.values], [0n, -1n]);
    assert.deepEqual(plain(r.gender.values), ['f', 'f']);
  });

  // example_proto_fast_parsing.cc: a dense feature whose Feature has no kind set is skipped,
  // so it counts as missing and takes the default.
  test('treats a Feature with no kind set as missing', () => {
    const spec = { x: fixedLen({ shape: [2], dtype: 'float32', defaultValue: [0.5, 1.5] }) };
    const r = parseExamples([ex({ x: none }), ex({ x: f32(1, 2) })], spec);
    assert.deepEqual([...r.x.values], [0.5, 1.5, 1, 2]);
    assert.deepEqual(r.x.shape, [2, 2]);
  });

  test('flattens a nested default row-major (tf.reshape) and copies it per record', () => {
    const spec = {
      m: fixedLen({
        shape: [2, 2],
        dtype: 'int64',
        defaultValue: [
          [1, 2],
          [3n, 4],
        ],
      }),
    };
    const p = compileSpec(spec);
    const a = p.parse(ex({}));
    assert.deepEqual([...a.m.values], [1n, 2n, 3n, 4n]);
    a.m.values[0] = 99n;
    assert.deepEqual([...p.parse(ex({})).m.values], [1n, 2n, 3n, 4n]);
  });

  test('batches several records into [batch, ...shape]', () => {
    const spec = { v: fixedLen({ shape: [3], dtype: 'float32' }) };
    const r = parseExamples([ex({ v: f32(1, 2, 3) }), ex({ v: f32(4, 5, 6) })], spec);
    assert.deepEqual(r.v.shape, [2, 3]);
    assert.deepEqual([...r.v.values], [1, 2, 3, 4, 5, 6]);
  });

  test('parses serialized bytes as well as Example objects', () => {
    const bytes = encodeExample(ex({ a: i64(-5n, 2n ** 62n) }));
    const r = parseExample(bytes, { a: fixedLen({ shape: [2], dtype: 'int64' }) });
    assert.deepEqual([...r.a.values], [-5n, 2n ** 62n]);
  });
});

suite('varLen', () => {
  // parse_example docstring: "ft" VarLenFeature(float32) over [1.0, 2.0], {}, [3.0]
  // gives indices [[0, 0], [0, 1], [2, 0]], values [1, 2, 3], dense_shape (3, 2).
  test('matches the parse_example docstring', () => {
    const r = parseExamples([ex({ ft: f32(1, 2) }), ex({}), ex({ ft: f32(3) })], { ft: varLen({ dtype: 'float32' }) });
    assert.deepEqual(indexRows(r.ft.indices, 2), [
      [0, 0],
      [0, 1],
      [2, 0],
    ]);
    assert.deepEqual([...r.ft.values], [1, 2, 3]);
    assert.deepEqual(r.ft.denseShape, [3, 2]);
  });

  // parse_example docstring: kw/dank/gps VarLenFeatures; "gps" holds an empty float_list in
  // one example and a Feature with no kind in the other; both give no values.
  test('matches the kw/dank/gps docstring example', () => {
    const r = parseExamples(
      [ex({ kw: str('knit', 'big'), gps: f32() }), ex({ kw: str('emmy'), dank: i64(42), gps: none })],
      { kw: varLen({ dtype: 'string' }), dank: varLen({ dtype: 'int64' }), gps: varLen({ dtype: 'float32' }) },
    );
    assert.deepEqual(indexRows(r.kw.indices, 2), [
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    assert.deepEqual(plain(r.kw.values), ['knit', 'big', 'emmy']);
    assert.deepEqual(r.kw.denseShape, [2, 2]);
    assert.deepEqual(indexRows(r.dank.indices, 2), [[1, 0]]);
    assert.deepEqual([...r.dank.values], [42n]);
    assert.deepEqual(r.dank.denseShape, [2, 1]);
    assert.equal(r.gps.indices.length, 0);
    assert.equal(r.gps.values.length, 0);
    assert.deepEqual(r.gps.denseShape, [2, 0]);
  });

  test('gives rank-1 indices for a single record', () => {
    const r = parseExample(ex({ t: str('a', 'b', 'c') }), { t: varLen({ dtype: 'string' }) });
    assert.deepEqual(indexRows(r.t.indices, 1), [[0], [1], [2]]);
    assert.deepEqual(r.t.denseShape, [3]);
  });
});

suite('sparse', () => {
  // tf.io.SparseFeature docstring: val [0.5, -1.0], ix0 [3, 20], ix1 [1, 0], size [100, 3]
  // -> SparseTensor(indices [[3, 1], [20, 0]], values [0.5, -1.0], dense_shape [100, 3]).
  test('matches the SparseFeature docstring', () => {
    const spec = { sp: sparse({ indexKey: ['ix0', 'ix1'], valueKey: 'val', dtype: 'float32', size: [100, 3] }) };
    const r = parseExample(ex({ val: f32(0.5, -1), ix0: i64(3, 20), ix1: i64(1, 0) }), spec);
    assert.deepEqual(indexRows(r.sp.indices, 2), [
      [3, 1],
      [20, 0],
    ]);
    assert.deepEqual([...r.sp.values], [0.5, -1]);
    assert.deepEqual(r.sp.denseShape, [100, 3]);
  });

  test('sorts entries by index (sparse_reorder) unless alreadySorted', () => {
    const e = ex({ val: f32(-1, 0.5, 2), ix0: i64(20, 3, 3), ix1: i64(0, 2, 1) });
    const sorted = parseExample(e, {
      sp: sparse({ indexKey: ['ix0', 'ix1'], valueKey: 'val', dtype: 'float32', size: [100, 3] }),
    });
    assert.deepEqual(indexRows(sorted.sp.indices, 2), [
      [3, 1],
      [3, 2],
      [20, 0],
    ]);
    assert.deepEqual([...sorted.sp.values], [2, 0.5, -1]);
    const asIs = parseExample(e, {
      sp: sparse({ indexKey: ['ix0', 'ix1'], valueKey: 'val', dtype: 'float32', size: [100, 3], alreadySorted: true }),
    });
    assert.deepEqual(indexRows(asIs.sp.indices, 2), [
      [20, 0],
      [3, 2],
      [3, 1],
    ]);
  });

  test('prepends the batch index and the batch dimension', () => {
    const spec = { sp: sparse({ indexKey: 'ix', valueKey: 'v', dtype: 'string', size: 10 }) };
    const r = parseExamples([ex({ ix: i64(4, 1), v: str('d', 'a') }), ex({}), ex({ ix: i64(9), v: str('z') })], spec);
    assert.deepEqual(indexRows(r.sp.indices, 2), [
      [0, 1],
      [0, 4],
      [2, 9],
    ]);
    assert.deepEqual(plain(r.sp.values), ['a', 'd', 'z']);
    assert.deepEqual(r.sp.denseShape, [3, 10]);
  });
});

suite('ragged', () => {
  // tf.io.RaggedFeature docstring: two Examples with v, s1, s2 and features f1 (no
  // partitions), f2 (RowSplits s1), f3 (RowSplits s2, RowSplits s1).
  const batch = [
    ex({ v: i64(3, 1, 4, 1, 5, 9), s1: i64(0, 2, 3, 3, 6), s2: i64(0, 2, 3, 4) }),
    ex({ v: i64(2, 7, 1, 8, 2, 8, 1), s1: i64(0, 3, 4, 5, 7), s2: i64(0, 1, 1, 4) }),
  ];
  const spec = {
    f1: ragged({ valueKey: 'v', dtype: 'int64' }),
    f2: ragged({ valueKey: 'v', dtype: 'int64', partitions: [rowSplits('s1')] }),
    f3: ragged({ valueKey: 'v', dtype: 'int64', partitions: [rowSplits('s2'), rowSplits('s1')] }),
  };

  test('matches the docstring for parse_single_example', () => {
    const r = parseExample(batch[0]!, spec);
    assert.deepEqual(nested(r.f1), [3, 1, 4, 1, 5, 9]);
    assert.deepEqual(r.f1.shape, [6]);
    assert.equal(r.f1.rowSplits.length, 0);
    assert.deepEqual(nested(r.f2), [[3, 1], [4], [], [1, 5, 9]]);
    assert.deepEqual(r.f2.shape, [4, null]);
    assert.ok(r.f2.rowSplits[0] instanceof Int32Array, 'row_splits_dtype defaults to int32');
    assert.deepEqual(nested(r.f3), [[[3, 1], [4]], [[]], [[1, 5, 9]]]);
    assert.deepEqual(r.f3.shape, [3, null, null]);
  });

  test('matches the docstring for parse_example', () => {
    const r = parseExamples(batch, spec);
    assert.deepEqual(nested(r.f1), [
      [3, 1, 4, 1, 5, 9],
      [2, 7, 1, 8, 2, 8, 1],
    ]);
    assert.deepEqual(nested(r.f2), [
      [[3, 1], [4], [], [1, 5, 9]],
      [[2, 7, 1], [8], [2], [8, 1]],
    ]);
    assert.deepEqual(nested(r.f3), [
      [[[3, 1], [4]], [[]], [[1, 5, 9]]],
      [[[2, 7, 1]], [], [[8], [2], [8, 1]]],
    ]);
    assert.deepEqual(plain(r.f3.rowSplits[0]!), [0, 3, 6]);
    assert.deepEqual(plain(r.f3.rowSplits[1]!), [0, 2, 3, 4, 5, 5, 8]);
    assert.deepEqual(plain(r.f3.rowSplits[2]!), [0, 2, 3, 3, 6, 9, 10, 11, 13]);
    assert.deepEqual(r.f3.shape, [2, null, null, null]);
  });

  // tf.RaggedTensor.from_row_lengths / from_row_starts / from_row_limits / from_value_rowids
  // docstrings all build [[3, 1, 4, 1], [], [5, 9, 2], [6], []] from [3, 1, 4, 1, 5, 9, 2, 6].
  test('gives the same rows for every partition encoding (RaggedTensor docstrings)', () => {
    const e = ex({
      v: f32(3, 1, 4, 1, 5, 9, 2, 6),
      splits: i64(0, 4, 4, 7, 8, 8),
      lengths: i64(4, 0, 3, 1, 0),
      starts: i64(0, 4, 4, 7, 8),
      limits: i64(4, 4, 7, 8, 8),
      ids: i64(0, 0, 0, 0, 2, 2, 2, 3),
    });
    const want = [[3, 1, 4, 1], [], [5, 9, 2], [6], []];
    const r = parseExample(e, {
      a: ragged({ valueKey: 'v', dtype: 'float32', partitions: [rowSplits('splits')] }),
      b: ragged({ valueKey: 'v', dtype: 'float32', partitions: [rowLengths('lengths')] }),
      c: ragged({ valueKey: 'v', dtype: 'float32', partitions: [rowStarts('starts')] }),
      d: ragged({ valueKey: 'v', dtype: 'float32', partitions: [rowLimits('limits')] }),
      e: ragged({ valueKey: 'v', dtype: 'float32', partitions: [valueRowIds('ids')] }),
    });
    assert.deepEqual(nested(r.a), want);
    assert.deepEqual(nested(r.b), want);
    assert.deepEqual(nested(r.c), want);
    assert.deepEqual(nested(r.d), want);
    // from_value_rowids infers nrows = last id + 1, so the trailing empty row is not there.
    assert.deepEqual(nested(r.e), want.slice(0, 4));
    // TF requires one row_splits_dtype per key, so int64 splits need a spec of their own.
    const wide = parseExample(e, {
      w: ragged({ valueKey: 'v', dtype: 'float32', partitions: [rowSplits('splits')], rowSplitsDtype: 'int64' }),
    });
    assert.ok(wide.w.rowSplits[0] instanceof BigInt64Array);
    assert.deepEqual(nested(wide.w), want);
  });

  // RaggedFeature docstring: trailing UniformRowLength partitions reshape the values
  // into dense inner dimensions; an outer one adds a uniform level (from_uniform_row_length).
  test('reshapes for trailing UniformRowLength and partitions for outer ones', () => {
    const e = ex({ v: i64(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), s: i64(0, 1, 2), l: i64(2, 1, 0, 9) });
    const r = parseExample(e, {
      dense: ragged({ valueKey: 'v', dtype: 'int64', partitions: [uniformRowLength(3)] }),
      mixed: ragged({
        valueKey: 'v',
        dtype: 'int64',
        partitions: [rowSplits('s'), uniformRowLength(2), uniformRowLength(3)],
      }),
      outer: ragged({ valueKey: 'v', dtype: 'int64', partitions: [uniformRowLength(2), rowLengths('l')] }),
    });
    assert.equal(r.dense.rowSplits.length, 0);
    assert.deepEqual(r.dense.valuesShape, [4, 3]);
    assert.deepEqual(r.dense.shape, [4, 3]);
    assert.deepEqual(nested(r.dense), [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
    ]);
    assert.deepEqual(r.mixed.shape, [2, null, 2, 3]);
    assert.deepEqual(r.mixed.valuesShape, [2, 2, 3]);
    assert.deepEqual(nested(r.mixed), [
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      [
        [
          [7, 8, 9],
          [10, 11, 12],
        ],
      ],
    ]);
    assert.deepEqual(r.outer.shape, [2, 2, null]);
    assert.deepEqual(r.outer.rowSplits.map(plain), [
      [0, 2, 4],
      [0, 2, 3, 3, 12],
    ]);
    assert.deepEqual(nested(r.outer), [
      [[1, 2], [3]],
      [[], [4, 5, 6, 7, 8, 9, 10, 11, 12]],
    ]);
  });

  test('batches a uniform inner dimension per record', () => {
    const spec = { p: ragged({ dtype: 'float32', partitions: [uniformRowLength(2)] }) };
    const r = parseExamples([ex({ p: f32(1, 2, 3, 4) }), ex({}), ex({ p: f32(5, 6) })], spec);
    assert.deepEqual(r.p.shape, [3, null, 2]);
    assert.deepEqual(r.p.valuesShape, [3, 2]);
    assert.deepEqual(nested(r.p), [
      [
        [1, 2],
        [3, 4],
      ],
      [],
      [[5, 6]],
    ]);
  });

  test('uses the spec key as value key by default and treats missing values as empty', () => {
    const r: RaggedTensor = parseExample(ex({ other: i64(1) }), { tags: ragged({ dtype: 'string' }) }).tags;
    assert.deepEqual(r.shape, [0]);
    assert.equal(r.values.length, 0);
  });
});

suite('fixedLenSequence', () => {
  // parse_example docstring: "ft" as FixedLenSequenceFeature(shape=[], default_value=-1.0,
  // allow_missing=True) over [1.0, 2.0] and [3.0] gives [[1.0, 2.0], [3.0, -1.0]].
  test('pads a batch of Examples to the longest with default_value', () => {
    const spec = { ft: fixedLenSequence({ shape: [], dtype: 'float32', allowMissing: true, defaultValue: -1 }) };
    const r = parseExamples([ex({ ft: f32(1, 2) }), ex({ ft: f32(3) })], spec);
    assert.deepEqual(r.ft.shape, [2, 2]);
    assert.deepEqual([...r.ft.values], [1, 2, 3, -1]);
  });

  test('reads k rows of shape for one Example, and zero rows when missing', () => {
    const spec = { p: fixedLenSequence({ shape: [2], dtype: 'int64', allowMissing: true }) };
    const one = parseExample(ex({ p: i64(1, 2, 3, 4, 5, 6) }), spec);
    assert.deepEqual(one.p.shape, [3, 2]);
    const missing = parseExample(ex({}), spec);
    assert.deepEqual(missing.p.shape, [0, 2]);
    const batch = parseExamples([ex({ p: i64(1, 2) }), ex({}), ex({ p: i64(3, 4, 5, 6) })], spec);
    assert.deepEqual(batch.p.shape, [3, 2, 2]);
    assert.deepEqual([...batch.p.values], [1n, 2n, 0n, 0n, 0n, 0n, 0n, 0n, 3n, 4n, 5n, 6n]);
  });
});

suite('parseSequenceExample', () => {
  const se = seqEx(
    { id: str('s1'), dims: i64(3, 2), gone: none },
    {
      frames: [f32(1, 2), f32(3, 4), f32(5, 6)],
      tokens: [i64(7), none, i64(8, 9)],
      words: [str('a', 'b'), str(), str('c')],
      wordSplits: [i64(0, 1, 2), i64(0), i64(0, 0, 1)],
    },
  );
  const context = {
    id: fixedLen({ shape: [], dtype: 'string' }),
    dims: fixedLen({ shape: [2], dtype: 'int64' }),
    gone: varLen({ dtype: 'float32' }),
  };
  const sequence = {
    frames: fixedLenSequence({ shape: [2], dtype: 'float32' }),
    tokens: varLen({ dtype: 'int64' }),
    words: ragged({ dtype: 'string' }),
    nestedWords: ragged({ dtype: 'string', valueKey: 'words', partitions: [rowSplits('wordSplits')] }),
    absent: fixedLenSequence({ shape: [], dtype: 'int64', allowMissing: true }),
  };

  test('parses context, feature lists and lengths', () => {
    for (const input of [se, encodeSequenceExample(se)]) {
      const r = parseSequenceExample(input, context, sequence);
      assert.deepEqual(plain(r.context.id.values), ['s1']);
      assert.deepEqual([...r.context.dims.values], [3n, 2n]);
      assert.equal(r.context.gone.values.length, 0);
      assert.deepEqual(r.sequence.frames.shape, [3, 2]);
      assert.deepEqual([...r.sequence.frames.values], [1, 2, 3, 4, 5, 6]);
      // VarLen over a feature list: indices [step, i], dense_shape [steps, max values].
      assert.deepEqual(indexRows(r.sequence.tokens.indices, 2), [
        [0, 0],
        [2, 0],
        [2, 1],
      ]);
      assert.deepEqual(r.sequence.tokens.denseShape, [3, 2]);
      assert.deepEqual(nested(r.sequence.words), [['a', 'b'], [], ['c']]);
      assert.deepEqual(r.sequence.words.shape, [3, null]);
      assert.deepEqual(nested(r.sequence.nestedWords), [[['a'], ['b']], [], [[], ['c']]]);
      assert.deepEqual(r.sequence.absent.shape, [0]);
      assert.deepEqual(r.lengths, { frames: 3, tokens: 3, words: 3, nestedWords: 3, absent: 0 });
    }
  });

  // parse_sequence_example (batched): context gains a batch dimension; FixedLenSequence
  // lists pad to the longest with zeros (the fast parser's PadFloatFeature) and report
  // feature_list_lengths; VarLen indices are [record, step, i].
  test('parses a batch of SequenceExamples', () => {
    const batch = [
      seqEx({ id: str('s1') }, { frames: [f32(1, 2), f32(3, 4)], tokens: [i64(7)], words: [str('a')] }),
      seqEx(
        { id: str('s2') },
        { frames: [f32(5, 6)], tokens: [i64(8, 9), none, i64(1)], words: [str('b', 'c'), str()] },
      ),
    ];
    const r = parseSequenceExamples(
      [batch[0]!, encodeSequenceExample(batch[1]!)],
      { id: fixedLen({ shape: [], dtype: 'string' }) },
      {
        frames: fixedLenSequence({ shape: [2], dtype: 'float32' }),
        tokens: varLen({ dtype: 'int64' }),
        words: ragged({ dtype: 'string' }),
      },
    );
    assert.deepEqual(plain(r.context.id.values), ['s1', 's2']);
    assert.deepEqual(r.context.id.shape, [2]);
    assert.deepEqual(r.sequence.frames.shape, [2, 2, 2]);
    assert.deepEqual([...r.sequence.frames.values], [1, 2, 3, 4, 5, 6, 0, 0]);
    assert.deepEqual(indexRows(r.sequence.tokens.indices, 3), [
      [0, 0, 0],
      [1, 0, 0],
      [1, 0, 1],
      [1, 2, 0],
    ]);
    assert.deepEqual([...r.sequence.tokens.values], [7n, 8n, 9n, 1n]);
    assert.deepEqual(r.sequence.tokens.denseShape, [2, 3, 2]);
    assert.deepEqual(nested(r.sequence.words), [[['a']], [['b', 'c'], []]]);
    assert.deepEqual(r.sequence.words.shape, [2, null, null]);
    assert.deepEqual(r.lengths, { frames: [2, 1], tokens: [1, 3], words: [1, 2] });
  });
});
