/**
 * Scalars of event files in both forms TensorBoard shows as scalars: TF1
 * `simple_value`, and TF2 one-element numeric tensors of plugin "scalars" (or,
 * with no plugin named, rank-0 numeric tensors).
 */
import { TFRecordError } from '../errors.js';
import { int64ToNumber } from '../example/int64.js';
import { describe } from '../framing/options.js';
import { decodeEvent } from './decode.js';
import { DataType } from './types.js';
import type { Event, SummaryValue, TensorProto } from './types.js';

/** One scalar point: `wallTime` in seconds, `step` and `value` as numbers. */
export interface ScalarPoint {
  tag: string;
  step: number;
  wallTime: number;
  value: number;
}

const scratch = new DataView(new ArrayBuffer(4));

function half(bits: number): number {
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function bfloat16(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}

/** Element 0 of `content` read as `dtype`, or undefined when there are not enough bytes or the dtype is not numeric. */
function fromContent(dtype: number, c: Uint8Array): number | undefined {
  const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
  const need = (n: number): boolean => c.length >= n;
  switch (dtype) {
    case DataType.DT_FLOAT:
      return need(4) ? v.getFloat32(0, true) : undefined;
    case DataType.DT_DOUBLE:
      return need(8) ? v.getFloat64(0, true) : undefined;
    case DataType.DT_INT32:
      return need(4) ? v.getInt32(0, true) : undefined;
    case DataType.DT_UINT32:
      return need(4) ? v.getUint32(0, true) : undefined;
    case DataType.DT_INT16:
      return need(2) ? v.getInt16(0, true) : undefined;
    case DataType.DT_UINT16:
      return need(2) ? v.getUint16(0, true) : undefined;
    case DataType.DT_INT8:
      return need(1) ? v.getInt8(0) : undefined;
    case DataType.DT_UINT8:
      return need(1) ? v.getUint8(0) : undefined;
    case DataType.DT_INT64:
      return need(8) ? Number(v.getBigInt64(0, true)) : undefined;
    case DataType.DT_UINT64:
      return need(8) ? Number(v.getBigUint64(0, true)) : undefined;
    case DataType.DT_HALF:
      return need(2) ? half(v.getUint16(0, true)) : undefined;
    case DataType.DT_BFLOAT16:
      return need(2) ? bfloat16(v.getUint16(0, true)) : undefined;
    default:
      return undefined;
  }
}

/** Bytes per element of the numeric dtypes, by DataType number. */
const ELEMENT_BYTES: Record<number, number> = {
  [DataType.DT_FLOAT]: 4,
  [DataType.DT_DOUBLE]: 8,
  [DataType.DT_INT32]: 4,
  [DataType.DT_UINT32]: 4,
  [DataType.DT_INT16]: 2,
  [DataType.DT_UINT16]: 2,
  [DataType.DT_INT8]: 1,
  [DataType.DT_UINT8]: 1,
  [DataType.DT_INT64]: 8,
  [DataType.DT_UINT64]: 8,
  [DataType.DT_HALF]: 2,
  [DataType.DT_BFLOAT16]: 2,
};

/** Number of elements of the tensor's shape (1 for rank 0), or -1 when the shape is absent or unknown. */
function elements(t: TensorProto): number {
  const s = t.tensorShape;
  if (s === undefined || s.unknownRank === true) return -1;
  let n = 1;
  for (const d of s.dim ?? []) n *= Number(d.size ?? 0n);
  return n;
}

/**
 * The value of a one-element numeric tensor (float, double, the int types, half,
 * bfloat16), from `tensor_content` or the dtype's `*_val` list; undefined for any
 * other tensor. A tensor with no shape counts when it holds exactly one value.
 */
export function tensorScalar(t: TensorProto): number | undefined {
  const n = elements(t);
  if (n !== 1 && n !== -1) return undefined;
  if (n === -1 && t.tensorShape?.unknownRank === true) return undefined;
  const dtype = t.dtype ?? 0;
  if (t.tensorContent !== undefined) {
    // With no shape, only content of exactly one element counts.
    if (n === -1 && t.tensorContent.length !== ELEMENT_BYTES[dtype]) return undefined;
    return fromContent(dtype, t.tensorContent);
  }
  const one = <T>(a: ArrayLike<T> | undefined): T | undefined => (a !== undefined && a.length === 1 ? a[0] : undefined);
  switch (dtype) {
    case DataType.DT_FLOAT:
      return one(t.floatVal);
    case DataType.DT_DOUBLE:
      return one(t.doubleVal);
    case DataType.DT_INT32:
    case DataType.DT_INT16:
    case DataType.DT_INT8:
    case DataType.DT_UINT8:
    case DataType.DT_UINT16:
      return one(t.intVal);
    case DataType.DT_UINT32:
      return one(t.uint32Val);
    case DataType.DT_INT64: {
      const v = one(t.int64Val);
      return v === undefined ? undefined : Number(v);
    }
    case DataType.DT_UINT64: {
      const v = one(t.uint64Val);
      return v === undefined ? undefined : Number(v);
    }
    case DataType.DT_HALF: {
      const v = one(t.halfVal);
      return v === undefined ? undefined : half(v);
    }
    case DataType.DT_BFLOAT16: {
      const v = one(t.halfVal);
      return v === undefined ? undefined : bfloat16(v);
    }
    default:
      return undefined;
  }
}

/**
 * Scalar extraction over the events of one run. Writers may put a tag's plugin
 * metadata on its first value only (TensorFlow's do), so the plugin named for a
 * tag is remembered for the tag's later values, as TensorBoard does per run.
 */
export class ScalarExtractor {
  private readonly plugins = new Map<string, string>();

  /** The scalar `v` holds, or undefined. */
  private valueOf(v: SummaryValue): number | undefined {
    const tag = v.tag ?? '';
    const named = v.metadata?.pluginData?.pluginName;
    if (named !== undefined && !this.plugins.has(tag)) this.plugins.set(tag, named);
    if (v.simpleValue !== undefined) return v.simpleValue;
    const t = v.tensor;
    if (t === undefined) return undefined;
    const plugin = named ?? this.plugins.get(tag);
    if (plugin === 'scalars') return tensorScalar(t);
    // No plugin named: a rank-0 numeric tensor is a scalar.
    if (plugin === undefined && t.tensorShape !== undefined && (t.tensorShape.dim ?? []).length === 0) {
      return tensorScalar(t);
    }
    return undefined;
  }

  /**
   * The scalars of one Event, in value order (none for non-summary events).
   * @throws TFRecordError INVALID_ARGUMENT when the step is beyond ±(2^53 - 1).
   */
  scalars(event: Event): ScalarPoint[] {
    const values = event.summary?.value;
    if (values === undefined) return [];
    const out: ScalarPoint[] = [];
    let step: number | undefined;
    for (const v of values) {
      const value = this.valueOf(v);
      if (value === undefined) continue;
      step ??= int64ToNumber(event.step ?? 0n, 'step');
      out.push({ tag: v.tag ?? '', step, wallTime: event.wallTime ?? 0, value });
    }
    return out;
  }
}

/**
 * Every scalar of one run's event records (serialized Events, e.g. the records
 * of an event file in order), in record order.
 * @throws TFRecordError INVALID_PROTO for a record that is not an Event, with
 *   `record` set to its zero-based index.
 */
export async function* extractScalars(
  records: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<ScalarPoint, void, undefined> {
  if (records === null || typeof records !== 'object') {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected AsyncIterable<Uint8Array> or Iterable<Uint8Array> for records but received ${describe(records)}`,
    );
  }
  const x = new ScalarExtractor();
  let i = 0;
  for await (const record of records) {
    let event: Event;
    try {
      event = decodeEvent(record);
    } catch (e) {
      if (e instanceof TFRecordError && e.code === 'INVALID_PROTO') {
        throw new TFRecordError('INVALID_PROTO', `record ${i}: ${e.message}`, { record: i, cause: e });
      }
      throw e;
    }
    yield* x.scalars(event);
    i++;
  }
}
