/**
 * Parse specs: the TypeScript forms of tf.io.FixedLenFeature, VarLenFeature,
 * SparseFeature, RaggedFeature and FixedLenSequenceFeature
 * (tensorflow/python/ops/parsing_config.py). Builders only assemble objects;
 * {@link compileSpec} checks them once, naming the spec key.
 */
import type { DType, DenseTensor, RaggedTensor, SparseTensor, SplitsDType, SplitsOf, ValuesOf } from './types.js';

/**
 * A default value: a scalar, or (nested) arrays / typed arrays of scalars, flattened
 * row-major as tf.reshape does. Strings are UTF-8 encoded; a Uint8Array is one
 * bytes value for dtype 'string' and a list of numbers otherwise.
 */
export type DefaultValue =
  | number
  | bigint
  | string
  | Uint8Array
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | readonly DefaultValue[];

/** tf.io.FixedLenFeature: exactly `product(shape)` values per record. */
export interface FixedLenSpec<D extends DType = DType> {
  readonly kind: 'fixedLen';
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Used when the feature is missing; must hold exactly `product(shape)` values (no broadcasting, as TF). */
  readonly defaultValue?: DefaultValue;
}

/**
 * tf.io.FixedLenSequenceFeature: a variable number of rows of `shape` each.
 * In an Example spec it reads `k * product(shape)` values as `[k, ...shape]`
 * (TF requires `allowMissing: true` there) and a batch pads to the longest record
 * with `defaultValue` (a scalar; default 0 or empty bytes). In a SequenceExample
 * sequence spec each step must hold `product(shape)` values.
 */
export interface FixedLenSequenceSpec<D extends DType = DType> {
  readonly kind: 'fixedLenSequence';
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Whether the feature (list) may be missing (as zero rows). */
  readonly allowMissing: boolean;
  /** Scalar padding value for batches of Examples. */
  readonly defaultValue?: DefaultValue;
}

/** tf.io.VarLenFeature: any number of values, returned as a SparseTensor. */
export interface VarLenSpec<D extends DType = DType> {
  readonly kind: 'varLen';
  readonly dtype: D;
}

/**
 * tf.io.SparseFeature: a SparseTensor of dense shape `size` built from one int64
 * index feature per dimension and one value feature of equal length.
 */
export interface SparseSpec<D extends DType = DType> {
  readonly kind: 'sparse';
  readonly indexKey: string | readonly string[];
  readonly valueKey: string;
  readonly dtype: D;
  /** Dense shape; a number iff `indexKey` is a single string. */
  readonly size: number | readonly number[];
  /** Skip sorting entries by index when they are known to be in order (default false). */
  readonly alreadySorted: boolean;
}

/** A row partition of a {@link RaggedSpec} (tf.io.RaggedFeature.RowSplits and friends). */
export type Partition =
  | { readonly kind: 'rowSplits'; readonly key: string }
  | { readonly kind: 'rowLengths'; readonly key: string }
  | { readonly kind: 'rowStarts'; readonly key: string }
  | { readonly kind: 'rowLimits'; readonly key: string }
  | { readonly kind: 'valueRowIds'; readonly key: string }
  | { readonly kind: 'uniformRowLength'; readonly length: number };

/**
 * tf.io.RaggedFeature: values from `valueKey` (default: the spec key), partitioned
 * by `partitions` listed outermost first. Row splits are always validated (TF only
 * does so with `validate=True`), so bad partitions are errors, never garbage.
 */
export interface RaggedSpec<D extends DType = DType, S extends SplitsDType = SplitsDType> {
  readonly kind: 'ragged';
  readonly dtype: D;
  readonly valueKey?: string;
  readonly partitions: readonly Partition[];
  /** Dtype of the returned row splits (default 'int32', as TF). */
  readonly rowSplitsDtype: S;
}

/** Any feature spec. */
export type FeatureSpec = FixedLenSpec | FixedLenSequenceSpec | VarLenSpec | SparseSpec | RaggedSpec;

/** A parse spec: output name -> feature spec. */
export type ParseSpec = Readonly<Record<string, FeatureSpec>>;

/** The tensor a feature spec parses to. */
export type TensorFor<F> =
  F extends FixedLenSpec<infer D>
    ? DenseTensor<ValuesOf<D>>
    : F extends FixedLenSequenceSpec<infer D>
      ? DenseTensor<ValuesOf<D>>
      : F extends VarLenSpec<infer D>
        ? SparseTensor<ValuesOf<D>>
        : F extends SparseSpec<infer D>
          ? SparseTensor<ValuesOf<D>>
          : F extends RaggedSpec<infer D, infer S>
            ? RaggedTensor<ValuesOf<D>, SplitsOf<S>>
            : never;

/** The parse result of a spec: one tensor per spec key. */
export type ParsedFeatures<S extends ParseSpec> = { -readonly [K in keyof S]: TensorFor<S[K]> };

/** Spec of tf.io.FixedLenFeature(shape, dtype, default_value). `shape` `[]` is a scalar. */
export function fixedLen<D extends DType>(options: {
  shape: readonly number[];
  dtype: D;
  defaultValue?: DefaultValue;
}): FixedLenSpec<D> {
  const { shape, dtype, defaultValue } = options;
  return defaultValue === undefined
    ? { kind: 'fixedLen', shape, dtype }
    : { kind: 'fixedLen', shape, dtype, defaultValue };
}

/** Spec of tf.io.FixedLenSequenceFeature(shape, dtype, allow_missing = false, default_value). */
export function fixedLenSequence<D extends DType>(options: {
  shape: readonly number[];
  dtype: D;
  allowMissing?: boolean;
  defaultValue?: DefaultValue;
}): FixedLenSequenceSpec<D> {
  const { shape, dtype, allowMissing = false, defaultValue } = options;
  return defaultValue === undefined
    ? { kind: 'fixedLenSequence', shape, dtype, allowMissing }
    : { kind: 'fixedLenSequence', shape, dtype, allowMissing, defaultValue };
}

/** Spec of tf.io.VarLenFeature(dtype). */
export function varLen<D extends DType>(options: { dtype: D }): VarLenSpec<D> {
  return { kind: 'varLen', dtype: options.dtype };
}

/** Spec of tf.io.SparseFeature(index_key, value_key, dtype, size, already_sorted = false). */
export function sparse<D extends DType>(options: {
  indexKey: string | readonly string[];
  valueKey: string;
  dtype: D;
  size: number | readonly number[];
  alreadySorted?: boolean;
}): SparseSpec<D> {
  const { indexKey, valueKey, dtype, size, alreadySorted = false } = options;
  return { kind: 'sparse', indexKey, valueKey, dtype, size, alreadySorted };
}

/** Spec of tf.io.RaggedFeature(dtype, value_key, partitions = [], row_splits_dtype = int32). */
export function ragged<D extends DType, S extends SplitsDType = 'int32'>(options: {
  dtype: D;
  valueKey?: string;
  partitions?: readonly Partition[];
  rowSplitsDtype?: S;
}): RaggedSpec<D, S> {
  const { dtype, valueKey, partitions = [], rowSplitsDtype = 'int32' as S } = options;
  return valueKey === undefined
    ? { kind: 'ragged', dtype, partitions, rowSplitsDtype }
    : { kind: 'ragged', dtype, valueKey, partitions, rowSplitsDtype };
}

/** Partition by row splits from int64 feature `key` (tf.io.RaggedFeature.RowSplits). */
export function rowSplits(key: string): Partition {
  return { kind: 'rowSplits', key };
}
/** Partition by row lengths from int64 feature `key` (tf.io.RaggedFeature.RowLengths). */
export function rowLengths(key: string): Partition {
  return { kind: 'rowLengths', key };
}
/** Partition by row start offsets from int64 feature `key` (tf.io.RaggedFeature.RowStarts). */
export function rowStarts(key: string): Partition {
  return { kind: 'rowStarts', key };
}
/** Partition by row limit offsets from int64 feature `key` (tf.io.RaggedFeature.RowLimits). */
export function rowLimits(key: string): Partition {
  return { kind: 'rowLimits', key };
}
/** Partition by the row id of each value from int64 feature `key` (tf.io.RaggedFeature.ValueRowIds). */
export function valueRowIds(key: string): Partition {
  return { kind: 'valueRowIds', key };
}
/** Partition into rows of `length` each (tf.io.RaggedFeature.UniformRowLength). */
export function uniformRowLength(length: number): Partition {
  return { kind: 'uniformRowLength', length };
}
