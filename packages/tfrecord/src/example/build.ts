/**
 * Ergonomic construction of Examples from plain values, guessing each feature's
 * kind: integers and bigints -> int64, other numbers -> float, strings (UTF-8)
 * and Uint8Arrays -> bytes. `int64List`, `floatList` and `bytesList` state the
 * kind when the guess would be wrong (e.g. a float feature whose values happen
 * to be whole numbers).
 */
import { TFRecordError } from '../errors.js';
import type { BytesFeature, Example, Feature, Features, FloatFeature, Int64Feature, SequenceExample } from './types.js';

/** Integer typed arrays accepted as int64 lists (Uint8Array is bytes, not integers). */
export type IntegerTypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** What {@link buildExample} accepts for one feature. */
export type FeatureInput =
  | Feature
  | number
  | bigint
  | string
  | Uint8Array
  | Float32Array
  | Float64Array
  | IntegerTypedArray
  | readonly number[]
  | readonly bigint[]
  | readonly (number | bigint)[]
  | readonly string[]
  | readonly Uint8Array[]
  | readonly (string | Uint8Array)[];

const encoder = new TextEncoder();
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function describe(v: unknown): string {
  if (v === null) return 'null of type object';
  if (typeof v === 'object') {
    if (Array.isArray(v)) return `${v.length === 0 ? '[]' : 'an array'} of type object`;
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return `${typeof name === 'string' && name !== 'Object' ? `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}` : 'an object'} of type object`;
  }
  if (typeof v === 'string') return `${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)} of type string`;
  if (typeof v === 'function') return 'a function of type function';
  return `${String(v)} of type ${typeof v}`;
}

function invalid(expected: string, where: string, v: unknown): never {
  throw new TFRecordError('INVALID_ARGUMENT', `Expected ${expected} for ${where} but received ${describe(v)}`);
}

function elementName(where: string, i: number): string {
  return `${where} element ${i}`;
}

function toInt64(v: unknown, where: string): bigint {
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) invalid(`integer between ${INT64_MIN} and ${INT64_MAX}`, where, v);
    return v;
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) invalid('safe integer', where, v);
    return BigInt(v);
  }
  return invalid('number or bigint', where, v);
}

function int64From(values: Iterable<unknown> | ArrayLike<unknown>, where: string): BigInt64Array {
  if (values instanceof BigInt64Array) return values;
  const list = toArray(values, where);
  const out = new BigInt64Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    // Small integers skip the range checks of toInt64.
    out[i] = typeof v === 'number' && (v | 0) === v ? BigInt(v) : toInt64(v, elementName(where, i));
  }
  return out;
}

function floatFrom(values: Iterable<unknown> | ArrayLike<unknown>, where: string): Float32Array {
  if (values instanceof Float32Array) return values;
  const list = toArray(values, where);
  const out = new Float32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number') invalid('number', elementName(where, i), v);
    out[i] = v;
  }
  return out;
}

function bytesFrom(values: Iterable<unknown> | ArrayLike<unknown>, where: string): Uint8Array[] {
  const list = toArray(values, where);
  const out = new Array<Uint8Array>(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v === 'string') out[i] = encoder.encode(v);
    else if (v instanceof Uint8Array) out[i] = v;
    else invalid('string or Uint8Array', elementName(where, i), v);
  }
  return out;
}

function toArray(values: Iterable<unknown> | ArrayLike<unknown>, where: string): ArrayLike<unknown> {
  if (Array.isArray(values) || ArrayBuffer.isView(values)) return values as ArrayLike<unknown>;
  if (values !== null && typeof values === 'object' && Symbol.iterator in values)
    return Array.from(values as Iterable<unknown>);
  return invalid('array or iterable', where, values);
}

/** An int64 list feature from numbers (safe integers) or bigints (int64 range). */
export function int64List(
  values: Iterable<number | bigint> | ArrayLike<number | bigint> | BigInt64Array,
): Int64Feature {
  return { kind: 'int64', values: int64From(values, 'int64List') };
}

/** A float list feature (values rounded to float32; NaN and infinities allowed). */
export function floatList(values: Iterable<number> | ArrayLike<number> | Float32Array): FloatFeature {
  return { kind: 'float', values: floatFrom(values, 'floatList') };
}

/** A bytes list feature; strings are encoded as UTF-8. */
export function bytesList(values: Iterable<string | Uint8Array> | ArrayLike<string | Uint8Array>): BytesFeature {
  return { kind: 'bytes', values: bytesFrom(values, 'bytesList') };
}

const KINDS = new Set(['int64', 'float', 'bytes', 'none']);

function isFeatureLike(v: object): v is Feature {
  return 'kind' in v && typeof v.kind === 'string' && KINDS.has(v.kind);
}

/** Checks a ready-made Feature so a malformed one fails here rather than at encoding. */
function checkFeature(f: Feature, where: string): Feature {
  const values = (f as { values?: unknown }).values;
  switch (f.kind) {
    case 'int64':
      if (!(values instanceof BigInt64Array)) invalid('BigInt64Array values', where, values);
      return f;
    case 'float':
      if (!(values instanceof Float32Array)) invalid('Float32Array values', where, values);
      return f;
    case 'bytes':
      if (!Array.isArray(values)) invalid('array of Uint8Array values', where, values);
      for (let i = 0; i < values.length; i++) {
        if (!(values[i] instanceof Uint8Array)) invalid('Uint8Array', elementName(where, i), values[i]);
      }
      return f;
    default:
      return f;
  }
}

const EXPECTED = 'number, bigint, string, Uint8Array, array or typed array of them, or Feature';

/**
 * The Feature for one plain value, guessing its kind (see {@link buildExample}).
 * @param name feature name, for error messages.
 * @throws TFRecordError INVALID_ARGUMENT naming the feature.
 */
export function toFeature(value: FeatureInput, name: string): Feature {
  return featureFrom(value, `feature '${name}'`);
}

function featureFrom(value: FeatureInput, where: string): Feature {
  const v: unknown = value;
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v)
        ? { kind: 'int64', values: BigInt64Array.of(toInt64(v, where)) }
        : { kind: 'float', values: Float32Array.of(v) };
    case 'bigint':
      return { kind: 'int64', values: BigInt64Array.of(toInt64(v, where)) };
    case 'string':
      return { kind: 'bytes', values: [encoder.encode(v)] };
    case 'object':
      break;
    default:
      return invalid(EXPECTED, where, v);
  }
  if (v === null) return invalid(EXPECTED, where, v);
  if (v instanceof Uint8Array) return { kind: 'bytes', values: [v] };
  if (v instanceof Float32Array || v instanceof Float64Array) return { kind: 'float', values: floatFrom(v, where) };
  if (
    v instanceof Int8Array ||
    v instanceof Int16Array ||
    v instanceof Int32Array ||
    v instanceof Uint16Array ||
    v instanceof Uint32Array ||
    v instanceof BigInt64Array ||
    v instanceof BigUint64Array
  ) {
    return { kind: 'int64', values: int64From(v, where) };
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      return invalid('non-empty array (use int64List([]), floatList([]) or bytesList([]) for an empty list)', where, v);
    }
    const first: unknown = v[0];
    if (typeof first === 'string' || first instanceof Uint8Array) return { kind: 'bytes', values: bytesFrom(v, where) };
    if (typeof first === 'number' || typeof first === 'bigint') {
      let float = false;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number') {
          if (!Number.isInteger(x)) float = true;
        } else if (typeof x !== 'bigint') invalid('number or bigint', elementName(where, i), x);
      }
      if (!float) return { kind: 'int64', values: int64From(v, where) };
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'number')
          invalid('number (the list holds non-integers, so it is a float list)', elementName(where, i), v[i]);
      }
      return { kind: 'float', values: floatFrom(v, where) };
    }
    return invalid('number, bigint, string or Uint8Array', elementName(where, 0), first);
  }
  if (isFeatureLike(v)) return checkFeature(v, where);
  return invalid(EXPECTED, where, v);
}

/**
 * Builds an Example from plain values, e.g.
 * `buildExample({ label: 3, shape: new Uint8Array(12), x: [0.5, 1.5], name: 'cat', ids: [1n, 2n] })`.
 * Numbers that are all integers become int64 (they must be safe integers), any
 * non-integer makes a float list; Float32Array/Float64Array are floats; integer
 * typed arrays are int64; strings (UTF-8) and Uint8Arrays are bytes.
 * @throws TFRecordError INVALID_ARGUMENT naming the feature whose value is unsupported.
 */
export function buildExample(values: Readonly<Record<string, FeatureInput>>): Example {
  return { features: buildFeatures(values, 'buildExample') };
}

function buildFeatures(values: Readonly<Record<string, FeatureInput>> | undefined, what: string): Features {
  const out = Object.create(null) as Features;
  if (values === undefined) return out;
  if (values === null || typeof values !== 'object' || Array.isArray(values))
    invalid('object of features', what, values);
  for (const key of Object.keys(values)) out[key] = toFeature(values[key]!, key);
  return out;
}

/**
 * Builds a SequenceExample: `context` as in {@link buildExample}, and each
 * feature list as an array of per-step values, each guessed like a feature.
 * @throws TFRecordError INVALID_ARGUMENT naming the feature (and step) at fault.
 */
export function buildSequenceExample(input: {
  context?: Readonly<Record<string, FeatureInput>>;
  featureLists?: Readonly<Record<string, readonly FeatureInput[]>>;
}): SequenceExample {
  if (input === null || typeof input !== 'object')
    invalid('object with context and featureLists', 'buildSequenceExample', input);
  const featureLists = Object.create(null) as Record<string, Feature[]>;
  const lists = input.featureLists;
  if (lists !== undefined) {
    if (lists === null || typeof lists !== 'object' || Array.isArray(lists))
      invalid('object of feature lists', 'buildSequenceExample featureLists', lists);
    for (const key of Object.keys(lists)) {
      const steps: unknown = lists[key];
      if (!Array.isArray(steps)) invalid('array of steps', `feature list '${key}'`, steps);
      featureLists[key] = steps.map((s: FeatureInput, i: number) => featureFrom(s, `feature list '${key}' step ${i}`));
    }
  }
  return { context: buildFeatures(input.context, 'buildSequenceExample context'), featureLists };
}
