/** Property-based checks of the parse kernels: round trips and structural invariants. */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import fc from 'fast-check';
import { encodeExample } from '../src/example/encode.js';
import type { Feature } from '../src/example/types.js';
import {
  compileSpec,
  fixedLen,
  parseExamples,
  ragged,
  rowLengths,
  rowLimits,
  rowSplits,
  rowStarts,
  sparse,
  valueRowIds,
  varLen,
} from '../src/parse/index.js';
import type { AnySplits } from '../src/parse/index.js';
import { ex, f32, i64, nested, plain } from './parse-helpers.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

suite('properties', () => {
  test('varLen: indices and values give back every record (objects and bytes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.array(int64, { maxLength: 6 }), { nil: undefined }), { maxLength: 8 }),
        (lists) => {
          const examples = lists.map((l) => ex(l === undefined ? {} : { v: i64(...l) }));
          for (const input of [examples, examples.map(encodeExample)]) {
            const r = parseExamples(input, { v: varLen({ dtype: 'int64' }) });
            const back: bigint[][] = lists.map(() => []);
            for (let k = 0; k < r.v.values.length; k++) {
              const row = Number(r.v.indices[2 * k]);
              assert.equal(Number(r.v.indices[2 * k + 1]), back[row]!.length, 'column indices count up from 0');
              back[row]!.push(r.v.values[k]!);
            }
            assert.deepEqual(
              back,
              lists.map((l) => l ?? []),
            );
            assert.deepEqual(r.v.denseShape, [lists.length, Math.max(0, ...lists.map((l) => l?.length ?? 0))]);
          }
        },
      ),
    );
  });

  test('ragged: every partition encoding rebuilds the rows, and row splits are consistent', () => {
    const rows = fc.array(fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 4 }), { maxLength: 5 });
    fc.assert(
      fc.property(fc.array(rows, { minLength: 1, maxLength: 4 }), (batch) => {
        const examples = batch.map((rs) => {
          const lengths = rs.map((r) => r.length);
          const splits = [0];
          for (const n of lengths) splits.push(splits[splits.length - 1]! + n);
          const features: Record<string, Feature> = {
            v: f32(...rs.flat()),
            lengths: i64(...lengths),
            splits: i64(...splits),
            starts: i64(...splits.slice(0, -1)),
            limits: i64(...splits.slice(1)),
            ids: i64(...rs.flatMap((r, i) => r.map(() => i))),
          };
          return ex(features);
        });
        const parser = compileSpec({
          a: ragged({ dtype: 'float32', valueKey: 'v', partitions: [rowSplits('splits')] }),
          b: ragged({ dtype: 'float32', valueKey: 'v', partitions: [rowLengths('lengths')] }),
          c: ragged({ dtype: 'float32', valueKey: 'v', partitions: [rowStarts('starts')] }),
          d: ragged({ dtype: 'float32', valueKey: 'v', partitions: [rowLimits('limits')] }),
          e: ragged({ dtype: 'float32', valueKey: 'v', partitions: [valueRowIds('ids')] }),
        });
        const out = parser.parseBatch(examples);
        for (const key of ['a', 'b', 'c', 'd'] as const) assert.deepEqual(nested(out[key]), batch, key);
        // value_rowids cannot express trailing empty rows (nrows = last id + 1).
        const trimmed = batch.map((rs) => {
          let n = rs.length;
          while (n > 0 && rs[n - 1]!.length === 0) n--;
          return rs.slice(0, n);
        });
        assert.deepEqual(nested(out.e), trimmed);
        for (const key of ['a', 'b', 'c', 'd', 'e'] as const) {
          const t = out[key];
          let below = t.values.length;
          for (let l = t.rowSplits.length - 1; l >= 0; l--) {
            const s = plain(t.rowSplits[l] as AnySplits) as number[];
            assert.equal(s[0], 0);
            for (let i = 1; i < s.length; i++) assert.ok(s[i]! >= s[i - 1]!);
            assert.equal(s[s.length - 1], below, 'each level ends at the size of the level below');
            below = s.length - 1;
          }
          assert.equal(below, batch.length);
          batch.forEach((rs, i) => assert.deepEqual(nested(parser.parse(examples[i]!).a), rs));
        }
      }),
    );
  });

  test('fixedLen: a batch equals the stacked single-record results', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(3), { maxLength: 3 }).chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.array(
              fc.array(fc.float({ noNaN: true }), {
                minLength: shape.reduce((a, b) => a * b, 1),
                maxLength: shape.reduce((a, b) => a * b, 1),
              }),
              { maxLength: 5 },
            ),
          ),
        ),
        ([shape, records]) => {
          const p = compileSpec({ x: fixedLen({ shape, dtype: 'float32' }) });
          const examples = records.map((r) => ex({ x: f32(...r) }));
          const b = p.parseBatch(examples);
          assert.deepEqual(b.x.shape, [records.length, ...shape]);
          assert.deepEqual(
            [...b.x.values],
            examples.flatMap((e, i) => [...p.parse(e, i).x.values]),
          );
        },
      ),
    );
  });

  test('sparse: output is the input entries, sorted row-major', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4), fc.nat(6), fc.integer()), { maxLength: 12 }), (entries) => {
        const e = ex({
          i: i64(...entries.map((x) => x[0])),
          j: i64(...entries.map((x) => x[1])),
          v: i64(...entries.map((x) => x[2])),
        });
        const r = parseExamples([e], {
          sp: sparse({ indexKey: ['i', 'j'], valueKey: 'v', dtype: 'int64', size: [5, 7] }),
        });
        const got = Array.from({ length: r.sp.values.length }, (_, k) => [
          Number(r.sp.indices[3 * k + 1]),
          Number(r.sp.indices[3 * k + 2]),
          Number(r.sp.values[k]),
        ]);
        const want = entries.map((x) => [...x]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
        assert.deepEqual(got, want);
        assert.deepEqual(r.sp.denseShape, [1, 5, 7]);
      }),
    );
  });
});
