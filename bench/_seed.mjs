// Shared by the TFRecord benchmarks (not run by itself: run.mjs skips _*.mjs).
// Records shaped like the CS20 seed's: a 16 x 16 x 4 uint8 image (1 KiB), its
// int32 LE shape (12 bytes), an int64 label and 10 floats.
import { parseArgs } from 'node:util';
import { buildExample, bytesList, int64List } from '@pastiche/tfrecord/node';

/** `--records N` (default 50000) and `--runs R` (default 5) from the command line. */
export function benchArgs() {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '50000' }, runs: { type: 'string', default: '5' } },
  });
  return { RECORDS: Number(values.records), RUNS: Number(values.runs) };
}

/** Deterministic pseudo-random bytes (xorshift32), so every run writes the same file. */
export function bytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const shape = new Uint8Array(new Int32Array([16, 16, 4]).buffer);

/** The plain values of record i. */
export function seedInput(i) {
  return {
    image: bytes(1024, i + 1),
    label: i % 1000,
    floats: Float32Array.from({ length: 10 }, (_, j) => (i * 10 + j) / 7),
  };
}

/** The Example of one input from {@link seedInput}. */
export function seedExample(input) {
  return buildExample({
    image: bytesList([input.image]),
    label: int64List([input.label]),
    shape: bytesList([shape]),
    floats: input.floats,
  });
}

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
