/**
 * Hand-written encoder for `tensorflow.Event` and the messages it holds. Fields
 * are written in field-number order, proto3 defaults left out, repeated scalars
 * packed: the bytes protobuf's own serializers produce, so a decoded record
 * re-encodes to exactly its original bytes (unknown fields aside).
 */
import { TFRecordError } from '../errors.js';
import { describe } from '../framing/options.js';
import { ProtoWriter, WireType } from '../wire/writer.js';
import { EVENT_WHAT, VALUE_ONEOF } from './types.js';
import type {
  Event,
  HistogramProto,
  Summary,
  SummaryMetadata,
  SummaryValue,
  TensorProto,
  TensorShape,
} from './types.js';

const LD = WireType.LengthDelimited;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function bad(expected: string, path: string, v: unknown): never {
  throw new TFRecordError('INVALID_ARGUMENT', `Expected ${expected} for ${path} but received ${describe(v)}`);
}

function nonDefaultNumber(v: number | undefined): v is number {
  return v !== undefined && (v !== 0 || Object.is(v, -0));
}

function int32(w: ProtoWriter, field: number, v: number | undefined, path: string): void {
  if (v === undefined || v === 0) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) {
    bad('int32 integer', path, v);
  }
  w.tag(field, WireType.Varint).int32(v);
}

function int64(w: ProtoWriter, field: number, v: bigint | undefined, path: string): void {
  if (v === undefined || v === 0n) return;
  if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) bad('int64 bigint', path, v);
  w.tag(field, WireType.Varint).int64(v);
}

function double(w: ProtoWriter, field: number, v: number | undefined, path: string): void {
  if (!nonDefaultNumber(v)) return;
  if (typeof v !== 'number') bad('number', path, v);
  w.tag(field, WireType.Bit64).double(v);
}

function string(w: ProtoWriter, field: number, v: string | undefined, path: string): void {
  if (v === undefined || v === '') return;
  if (typeof v !== 'string') bad('string', path, v);
  w.tag(field, LD).string(v);
}

function bytes(w: ProtoWriter, field: number, v: Uint8Array | undefined, path: string, always = false): void {
  if (v === undefined || (v.length === 0 && !always)) return;
  if (!(v instanceof Uint8Array)) bad('Uint8Array', path, v);
  w.tag(field, LD).bytes(v);
}

function packedF64(w: ProtoWriter, field: number, v: ArrayLike<number> | undefined): void {
  if (v === undefined || v.length === 0) return;
  w.tag(field, LD).uint32(v.length * 8);
  for (let i = 0; i < v.length; i++) w.double(v[i]!);
}

function packedF32(w: ProtoWriter, field: number, v: ArrayLike<number> | undefined): void {
  if (v === undefined || v.length === 0) return;
  w.tag(field, LD).uint32(v.length * 4);
  for (let i = 0; i < v.length; i++) w.float(v[i]!);
}

function packedVarint<T>(w: ProtoWriter, field: number, v: ArrayLike<T> | undefined, put: (x: T) => void): void {
  if (v === undefined || v.length === 0) return;
  w.tag(field, LD).fork();
  for (let i = 0; i < v.length; i++) put(v[i]!);
  w.join();
}

/** Checks that at most one member of a oneof is set. */
function oneof(o: object, members: readonly string[], path: string): void {
  let first: string | undefined;
  for (const m of members) {
    if ((o as Record<string, unknown>)[m] === undefined) continue;
    if (first !== undefined) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected at most one of ${members.join(', ')} in ${path} but received both ${first} and ${m}`,
      );
    }
    first = m;
  }
}

function message(w: ProtoWriter, field: number, body: () => void): void {
  w.tag(field, LD).fork();
  body();
  w.join();
}

function writeShape(w: ProtoWriter, s: TensorShape, path: string): void {
  const dims = s.dim ?? [];
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    message(w, 2, () => {
      int64(w, 1, d.size, `${path}.dim[${i}].size`);
      string(w, 2, d.name, `${path}.dim[${i}].name`);
    });
  }
  if (s.unknownRank === true) w.tag(3, WireType.Varint).uint32(1);
}

function writeTensor(w: ProtoWriter, t: TensorProto, path: string): void {
  int32(w, 1, t.dtype, `${path}.dtype`);
  if (t.tensorShape !== undefined) message(w, 2, () => writeShape(w, t.tensorShape!, `${path}.tensor_shape`));
  int32(w, 3, t.versionNumber, `${path}.version_number`);
  bytes(w, 4, t.tensorContent, `${path}.tensor_content`);
  packedF32(w, 5, t.floatVal);
  packedF64(w, 6, t.doubleVal);
  packedVarint(w, 7, t.intVal, (x) => w.int32(x));
  const strings = t.stringVal ?? [];
  for (let i = 0; i < strings.length; i++) bytes(w, 8, strings[i], `${path}.string_val[${i}]`, true);
  packedF32(w, 9, t.scomplexVal);
  packedVarint(w, 10, t.int64Val, (x) => w.int64(x));
  packedVarint(w, 11, t.boolVal, (x) => w.uint32(x ? 1 : 0));
  packedF64(w, 12, t.dcomplexVal);
  packedVarint(w, 13, t.halfVal, (x) => w.int32(x));
  packedVarint(w, 16, t.uint32Val, (x) => w.uint32(x));
  packedVarint(w, 17, t.uint64Val, (x) => w.int64(x));
  bytes(w, 18, t.float8Val, `${path}.float8_val`);
}

function writeHisto(w: ProtoWriter, h: HistogramProto, path: string): void {
  double(w, 1, h.min, `${path}.min`);
  double(w, 2, h.max, `${path}.max`);
  double(w, 3, h.num, `${path}.num`);
  double(w, 4, h.sum, `${path}.sum`);
  double(w, 5, h.sumSquares, `${path}.sum_squares`);
  packedF64(w, 6, h.bucketLimit);
  packedF64(w, 7, h.bucket);
}

function writeMetadata(w: ProtoWriter, m: SummaryMetadata, path: string): void {
  const p = m.pluginData;
  if (p !== undefined) {
    message(w, 1, () => {
      string(w, 1, p.pluginName, `${path}.plugin_data.plugin_name`);
      bytes(w, 2, p.content, `${path}.plugin_data.content`);
    });
  }
  string(w, 2, m.displayName, `${path}.display_name`);
  string(w, 3, m.summaryDescription, `${path}.summary_description`);
  int32(w, 4, m.dataClass, `${path}.data_class`);
}

function writeValue(w: ProtoWriter, v: SummaryValue, path: string): void {
  oneof(v, VALUE_ONEOF, path);
  string(w, 1, v.tag, `${path}.tag`);
  if (v.simpleValue !== undefined) {
    if (typeof v.simpleValue !== 'number') bad('number', `${path}.simple_value`, v.simpleValue);
    w.tag(2, WireType.Bit32).float(v.simpleValue);
  }
  bytes(w, 3, v.obsoleteOldStyleHistogram, `${path}.obsolete_old_style_histogram`, true);
  const img = v.image;
  if (img !== undefined) {
    message(w, 4, () => {
      int32(w, 1, img.height, `${path}.image.height`);
      int32(w, 2, img.width, `${path}.image.width`);
      int32(w, 3, img.colorspace, `${path}.image.colorspace`);
      bytes(w, 4, img.encodedImageString, `${path}.image.encoded_image_string`);
    });
  }
  if (v.histo !== undefined) message(w, 5, () => writeHisto(w, v.histo!, `${path}.histo`));
  const a = v.audio;
  if (a !== undefined) {
    message(w, 6, () => {
      if (nonDefaultNumber(a.sampleRate)) w.tag(1, WireType.Bit32).float(a.sampleRate);
      int64(w, 2, a.numChannels, `${path}.audio.num_channels`);
      int64(w, 3, a.lengthFrames, `${path}.audio.length_frames`);
      bytes(w, 4, a.encodedAudioString, `${path}.audio.encoded_audio_string`);
      string(w, 5, a.contentType, `${path}.audio.content_type`);
    });
  }
  string(w, 7, v.nodeName, `${path}.node_name`);
  if (v.tensor !== undefined) message(w, 8, () => writeTensor(w, v.tensor!, `${path}.tensor`));
  if (v.metadata !== undefined) message(w, 9, () => writeMetadata(w, v.metadata!, `${path}.metadata`));
}

function writeSummary(w: ProtoWriter, s: Summary): void {
  const values = s.value ?? [];
  for (let i = 0; i < values.length; i++) message(w, 1, () => writeValue(w, values[i]!, `summary.value[${i}]`));
}

/**
 * Appends the serialized `event` to `w`.
 * @throws TFRecordError INVALID_ARGUMENT naming the field at fault (a wrong type, an
 *   out-of-range int, or two members of one oneof set).
 */
export function encodeEventInto(w: ProtoWriter, event: Event): void {
  if (typeof event !== 'object' || event === null) bad('Event object', 'event', event);
  oneof(event, EVENT_WHAT, 'event');
  double(w, 1, event.wallTime, 'wall_time');
  int64(w, 2, event.step, 'step');
  if (event.fileVersion !== undefined) w.tag(3, LD).string(event.fileVersion);
  bytes(w, 4, event.graphDef, 'graph_def', true);
  if (event.summary !== undefined) message(w, 5, () => writeSummary(w, event.summary!));
  const log = event.logMessage;
  if (log !== undefined) {
    message(w, 6, () => {
      int32(w, 1, log.level, 'log_message.level');
      string(w, 2, log.message, 'log_message.message');
    });
  }
  const session = event.sessionLog;
  if (session !== undefined) {
    message(w, 7, () => {
      int32(w, 1, session.status, 'session_log.status');
      string(w, 2, session.checkpointPath, 'session_log.checkpoint_path');
      string(w, 3, session.msg, 'session_log.msg');
    });
  }
  const run = event.taggedRunMetadata;
  if (run !== undefined) {
    message(w, 8, () => {
      string(w, 1, run.tag, 'tagged_run_metadata.tag');
      bytes(w, 2, run.runMetadata, 'tagged_run_metadata.run_metadata');
    });
  }
  bytes(w, 9, event.metaGraphDef, 'meta_graph_def', true);
  const source = event.sourceMetadata;
  if (source !== undefined) message(w, 10, () => string(w, 1, source.writer, 'source_metadata.writer'));
}

/** Serializes one `tensorflow.Event` (a new buffer). Throws as {@link encodeEventInto}. */
export function encodeEvent(event: Event): Uint8Array {
  const w = new ProtoWriter(256);
  encodeEventInto(w, event);
  return w.finish().slice();
}
