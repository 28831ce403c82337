/**
 * Portable base64 (RFC 4648) without Buffer or atob: table-driven, building the
 * output in chunks so long inputs neither recurse nor build one char at a time.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENC = new Uint16Array(4096);
for (let i = 0; i < 4096; i++) {
  // Two base64 characters per 12 bits, stored as a pair of char codes in one lookup.
  ENC[i] = ALPHABET.charCodeAt(i >> 6) | (ALPHABET.charCodeAt(i & 63) << 8);
}
const CODES = new Uint8Array(ALPHABET.length);
for (let i = 0; i < 64; i++) CODES[i] = ALPHABET.charCodeAt(i);
/** Sextet for each char code; 255 = not base64. Both the standard and URL-safe alphabets decode. */
const DEC = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) DEC[ALPHABET.charCodeAt(i)] = i;
DEC[0x2d] = 62; // '-'
DEC[0x5f] = 63; // '_'

const CHUNK = 8192; // output chars per String.fromCharCode call (a multiple of 4)

/** Standard base64 with `=` padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const full = n - (n % 3);
  const codes = new Uint8Array(Math.min(CHUNK + 8, Math.floor((n + 2) / 3) * 4));
  let s = '';
  let k = 0;
  for (let i = 0; i < full; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    const a = ENC[v >> 12]!;
    const b = ENC[v & 4095]!;
    codes[k] = a & 255;
    codes[k + 1] = a >> 8;
    codes[k + 2] = b & 255;
    codes[k + 3] = b >> 8;
    k += 4;
    if (k >= CHUNK) {
      s += String.fromCharCode.apply(null, codes.subarray(0, k) as unknown as number[]);
      k = 0;
    }
  }
  const rest = n - full;
  if (rest === 1) {
    const v = bytes[full]!;
    codes[k++] = CODES[v >> 2]!;
    codes[k++] = CODES[(v & 3) << 4]!;
    codes[k++] = 61;
    codes[k++] = 61;
  } else if (rest === 2) {
    const v = (bytes[full]! << 8) | bytes[full + 1]!;
    codes[k++] = CODES[v >> 10]!;
    codes[k++] = CODES[(v >> 4) & 63]!;
    codes[k++] = CODES[(v & 15) << 2]!;
    codes[k++] = 61;
  }
  if (k > 0) s += String.fromCharCode.apply(null, codes.subarray(0, k) as unknown as number[]);
  return s;
}

/**
 * Decodes base64 (standard or URL-safe alphabet, padding optional). Returns
 * undefined when `text` is not valid base64, so callers word their own error.
 */
export function base64ToBytes(text: string): Uint8Array | undefined {
  let n = text.length;
  if (n % 4 === 0 && n > 0 && text.charCodeAt(n - 1) === 61) n -= text.charCodeAt(n - 2) === 61 ? 2 : 1;
  if (n % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  const full = n - (n % 4);
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = DEC[text.charCodeAt(i) & 0xff]!;
    const b = DEC[text.charCodeAt(i + 1) & 0xff]!;
    const c = DEC[text.charCodeAt(i + 2) & 0xff]!;
    const d = DEC[text.charCodeAt(i + 3) & 0xff]!;
    if (
      (a | b | c | d) === 255 ||
      (text.charCodeAt(i) | text.charCodeAt(i + 1) | text.charCodeAt(i + 2) | text.charCodeAt(i + 3)) > 0xff
    )
      return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  const rest = n - full;
  if (rest > 0) {
    const a = DEC[text.charCodeAt(full) & 0xff]!;
    const b = DEC[text.charCodeAt(full + 1) & 0xff]!;
    const c = rest === 3 ? DEC[text.charCodeAt(full + 2) & 0xff]! : 0;
    if ((a | b | c) === 255 || text.charCodeAt(full) > 0xff || text.charCodeAt(full + 1) > 0xff) return undefined;
    if (rest === 3 && text.charCodeAt(full + 2) > 0xff) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6);
    out[o++] = v >> 16;
    if (rest === 3) out[o++] = (v >> 8) & 255;
  }
  return out;
}
