/**
 * The WebAssembly CRC32C kernel (crc32c.wat, slice-by-16): about twice the
 * speed of the JS table loop on record-sized inputs, because wasm loads carry
 * no bounds or type checks. Instantiated synchronously from embedded bytes on
 * first use; anywhere WebAssembly is missing or refused (a CSP without
 * 'wasm-unsafe-eval', a failed self-check) {@link loadWasmCrc} returns
 * undefined and callers keep the JS loop. Never throws.
 */
import { CRC32C_WASM } from './crc32c-wasm-bytes.js';

/** Where the kernel expects its tables and input (see crc32c.wat). */
const WINDOW_BASE = 65536;
/** Input bytes hashed per kernel call; longer inputs go through in windows, carrying the CRC. */
export const WASM_WINDOW_BYTES = 65536;

/** CRC32C of `data[start, end)` continuing from `initial`, as an unsigned 32-bit integer. */
export type RangeCrc = (data: Uint8Array, start: number, end: number, initial: number) => number;

/**
 * Where staged spans go: between the tables and the range window, so a
 * {@link RangeCrc} call never overwrites a staged span.
 */
const STAGE_BASE = 16384;
/** Bytes one staged span may hold (48 KiB). */
export const WASM_STAGE_BYTES = WINDOW_BASE - STAGE_BASE;

/** The kernel: plain ranges, and ranges of a span copied into its memory once for many CRCs. */
export interface WasmCrc {
  /** CRC of any range (copied in per call, in 64 KiB windows). */
  range: RangeCrc;
  /** Copies `data[start, end)` (at most {@link WASM_STAGE_BYTES}) into the stage, replacing what was there. */
  stage: (data: Uint8Array, start: number, end: number) => void;
  /** CRC32C of stage bytes `[at, at + len)`, continuing from `initial`. */
  staged: (at: number, len: number, initial: number) => number;
}

// Only what this module uses; looked up on globalThis so that a runtime
// without WebAssembly is a normal case, not a ReferenceError.
interface WasmNamespace {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/**
 * Instantiates the kernel with `tables` (the 16 slice-by-16 tables of 256
 * entries; table k maps a byte to its CRC contribution k bytes later) copied into
 * its memory, and returns a {@link RangeCrc} over it, or undefined when
 * WebAssembly is unavailable or fails (then use the JS loop). `reference`
 * (the JS loop) checks the kernel once before it is trusted.
 */
export function loadWasmCrc(tables: readonly Int32Array[], reference: RangeCrc): WasmCrc | undefined {
  try {
    const wasm = (globalThis as { WebAssembly?: WasmNamespace }).WebAssembly;
    if (wasm === undefined || tables.length !== 16) return undefined;
    const instance = new wasm.Instance(new wasm.Module(Uint8Array.from(CRC32C_WASM)));
    const memory = instance.exports['memory'] as { buffer: ArrayBuffer } | undefined;
    const kernel = instance.exports['crc'] as ((crc: number, ptr: number, len: number) => number) | undefined;
    if (memory === undefined || typeof kernel !== 'function') return undefined;
    // The memory has a fixed maximum and is never grown, so these views stay attached.
    const heap = new Uint8Array(memory.buffer);
    if (heap.length < WINDOW_BASE + WASM_WINDOW_BYTES) return undefined;
    const table = new Int32Array(memory.buffer, 0, 16 * 256);
    tables.forEach((t, k) => table.set(t, k * 256));

    const range: RangeCrc = (data, start, end, initial) => {
      const len = end - start;
      if (len <= WASM_WINDOW_BYTES) {
        heap.set(data.subarray(start, end), WINDOW_BASE);
        return kernel(initial, WINDOW_BASE, len) >>> 0;
      }
      let crc = initial;
      for (let i = start; i < end; i += WASM_WINDOW_BYTES) {
        const n = Math.min(end - i, WASM_WINDOW_BYTES);
        heap.set(data.subarray(i, i + n), WINDOW_BASE);
        crc = kernel(crc, WINDOW_BASE, n);
      }
      return crc >>> 0;
    };
    const stage = (data: Uint8Array, start: number, end: number): void => {
      heap.set(data.subarray(start, end), STAGE_BASE);
    };
    const staged = (at: number, len: number, initial: number): number => kernel(initial, STAGE_BASE + at, len) >>> 0;
    // A broken engine or table falls back instead of passing corrupt data:
    // the standard check value, then every length up to 40 against the JS loop.
    const check = Uint8Array.from({ length: 40 }, (_, i) => (i * 167 + 13) & 0xff);
    if (range(new TextEncoder().encode('123456789'), 0, 9, 0) !== 0xe3069283) return undefined;
    stage(check, 0, check.length);
    for (let n = 0; n <= check.length; n++) {
      const want = reference(check, 0, n, 7);
      if (range(check, 0, n, 7) !== want || staged(0, n, 7) !== want) return undefined;
    }
    return { range, stage, staged };
  } catch {
    return undefined;
  }
}
