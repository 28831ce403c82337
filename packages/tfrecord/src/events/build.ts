/**
 * Builders for TensorBoard summaries, in the two forms TensorBoard reads:
 * - 'tf1': `simple_value`, `image` and `histo` (as PyTorch's SummaryWriter writes
 *   them; every TensorBoard-reading tool understands these), text as PyTorch's
 *   rank-1 string tensor;
 * - 'tf2': a `tensor` plus `metadata.plugin_data.plugin_name`, laid out as
 *   TensorBoard's own summary ops write them (tensorboard/plugins/{scalar,image,
 *   histogram,text}/summary_v2.py), which its data compat reads back.
 */
import { TFRecordError } from '../errors.js';
import { describe } from '../framing/options.js';
import { DataClass, DataType } from './types.js';
import type { Event, HistogramProto, SummaryMetadata, SummaryValue, TensorProto } from './types.js';

/** Which layout a builder writes; see the module comment. */
export type SummaryForm = 'tf1' | 'tf2';

/** The `file_version` of the first record of every event file TensorBoard writes. */
export const FILE_VERSION = 'brain.Event:2';

const utf8 = new TextEncoder();

function bad(expected: string, name: string, v: unknown): never {
  throw new TFRecordError('INVALID_ARGUMENT', `Expected ${expected} for ${name} but received ${describe(v)}`);
}

function checkForm(form: unknown): SummaryForm {
  if (form === undefined) return 'tf1';
  if (form !== 'tf1' && form !== 'tf2') bad("'tf1' or 'tf2'", 'form', form);
  return form;
}

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '') bad('non-empty string', 'tag', tag);
  return tag;
}

function metadata(plugin: string, extra: Omit<SummaryMetadata, 'pluginData'> = {}): SummaryMetadata {
  return { pluginData: { pluginName: plugin }, ...extra };
}

/** Options for {@link scalarValue}. */
export interface ScalarOptions {
  /** Default 'tf1' (`simple_value`). */
  form?: SummaryForm;
  /** 'tf2' only: `metadata.summary_description` (Markdown). */
  description?: string;
}

/**
 * A scalar (stored as float32 in both forms). 'tf2' is TensorBoard's `scalar_pb`:
 * DT_FLOAT, rank 0, `float_val: [v]`, plugin "scalars", DATA_CLASS_SCALAR.
 */
export function scalarValue(tag: string, value: number, options: ScalarOptions = {}): SummaryValue {
  checkTag(tag);
  if (typeof value !== 'number') bad('number', 'value', value);
  const form = checkForm(options.form);
  if (form === 'tf1') return { tag, simpleValue: Math.fround(value) };
  const extra: Omit<SummaryMetadata, 'pluginData'> = { dataClass: DataClass.DATA_CLASS_SCALAR };
  if (options.description !== undefined && options.description !== '') {
    extra.summaryDescription = options.description;
  }
  return {
    tag,
    tensor: { dtype: DataType.DT_FLOAT, tensorShape: {}, floatVal: Float32Array.of(value) },
    metadata: metadata('scalars', extra),
  };
}

/** Size and `colorspace` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) read from a PNG's IHDR chunk. */
export interface PngInfo {
  width: number;
  height: number;
  colorspace: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// PNG colour type -> Summary.Image colorspace; a palette image decodes to RGB.
const COLORSPACE: Record<number, number> = { 0: 1, 4: 2, 2: 3, 3: 3, 6: 4 };

/**
 * Reads width, height and colorspace from the IHDR chunk of PNG bytes.
 * @throws TFRecordError INVALID_ARGUMENT when `png` does not start with a PNG signature and IHDR.
 */
export function pngInfo(png: Uint8Array): PngInfo {
  if (!(png instanceof Uint8Array)) bad('Uint8Array', 'png', png);
  const ok =
    png.length >= 33 &&
    PNG_SIGNATURE.every((b, i) => png[i] === b) &&
    png[12] === 0x49 &&
    png[13] === 0x48 &&
    png[14] === 0x44 &&
    png[15] === 0x52;
  const colorspace = ok ? COLORSPACE[png[25]!] : undefined;
  if (colorspace === undefined) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected PNG bytes (signature, then an IHDR chunk with a known colour type) for png but received ${png.length} bytes starting ${Array.from(png.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    );
  }
  const be32 = (p: number): number => ((png[p]! << 24) | (png[p + 1]! << 16) | (png[p + 2]! << 8) | png[p + 3]!) >>> 0;
  return { width: be32(16), height: be32(20), colorspace };
}

/** Options for {@link imageValue}. */
export interface ImageOptions {
  /** Default 'tf1' (`Summary.Image`). */
  form?: SummaryForm;
  /** 'tf2' only: `metadata.summary_description`. */
  description?: string;
}

/**
 * An encoded PNG image; size and colorspace come from its IHDR chunk. 'tf2' is
 * TensorBoard's image summary: DT_STRING `[width, height, png]` (shape [3]),
 * plugin "images", DATA_CLASS_BLOB_SEQUENCE.
 */
export function imageValue(tag: string, png: Uint8Array, options: ImageOptions = {}): SummaryValue {
  checkTag(tag);
  const info = pngInfo(png);
  const form = checkForm(options.form);
  if (form === 'tf1') {
    return {
      tag,
      image: { height: info.height, width: info.width, colorspace: info.colorspace, encodedImageString: png },
    };
  }
  const extra: Omit<SummaryMetadata, 'pluginData'> = { dataClass: DataClass.DATA_CLASS_BLOB_SEQUENCE };
  if (options.description !== undefined && options.description !== '') {
    extra.summaryDescription = options.description;
  }
  return {
    tag,
    tensor: {
      dtype: DataType.DT_STRING,
      tensorShape: { dim: [{ size: 3n }] },
      stringVal: [utf8.encode(String(info.width)), utf8.encode(String(info.height)), png],
    },
    metadata: metadata('images', extra),
  };
}

/** Options for {@link textValue}. */
export interface TextOptions {
  /** 'tf1' (default): PyTorch's `add_text`, shape [1]; 'tf2': TensorBoard's `text_pb`, rank 0. */
  form?: SummaryForm;
}

/** A text (Markdown) summary: a DT_STRING tensor holding the UTF-8 text, plugin "text". */
export function textValue(tag: string, text: string, options: TextOptions = {}): SummaryValue {
  checkTag(tag);
  if (typeof text !== 'string') bad('string', 'text', text);
  const form = checkForm(options.form);
  const tensor: TensorProto = {
    dtype: DataType.DT_STRING,
    tensorShape: form === 'tf1' ? { dim: [{ size: 1n }] } : {},
    stringVal: [utf8.encode(text)],
  };
  return { tag, tensor, metadata: metadata('text') };
}

/** Edges of TensorBoard's default histogram buckets as PyTorch uses them: 0 and ±1e-12·1.1^k below 1e20. */
let defaultEdges: Float64Array | undefined;
function tfDefaultEdges(): Float64Array {
  if (defaultEdges !== undefined) return defaultEdges;
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  const edges = new Float64Array(2 * pos.length + 1);
  for (let i = 0; i < pos.length; i++) {
    edges[pos.length - 1 - i] = -pos[i]!;
    edges[pos.length + 1 + i] = pos[i]!;
  }
  defaultEdges = edges;
  return edges;
}

/** Index of the first element of sorted `a` greater than `x` (numpy `searchsorted(side='right')`). */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkValues(values: ArrayLike<number>): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    bad('array of numbers', 'values', values);
  }
  if (values.length === 0) {
    throw new TFRecordError('INVALID_ARGUMENT', 'Expected at least one value for values but received 0 values');
  }
}

/**
 * A TF1 `HistogramProto` of `values` with TensorBoard's default exponential buckets,
 * cut to the occupied range as PyTorch's `make_histogram(bins='tensorflow')` does:
 * `bucket_limit[i]` is the right edge of bucket i, and bucket 0 is the empty bucket
 * below the first occupied one. Values beyond ±1e20 (and NaN) are not counted.
 * @throws TFRecordError INVALID_ARGUMENT when `values` is empty or none falls in a bucket.
 */
export function tfHistogram(values: ArrayLike<number>): HistogramProto {
  checkValues(values);
  const edges = tfDefaultEdges();
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  const last = edges[bins]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
    // Bins are [e_i, e_i+1), the last one closed, as numpy.histogram counts them.
    if (v >= edges[0]! && v < last) counts[upperBound(edges, v) - 1]!++;
    else if (v === last) counts[bins - 1]!++;
  }
  let start = -1;
  let end = -1;
  for (let i = 0; i < bins; i++) {
    if (counts[i]! > 0) {
      if (start < 0) start = i;
      end = i;
    }
  }
  if (start < 0) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected at least one finite value within ±1e20 for values but received ${values.length} values, none of them`,
    );
  }
  end += 1;
  const bucket = start > 0 ? counts.slice(start - 1, end) : Float64Array.of(0, ...counts.subarray(0, end));
  const bucketLimit = edges.slice(start, end + 1);
  return { min, max, num: values.length, sum, sumSquares, bucketLimit, bucket };
}

/**
 * TensorBoard's TF2 histogram buckets of `values` (`histogram_pb`): `bucketCount`
 * equal-width buckets from min to max, as rows `[left, right, count]` (row-major,
 * length 3·bucketCount); all values equal put them in the last bucket of zero width.
 */
export function tensorboardHistogramBuckets(values: ArrayLike<number>, bucketCount = 30): Float64Array {
  checkValues(values);
  if (!Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > 1_000_000) {
    bad('integer between 1 and 1000000', 'bucketCount', bucketCount);
  }
  const k = bucketCount;
  const out = new Float64Array(3 * k);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  if (range === 0) {
    for (let i = 0; i < k; i++) {
      out[3 * i] = min;
      out[3 * i + 1] = min;
    }
    out[3 * k - 1] = values.length;
    return out;
  }
  const width = range / k;
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(Math.floor((values[i]! - min) / width), k - 1);
    out[3 * b + 2]!++;
  }
  // numpy.linspace(min, max, k + 1): i * step + min, the last edge exactly max.
  const step = range / k;
  for (let i = 0; i < k; i++) {
    out[3 * i] = i * step + min;
    out[3 * i + 1] = i + 1 === k ? max : (i + 1) * step + min;
  }
  return out;
}

/** Options for {@link histogramValue}. */
export interface HistogramOptions {
  /** Default 'tf1' (`histo`, TensorBoard's default exponential buckets). */
  form?: SummaryForm;
  /** 'tf2' only: the number of equal-width buckets; default 30 (TensorBoard's default). */
  buckets?: number;
  /** 'tf2' only: `metadata.summary_description`. */
  description?: string;
}

/**
 * A histogram of `values`: 'tf1' is {@link tfHistogram}; 'tf2' is a DT_DOUBLE
 * tensor of shape [buckets, 3] in `tensor_content` ({@link tensorboardHistogramBuckets}),
 * plugin "histograms".
 */
export function histogramValue(tag: string, values: ArrayLike<number>, options: HistogramOptions = {}): SummaryValue {
  checkTag(tag);
  const form = checkForm(options.form);
  if (form === 'tf1') return { tag, histo: tfHistogram(values) };
  const rows = tensorboardHistogramBuckets(values, options.buckets ?? 30);
  const content = new Uint8Array(rows.length * 8);
  const view = new DataView(content.buffer);
  for (let i = 0; i < rows.length; i++) view.setFloat64(8 * i, rows[i]!, true);
  const extra: Omit<SummaryMetadata, 'pluginData'> = {};
  if (options.description !== undefined && options.description !== '') {
    extra.summaryDescription = options.description;
  }
  return {
    tag,
    tensor: {
      dtype: DataType.DT_DOUBLE,
      tensorShape: { dim: [{ size: BigInt(rows.length / 3) }, { size: 3n }] },
      tensorContent: content,
    },
    metadata: metadata('histograms', extra),
  };
}

/** When an event happened: `step` (integer, default 0) and `wallTime` (seconds, default now). */
export interface EventTime {
  step?: number | bigint;
  wallTime?: number;
}

function checkTime(time: EventTime): { step: bigint; wallTime: number } {
  const { step = 0, wallTime = Date.now() / 1000 } = time;
  let s: bigint;
  if (typeof step === 'bigint') s = step;
  else if (typeof step === 'number' && Number.isSafeInteger(step)) s = BigInt(step);
  else return bad('safe integer or bigint', 'step', step);
  if (s < -(2n ** 63n) || s >= 2n ** 63n) bad('int64', 'step', step);
  if (typeof wallTime !== 'number' || !Number.isFinite(wallTime)) bad('finite number of seconds', 'wallTime', wallTime);
  return { step: s, wallTime };
}

/** An Event holding one Summary of `values` at `time`. */
export function summaryEvent(values: SummaryValue | readonly SummaryValue[], time: EventTime = {}): Event {
  const { step, wallTime } = checkTime(time);
  const value = Array.isArray(values) ? [...values] : [values as SummaryValue];
  const event: Event = { wallTime, summary: { value } };
  if (step !== 0n) event.step = step;
  return event;
}

/**
 * The first Event of a file: `file_version` {@link FILE_VERSION} and the writer's
 * name in `source_metadata` (default "tensorboard.summary.writer.event_file_writer",
 * as TensorBoard's and PyTorch's writers put it); `wallTime` in seconds, default now.
 */
export function fileVersionEvent(options: { wallTime?: number; writer?: string } = {}): Event {
  const { wallTime } = checkTime({ ...(options.wallTime === undefined ? {} : { wallTime: options.wallTime }) });
  const writer = options.writer ?? 'tensorboard.summary.writer.event_file_writer';
  return { wallTime, fileVersion: FILE_VERSION, sourceMetadata: { writer } };
}
