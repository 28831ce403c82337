/**
 * VarLenFeature and SparseFeature: SparseTensors. A missing or kind-less feature
 * has no values (TF). A batch prepends the record index to every index row.
 */
import type { Features } from '../example/types.js';
import { KIND_OF, parseError } from './errors.js';
import { kindError } from './feature.js';
import type { FeatureParser } from './feature.js';
import type { AnyValues, DType, SparseTensor } from './types.js';
import type { NSparse, NVarLen } from './validate.js';
import { concatValues, emptyValues, featureGetter } from './values.js';

/** Reads a feature's values with the sparse rules: missing or kind-less -> empty. */
export function sparseReader(
  key: string,
  dtype: DType,
  where: string,
): (features: Features, record: number) => AnyValues {
  const get = featureGetter(key);
  const kind = KIND_OF[dtype];
  return (features, record) => {
    const ft = get(features);
    if (ft === undefined || ft.kind === 'none') return emptyValues(dtype);
    if (ft.kind !== kind) throw kindError(record, where, ft, dtype);
    return ft.values;
  };
}

/** Compiles a VarLenFeature. */
export function varLenParser(f: NVarLen, label = 'feature'): FeatureParser {
  const read = sparseReader(f.name, f.dtype, `${label} '${f.name}'`);
  return {
    name: f.name,
    single(features, record): SparseTensor {
      const values = read(features, record);
      const n = values.length;
      const indices = new BigInt64Array(n);
      for (let i = 0; i < n; i++) indices[i] = BigInt(i);
      return { kind: 'sparse', indices, values, denseShape: [n] };
    },
    batch(batch): SparseTensor {
      const b = batch.length;
      const parts = new Array<AnyValues>(b);
      let total = 0;
      let maxLen = 0;
      for (let r = 0; r < b; r++) {
        const v = read(batch[r] as Features, r);
        parts[r] = v;
        total += v.length;
        if (v.length > maxLen) maxLen = v.length;
      }
      const indices = new BigInt64Array(total * 2);
      let k = 0;
      for (let r = 0; r < b; r++) {
        const len = (parts[r] as AnyValues).length;
        const rb = BigInt(r);
        for (let i = 0; i < len; i++) {
          indices[k++] = rb;
          indices[k++] = BigInt(i);
        }
      }
      return { kind: 'sparse', indices, values: concatValues(f.dtype, parts, total), denseShape: [b, maxLen] };
    },
  };
}

interface SparseRecord {
  /** Index rows, `rank` per value, in output order. */
  readonly idx: BigInt64Array;
  readonly values: AnyValues;
}

/** Compiles a SparseFeature. */
export function sparseParser(f: NSparse): FeatureParser {
  const where = `sparse feature '${f.name}'`;
  const rank = f.indexKeys.length;
  const readIndex = f.indexKeys.map((k) =>
    sparseReader(k, 'int64', k === f.name ? `feature '${k}'` : `feature '${k}' (index of ${where})`),
  );
  const readValues = sparseReader(
    f.valueKey,
    f.dtype,
    f.valueKey === f.name ? `feature '${f.valueKey}'` : `feature '${f.valueKey}' (values of ${where})`,
  );
  const size = f.size.map((s) => BigInt(s));

  const readRecord = (features: Features, record: number): SparseRecord => {
    const values = readValues(features, record);
    const n = values.length;
    const cols = readIndex.map((read) => read(features, record) as BigInt64Array);
    cols.forEach((col, d) => {
      if (col.length !== n) {
        throw parseError(
          record,
          `${where}: index feature '${f.indexKeys[d]}' has ${col.length} values but value feature '${f.valueKey}' has ${n}`,
        );
      }
      for (let i = 0; i < n; i++) {
        const x = col[i] as bigint;
        if (x < 0n || x >= (size[d] as bigint)) {
          throw parseError(
            record,
            `${where}: index ${x} in feature '${f.indexKeys[d]}' is out of range [0, ${f.size[d]})`,
          );
        }
      }
    });
    let order: number[] | undefined;
    if (!f.alreadySorted) {
      const cmp = (a: number, b: number): number => {
        for (let d = 0; d < rank; d++) {
          const x = (cols[d] as BigInt64Array)[a] as bigint;
          const y = (cols[d] as BigInt64Array)[b] as bigint;
          if (x !== y) return x < y ? -1 : 1;
        }
        return 0;
      };
      let sorted = true;
      for (let i = 1; i < n && sorted; i++) sorted = cmp(i - 1, i) <= 0;
      // sparse_reorder: row-major order; Array.prototype.sort is stable, so equal indices keep their order.
      if (!sorted) order = Array.from({ length: n }, (_, i) => i).sort(cmp);
    }
    const idx = new BigInt64Array(n * rank);
    for (let i = 0; i < n; i++) {
      const src = order === undefined ? i : (order[i] as number);
      for (let d = 0; d < rank; d++) idx[i * rank + d] = (cols[d] as BigInt64Array)[src] as bigint;
    }
    let outValues = values;
    if (order !== undefined) {
      const o = order;
      outValues = Array.isArray(values)
        ? o.map((j) => values[j] as Uint8Array)
        : f.dtype === 'int64'
          ? BigInt64Array.from(o, (j) => (values as BigInt64Array)[j] as bigint)
          : Float32Array.from(o, (j) => (values as Float32Array)[j] as number);
    }
    return { idx, values: outValues };
  };

  return {
    name: f.name,
    single(features, record): SparseTensor {
      const { idx, values } = readRecord(features, record);
      return { kind: 'sparse', indices: idx, values, denseShape: f.size.slice() };
    },
    batch(batch): SparseTensor {
      const b = batch.length;
      const recs = new Array<SparseRecord>(b);
      let total = 0;
      for (let r = 0; r < b; r++) {
        const rec = readRecord(batch[r] as Features, r);
        recs[r] = rec;
        total += rec.values.length;
      }
      const w = rank + 1;
      const indices = new BigInt64Array(total * w);
      let k = 0;
      for (let r = 0; r < b; r++) {
        const { idx } = recs[r] as SparseRecord;
        const rb = BigInt(r);
        for (let i = 0; i < idx.length; i += rank) {
          indices[k++] = rb;
          for (let d = 0; d < rank; d++) indices[k++] = idx[i + d] as bigint;
        }
      }
      const values = concatValues(
        f.dtype,
        recs.map((x) => x.values),
        total,
      );
      return { kind: 'sparse', indices, values, denseShape: [b, ...f.size] };
    },
  };
}
