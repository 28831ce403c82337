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
// tf.train.Example / SequenceExample codec, builders, JSON form.
export { decodeExample, decodeSequenceExample, decodeFeature } from './example/decode.js';
export {
  encodeExample,
  encodeSequenceExample,
  encodeFeature,
  encodeExampleInto,
  exampleByteLength,
  prepareExample,
} from './example/encode.js';
export type { PreparedExample } from './example/encode.js';
export { buildExample, buildSequenceExample, toFeature, int64List, floatList, bytesList } from './example/build.js';
export type { FeatureInput, IntegerTypedArray } from './example/build.js';
export {
  exampleToJSON,
  sequenceExampleToJSON,
  featureToJSON,
  exampleFromJSON,
  sequenceExampleFromJSON,
  featureFromJSON,
} from './example/json.js';
export type { ExampleJSON, SequenceExampleJSON, FeatureJSON, FloatJSON } from './example/json.js';
export { int64ToNumber, int64ArrayToNumbers } from './example/int64.js';
export { bytesToBase64, base64ToBytes } from './example/base64.js';
export { ProtoWriter, WireType, varintSize } from './wire/writer.js';
export { ProtoReader } from './wire/reader.js';
// Feature parsing with TensorFlow's semantics (parse specs, decodeRaw).
export * from './parse/index.js';
// Record framing, checksums and compression.
export { crc32c, maskCrc, unmaskCrc } from './framing/crc32c.js';
export { encodeRecord, frameInPlace, recordSize, writeRecordInto, RECORD_OVERHEAD } from './framing/encode.js';
export {
  decodeRecords,
  decodeRecordSpans,
  readRecordHeader,
  readRecords,
  RecordChunkDecoder,
  HEADER_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
} from './framing/decode.js';
export type { RecordReaderOptions, RecordSpan } from './framing/decode.js';
export type { ByteSource } from './framing/source.js';
export {
  detectCompression,
  compressionFromPath,
  decompress,
  compress,
  compressBytes,
  decompressBytes,
  COMPRESSIONS,
} from './compression/index.js';
export type { Compression } from './compression/index.js';
// Dataset pipeline (tf.data semantics) and record index files.
export { Dataset } from './dataset/dataset.js';
export type {
  MapOptions,
  ShuffleOptions,
  BatchOptions,
  PaddedBatchOptions,
  InterleaveOptions,
  IgnoreErrorsOptions,
  SourceOptions,
} from './dataset/dataset.js';
export type { DatasetSize, IterationContext, IterateOptions, TypedArray, DenseArray } from './dataset/types.js';
export { stack, padBatch, isTypedArray } from './dataset/collate.js';
export type { Stacked, Padded, PaddedShape, PadOptions } from './dataset/collate.js';
export { SeededRandom } from './dataset/random.js';
export { SkipCounter, isDataError } from './dataset/skip.js';
export type { SkipKind, SkipEvent, SkipCounterOptions } from './dataset/skip.js';
export {
  recordDataset,
  decodeRecordStream,
  readRecordsSkipping,
  decompressAuto,
  decodeExamples,
  decodeSequenceExamples,
} from './dataset/records.js';
export type { RecordSourceOptions } from './dataset/records.js';
export { RecordIndex, parseIndex, formatIndex, scanIndex, shardRange, shardRanges } from './index-file/index.js';
export type { RecordRange } from './index-file/index.js';
// TensorBoard event files: Event codec, JSON form, summary builders, scalars.
export * from './events/index.js';
