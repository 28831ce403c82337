/**
 * Typed, in-memory forms of TensorBoard's `tensorflow.Event` and the messages it
 * holds (tensorboard/compat/proto/{event,summary,histogram,tensor,tensor_shape}.proto).
 *
 * Presence follows proto3: a singular scalar field at its default (0, "", empty
 * bytes) and an empty repeated field are absent (`undefined`), so an object is
 * exactly what protobuf's JSON mapping would print. Members of a oneof and
 * submessages are present when set, even at their default (`simpleValue: 0`,
 * `tensorShape: {}`). Bytes and packed fixed-width lists decoded from a record
 * are zero-copy views of it where alignment allows: copy them to keep them
 * beyond the record's buffer.
 */

/** `tensorflow.Event`: one record of an event file. At most one of the `what` fields is set. */
export interface Event {
  /** Seconds since the Unix epoch (float64). */
  wallTime?: number;
  /** Global step (int64). */
  step?: bigint;
  /** oneof what: "brain.Event:2" in a file's first record. */
  fileVersion?: string;
  /** oneof what: a serialized GraphDef. */
  graphDef?: Uint8Array;
  /** oneof what: summary values. */
  summary?: Summary;
  /** oneof what (deprecated upstream). */
  logMessage?: LogMessage;
  /** oneof what. */
  sessionLog?: SessionLog;
  /** oneof what. */
  taggedRunMetadata?: TaggedRunMetadata;
  /** oneof what: a serialized MetaGraphDef. */
  metaGraphDef?: Uint8Array;
  /** The writer's name; set on the first record only. */
  sourceMetadata?: SourceMetadata;
}

/** The names of the `what` oneof of {@link Event}, in field-number order. */
export const EVENT_WHAT = [
  'fileVersion',
  'graphDef',
  'summary',
  'logMessage',
  'sessionLog',
  'taggedRunMetadata',
  'metaGraphDef',
] as const;

/** `tensorflow.SourceMetadata`. */
export interface SourceMetadata {
  writer?: string;
}

/** `tensorflow.LogMessage`; `level` is a {@link LOG_LEVEL_NAMES} number. */
export interface LogMessage {
  level?: number;
  message?: string;
}

/** `tensorflow.SessionLog`; `status` is a {@link SESSION_STATUS_NAMES} number. */
export interface SessionLog {
  status?: number;
  checkpointPath?: string;
  msg?: string;
}

/** `tensorflow.TaggedRunMetadata`; `runMetadata` is a serialized RunMetadata. */
export interface TaggedRunMetadata {
  tag?: string;
  runMetadata?: Uint8Array;
}

/** `tensorflow.Summary`. */
export interface Summary {
  value?: SummaryValue[];
}

/** `tensorflow.Summary.Value`. At most one of the `value` oneof fields is set. */
export interface SummaryValue {
  tag?: string;
  /** Deprecated upstream, never set by current writers. */
  nodeName?: string;
  metadata?: SummaryMetadata;
  /** oneof value: a float32 scalar (TF1 scalars). */
  simpleValue?: number;
  /** oneof value. */
  obsoleteOldStyleHistogram?: Uint8Array;
  /** oneof value: an encoded image (TF1 images). */
  image?: SummaryImage;
  /** oneof value: a histogram (TF1 histograms). */
  histo?: HistogramProto;
  /** oneof value. */
  audio?: SummaryAudio;
  /** oneof value: a tensor read by the plugin named in `metadata` (TF2 summaries). */
  tensor?: TensorProto;
}

/** The names of the `value` oneof of {@link SummaryValue}, in field-number order. */
export const VALUE_ONEOF = ['simpleValue', 'obsoleteOldStyleHistogram', 'image', 'histo', 'audio', 'tensor'] as const;

/** `tensorflow.Summary.Image`; `colorspace` 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
export interface SummaryImage {
  height?: number;
  width?: number;
  colorspace?: number;
  encodedImageString?: Uint8Array;
}

/** `tensorflow.Summary.Audio`; `sampleRate` in Hz (float32). */
export interface SummaryAudio {
  sampleRate?: number;
  numChannels?: bigint;
  lengthFrames?: bigint;
  encodedAudioString?: Uint8Array;
  contentType?: string;
}

/** `tensorflow.HistogramProto`: `bucket[i]` counts values up to `bucketLimit[i]` (above the previous limit). */
export interface HistogramProto {
  min?: number;
  max?: number;
  num?: number;
  sum?: number;
  sumSquares?: number;
  bucketLimit?: Float64Array;
  bucket?: Float64Array;
}

/** `tensorflow.SummaryMetadata`; `dataClass` is a {@link DATA_CLASS_NAMES} number. */
export interface SummaryMetadata {
  pluginData?: PluginData;
  displayName?: string;
  summaryDescription?: string;
  dataClass?: number;
}

/** `tensorflow.SummaryMetadata.PluginData`: which TensorBoard plugin reads the value. */
export interface PluginData {
  pluginName?: string;
  content?: Uint8Array;
}

/** `tensorflow.TensorShapeProto.Dim`. */
export interface TensorShapeDim {
  size?: bigint;
  name?: string;
}

/** `tensorflow.TensorShapeProto`: `{}` is a rank-0 (scalar) shape. */
export interface TensorShape {
  dim?: TensorShapeDim[];
  unknownRank?: boolean;
}

/**
 * `tensorflow.TensorProto`; `dtype` is a {@link DataType} number. Values are in
 * `tensorContent` (little-endian, row-major) or in the `*Val` list for the dtype.
 * `resource_handle_val` and `variant_val` are not decoded (skipped like unknown fields).
 */
export interface TensorProto {
  dtype?: number;
  tensorShape?: TensorShape;
  versionNumber?: number;
  tensorContent?: Uint8Array;
  halfVal?: Int32Array;
  floatVal?: Float32Array;
  doubleVal?: Float64Array;
  intVal?: Int32Array;
  stringVal?: Uint8Array[];
  scomplexVal?: Float32Array;
  int64Val?: BigInt64Array;
  boolVal?: boolean[];
  dcomplexVal?: Float64Array;
  uint32Val?: Uint32Array;
  uint64Val?: BigUint64Array;
  float8Val?: Uint8Array;
}

/** `tensorflow.DataType` numbers (tensorboard/compat/proto/types.proto); `_REF` types are these + 100. */
export const DataType = {
  DT_INVALID: 0,
  DT_FLOAT: 1,
  DT_DOUBLE: 2,
  DT_INT32: 3,
  DT_UINT8: 4,
  DT_INT16: 5,
  DT_INT8: 6,
  DT_STRING: 7,
  DT_COMPLEX64: 8,
  DT_INT64: 9,
  DT_BOOL: 10,
  DT_QINT8: 11,
  DT_QUINT8: 12,
  DT_QINT32: 13,
  DT_BFLOAT16: 14,
  DT_QINT16: 15,
  DT_QUINT16: 16,
  DT_UINT16: 17,
  DT_COMPLEX128: 18,
  DT_HALF: 19,
  DT_RESOURCE: 20,
  DT_VARIANT: 21,
  DT_UINT32: 22,
  DT_UINT64: 23,
  DT_FLOAT8_E5M2: 24,
  DT_FLOAT8_E4M3FN: 25,
} as const;

/** `tensorflow.DataClass` numbers. */
export const DataClass = {
  DATA_CLASS_UNKNOWN: 0,
  DATA_CLASS_SCALAR: 1,
  DATA_CLASS_TENSOR: 2,
  DATA_CLASS_BLOB_SEQUENCE: 3,
} as const;

function names(values: Record<string, number>): ReadonlyMap<number, string> {
  return new Map(Object.entries(values).map(([k, v]) => [v, k]));
}

/** Name of each DataType number, `_REF` variants included. */
export const DATA_TYPE_NAMES: ReadonlyMap<number, string> = (() => {
  const m = new Map(names(DataType));
  for (const [v, k] of [...m]) if (v !== 0) m.set(v + 100, `${k}_REF`);
  return m;
})();
/** Name of each DataClass number. */
export const DATA_CLASS_NAMES: ReadonlyMap<number, string> = names(DataClass);
/** Name of each `LogMessage.Level` number. */
export const LOG_LEVEL_NAMES: ReadonlyMap<number, string> = names({
  UNKNOWN: 0,
  DEBUGGING: 10,
  INFO: 20,
  WARN: 30,
  ERROR: 40,
  FATAL: 50,
});
/** Name of each `SessionLog.SessionStatus` number. */
export const SESSION_STATUS_NAMES: ReadonlyMap<number, string> = names({
  STATUS_UNSPECIFIED: 0,
  START: 1,
  STOP: 2,
  CHECKPOINT: 3,
});
