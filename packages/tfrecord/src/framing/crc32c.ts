/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) and the "masked" form
 * TFRecord stores (tensorflow/core/lib/hash/crc32c.h). Table-driven slice-by-16:
 * each step folds 16 input bytes with 16 table look-ups. Inputs of
 * {@link WASM_MIN_BYTES} or more go to the same algorithm in WebAssembly
 * (crc32c-wasm.ts), 1.5-2x as fast; shorter ones, and everything where
 * WebAssembly is unavailable, use the JS loop here.
 */
import { WASM_STAGE_BYTES, loadWasmCrc, type WasmCrc } from './crc32c-wasm.js';

const POLY = 0x82f63b78;
const MASK_DELTA = 0xa282ead8;

/** 16 tables of 256 entries; table k maps a byte to its CRC contribution k bytes later. */
function makeTables(): Int32Array[] {
  const tables: Int32Array[] = [];
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c;
  }
  tables.push(t0);
  for (let k = 1; k < 16; k++) {
    const prev = tables[k - 1]!;
    const t = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      const c = prev[n]!;
      t[n] = (c >>> 8) ^ t0[c & 0xff]!;
    }
    tables.push(t);
  }
  return tables;
}

// Separate typed arrays (not one 4096-entry table) keep every look-up a plain
// indexed load without an added offset in the hot loop.
const TABLES = makeTables();
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = TABLES as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
];

// Typed-array views use the platform's byte order; the word loop assumes little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Records are usually small views of one large chunk: reuse one word view per
// buffer instead of allocating a typed array for every call.
let cachedBuffer: ArrayBufferLike | undefined;
let cachedWords: Int32Array = new Int32Array(0);

/** An Int32Array over `buffer` covering at least its first `minBytes` bytes. */
function wordsOf(buffer: ArrayBufferLike, minBytes: number): Int32Array {
  if (buffer !== cachedBuffer || cachedWords.length * 4 < minBytes) {
    cachedWords = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    cachedBuffer = buffer;
  }
  return cachedWords;
}

/**
 * CRC32C of `data`, as an unsigned 32-bit integer.
 * `initial` is the CRC of the preceding bytes (default 0), so
 * `crc32c(b, crc32c(a))` equals the CRC of `a` followed by `b`.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return crc32cRange(data, 0, data.length, initial);
}

/**
 * Inputs at least this long (bytes) go to the wasm kernel: below it, copying
 * into wasm memory and the call (~50 ns together) cost more than the faster
 * loop saves. Measured crossover on Node 20 / x64: 130-150 bytes.
 */
export const WASM_MIN_BYTES = 160;

/** The wasm kernel once loaded; `null` before the first attempt, `undefined` when unavailable or disabled. */
let wasm: WasmCrc | undefined | null = null;
let wasmAllowed = true;

function loadWasm(): WasmCrc | undefined {
  wasm = wasmAllowed ? loadWasmCrc(TABLES, crc32cRangeJs) : undefined;
  stageData = null;
  return wasm;
}

/**
 * CRC32C of `data[start, end)` without making a subarray (the record
 * decoder checks one range per record). Bounds are the caller's to check.
 */
export function crc32cRange(data: Uint8Array, start: number, end: number, initial = 0): number {
  if (end - start >= WASM_MIN_BYTES) {
    const w = wasm === null ? loadWasm() : wasm;
    if (w !== undefined) return w.range(data, start, end, initial);
  }
  return crc32cRangeJs(data, start, end, initial);
}

// The span of one buffer staged in the kernel's memory by crc32cWalk, if any.
let stageData: Uint8Array | null = null;
let stageStart = 0;
let stageEnd = 0;

/**
 * Ranges at least this long (bytes) go to the kernel during a walk: with the
 * span already staged, a call costs only the JS-to-wasm transition.
 */
export const WASM_WALK_MIN_BYTES = 32;

/**
 * Internal, for the framing loops: CRC32C of `data[start, end)` for a caller
 * that walks forward through one buffer, checking many short ranges (record
 * headers and bodies). The kernel copies a 48 KiB span of `data` into its
 * memory once and hashes every range inside it from there, instead of
 * copying (and making a subarray for) each range. The staged copy is only
 * valid while `data` is unchanged: call {@link endCrcWalk} before control
 * leaves the synchronous walk (before a yield or return), so a later walk
 * never hashes stale bytes.
 */
export function crc32cWalk(data: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len >= WASM_WALK_MIN_BYTES) {
    const w = wasm === null ? loadWasm() : wasm;
    if (w !== undefined) {
      if (data !== stageData || start < stageStart || end > stageEnd) {
        if (len > WASM_STAGE_BYTES) return w.range(data, start, end, 0);
        stageData = data;
        stageStart = start;
        stageEnd = Math.min(data.length, start + WASM_STAGE_BYTES);
        w.stage(data, stageStart, stageEnd);
      }
      return w.staged(start - stageStart, len, 0);
    }
  }
  return crc32cRangeJs(data, start, end, 0);
}

/** Ends a walk of {@link crc32cWalk}: forgets the staged span (and the reference to its buffer). */
export function endCrcWalk(): void {
  stageData = null;
}

/**
 * Internal, for tests and benchmarks: `'js'` forces the JS loop for every
 * length; `'auto'` (the default) retries loading the wasm kernel, so a test can
 * remove `globalThis.WebAssembly` first to exercise the fallback. Returns the
 * path now in use for long inputs.
 */
export function setCrc32cBackend(mode: 'auto' | 'js'): 'wasm' | 'js' {
  wasmAllowed = mode === 'auto';
  return loadWasm() === undefined ? 'js' : 'wasm';
}

/**
 * Internal, for tests: CRC32C of `data[start, end)` by the wasm kernel at any
 * length, or undefined when the kernel is unavailable or disabled.
 */
export function crc32cRangeWasm(data: Uint8Array, start: number, end: number, initial = 0): number | undefined {
  const w = wasm === null ? loadWasm() : wasm;
  return w === undefined ? undefined : w.range(data, start, end, initial);
}

/** Internal: the JS slice-by-16 loop {@link crc32cRange} uses for short inputs or without wasm. */
export function crc32cRangeJs(data: Uint8Array, start: number, end: number, initial = 0): number {
  let crc = ~initial | 0;
  const n = end;
  let i = start;
  // The word loop needs an Int32Array over the buffer; making one costs more
  // than it saves on a short range of a buffer not seen before (a freshly
  // encoded record), so those take the byte loop.
  if (LITTLE_ENDIAN && n - i >= 64 && (data.buffer === cachedBuffer || n - i >= 4096)) {
    // Align, then read whole 32-bit words: 4 loads per 16 bytes instead of 16.
    while (((data.byteOffset + i) & 3) !== 0) crc = T0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
    const words = (n - i) >>> 2;
    const w = wordsOf(data.buffer, data.byteOffset + i + words * 4);
    const first = (data.byteOffset + i) >>> 2;
    const last = first + words - (words & 3);
    for (let j = first; j < last; j += 4) {
      const a = crc ^ w[j]!;
      const b = w[j + 1]!;
      const c = w[j + 2]!;
      const d = w[j + 3]!;
      crc =
        T15[a & 0xff]! ^
        T14[(a >>> 8) & 0xff]! ^
        T13[(a >>> 16) & 0xff]! ^
        T12[a >>> 24]! ^
        T11[b & 0xff]! ^
        T10[(b >>> 8) & 0xff]! ^
        T9[(b >>> 16) & 0xff]! ^
        T8[b >>> 24]! ^
        T7[c & 0xff]! ^
        T6[(c >>> 8) & 0xff]! ^
        T5[(c >>> 16) & 0xff]! ^
        T4[c >>> 24]! ^
        T3[d & 0xff]! ^
        T2[(d >>> 8) & 0xff]! ^
        T1[(d >>> 16) & 0xff]! ^
        T0[d >>> 24]!;
    }
    i += (last - first) * 4;
  } else {
    const end16 = n - ((n - i) & 15);
    while (i < end16) {
      const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      crc =
        T15[a & 0xff]! ^
        T14[(a >>> 8) & 0xff]! ^
        T13[(a >>> 16) & 0xff]! ^
        T12[a >>> 24]! ^
        T11[data[i + 4]!]! ^
        T10[data[i + 5]!]! ^
        T9[data[i + 6]!]! ^
        T8[data[i + 7]!]! ^
        T7[data[i + 8]!]! ^
        T6[data[i + 9]!]! ^
        T5[data[i + 10]!]! ^
        T4[data[i + 11]!]! ^
        T3[data[i + 12]!]! ^
        T2[data[i + 13]!]! ^
        T1[data[i + 14]!]! ^
        T0[data[i + 15]!]!;
      i += 16;
    }
  }
  while (i < n) crc = T0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The masked CRC TFRecord stores: rotate right by 15 bits, add 0xa282ead8 (mod 2^32). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc}. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
