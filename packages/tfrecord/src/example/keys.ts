/**
 * Feature-map keys (proto3 `string`: valid UTF-8), through a small cache of
 * recent short keys. Shared by the general decoder (decode.ts) and the
 * canonical-layout fast path (fast.ts), so both hand the same strings to the
 * same store sites.
 */

/** Keys up to this many bytes are cached. */
const MAX_CACHED_KEY = 64;
/** Cache slots (a power of two): (bytes, string) of recent keys. */
const SLOTS = 512;
const keyCacheBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
const keyCacheStrings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The key stored in `buf[s, e)`, or undefined when those bytes are not valid
 * UTF-8 (the caller words the error: it knows where it is).
 */
export function mapKeyAt(buf: Uint8Array, s: number, e: number): string | undefined {
  const n = e - s;
  if (n === 0) return '';
  if (n > MAX_CACHED_KEY) return decodeUtf8(buf, s, e);
  // Feature names repeat in every record: a hit costs a hash and a compare, no string.
  const slot =
    ((n << 4) ^ ((buf[s] as number) << 1) ^ ((buf[e - 1] as number) << 3) ^ (buf[s + (n >> 1)] as number)) &
    (SLOTS - 1);
  const cached = keyCacheBytes[slot];
  if (cached !== undefined && cached.length === n) {
    let i = 0;
    while (i < n && cached[i] === buf[s + i]) i++;
    if (i === n) return keyCacheStrings[slot];
  }
  const decoded = decodeUtf8(buf, s, e);
  if (decoded === undefined) return undefined;
  const key = internalized(decoded);
  keyCacheBytes[slot] = buf.slice(s, e);
  keyCacheStrings[slot] = key;
  return key;
}

function decodeUtf8(buf: Uint8Array, s: number, e: number): string | undefined {
  let ascii = true;
  for (let p = s; p < e; p++) {
    if ((buf[p] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && e - s <= 256) return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
  try {
    return utf8.decode(buf.subarray(s, e));
  } catch {
    return undefined;
  }
}

/**
 * The engine's own (internalized) copy of `key`, as property names are
 * stored. A cached key handed to the feature-map stores must be that copy:
 * a freshly decoded string that V8 internalizes on first use turns into a
 * forwarding string, which no inline cache matches, so every store site went
 * megamorphic on the second record.
 */
function internalized(key: string): string {
  const probe = Object.create(null) as Record<string, number>;
  probe[key] = 0;
  return Object.keys(probe)[0] ?? key;
}
