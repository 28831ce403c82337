/**
 * RaggedFeature: flat values partitioned by row-partition features, following
 * tensorflow/python/ops/parsing_config.py. Partitions are applied innermost
 * first; trailing UniformRowLength partitions reshape the values into uniform
 * inner dimensions instead of adding row splits. A batch (or the steps of a
 * SequenceExample feature list) becomes one more outer ragged dimension.
 * Unlike TF (which checks only with validate=True), partitions are always checked.
 */
import { TFRecordError } from '../errors.js';
import type { Features } from '../example/types.js';
import { parseError } from './errors.js';
import type { FeatureParser } from './feature.js';
import type { Partition } from './spec.js';
import { sparseReader } from './sparse.js';
import type { AnySplits, AnyValues, DType, RaggedTensor, SplitsDType } from './types.js';
import type { NRagged } from './validate.js';
import { concatValues } from './values.js';

/** One record's (or one step's) ragged components. */
export interface RaggedItem {
  readonly values: AnyValues;
  /** Row splits per ragged level, outermost first, as plain numbers. */
  readonly levels: readonly number[][];
  /** Number of rows of the outermost level. */
  readonly rows: number;
}

/** The static layout of a ragged spec, computed once. */
export interface RaggedLayout {
  readonly name: string;
  readonly dtype: DType;
  readonly splitsDtype: SplitsDType;
  readonly valueKey: string;
  /** Partitions that add a level (all but the trailing UniformRowLength ones), outermost first. */
  readonly levelPartitions: readonly Partition[];
  /** Per level: the uniform row length, or null when ragged. */
  readonly levelDims: readonly (number | null)[];
  /** Uniform inner dimensions of the flat values (from trailing UniformRowLength partitions). */
  readonly innerDims: readonly number[];
  readonly innerSize: number;
}

/** Computes the static layout of a ragged spec. */
export function raggedLayout(f: NRagged): RaggedLayout {
  let t = f.partitions.length;
  while (t > 0 && (f.partitions[t - 1] as Partition).kind === 'uniformRowLength') t--;
  const innerDims = f.partitions.slice(t).map((p) => (p as { length: number }).length);
  const levelPartitions = f.partitions.slice(0, t);
  return {
    name: f.name,
    dtype: f.dtype,
    splitsDtype: f.splitsDtype,
    valueKey: f.valueKey,
    levelPartitions,
    levelDims: levelPartitions.map((p) => (p.kind === 'uniformRowLength' ? p.length : null)),
    innerDims,
    innerSize: innerDims.reduce((a, b) => a * b, 1),
  };
}

/** Largest row count a value_rowids partition may imply (guards allocation on corrupt ids). */
const MAX_ROWS = 2 ** 28;

function show(xs: ArrayLike<bigint>): string {
  const n = Math.min(xs.length, 10);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(String(xs[i]));
  return `[${parts.join(', ')}${xs.length > n ? ', ...' : ''}]`;
}

/**
 * Builds one item: `values` partitioned by `parts` (the int64 values of each
 * level partition's feature, undefined for UniformRowLength), innermost first.
 * `fail(message)` raises the record-specific error.
 */
export function buildItem(
  layout: RaggedLayout,
  values: AnyValues,
  parts: readonly (BigInt64Array | undefined)[],
  fail: (message: string) => Error,
): RaggedItem {
  const { innerSize, levelPartitions } = layout;
  if (values.length % innerSize !== 0) {
    throw fail(
      `${values.length} values cannot be reshaped to rows of ${innerSize} (uniform row lengths [${layout.innerDims.join(', ')}])`,
    );
  }
  let rows = values.length / innerSize;
  const levels: number[][] = new Array<number[]>(levelPartitions.length);
  for (let l = levelPartitions.length - 1; l >= 0; l--) {
    const p = levelPartitions[l] as Partition;
    const what = l === levelPartitions.length - 1 && innerSize === 1 ? 'values' : 'rows';
    let splits: number[];
    if (p.kind === 'uniformRowLength') {
      if (rows % p.length !== 0) throw fail(`uniform row length ${p.length} cannot partition ${rows} ${what}`);
      const nrows = rows / p.length;
      splits = new Array<number>(nrows + 1);
      for (let i = 0; i <= nrows; i++) splits[i] = i * p.length;
    } else {
      const t = parts[l] as BigInt64Array;
      const n = t.length;
      const bad = (name: string, rule: string): Error =>
        fail(`${name} '${p.key}' = ${show(t)} cannot partition ${rows} ${what} (${rule})`);
      switch (p.kind) {
        case 'rowSplits': {
          // An empty row_splits is TF's batched reading of "no rows"; only valid with nothing to split.
          if (n === 0) {
            if (rows !== 0) throw bad('row_splits', `must start at 0, not decrease, and end at ${rows}`);
            splits = [0];
            break;
          }
          splits = new Array<number>(n);
          let prev = 0;
          for (let i = 0; i < n; i++) {
            const x = Number(t[i]);
            if ((i === 0 && x !== 0) || x < prev) {
              throw bad('row_splits', `must start at 0, not decrease, and end at ${rows}`);
            }
            splits[i] = prev = x;
          }
          if (prev !== rows) throw bad('row_splits', `must start at 0, not decrease, and end at ${rows}`);
          break;
        }
        case 'rowLengths': {
          splits = new Array<number>(n + 1);
          splits[0] = 0;
          let sum = 0;
          for (let i = 0; i < n; i++) {
            const x = Number(t[i]);
            if (x < 0) throw bad('row_lengths', `must be non-negative and sum to ${rows}`);
            sum += x;
            splits[i + 1] = sum;
          }
          if (sum !== rows) throw bad('row_lengths', `must be non-negative and sum to ${rows}`);
          break;
        }
        case 'rowStarts':
        case 'rowLimits': {
          const starts = p.kind === 'rowStarts';
          const name = starts ? 'row_starts' : 'row_limits';
          const rule = starts
            ? `must start at 0, not decrease, and stay <= ${rows}`
            : `must be >= 0, not decrease, and end at ${rows}`;
          splits = new Array<number>(n + 1);
          if (starts) splits[n] = rows;
          else splits[0] = 0;
          let prev = 0;
          for (let i = 0; i < n; i++) {
            const x = Number(t[i]);
            if (x < prev || x > rows || (starts && i === 0 && x !== 0)) throw bad(name, rule);
            splits[starts ? i : i + 1] = prev = x;
          }
          if (!starts && prev !== rows) throw bad(name, rule);
          if (starts && n === 0 && rows !== 0) throw bad(name, rule);
          break;
        }
        case 'valueRowIds': {
          if (n !== rows)
            throw bad('value_rowids', `needs one id per ${what === 'values' ? 'value' : 'row'}, got ${n}`);
          const nrows = n === 0 ? 0 : Number(t[n - 1]) + 1;
          // Trailing ids may skip rows (empty rows are valid), but a corrupt id must not allocate gigabytes.
          if (!(nrows >= 0) || nrows > MAX_ROWS)
            throw bad('value_rowids', `ids must be in [0, ${MAX_ROWS}) and not decrease`);
          splits = new Array<number>(nrows + 1).fill(0);
          let prev = 0;
          for (let i = 0; i < n; i++) {
            const x = Number(t[i]);
            if (x < prev || x < 0) throw bad('value_rowids', `ids must be in [0, ${MAX_ROWS}) and not decrease`);
            prev = x;
            (splits[x + 1] as number)++;
          }
          for (let i = 1; i <= nrows; i++) splits[i] = (splits[i] as number) + (splits[i - 1] as number);
          break;
        }
      }
    }
    levels[l] = splits;
    rows = splits.length - 1;
  }
  return { values, levels, rows };
}

function toSplits(dtype: SplitsDType, xs: readonly number[]): AnySplits {
  if (dtype === 'int32') {
    if (xs.length > 0 && (xs[xs.length - 1] as number) > 0x7fffffff) {
      throw new TFRecordError(
        'PARSE',
        `row splits reach ${xs[xs.length - 1]}, beyond int32; use rowSplitsDtype: 'int64'`,
      );
    }
    return Int32Array.from(xs);
  }
  return BigInt64Array.from(xs, (x) => BigInt(x));
}

/** One item as a tensor (single-record parse); values are not copied. */
export function itemTensor(layout: RaggedLayout, item: RaggedItem): RaggedTensor {
  return mergedTensor(layout, item, 0);
}

/**
 * Merges items (records of a batch, or steps of a feature list) into one item
 * with one more outer level: its rows are the items. `depth` is the number of
 * levels each item has.
 */
export function mergeItems(dtype: DType, items: readonly RaggedItem[], depth: number): RaggedItem {
  const outer = new Array<number>(items.length + 1);
  outer[0] = 0;
  let totalValues = 0;
  items.forEach((it, i) => {
    outer[i + 1] = (outer[i] as number) + it.rows;
    totalValues += it.values.length;
  });
  const levels: number[][] = [outer];
  for (let l = 0; l < depth; l++) {
    const merged: number[] = [0];
    let base = 0;
    for (const it of items) {
      const s = it.levels[l] as number[];
      for (let i = 1; i < s.length; i++) merged.push(base + (s[i] as number));
      base += s[s.length - 1] as number;
    }
    levels.push(merged);
  }
  const values = concatValues(
    dtype,
    items.map((it) => it.values),
    totalValues,
  );
  return { values, levels, rows: items.length };
}

/**
 * A merged item as a tensor: `outer` is the number of ragged dimensions that
 * merging added (1 for a batch of Examples or the steps of one SequenceExample,
 * 2 for a batch of SequenceExamples).
 */
export function mergedTensor(layout: RaggedLayout, item: RaggedItem, outer: number): RaggedTensor {
  const { innerDims, innerSize } = layout;
  return {
    kind: 'ragged',
    values: item.values,
    valuesShape: [item.values.length / innerSize, ...innerDims],
    rowSplits: item.levels.map((s) => toSplits(layout.splitsDtype, s)) as AnySplits[] as RaggedTensor['rowSplits'],
    shape: [item.rows, ...new Array<null>(outer).fill(null), ...layout.levelDims, ...innerDims],
  };
}

/** Stacks items (records of a batch, or steps of a feature list) under one more outer ragged dimension. */
export function stackItems(layout: RaggedLayout, items: readonly RaggedItem[]): RaggedTensor {
  return mergedTensor(layout, mergeItems(layout.dtype, items, layout.levelPartitions.length), 1);
}

/** Compiles a RaggedFeature of an Example spec. */
export function raggedParser(f: NRagged, label = 'feature'): FeatureParser {
  const layout = raggedLayout(f);
  const where = `ragged ${label} '${f.name}'`;
  const readValues = sparseReader(
    f.valueKey,
    f.dtype,
    f.valueKey === f.name ? `${label} '${f.name}'` : `${label} '${f.valueKey}' (values of ${where})`,
  );
  const readParts = layout.levelPartitions.map((p) =>
    p.kind === 'uniformRowLength'
      ? undefined
      : sparseReader(p.key, 'int64', `${label} '${p.key}' (partition of ${where})`),
  );
  const item = (features: Features, record: number): RaggedItem => {
    const values = readValues(features, record);
    const parts = readParts.map((read) => (read === undefined ? undefined : (read(features, record) as BigInt64Array)));
    return buildItem(layout, values, parts, (m) => parseError(record, `${where}: ${m}`));
  };
  return {
    name: f.name,
    single: (features, record) => itemTensor(layout, item(features, record)),
    batch: (batch) =>
      stackItems(
        layout,
        batch.map((features, r) => item(features, r)),
      ),
  };
}
