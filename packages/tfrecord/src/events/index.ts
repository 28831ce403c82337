/**
 * TensorBoard event files: the `tensorflow.Event` codec, its JSON form, builders
 * for TF1 and TF2 summaries, and scalar extraction. Portable (no Node built-ins).
 */
export * from './types.js';
export { decodeEvent, isEventRecord, isEventFileName } from './decode.js';
export { encodeEvent, encodeEventInto } from './encode.js';
export { eventToJSONLine } from './json.js';
export { pyFloatRepr, pyFloat32Repr } from './pyjson.js';
export {
  FILE_VERSION,
  scalarValue,
  imageValue,
  textValue,
  histogramValue,
  tfHistogram,
  tensorboardHistogramBuckets,
  pngInfo,
  summaryEvent,
  fileVersionEvent,
} from './build.js';
export type {
  SummaryForm,
  ScalarOptions,
  ImageOptions,
  TextOptions,
  HistogramOptions,
  EventTime,
  PngInfo,
} from './build.js';
export { ScalarExtractor, extractScalars, tensorScalar } from './scalars.js';
export type { ScalarPoint } from './scalars.js';
