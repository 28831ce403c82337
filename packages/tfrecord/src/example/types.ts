/**
 * Typed, in-memory forms of `tf.train.Feature`, `Example` and `SequenceExample`
 * (tensorflow/core/example/feature.proto and example.proto).
 */

/** int64_list: exact 64-bit signed values. */
export interface Int64Feature {
  readonly kind: 'int64';
  readonly values: BigInt64Array;
}
/**
 * float_list: float32 values. A decoded list whose bytes sit 4-byte aligned in
 * the record is a zero-copy view of it (like bytes values); copy it to keep it
 * beyond the record's buffer.
 */
export interface FloatFeature {
  readonly kind: 'float';
  readonly values: Float32Array;
}
/** bytes_list: each value is a zero-copy view into the decoded buffer where possible. */
export interface BytesFeature {
  readonly kind: 'bytes';
  readonly values: Uint8Array[];
}
/** A Feature with no kind set: present, but holding no values. */
export interface EmptyFeature {
  readonly kind: 'none';
}
/** One `tf.train.Feature`. */
export type Feature = Int64Feature | FloatFeature | BytesFeature | EmptyFeature;
/** The kind of a {@link Feature}. */
export type FeatureKind = Feature['kind'];

/** `tf.train.Features`: a map from name to feature (a null-prototype object, so any name is safe). */
export type Features = Record<string, Feature>;

/** `tf.train.Example`. */
export interface Example {
  features: Features;
}

/** `tf.train.SequenceExample`: per-record context plus named lists of per-step features. */
export interface SequenceExample {
  context: Features;
  featureLists: Record<string, Feature[]>;
}
