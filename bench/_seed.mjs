// Shared by the TFRecord and event benchmarks (not run by itself: run.mjs skips _*.mjs).
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

/**
 * Runs `fn` once to warm up (it must return `count`, which checks the work was
 * all done), then `runs` times, and prints one JSON line: `mb_per_s` and
 * `<unit>_per_s` of the MEDIAN run over `bytes` (1 MB = 10^6 B), `best_*` of the
 * fastest run (what the code can do when the CPU is not shared), and `cpu_*` per
 * CPU-second of this process (all its threads: GC, libuv, zlib; median run),
 * steadier than wall time when other processes share the cores; then `extra`.
 */
export async function measureThroughput({ name, bytes, count, unit, runs, fn, extra = {} }) {
  const warm = await fn();
  if (warm !== count) throw new Error(`${name}: saw ${warm} ${unit}, expected ${count}`);
  const times = [];
  const cpu = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  const s = median(times);
  const best = Math.min(...times);
  const cpuS = median(cpu);
  const line = {
    name,
    mb_per_s: Math.round(bytes / 1e6 / s),
    [`${unit}_per_s`]: Math.round(count / s),
    stat: `median of ${runs}`,
    best_mb_per_s: Math.round(bytes / 1e6 / best),
    [`best_${unit}_per_s`]: Math.round(count / best),
    cpu_mb_per_s: Math.round(bytes / 1e6 / cpuS),
    [`cpu_${unit}_per_s`]: Math.round(count / cpuS),
    ...extra,
  };
  console.log(JSON.stringify(line));
}
