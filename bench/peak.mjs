#!/usr/bin/env node
// How fast onnxruntime's own float32 kernels run on this machine, as the
// ceiling for one style evaluation (bench/style.mjs reports its GFLOP/s the same
// way). Each case is one graph of one op, run through the same nodeRuntime
// and session options the style engine uses:
//   matmul_2048      MatMul [2048 x 2048] x [2048 x 2048] (17.2 GFLOP), MLAS SGEMM
//   conv3x3_256_128  Conv 256 -> 256 channels, 3 x 3, pad 1, on 128 x 128
//                    (19.3 GFLOP): conv3_2 of VGG-19 at a 512 x 512 input
//   conv3x3_512_64   Conv 512 -> 512, 3 x 3, pad 1, on 64 x 64 (19.3 GFLOP): conv4_2
//   conv3x3_64_512   Conv 64 -> 64, 3 x 3, pad 1, on 512 x 512 (19.3 GFLOP): conv1_2
// Run after `npm run build`:  node bench/peak.mjs [--runs R] [--threads T]
// Prints one JSON line per case: seconds (median of R after a warm-up),
// gflop_per_s (wall), gflop_per_cpu_s (per CPU-second of this process, the
// figure to compare with bench/style.mjs's gflop_per_cpu_s when the machine is
// shared), load_avg_1m.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bytes } from './_seed.mjs';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, threads: { type: 'string' } },
});
const RUNS = Number(values.runs);
const THREADS = values.threads === undefined ? availableParallelism() : Number(values.threads);

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'package-lock.json'))) root = dirname(root);
const style = await import(pathToFileURL(join(root, 'packages/style/dist/src/index.js')).href);

/** Deterministic values in [-1, 1) (the timing does not depend on them). */
const filled = (n, seed) => Float32Array.from(bytes(n, seed), (b) => b / 128 - 1);

function matmulCase(n) {
  const g = new style.GraphBuilder('peak');
  const a = g.input('a', [n, n]);
  const b = g.constant('b', [n, n], filled(n * n, 2));
  g.output(g.matmul(a, b), 'y');
  return {
    name: `matmul_${n}`,
    model: g.encode(),
    feeds: { a: { data: filled(n * n, 1), dims: [n, n] } },
    gflop: (2 * n ** 3) / 1e9,
  };
}

function convCase(c, side) {
  const g = new style.GraphBuilder('peak');
  const x = g.input('x', [1, c, side, side]);
  const w = g.constant('w', [c, c, 3, 3], filled(c * c * 9, 3));
  g.output(g.conv(x, w, null, 1), 'y');
  return {
    name: `conv3x3_${c}_${side}`,
    model: g.encode(),
    feeds: { x: { data: filled(c * side * side, 4), dims: [1, c, side, side] } },
    gflop: (2 * c * c * 9 * side * side) / 1e9,
  };
}

const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

for (const k of [matmulCase(2048), convCase(256, 128), convCase(512, 64), convCase(64, 512)]) {
  const session = await style.nodeRuntime.createSession(k.model, { threads: THREADS });
  await session.run(k.feeds, ['y']);
  const secs = [];
  const cpus = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await session.run(k.feeds, ['y']);
    secs.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1e6);
  }
  await session.release?.();
  const s = median(secs);
  console.log(
    JSON.stringify({
      name: k.name,
      gflop: Math.round(k.gflop * 10) / 10,
      seconds: Math.round(s * 1000) / 1000,
      gflop_per_s: Math.round((k.gflop / s) * 10) / 10,
      gflop_per_cpu_s: Math.round((k.gflop / median(cpus)) * 10) / 10,
      threads: THREADS,
      load_avg_1m: Math.round(loadavg()[0] * 100) / 100,
    }),
  );
}
