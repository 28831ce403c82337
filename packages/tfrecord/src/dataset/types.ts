/** Types shared by the Dataset pipeline. */

/**
 * How many elements a dataset yields, as far as is known without iterating:
 * a count, `'unknown'` (e.g. after `filter`) or `'infinite'` (after `repeat()`).
 * Mirrors tf.data / tfjs-data cardinality.
 */
export type DatasetSize = number | 'unknown' | 'infinite';

/** What every operator and source sees of one iteration. */
export interface IterationContext {
  /** Aborts the iteration; sources should stop reading and release files. */
  readonly signal: AbortSignal | undefined;
}

/** Options for {@link Dataset.iterate}. */
export interface IterateOptions {
  /** Aborting it rejects the pending `next()` with TFRecordError ABORTED and closes every open source. */
  signal?: AbortSignal;
}

/** Opens a fresh stream of a dataset for one iteration. */
export type Opener<T> = (ctx: IterationContext) => AsyncGenerator<T, void, undefined>;

/** Any typed array. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A dense row-major array with a shape: `values.length === product(shape)`.
 * Same layout as the parse module's DenseTensor (`kind: 'dense'`), and also
 * allowing any typed array; byte strings are `Uint8Array[]`.
 */
export interface DenseArray<A extends TypedArray | readonly unknown[] = TypedArray | readonly unknown[]> {
  readonly kind: 'dense';
  readonly values: A;
  readonly shape: readonly number[];
}
