/** Shared helpers for the parse tests: hand-built Features and readable tensor views. */
import type { Example, Feature, SequenceExample } from '../src/example/types.js';
import type { AnySplits, AnyValues, RaggedTensor } from '../src/parse/types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** int64_list feature. */
export function i64(...xs: (number | bigint)[]): Feature {
  return { kind: 'int64', values: BigInt64Array.from(xs, (x) => BigInt(x)) };
}
/** float_list feature. */
export function f32(...xs: number[]): Feature {
  return { kind: 'float', values: Float32Array.from(xs) };
}
/** bytes_list feature from strings. */
export function str(...xs: string[]): Feature {
  return { kind: 'bytes', values: xs.map((x) => enc.encode(x)) };
}
/** A Feature with no kind set. */
export const none: Feature = { kind: 'none' };

/** An Example from named features (null-prototype map, as the decoder makes). */
export function ex(features: Record<string, Feature>): Example {
  return { features: Object.assign(Object.create(null) as Record<string, Feature>, features) };
}
/** A SequenceExample. */
export function seqEx(context: Record<string, Feature>, lists: Record<string, Feature[]>): SequenceExample {
  return {
    context: Object.assign(Object.create(null) as Record<string, Feature>, context),
    featureLists: Object.assign(Object.create(null) as Record<string, Feature[]>, lists),
  };
}

/** Values as plain JS: numbers for int64/float32, strings for bytes. */
export function plain(v: AnyValues | AnySplits): (number | string)[] {
  if (Array.isArray(v)) return v.map((b) => dec.decode(b));
  return Array.from(v as ArrayLike<number | bigint>, (x) => Number(x));
}

/** A ragged tensor as nested arrays (like TF's printed RaggedTensor). */
export function nested(rt: RaggedTensor): unknown {
  const flat = plain(rt.values);
  const inner = rt.valuesShape.slice(1);
  // Group flat values into rows of the uniform inner dimensions.
  const shapeRows = (xs: unknown[], dims: readonly number[]): unknown[] => {
    if (dims.length === 0) return xs;
    const size = dims.reduce((a, b) => a * b, 1);
    const rows: unknown[] = [];
    for (let i = 0; i < xs.length; i += size) rows.push(shapeRows(xs.slice(i, i + size), dims.slice(1)));
    return dims.length === 0 ? xs : rows;
  };
  let cur: unknown[] = inner.length === 0 ? flat : shapeRows(flat, inner);
  for (let l = rt.rowSplits.length - 1; l >= 0; l--) {
    const s = plain(rt.rowSplits[l] as AnySplits) as number[];
    const next: unknown[] = [];
    for (let i = 0; i + 1 < s.length; i++) next.push(cur.slice(s[i], s[i + 1]));
    cur = next;
  }
  return cur;
}

/** Sparse indices as rows. */
export function indexRows(indices: BigInt64Array, rank: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < indices.length; i += rank) rows.push(Array.from(indices.subarray(i, i + rank), Number));
  return rows;
}
