/**
 * The canonical JSON-lines text of ../shared/data/README.md, byte for byte as
 * its reference decoder (Python's json.dumps, sort_keys, ensure_ascii) writes it:
 * `{"features": {"x": {"float": [0.5]}}}` with ", " and ": " separators, float32
 * values widened to float64 in Python's repr, int64 as decimal strings.
 */
import type { Example, Feature, Features, SequenceExample } from '@pastiche/tfrecord/node';

/**
 * Python's repr of a float: shortest round-trip digits, fixed for 1e-4 <= |x| < 1e16,
 * else `1e-05` style. Non-finite values become the JSON strings "NaN", "Infinity"
 * and "-Infinity" (as the package's exampleToJSON), since bare NaN is not JSON.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (x === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = x < 0 ? -x : x;
  if (abs >= 1e-4 && abs < 1e16) {
    // Here JavaScript's shortest form is fixed-point with the same digits as repr;
    // only integral values need repr's ".0".
    const t = String(x);
    return t.includes('.') ? t : `${t}.0`;
  }
  const sign = x < 0 ? '-' : '';
  // toExponential() without digits gives the shortest round-trip digits, as repr does.
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mant.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intLen = exp + 1;
    if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
    return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  }
  const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const e = Math.abs(exp);
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

/** A JSON string literal with every non-ASCII character escaped as \uXXXX (Python's ensure_ascii). */
export function asciiJSONString(s: string): string {
  const j = JSON.stringify(s);
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(j)
    ? j.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : j;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Sorts as Python sorts str keys: by code point (differs from UTF-16 order only beyond U+FFFF). */
function compareKeys(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  return keys.every((k) => /^[\x00-\ud7ff]*$/.test(k)) ? keys.sort() : keys.sort(compareKeys);
}

/** One Feature: `{"int64": ["1"]}`, `{"float": [0.5]}`, `{"bytes_b64": ["..."]}` or `{}`. */
export function featureText(f: Feature): string {
  switch (f.kind) {
    case 'int64': {
      const parts = new Array<string>(f.values.length);
      for (let i = 0; i < f.values.length; i++) parts[i] = `"${f.values[i]!}"`;
      return `{"int64": [${parts.join(', ')}]}`;
    }
    case 'float': {
      const parts = new Array<string>(f.values.length);
      for (let i = 0; i < f.values.length; i++) parts[i] = pythonFloat(f.values[i]!);
      return `{"float": [${parts.join(', ')}]}`;
    }
    case 'bytes':
      return `{"bytes_b64": [${f.values.map((b) => `"${base64(b)}"`).join(', ')}]}`;
    case 'none':
      return '{}';
  }
}

function featuresText(features: Features): string {
  return `{${sortedKeys(features)
    .map((k) => `${asciiJSONString(k)}: ${featureText(features[k]!)}`)
    .join(', ')}}`;
}

/** An Example as one canonical line (without the newline). */
export function exampleText(ex: Example): string {
  return `{"features": ${featuresText(ex.features)}}`;
}

/** A SequenceExample as one canonical line (without the newline). */
export function sequenceExampleText(se: SequenceExample): string {
  const lists = sortedKeys(se.featureLists)
    .map((k) => `${asciiJSONString(k)}: [${se.featureLists[k]!.map(featureText).join(', ')}]`)
    .join(', ');
  return `{"context": ${featuresText(se.context)}, "feature_lists": {${lists}}}`;
}

/** A raw record as one line: `{"bytes_b64": "..."}`. */
export function rawText(record: Uint8Array): string {
  return `{"bytes_b64": "${base64(record)}"}`;
}
