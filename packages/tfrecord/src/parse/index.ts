/**
 * Feature parsing with TensorFlow's semantics: specs (fixedLen, varLen, sparse,
 * ragged, fixedLenSequence), Example and SequenceExample parsers, decodeRaw.
 */
export type {
  DType,
  SplitsDType,
  ValuesOf,
  SplitsOf,
  AnyValues,
  AnySplits,
  DenseTensor,
  SparseTensor,
  RaggedTensor,
  Tensor,
} from './types.js';
export type {
  DefaultValue,
  FixedLenSpec,
  FixedLenSequenceSpec,
  VarLenSpec,
  SparseSpec,
  RaggedSpec,
  Partition,
  FeatureSpec,
  ParseSpec,
  TensorFor,
  ParsedFeatures,
} from './spec.js';
export {
  fixedLen,
  fixedLenSequence,
  varLen,
  sparse,
  ragged,
  rowSplits,
  rowLengths,
  rowStarts,
  rowLimits,
  valueRowIds,
  uniformRowLength,
} from './spec.js';
export type { ExampleParser, ExampleRecord } from './example.js';
export { compileSpec, parseExample, parseExamples } from './example.js';
export type {
  SequenceExampleParser,
  SequenceExampleRecord,
  SequenceParseResult,
  SequenceBatchResult,
} from './sequence.js';
export { compileSequenceSpec, parseSequenceExample, parseSequenceExamples } from './sequence.js';
export type { RawDType, RawArrays } from './raw.js';
export { decodeRaw, reshape } from './raw.js';
