/**
 * The canonical JSON form of Examples used by the golden files
 * (shared/data/README.md): `{"features": {NAME: FEATURE}}`,
 * `{"context": {...}, "feature_lists": {NAME: [FEATURE, ...]}}`, where FEATURE is
 * `{"int64": ["-3", "7"]}` (exact decimal strings), `{"float": [0.5]}` (float32
 * widened to float64), `{"bytes_b64": ["..."]}` (standard base64) or `{}` (no kind).
 * Map keys are written in Unicode code point order, like Python's `sort_keys`,
 * so `JSON.stringify` output is stable whatever order the record held.
 */
import { TFRecordError } from '../errors.js';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import type { Example, Feature, Features, SequenceExample } from './types.js';

/** A float in JSON: a number, or one of the strings protobuf's JSON mapping uses for non-finite values. */
export type FloatJSON = number | 'NaN' | 'Infinity' | '-Infinity';
/** JSON form of one Feature; `{}` is a Feature with no kind set. */
export type FeatureJSON =
  | { int64: string[] }
  | { float: FloatJSON[] }
  | { bytes_b64: string[] }
  | Record<string, never>;
/** JSON form of an Example. */
export interface ExampleJSON {
  features: Record<string, FeatureJSON>;
}
/** JSON form of a SequenceExample. */
export interface SequenceExampleJSON {
  context: Record<string, FeatureJSON>;
  feature_lists: Record<string, FeatureJSON[]>;
}

/** Orders strings by Unicode code point (UTF-16 order differs only for astral vs U+E000..U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after every BMP code unit.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x2000;
    else if (x >= 0xe000) x -= 0x800;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x2000;
    else if (y >= 0xe000) y -= 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** Sets an own enumerable property, also for the name `__proto__`. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function floatToJSON(v: number): FloatJSON {
  if (v === v && v !== Infinity && v !== -Infinity) return v;
  return v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** JSON form of one Feature (`-0` prints as `0`, as JSON has no negative zero). */
export function featureToJSON(feature: Feature): FeatureJSON {
  switch (feature.kind) {
    case 'int64': {
      const v = feature.values;
      const out = new Array<string>(v.length);
      for (let i = 0; i < v.length; i++) out[i] = String(v[i]);
      return { int64: out };
    }
    case 'float': {
      const v = feature.values;
      const out = new Array<FloatJSON>(v.length);
      for (let i = 0; i < v.length; i++) out[i] = floatToJSON(v[i]!);
      return { float: out };
    }
    case 'bytes':
      return { bytes_b64: feature.values.map(bytesToBase64) };
    default:
      return {};
  }
}

function featuresToJSON(features: Features): Record<string, FeatureJSON> {
  const out: Record<string, FeatureJSON> = {};
  for (const key of Object.keys(features).sort(compareCodePoints)) setOwn(out, key, featureToJSON(features[key]!));
  return out;
}

/** JSON form of an Example, keys in code point order. */
export function exampleToJSON(example: Example): ExampleJSON {
  return { features: featuresToJSON(example.features) };
}

/** JSON form of a SequenceExample, keys in code point order. */
export function sequenceExampleToJSON(se: SequenceExample): SequenceExampleJSON {
  const lists: Record<string, FeatureJSON[]> = {};
  for (const key of Object.keys(se.featureLists).sort(compareCodePoints)) {
    setOwn(lists, key, se.featureLists[key]!.map(featureToJSON));
  }
  return { context: featuresToJSON(se.context), feature_lists: lists };
}

// ---- from JSON -------------------------------------------------------------

function describe(v: unknown): string {
  if (v === null) return 'null of type object';
  if (Array.isArray(v)) return 'an array of type object';
  if (typeof v === 'object') return 'an object of type object';
  if (typeof v === 'string') return `${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)} of type string`;
  return `${String(v)} of type ${typeof v}`;
}

function fail(expected: string, path: string, v: unknown): never {
  throw new TFRecordError('INVALID_ARGUMENT', `Expected ${expected} for ${path} but received ${describe(v)}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail('array', path, v);
  return v;
}

const INT64_RE = /^-?(0|[1-9][0-9]{0,18})$/;

/** Parses one Feature from its JSON form; `path` names it in errors (default `$`). */
export function featureFromJSON(json: unknown, path = '$'): Feature {
  if (!isPlainObject(json)) fail('object with one of int64, float, bytes_b64', path, json);
  const keys = Object.keys(json);
  if (keys.length === 0) return { kind: 'none' };
  if (keys.length > 1) fail('object with only one of int64, float, bytes_b64', path, json);
  const kind = keys[0]!;
  const p = `${path}.${kind}`;
  const list = array(json[kind], p);
  switch (kind) {
    case 'int64': {
      const out = new BigInt64Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        let b: bigint | undefined;
        if (typeof v === 'string' && INT64_RE.test(v)) b = BigInt(v);
        else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
        if (b === undefined || b !== BigInt.asIntN(64, b)) fail('decimal int64 string', `${p}[${i}]`, v);
        out[i] = b;
      }
      return { kind: 'int64', values: out };
    }
    case 'float': {
      const out = new Float32Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        if (typeof v === 'number') out[i] = v;
        else if (v === 'NaN') out[i] = NaN;
        else if (v === 'Infinity') out[i] = Infinity;
        else if (v === '-Infinity') out[i] = -Infinity;
        else fail("number, 'NaN', 'Infinity' or '-Infinity'", `${p}[${i}]`, v);
      }
      return { kind: 'float', values: out };
    }
    case 'bytes_b64': {
      const out = new Array<Uint8Array>(list.length);
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        const bytes = typeof v === 'string' ? base64ToBytes(v) : undefined;
        if (bytes === undefined) fail('base64 string', `${p}[${i}]`, v);
        out[i] = bytes;
      }
      return { kind: 'bytes', values: out };
    }
    default:
      return fail('object with one of int64, float, bytes_b64', path, json);
  }
}

function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}

function featuresFromJSON(json: unknown, path: string): Features {
  const out = Object.create(null) as Features;
  if (json === undefined) return out;
  if (!isPlainObject(json)) fail('object', path, json);
  for (const key of Object.keys(json)) out[key] = featureFromJSON(json[key], keyPath(path, key));
  return out;
}

function checkKeys(json: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (!isPlainObject(json)) fail(`${what} JSON object`, '$', json);
  for (const key of Object.keys(json)) {
    if (!allowed.includes(key)) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected only ${allowed.map((k) => JSON.stringify(k)).join(' and ')} in ${what} JSON but found ${JSON.stringify(key)} at $`,
      );
    }
  }
  return json;
}

/**
 * Parses an Example from its JSON form (a value from `JSON.parse`).
 * @throws TFRecordError INVALID_ARGUMENT naming the JSON path at fault.
 */
export function exampleFromJSON(json: unknown): Example {
  const o = checkKeys(json, ['features'], 'Example');
  return { features: featuresFromJSON(o['features'], '$.features') };
}

/**
 * Parses a SequenceExample from its JSON form (a value from `JSON.parse`).
 * @throws TFRecordError INVALID_ARGUMENT naming the JSON path at fault.
 */
export function sequenceExampleFromJSON(json: unknown): SequenceExample {
  const o = checkKeys(json, ['context', 'feature_lists'], 'SequenceExample');
  const featureLists = Object.create(null) as Record<string, Feature[]>;
  const lists = o['feature_lists'];
  if (lists !== undefined) {
    if (!isPlainObject(lists)) fail('object', '$.feature_lists', lists);
    for (const key of Object.keys(lists)) {
      const p = keyPath('$.feature_lists', key);
      featureLists[key] = array(lists[key], p).map((f, i) => featureFromJSON(f, `${p}[${i}]`));
    }
  }
  return { context: featuresFromJSON(o['context'], '$.context'), featureLists };
}
