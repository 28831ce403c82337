/**
 * The text Python's `json.dumps(obj, sort_keys=True)` gives protobuf's JSON
 * mapping (`MessageToDict`): floats as Python's `repr`, float32 fields as
 * protobuf's shortest float32 decimal, strings ASCII-only with `\uXXXX` escapes.
 */

/**
 * Python's `repr(float)`: the shortest round-tripping digits (as JavaScript's
 * `String`), fixed notation for 1e-4 <= |x| < 1e16 with a `.0` on integers,
 * else `d.ddde+XX` (`1e-05`, `1.5e+16`). Finite `x` only.
 */
export function pyFloatRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  let s = String(x);
  // Where both languages print fixed notation the digits agree; Python adds ".0" to integers.
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) return s.includes('.') ? s : `${s}.0`;
  let sign = '';
  if (s.charCodeAt(0) === 45) {
    sign = '-';
    s = s.slice(1);
  }
  const { digits, decpt } = splitDigits(s);
  if (decpt <= -4 || decpt > 16) {
    const e10 = decpt - 1;
    const abs = Math.abs(e10);
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${e10 < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** `x = 0.DIGITS * 10^decpt` from a JavaScript number string; trailing zeros dropped. */
function splitDigits(s: string): { digits: string; decpt: number } {
  let mant = s;
  let exp = 0;
  const e = s.indexOf('e');
  if (e >= 0) {
    mant = s.slice(0, e);
    exp = Number(s.slice(e + 1));
  }
  const dot = mant.indexOf('.');
  let digits = dot >= 0 ? mant.slice(0, dot) + mant.slice(dot + 1) : mant;
  let decpt = (dot >= 0 ? dot : mant.length) + exp;
  let lead = 0;
  while (lead < digits.length - 1 && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  decpt -= lead;
  let tail = digits.length;
  while (tail > 1 && digits.charCodeAt(tail - 1) === 48) tail--;
  return { digits: digits.slice(0, tail), decpt };
}

/**
 * `x` rounded to `p` significant digits, half to even on the exact binary value
 * (Python's `'%.*g'`). `toPrecision` breaks exact ties away from zero instead, so
 * a possible tie (digit p+1 is a 5) is checked against the exact expansion, which
 * `toPrecision(100)` gives for every float32 of magnitude above about 1e-30.
 */
function roundSignificant(x: number, p: number): number {
  const rounded = Number(x.toPrecision(p));
  const next = x.toPrecision(p + 1);
  const e = next.indexOf('e');
  if (next.charCodeAt((e < 0 ? next.length : e) - 1) !== 53) return rounded;
  const exact = splitDigits(Math.abs(x).toPrecision(100));
  const d = exact.digits;
  if (d.length !== p + 1 || d.charCodeAt(p) !== 53 || (d.charCodeAt(p - 1) & 1) === 1) return rounded;
  // An exact tie whose kept digit is even: round towards zero.
  const down = Number(`0.${d.slice(0, p)}e${exact.decpt}`);
  return x < 0 ? -down : down;
}

/**
 * protobuf Python's text for a float32 field: the float64 of the shortest `'%.*g'`
 * (from 6 digits up) that rounds back to the same float32 (`100.333336`), printed
 * by {@link pyFloatRepr}. `v` must already be a float32 value (`Math.fround(v) === v`).
 */
export function pyFloat32Repr(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  for (let p = 6; p < 17; p++) {
    const r = roundSignificant(v, p);
    if (Math.fround(r) === v) return pyFloatRepr(r);
  }
  return pyFloatRepr(v);
}

/** A double in protobuf's JSON mapping: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
export function jsonDouble(v: number): string {
  if (v !== v) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return pyFloatRepr(v);
}

/** A float32 in protobuf's JSON mapping, as {@link jsonDouble} but shortest for float32. */
export function jsonFloat(v: number): string {
  if (v !== v || v === Infinity || v === -Infinity) return jsonDouble(v);
  return pyFloat32Repr(v);
}

const HEX = '0123456789abcdef';

/** A JSON string as Python's `json.dumps` writes it (`ensure_ascii=True`): every code unit outside 0x20..0x7e escaped. */
export function pyJsonString(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(run, i);
    run = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      default:
        out += `\\u${HEX[c >> 12]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
    }
  }
  return `${out}${s.slice(run)}"`;
}

/** A JSON object from `[key, json]` pairs, keys sorted (code unit order, which equals code point order for ASCII names). */
export function pyJsonObject(pairs: [string, string][]): string {
  if (pairs.length === 0) return '{}';
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = '{';
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i]!;
    out += `${i === 0 ? '' : ', '}${pyJsonString(k)}: ${v}`;
  }
  return `${out}}`;
}

/** A JSON list of already-formatted items, with Python's `, ` separator. */
export function pyJsonList(items: string[]): string {
  return `[${items.join(', ')}]`;
}
