#!/usr/bin/env node
// Tiled evaluation at large sizes: peak RSS and seconds per iteration of
// TiledEvaluator (packages/style/src/tiles) with VGG-19 up to conv5_1.
//
// Build first (the bench imports the compiled package):
//   npx tsc -b packages/style && node bench/tiles.mjs [--sizes 1024x768,2048x1536,4096x3072]
//       [--budgets 3,3,4] [--iterations 2] [--style-size 512] [--loss cs20|neural-style]
//       (cs20 = its layers and weights with floor average pooling; neural-style = max pooling)
//       [--tile PX] [--threads N] [--weights PATH]
//
// Each size runs in its own child process (so each peak RSS is that size's alone):
// load the weights, create the evaluator with maxMemory = the size's budget (GiB),
// take the content targets of a pseudo-random content image and the style targets
// of a style image whose longer side is --style-size px, then run --iterations
// evaluations, each followed by a plain gradient step (the optimiser's own memory
// is not the evaluator's). One JSON line per size on stdout:
//   tiles_<W>x<H>  seconds_per_iter = MEDIAN seconds of one evaluate (both passes over
//       all windows); min_seconds; cpu_seconds_per_iter (user + system, all threads:
//       with load_avg_1m it tells whether other processes shared the 2 cores);
//       run_seconds_per_iter = seconds inside session runs per iteration by graph
//       ('features', 'tile_gradient', or 'training' when untiled or when one window
//       holds the whole image); outside_runs_seconds_per_iter = the rest (crops,
//       masks, Gram sums, gradient accumulation in JS);
//       targets_seconds; create_seconds; window ([h, w] px), tiles (windows per
//       evaluation), margin (px of context); peak_rss_mib = getrusage maxRSS of the
//       child (VmHWM agrees), estimate_mib = the evaluator's own estimate,
//       budget_mib; within_budget; untiled_estimate_mib (what StyleModel would need).
//   untiled_<W>x<H> (for each size in --untiled, e.g. --untiled 1024x768): the same with
//       StyleModel (no tiling), for the speed and memory the tiles cost in this run.
// The machine is shared: figures within one run compare; across runs they drift.
// Measured 2026-12-01 (load average 2-19 on 2 cores, cs20, style image 512 px, 1 iteration):
//   1024x768  1 window 768x1024            peak 2317 MiB  26 cpu-s/iter (209 s wall, load 19)
//   2048x1536 6 windows 864x800            peak 2348 MiB  137 cpu-s/iter (370 s wall, load 10)
//   4096x3072 20 windows 896x960           peak 3282 MiB  557 cpu-s/iter (480 s wall)
// After one cell of seam slack and the one-window shortcut (same day, load 4-18):
//   1024x768  1 window = the image, one training-graph run: 19.9 cpu-s/iter against
//             19.3 untiled (28.8 before: the extra feature pass); peak 2364 MiB
//             (untiled with the arena on: 4108 MiB)
//   2048x1536 6 windows 864x800            peak 2029 MiB  147 cpu-s/iter
//   4096x3072 18 windows 1136x832          peak 3217 MiB  555 cpu-s/iter
//   320x240 --tile 192: 18 windows (24 before), 25.3 cpu-s/iter (35.3 before), untiled 2.0
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1024x768,2048x1536,4096x3072' },
    budgets: { type: 'string', default: '3,3,4' },
    iterations: { type: 'string', default: '2' },
    'style-size': { type: 'string', default: '512' },
    loss: { type: 'string', default: 'cs20' },
    tile: { type: 'string' },
    threads: { type: 'string' },
    weights: { type: 'string' },
    untiled: { type: 'string', default: '' },
    child: { type: 'string' },
  },
});

function repoRoot() {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package-lock.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package-lock.json) not found');
    dir = up;
  }
  return dir;
}
const root = repoRoot();
const GiB = 2 ** 30;
const MiB = 2 ** 20;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A smooth pattern plus noise on the mean-subtracted 0..255 scale (timing does not depend on content). */
function pseudoImage(h, w, seed) {
  let x = seed | 1;
  const random = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const a = new Float32Array(3 * h * w);
  const f = 0.01 + random() * 0.02;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let i = 0; i < w; i++)
        a[(c * h + y) * w + i] = 60 * Math.sin(f * (i + 2 * c) + Math.cos(f * y)) + 40 * (random() - 0.5);
  return a;
}

function vmHwmMiB() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function child(spec) {
  const { width, height, budget, untiled } = JSON.parse(spec);
  const style = await import(pathToFileURL(join(root, 'packages/style/dist/src/index.js')).href);
  const dir = values.weights ?? join(root, '..', 'shared', 'weights', 'vgg19-imagenet-uint8');
  const weights = await style.loadWeights(dir);
  const loss =
    values.loss === 'neural-style'
      ? {
          contentLayers: [{ layer: 'conv4_2', weight: 1 }],
          styleLayers: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'].map((layer) => ({ layer, weight: 1 })),
          contentWeight: 5,
          styleWeight: 100,
          tvWeight: 1e-3,
          pooling: 'max',
          normalization: 'mean',
        }
      : // cs20's TF SAME pooling has no tiled form (its cells do not line up across
        // windows): its loss with floor-rounding average pooling, as the tiles tests use.
        { ...style.CS20_LOSS, pooling: 'avg' };
  // Session runs timed by graph (the profile of an iteration): 'features' (tile
  // feature graph), 'tile_gradient', 'training' (untiled, or one window = the image).
  const runSeconds = {};
  const runtime = {
    name: 'timed onnxruntime-node',
    async createSession(model, options) {
      const s = await style.nodeRuntime.createSession(model, options);
      const kind = s.inputNames.some((n) => n.startsWith('style_seed:'))
        ? 'tile_gradient'
        : s.outputNames.includes('gradient')
          ? 'training'
          : 'features';
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        release: () => s.release(),
        async run(feeds, outputs) {
          const t = performance.now();
          const out = await s.run(feeds, outputs);
          runSeconds[kind] = (runSeconds[kind] ?? 0) + (performance.now() - t) / 1000;
          return out;
        },
      };
    },
  };
  const t0 = performance.now();
  const threads = values.threads ? { threads: Number(values.threads) } : {};
  const ev = untiled
    ? await style.StyleModel.create({ weights, height, width, loss, runtime, ...threads })
    : await style.createTiledEvaluator({
        weights,
        height,
        width,
        loss,
        runtime,
        maxMemory: budget,
        ...(values.tile ? { tile: Number(values.tile) } : {}),
        ...threads,
      });
  const createSeconds = (performance.now() - t0) / 1000;
  const side = Number(values['style-size']);
  const [sh, sw] =
    width >= height ? [Math.round((side * height) / width), side] : [side, Math.round((side * width) / height)];
  const t1 = performance.now();
  const content = await ev.contentTargets(pseudoImage(height, width, 1));
  const targets = await ev.styleTargets(pseudoImage(sh, sw, 2), sh, sw);
  await ev.releaseTargetSessions();
  const targetsSeconds = (performance.now() - t1) / 1000;
  const x = pseudoImage(height, width, 3);
  for (const k of Object.keys(runSeconds)) delete runSeconds[k];
  const seconds = [];
  const cpu = [];
  for (let i = 0; i < Number(values.iterations); i++) {
    const c0 = cpuSeconds();
    const s0 = performance.now();
    const e = await ev.evaluate(x, content, targets);
    seconds.push((performance.now() - s0) / 1000);
    cpu.push(cpuSeconds() - c0);
    let max = 0;
    for (const g of e.gradient) max = Math.max(max, Math.abs(g));
    for (let j = 0; j < x.length; j++) x[j] -= (2 * e.gradient[j]) / max;
  }
  const plan = untiled ? { height, width, tiles: [{}] } : ev.plan(0);
  await ev.release();
  process.stdout.write(
    `${JSON.stringify({
      name: `${untiled ? 'untiled' : 'tiles'}_${width}x${height}`,
      seconds_per_iter: median(seconds),
      min_seconds: Math.min(...seconds),
      cpu_seconds_per_iter: median(cpu),
      run_seconds_per_iter: Object.fromEntries(
        Object.entries(runSeconds).map(([k, v]) => [k, Number((v / seconds.length).toFixed(3))]),
      ),
      outside_runs_seconds_per_iter: Number(
        (
          (seconds.reduce((a, b) => a + b, 0) - Object.values(runSeconds).reduce((a, b) => a + b, 0)) /
          seconds.length
        ).toFixed(3),
      ),
      iterations: seconds.length,
      targets_seconds: targetsSeconds,
      create_seconds: createSeconds,
      window: [plan.height, plan.width],
      tiles: plan.tiles.length,
      margin: untiled ? 0 : ev.context.margin,
      peak_rss_mib: process.resourceUsage().maxRSS / 1024,
      vm_hwm_mib: vmHwmMiB(),
      estimate_mib: (untiled ? style.estimateUntiledBytes({ loss }, height, width) : ev.estimatedBytes) / MiB,
      budget_mib: budget / MiB,
      within_budget: untiled ? null : process.resourceUsage().maxRSS * 1024 <= budget,
      untiled_estimate_mib: style.estimateUntiledBytes({ loss }, height, width) / MiB,
      style_size: [sh, sw],
      loss: values.loss,
      load_avg_1m: loadavg()[0],
    })}\n`,
  );
}

if (values.child) {
  await child(values.child);
} else {
  const parse = (list) => (list ? list.split(',').map((s) => s.split('x').map(Number)) : []);
  const budgets = values.budgets.split(',').map(Number);
  const runs = [
    ...parse(values.untiled).map(([width, height]) => ({ width, height, budget: 0, untiled: true })),
    ...parse(values.sizes).map(([width, height], i) => ({
      width,
      height,
      budget: (budgets[i] ?? budgets[budgets.length - 1]) * GiB,
      untiled: false,
    })),
  ];
  const args = process.argv
    .slice(2)
    .filter((a, j, all) => !['--sizes', '--untiled'].includes(a) && !['--sizes', '--untiled'].includes(all[j - 1]));
  for (const run of runs) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args, '--child', JSON.stringify(run)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) {
      const name = `${run.untiled ? 'untiled' : 'tiles'}_${run.width}x${run.height}`;
      process.stdout.write(`${JSON.stringify({ name, error: `child exited with ${r.status ?? r.signal}` })}\n`);
    }
  }
}
