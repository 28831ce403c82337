/**
 * `tensorflow.Event` as one line of JSON, byte-for-byte what TensorBoard's Python
 * protobuf classes print with `json.dumps(MessageToDict(event,
 * preserving_proto_field_name=True), sort_keys=True)`: proto field names, int64
 * as decimal strings, bytes as padded base64, enums by name (unknown numbers as
 * numbers), NaN and infinities as strings, proto3 defaults left out
 * (https://protobuf.dev/programming-guides/json/). See shared/data/tfevents/README.md.
 */
import { bytesToBase64 } from '../example/base64.js';
import { jsonDouble, jsonFloat, pyJsonList, pyJsonObject, pyJsonString } from './pyjson.js';
import {
  DATA_CLASS_NAMES,
  DATA_TYPE_NAMES,
  LOG_LEVEL_NAMES,
  SESSION_STATUS_NAMES,
  type Event,
  type HistogramProto,
  type SummaryMetadata,
  type SummaryValue,
  type TensorProto,
  type TensorShape,
} from './types.js';

type Pairs = [string, string][];

function str(p: Pairs, k: string, v: string | undefined): void {
  if (v !== undefined) p.push([k, pyJsonString(v)]);
}
function b64(p: Pairs, k: string, v: Uint8Array | undefined): void {
  if (v !== undefined) p.push([k, `"${bytesToBase64(v)}"`]);
}
function int(p: Pairs, k: string, v: number | undefined): void {
  if (v !== undefined) p.push([k, String(v)]);
}
function int64(p: Pairs, k: string, v: bigint | undefined): void {
  if (v !== undefined) p.push([k, `"${v}"`]);
}
function dbl(p: Pairs, k: string, v: number | undefined): void {
  if (v !== undefined) p.push([k, jsonDouble(v)]);
}
function enumName(p: Pairs, k: string, v: number | undefined, names: ReadonlyMap<number, string>): void {
  if (v === undefined) return;
  const name = names.get(v);
  p.push([k, name === undefined ? String(v) : `"${name}"`]);
}
function list<T>(p: Pairs, k: string, v: ArrayLike<T> | undefined, f: (x: T) => string): void {
  if (v === undefined || v.length === 0) return;
  const items = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) items[i] = f(v[i]!);
  p.push([k, pyJsonList(items)]);
}

const quoted = (x: bigint): string => `"${x}"`;
const b64Item = (x: Uint8Array): string => `"${bytesToBase64(x)}"`;

function shapeJSON(s: TensorShape): string {
  const p: Pairs = [];
  list(p, 'dim', s.dim, (d) => {
    const q: Pairs = [];
    str(q, 'name', d.name);
    int64(q, 'size', d.size);
    return pyJsonObject(q);
  });
  if (s.unknownRank === true) p.push(['unknown_rank', 'true']);
  return pyJsonObject(p);
}

function tensorJSON(t: TensorProto): string {
  const p: Pairs = [];
  list(p, 'bool_val', t.boolVal, (x) => (x ? 'true' : 'false'));
  list(p, 'dcomplex_val', t.dcomplexVal, jsonDouble);
  list(p, 'double_val', t.doubleVal, jsonDouble);
  enumName(p, 'dtype', t.dtype, DATA_TYPE_NAMES);
  b64(p, 'float8_val', t.float8Val);
  list(p, 'float_val', t.floatVal, jsonFloat);
  list(p, 'half_val', t.halfVal, String);
  list(p, 'int64_val', t.int64Val, quoted);
  list(p, 'int_val', t.intVal, String);
  list(p, 'scomplex_val', t.scomplexVal, jsonFloat);
  list(p, 'string_val', t.stringVal, b64Item);
  b64(p, 'tensor_content', t.tensorContent);
  if (t.tensorShape !== undefined) p.push(['tensor_shape', shapeJSON(t.tensorShape)]);
  list(p, 'uint32_val', t.uint32Val, String);
  list(p, 'uint64_val', t.uint64Val, quoted);
  int(p, 'version_number', t.versionNumber);
  return pyJsonObject(p);
}

function histoJSON(h: HistogramProto): string {
  const p: Pairs = [];
  list(p, 'bucket', h.bucket, jsonDouble);
  list(p, 'bucket_limit', h.bucketLimit, jsonDouble);
  dbl(p, 'max', h.max);
  dbl(p, 'min', h.min);
  dbl(p, 'num', h.num);
  dbl(p, 'sum', h.sum);
  dbl(p, 'sum_squares', h.sumSquares);
  return pyJsonObject(p);
}

function metadataJSON(m: SummaryMetadata): string {
  const p: Pairs = [];
  enumName(p, 'data_class', m.dataClass, DATA_CLASS_NAMES);
  str(p, 'display_name', m.displayName);
  if (m.pluginData !== undefined) {
    const q: Pairs = [];
    b64(q, 'content', m.pluginData.content);
    str(q, 'plugin_name', m.pluginData.pluginName);
    p.push(['plugin_data', pyJsonObject(q)]);
  }
  str(p, 'summary_description', m.summaryDescription);
  return pyJsonObject(p);
}

function valueJSON(v: SummaryValue): string {
  const p: Pairs = [];
  const a = v.audio;
  if (a !== undefined) {
    const q: Pairs = [];
    str(q, 'content_type', a.contentType);
    b64(q, 'encoded_audio_string', a.encodedAudioString);
    int64(q, 'length_frames', a.lengthFrames);
    int64(q, 'num_channels', a.numChannels);
    if (a.sampleRate !== undefined) q.push(['sample_rate', jsonFloat(a.sampleRate)]);
    p.push(['audio', pyJsonObject(q)]);
  }
  if (v.histo !== undefined) p.push(['histo', histoJSON(v.histo)]);
  const img = v.image;
  if (img !== undefined) {
    const q: Pairs = [];
    int(q, 'colorspace', img.colorspace);
    b64(q, 'encoded_image_string', img.encodedImageString);
    int(q, 'height', img.height);
    int(q, 'width', img.width);
    p.push(['image', pyJsonObject(q)]);
  }
  if (v.metadata !== undefined) p.push(['metadata', metadataJSON(v.metadata)]);
  str(p, 'node_name', v.nodeName);
  b64(p, 'obsolete_old_style_histogram', v.obsoleteOldStyleHistogram);
  if (v.simpleValue !== undefined) p.push(['simple_value', jsonFloat(v.simpleValue)]);
  str(p, 'tag', v.tag);
  if (v.tensor !== undefined) p.push(['tensor', tensorJSON(v.tensor)]);
  return pyJsonObject(p);
}

/**
 * One Event as one line of JSON (no trailing newline), as protobuf's Python JSON
 * mapping prints it with proto field names and sorted keys.
 */
export function eventToJSONLine(event: Event): string {
  const p: Pairs = [];
  str(p, 'file_version', event.fileVersion);
  b64(p, 'graph_def', event.graphDef);
  const log = event.logMessage;
  if (log !== undefined) {
    const q: Pairs = [];
    enumName(q, 'level', log.level, LOG_LEVEL_NAMES);
    str(q, 'message', log.message);
    p.push(['log_message', pyJsonObject(q)]);
  }
  b64(p, 'meta_graph_def', event.metaGraphDef);
  const s = event.sessionLog;
  if (s !== undefined) {
    const q: Pairs = [];
    str(q, 'checkpoint_path', s.checkpointPath);
    str(q, 'msg', s.msg);
    enumName(q, 'status', s.status, SESSION_STATUS_NAMES);
    p.push(['session_log', pyJsonObject(q)]);
  }
  if (event.sourceMetadata !== undefined) {
    const q: Pairs = [];
    str(q, 'writer', event.sourceMetadata.writer);
    p.push(['source_metadata', pyJsonObject(q)]);
  }
  int64(p, 'step', event.step);
  if (event.summary !== undefined) {
    const q: Pairs = [];
    list(q, 'value', event.summary.value, valueJSON);
    p.push(['summary', pyJsonObject(q)]);
  }
  const run = event.taggedRunMetadata;
  if (run !== undefined) {
    const q: Pairs = [];
    b64(q, 'run_metadata', run.runMetadata);
    str(q, 'tag', run.tag);
    p.push(['tagged_run_metadata', pyJsonObject(q)]);
  }
  dbl(p, 'wall_time', event.wallTime);
  return pyJsonObject(p);
}
