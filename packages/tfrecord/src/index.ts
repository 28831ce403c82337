/**
 * `@pastiche/tfrecord`: portable TFRecord I/O and tf.train.Example codec.
 * Works on Uint8Array, async iterables and web streams; no Node built-ins here
 * (file access lives in `@pastiche/tfrecord/node`).
 */
export { TFRecordError, isTFRecordError } from './errors.js';
export type { TFRecordErrorCode, TFRecordErrorOptions } from './errors.js';
export type {
  Feature,
  FeatureKind,
  Features,
  Int64Feature,
  FloatFeature,
  BytesFeature,
  EmptyFeature,
  Example,
  SequenceExample,
} from './example/types.js';
export { ProtoWriter, WireType, varintSize } from './wire/writer.js';
export { ProtoReader } from './wire/reader.js';
