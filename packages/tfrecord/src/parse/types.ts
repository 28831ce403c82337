/**
 * Result tensors of feature parsing: plain typed arrays with shapes, in the
 * layouts TensorFlow's parse ops return (row-major, outermost dimension first).
 */

/** Value dtype of a parse spec, as `tf.int64`, `tf.float32` and `tf.string`. */
export type DType = 'int64' | 'float32' | 'string';

/** Dtype of ragged row-partition tensors (`row_splits_dtype`; TF's default is int32). */
export type SplitsDType = 'int32' | 'int64';

/**
 * The array that holds values of a {@link DType}: int64 -> BigInt64Array (exact),
 * float32 -> Float32Array, string -> Uint8Array[] (raw bytes, usually zero-copy
 * views into the record; decode text with TextDecoder).
 */
export type ValuesOf<D extends DType> = D extends 'int64'
  ? BigInt64Array
  : D extends 'float32'
    ? Float32Array
    : Uint8Array[];

/** Any values array. */
export type AnyValues = BigInt64Array | Float32Array | Uint8Array[];

/** Row-splits array for a {@link SplitsDType}. */
export type SplitsOf<S extends SplitsDType> = S extends 'int64' ? BigInt64Array : Int32Array;

/** Any row-splits array. */
export type AnySplits = Int32Array | BigInt64Array;

/**
 * A dense tensor: `values` in row-major order, `values.length === product(shape)`.
 * `shape` `[]` is a scalar (one value). Results of a single-record parse may share
 * memory with the decoded Example.
 */
export interface DenseTensor<V extends AnyValues = AnyValues> {
  readonly kind: 'dense';
  readonly values: V;
  readonly shape: readonly number[];
}

/**
 * A sparse tensor in COO form, as tf.SparseTensor: `indices` holds `n` rows of
 * `rank = denseShape.length` int64 coordinates (row-major, `n * rank` entries),
 * `values[i]` sits at `indices[i * rank .. i * rank + rank)`.
 */
export interface SparseTensor<V extends AnyValues = AnyValues> {
  readonly kind: 'sparse';
  readonly indices: BigInt64Array;
  readonly values: V;
  readonly denseShape: readonly number[];
}

/**
 * A ragged tensor, as tf.RaggedTensor: `values` are the flat values (shape
 * `valuesShape`, whose first dimension is the number of innermost rows and the
 * rest are uniform inner dimensions), and `rowSplits` the nested row splits,
 * outermost first. Row `i` of level `k` spans `rowSplits[k][i] .. rowSplits[k][i + 1]`
 * of level `k + 1` (or of the rows of `values` for the last level).
 * `shape` gives each dimension: a number when uniform, `null` when ragged.
 * With no ragged dimension `rowSplits` is empty and the tensor is dense (TF
 * returns a plain tf.Tensor in that case).
 */
export interface RaggedTensor<V extends AnyValues = AnyValues, S extends AnySplits = AnySplits> {
  readonly kind: 'ragged';
  readonly values: V;
  readonly valuesShape: readonly number[];
  readonly rowSplits: readonly S[];
  readonly shape: readonly (number | null)[];
}

/** Any parse result. */
export type Tensor = DenseTensor | SparseTensor | RaggedTensor;
