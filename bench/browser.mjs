#!/usr/bin/env node
// Style-transfer evaluation speed in the browser: StyleModel.evaluate (VGG-19 up
// to conv5_1 forward + the gradient of the loss w.r.t. the image, one session
// run) with `@pastiche/style/web` bundled for the browser and run in headless
// Debian Chromium on onnxruntime-web (wasm with 2 threads on a cross-origin
// isolated page; WebGPU on Chromium's SwiftShader software adapter when it
// starts), against onnxruntime-node in the same run on the same inputs.
//
// Build first (the bench imports the compiled package and its test harness):
//   npm run build && node bench/browser.mjs [--size 256] [--runs 3] [--threads 2]
//       [--engines node,wasm,webgpu] [--loss cs20|default] [--webgpu-timeout 600]
//
// One JSON line per engine on stdout, "bench": "browser_eval_<size>":
//   engine      onnxruntime-node | onnxruntime-web (browser)
//   provider    cpu | wasm | webgpu (the one that actually ran the graph)
//   seconds     MEDIAN wall seconds per evaluation over --runs runs after one
//               warm-up (sessions and targets not included); min_seconds too
//   setup_seconds  weights already loaded -> graph built, sessions created,
//               targets computed
//   threads     intra-op threads (wasm: ort.env.wasm.numThreads)
//   relative_to_node  seconds / onnxruntime-node's seconds in this run
//   total       total loss of the last evaluation (the engines must agree)
//   load_avg_1m other processes share the 2 cores: compare lines of one run only
// An engine that cannot run prints { engine, provider, error } instead.
//
// Weights: ../shared/weights/vgg19-imagenet-uint8 (TF.js, uint8), fetched by the
// page from the test server; without them the bench prints one skip line.
// Inputs: deterministic pseudo-random content and style images; the loss is the
// cs20 preset's (average pooling, which WebGPU can run; --loss default uses max
// pooling, whose backward graph WebGPU cannot run, see runtime/web.ts).
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    engines: { type: 'string', default: 'node,wasm,webgpu' },
    loss: { type: 'string', default: 'cs20' },
    'webgpu-timeout': { type: 'string', default: '600' },
  },
});
const SIZE = Number(values.size);
const RUNS = Number(values.runs);
const THREADS = Number(values.threads);
const ENGINES = values.engines.split(',');
const WEBGPU_TIMEOUT = Number(values['webgpu-timeout']) * 1000;
const BENCH = `browser_eval_${SIZE}`;

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
const load = (p) => import(pathToFileURL(join(root, p)).href);
const style = await load('packages/style/dist/src/index.js');
const harness = await load('packages/style/dist/test/web-harness.js');
const { chromiumPath, haveChromium, launchChromium } = await import('@pastiche/testing');

const weightsDir = join(root, '..', 'shared', 'weights', 'vgg19-imagenet-uint8');
if (!existsSync(join(weightsDir, 'model.json'))) {
  console.log(JSON.stringify({ bench: BENCH, skipped: `../shared/weights/vgg19-imagenet-uint8 is absent` }));
  process.exit(0);
}
if (!haveChromium && ENGINES.some((e) => e !== 'node')) {
  console.log(JSON.stringify({ bench: BENCH, skipped: `${chromiumPath} not found` }));
}

const loss = values.loss === 'default' ? style.presets.default.loss : style.CS20_LOSS;
const n = 3 * SIZE * SIZE;
const random = style.mulberry32(42);
const content = new Float32Array(n).map(() => (random() * 2 - 1) * 110);
const styleImage = new Float32Array(n).map(() => (random() * 2 - 1) * 110);
const image = style.initialImage(content, { mode: 'mix', seed: 0, noiseRange: 20, noiseRatio: 0.6 });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = [];
function emit(line) {
  const node = lines.find((l) => l.engine === 'onnxruntime-node');
  const out = {
    bench: BENCH,
    size: SIZE,
    loss: values.loss,
    ...line,
    ...(line.seconds !== undefined && node !== undefined && line !== node
      ? { relative_to_node: Number((line.seconds / node.seconds).toFixed(2)) }
      : {}),
    load_avg_1m: Number(loadavg()[0].toFixed(2)),
  };
  lines.push(line);
  console.log(JSON.stringify(out));
}

async function nodeEngine() {
  const weights = await style.loadTfjsWeights(join(weightsDir, 'model.json'));
  const t0 = performance.now();
  const model = await style.StyleModel.create({ weights, height: SIZE, width: SIZE, loss, threads: THREADS });
  const ct = await model.contentTargets(content);
  const st = await model.styleTargets(styleImage, SIZE, SIZE);
  const setup = (performance.now() - t0) / 1000;
  let e = await model.evaluate(image, ct, st);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    e = await model.evaluate(image, ct, st);
    times.push((performance.now() - t) / 1000);
  }
  await model.release();
  emit({
    engine: 'onnxruntime-node',
    provider: 'cpu',
    threads: THREADS,
    seconds: Number(median(times).toFixed(3)),
    min_seconds: Number(Math.min(...times).toFixed(3)),
    setup_seconds: Number(setup.toFixed(2)),
    total: e.total,
  });
}

async function browserEngine(server, provider) {
  const browser = await launchChromium({ webgpu: provider === 'webgpu' });
  let crashed = false;
  try {
    const page = await harness.openPage(browser, server.base);
    page.on('crash', () => {
      crashed = true;
    });
    const run = page.evaluate(
      async (a) => {
        const m = await import('/pastiche-style.js');
        const runtime = m.configureWebRuntime({
          wasmPaths: '/ort/',
          threads: a.threads,
          executionProviders: [a.provider],
        });
        const weights = await m.loadWebWeights('/weights/model.json');
        const t0 = performance.now();
        const model = await m.createWebStyleModel({ weights, height: a.size, width: a.size, loss: a.loss });
        const ct = await model.contentTargets(new Float32Array(a.content));
        const st = await model.styleTargets(new Float32Array(a.style), a.size, a.size);
        const setup = (performance.now() - t0) / 1000;
        const x = new Float32Array(a.image);
        let e = await model.evaluate(x, ct, st);
        const times = [];
        for (let i = 0; i < a.runs; i++) {
          const t = performance.now();
          e = await model.evaluate(x, ct, st);
          times.push((performance.now() - t) / 1000);
        }
        await model.release();
        return { times, setup, total: e.total, provider: runtime.provider, threads: runtime.threads };
      },
      {
        threads: THREADS,
        provider,
        size: SIZE,
        loss,
        runs: RUNS,
        // Plain arrays cross the page boundary; the page rebuilds the Float32Arrays.
        content: Array.from(content),
        style: Array.from(styleImage),
        image: Array.from(image),
      },
    );
    // A software WebGPU adapter can take minutes per evaluation, or crash the page.
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no result within --webgpu-timeout ${WEBGPU_TIMEOUT / 1000} s`)),
        WEBGPU_TIMEOUT,
      );
    });
    const r = await Promise.race([run, timeout]).finally(() => clearTimeout(timer));
    emit({
      engine: 'onnxruntime-web (browser)',
      provider: r.provider,
      threads: r.threads,
      seconds: Number(median(r.times).toFixed(3)),
      min_seconds: Number(Math.min(...r.times).toFixed(3)),
      setup_seconds: Number(r.setup.toFixed(2)),
      total: r.total,
    });
  } catch (e) {
    const why = String(e.message ?? e)
      .split('\n')[0]
      .slice(0, 300);
    emit({ engine: 'onnxruntime-web (browser)', provider, error: crashed ? `the page crashed (${why})` : why });
  } finally {
    await browser.close();
  }
}

if (ENGINES.includes('node')) await nodeEngine();
const browsers = ENGINES.filter((e) => e === 'wasm' || e === 'webgpu');
if (browsers.length > 0 && haveChromium) {
  const { code } = await harness.bundleWebEntry();
  const server = await harness.startWebServer(code);
  try {
    for (const provider of browsers) await browserEngine(server, provider);
  } finally {
    await server.close();
  }
}
