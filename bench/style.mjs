#!/usr/bin/env node
// Style-transfer iteration speed: one forward pass of VGG-19 up to conv5_1 plus
// the gradient of the cs20 loss with respect to the image, as StyleModel.evaluate
// runs it (onnxruntime-node), and the same loss and gradient with TensorFlow.js's
// wasm backend (tf.valueAndGrad) as the reference the ONNX design replaced.
//
// Build first (the bench imports the compiled package):
//   npx tsc -b packages/style && node bench/style.mjs [--sizes 256,512] [--runs 3]
//       [--tfjs-runs 1] [--tfjs-warmup 0] [--no-tfjs] [--no-onnx] [--threads N] [--weights PATH]
//       [--ab VARIANTS]
//
// One JSON line per figure on stdout:
//   style_iter_256, style_iter_512  StyleModel.evaluate (onnxruntime-node, CPU):
//       seconds = MEDIAN seconds per iteration over --runs runs after one warm-up
//       (session creation and targets not included); min_seconds; cpu_seconds =
//       MEDIAN process CPU time (user + system, all threads) per iteration, which
//       with load_avg_1m tells whether other processes shared the cores; gflop_per_iter;
//       gflop_per_s = gflop_per_iter / seconds; gflop_per_cpu_s = gflop_per_iter /
//       cpu_seconds (per core, so robust to other load); threads; weights.
//   style_tfjs_wasm_iter_256  the same loss + gradient with @tensorflow/tfjs-core +
//       tfjs-backend-wasm 4.22 (SIMD; threads = what the backend allows in Node,
//       which is 1: it disables its threaded build under Node); MEDIAN over
//       --tfjs-runs runs after --tfjs-warmup warm-ups; onnx_speedup = tfjs / onnx seconds.
//   style_tfjs_vs_onnx_256  sanity check on one image: total loss from both
//       engines and the gradient difference (relative L2 error, cosine).
//
//   style_ab_<size>_<variant>  (--ab only; then nothing else runs) A/B of session and graph
//       options at the first of --sizes: VARIANTS is a JSON array of
//       {"name", "session": RuntimeSessionOptions, "backward": BackwardOptions}, e.g.
//       '[{"name":"sign","backward":{"reluBackward":"sign"}},{"name":"step"}]'. Every
//       variant's StyleModel lives in the one process; after one warm-up each, --runs
//       rounds run each variant once, in alternating order, so load from other
//       processes falls on all alike. seconds / cpu_seconds = MEDIAN per evaluate;
//       grad_max_rel_diff = max |g - g0| / max |g0| against the first variant.
//
// FLOP count (analytic, stated in every line as gflop_per_iter): the 13 convs
// conv1_1 .. conv5_1 forward, plus the 13 input-gradient convs of the backward
// pass (weight gradients are not needed), each 2 * Cin * Cout * 9 * H * W at the
// conv's resolution. Grams (2 N^2 M per style layer each way, about 5 % more),
// pooling, ReLU and losses are not counted.
// At 256 x 256 that is 94.7 GFLOP per iteration; at 512 x 512, 378.7 GFLOP.
//
// Weights: the shared uint8-quantized VGG-19 (../shared/weights/vgg19-imagenet-uint8)
// when present, else random weights of the same shapes ("weights": "random").
// Images: deterministic pseudo-random content and style images (the timing does
// not depend on content); the evaluated image is 0.6 * U(-20, 20) + 0.4 * content,
// the cs20 initialisation.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512' },
    runs: { type: 'string', default: '3' },
    'tfjs-runs': { type: 'string', default: '1' },
    'tfjs-warmup': { type: 'string', default: '0' },
    'no-tfjs': { type: 'boolean', default: false },
    'no-onnx': { type: 'boolean', default: false },
    threads: { type: 'string' },
    weights: { type: 'string' },
    ab: { type: 'string' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const RUNS = Number(values.runs);
const TFJS_RUNS = Number(values['tfjs-runs']);
const TFJS_WARMUP = Number(values['tfjs-warmup']);
const THREADS = values.threads === undefined ? undefined : Number(values.threads);
const TFJS_SIZE = 256;

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
const style = await import(pathToFileURL(join(root, 'packages/style/dist/src/index.js')).href);

// ---------------------------------------------------------------- network plan
// conv1_1 .. conv5_1 of VGG-19 with 2x2/2 average pooling between blocks (cs20).
const PLAN = [
  ['conv1_1', 3, 64],
  ['conv1_2', 64, 64],
  'pool',
  ['conv2_1', 64, 128],
  ['conv2_2', 128, 128],
  'pool',
  ['conv3_1', 128, 256],
  ['conv3_2', 256, 256],
  ['conv3_3', 256, 256],
  ['conv3_4', 256, 256],
  'pool',
  ['conv4_1', 256, 512],
  ['conv4_2', 512, 512],
  ['conv4_3', 512, 512],
  ['conv4_4', 512, 512],
  'pool',
  ['conv5_1', 512, 512],
];
const kerasName = (l) => `block${l[4]}_conv${l[6]}`;
const CS20 = style.CS20_LOSS;

/** Forward + input-gradient FLOPs of the conv stack for an H x W image. */
function gflopPerIter(h, w) {
  let flop = 0;
  for (const step of PLAN) {
    if (step === 'pool') {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      continue;
    }
    flop += 2 * (2 * step[1] * step[2] * 9 * h * w);
  }
  return flop / 1e9;
}

// ---------------------------------------------------------------- data
function xorshift(seed) {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A preprocessed NCHW image (BGR, 0..255 minus the ImageNet mean), smooth random blobs. */
function image(h, w, seed) {
  const rnd = xorshift(seed);
  const mean = [103.939, 116.779, 123.68];
  const out = new Float32Array(3 * h * w);
  const waves = Array.from({ length: 6 }, () => [rnd() * 0.2, rnd() * 0.2, rnd() * 6.28, rnd()]);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (const [fy, fx, ph, a] of waves) v += a * Math.sin(fy * y + fx * x + ph + c);
        out[(c * h + y) * w + x] = Math.max(0, Math.min(255, 128 + 40 * v + 30 * (rnd() - 0.5))) - mean[c];
      }
    }
  }
  return out;
}

function initial(content, seed) {
  const rnd = xorshift(seed);
  return content.map((v) => 0.6 * (rnd() * 40 - 20) + 0.4 * v);
}

async function loadVgg() {
  // An explicit --weights must load; only the shared default falls back to random weights.
  if (values.weights !== undefined) return { weights: await style.loadWeights(values.weights), source: values.weights };
  const path = join(root, '..', 'shared', 'weights', 'vgg19-imagenet-uint8');
  if (existsSync(path)) return { weights: await style.loadWeights(path), source: 'shared-vgg19-uint8' };
  const rnd = xorshift(12345);
  const weights = new Map();
  for (const step of PLAN) {
    if (step === 'pool') continue;
    const [name, cin, cout] = step;
    // He-uniform keeps activations in range through 13 ReLU layers.
    const a = Math.sqrt(6 / (9 * cin));
    const kernel = new Float32Array(cout * cin * 9).map(() => (rnd() * 2 - 1) * a);
    weights.set(kerasName(name), {
      name: kerasName(name),
      outChannels: cout,
      inChannels: cin,
      kh: 3,
      kw: 3,
      kernel,
      bias: new Float32Array(cout),
    });
  }
  // The rest of VGG-19 (after conv5_1) is never used but StyleModel may validate it.
  for (const [name, cin] of [
    ['conv5_2', 512],
    ['conv5_3', 512],
    ['conv5_4', 512],
  ]) {
    weights.set(kerasName(name), {
      name: kerasName(name),
      outChannels: 512,
      inChannels: cin,
      kh: 3,
      kw: 3,
      kernel: new Float32Array(512 * cin * 9),
      bias: new Float32Array(512),
    });
  }
  return { weights, source: 'random' };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// The 1-minute load average goes into each line: on a shared machine it says how far to trust a figure.
const emit = (o) => console.log(JSON.stringify({ ...o, load_avg_1m: round(loadavg()[0], 3) }));
const round = (v, d = 4) => Number(v.toPrecision(d));

const { weights, source } = await loadVgg();
const results = {};

// ---------------------------------------------------------------- onnxruntime
async function onnxRun(size) {
  const { StyleModel } = style;
  const threads = THREADS ?? availableParallelism();
  const model = await StyleModel.create({ weights, variant: 'vgg19', height: size, width: size, loss: CS20, threads });
  try {
    const content = image(size, size, 1);
    const styleImg = image(size, size, 2);
    const ct = await model.contentTargets(content);
    const st = await model.styleTargets(styleImg, size, size);
    const x = initial(content, 3);
    const first = await model.evaluate(x, ct, st);
    const times = [];
    const cpu = [];
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      await model.evaluate(x, ct, st);
      times.push((performance.now() - t) / 1000);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1e6);
    }
    const gflop = gflopPerIter(size, size);
    const seconds = median(times);
    results[`style_iter_${size}`] = seconds;
    emit({
      name: `style_iter_${size}`,
      seconds: round(seconds),
      min_seconds: round(Math.min(...times)),
      cpu_seconds: round(median(cpu)),
      gflop_per_iter: round(gflop),
      gflop_per_s: round(gflop / seconds),
      gflop_per_cpu_s: round(gflop / median(cpu)),
      runs: RUNS,
      threads,
      weights: source,
      engine: 'onnxruntime-node',
    });
    return { evaluation: first, content, styleImg, x };
  } finally {
    await model.release();
  }
}

// ---------------------------------------------------------------- tfjs wasm
async function tfjsSetup() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // tfjs-core's npm bundles ship no gradient registrations (the @tensorflow/tfjs
  // union package adds them); bundle dist/register_all_gradients with esbuild and
  // load it: gradients go to tfjs's global registry, shared with this copy.
  const { build } = await import('esbuild');
  const out = await build({
    stdin: { contents: "import '@tensorflow/tfjs-core/dist/register_all_gradients';", resolveDir: root },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  await tf.setBackend('wasm');
  await tf.ready();
  return { tf, threads: wasm.getThreadsCount(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') };
}

function nchwToNhwc(a, h, w) {
  const out = new Float32Array(a.length);
  for (let c = 0; c < 3; c++) for (let i = 0; i < h * w; i++) out[i * 3 + c] = a[c * h * w + i];
  return out;
}

async function tfjsRun(size, reference) {
  const { tf, threads, simd } = await tfjsSetup();
  const K = {};
  const B = {};
  for (const step of PLAN) {
    if (step === 'pool') continue;
    const w = weights.get(kerasName(step[0]));
    // ONNX [out, in, kh, kw] -> tfjs/Keras [kh, kw, in, out]
    K[step[0]] = tf.tidy(() => tf.transpose(tf.tensor4d(w.kernel, [w.outChannels, w.inChannels, 3, 3]), [2, 3, 1, 0]));
    B[step[0]] = tf.tensor1d(w.bias);
  }
  const features = (x) => {
    const f = {};
    let h = x;
    for (const step of PLAN) {
      if (step === 'pool') h = tf.avgPool(h, 2, 2, 'valid');
      else f[step[0]] = h = tf.relu(tf.add(tf.conv2d(h, K[step[0]], 1, 'same'), B[step[0]]));
    }
    return f;
  };
  const gram = (F) => {
    const [, hh, ww, c] = F.shape;
    const m = tf.reshape(F, [hh * ww, c]);
    return tf.matMul(m, m, true, false);
  };
  const content = reference?.content ?? image(size, size, 1);
  const styleImg = reference?.styleImg ?? image(size, size, 2);
  const xData = reference?.x ?? initial(content, 3);
  const toTensor = (a) => tf.tensor4d(nchwToNhwc(a, size, size), [1, size, size, 3]);
  const P = tf.tidy(() => features(toTensor(content))[CS20.contentLayers[0].layer]);
  const A = tf.tidy(() => {
    const f = features(toTensor(styleImg));
    return Object.fromEntries(CS20.styleLayers.map(({ layer }) => [layer, gram(f[layer])]));
  });
  const loss = (x) => {
    const f = features(x);
    const F = f[CS20.contentLayers[0].layer];
    const contentLoss = tf.div(tf.sum(tf.square(tf.sub(F, P))), 4 * P.size);
    let styleLoss = tf.scalar(0);
    for (const { layer, weight } of CS20.styleLayers) {
      const L = f[layer];
      const N = L.shape[3];
      const M = L.shape[1] * L.shape[2];
      const e = tf.div(tf.sum(tf.square(tf.sub(gram(L), A[layer]))), (2 * N * M) ** 2);
      styleLoss = tf.add(styleLoss, tf.mul(weight, e));
    }
    return tf.add(tf.mul(CS20.contentWeight, contentLoss), tf.mul(CS20.styleWeight, styleLoss));
  };
  const valueAndGrad = tf.valueAndGrad(loss);
  const x = toTensor(xData);
  const step = async () => {
    const { value, grad } = valueAndGrad(x);
    const [v, g] = await Promise.all([value.data(), grad.data()]);
    value.dispose();
    grad.dispose();
    return { total: v[0], gradient: g };
  };
  for (let r = 0; r < TFJS_WARMUP; r++) await step();
  const times = [];
  const cpu = [];
  let last;
  for (let r = 0; r < Math.max(1, TFJS_RUNS); r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    last = await step();
    times.push((performance.now() - t) / 1000);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);
  }
  const gflop = gflopPerIter(size, size);
  const seconds = median(times);
  const onnxSeconds = results[`style_iter_${size}`];
  emit({
    name: `style_tfjs_wasm_iter_${size}`,
    seconds: round(seconds),
    cpu_seconds: round(median(cpu)),
    gflop_per_iter: round(gflop),
    gflop_per_s: round(gflop / seconds),
    gflop_per_cpu_s: round(gflop / median(cpu)),
    runs: times.length,
    warmup: TFJS_WARMUP,
    threads,
    simd,
    weights: source,
    engine: 'tfjs-backend-wasm 4.22',
    ...(onnxSeconds === undefined ? {} : { onnx_speedup: round(seconds / onnxSeconds, 3) }),
  });
  return last;
}

function compare(onnx, tfjs, size) {
  // ONNX gradient is NCHW, tfjs NHWC.
  const g = onnx.gradient;
  const t = tfjs.gradient;
  let dot = 0;
  let nn = 0;
  let nt = 0;
  let diff = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < size * size; i++) {
      const a = g[c * size * size + i];
      const b = t[i * 3 + c];
      dot += a * b;
      nn += a * a;
      nt += b * b;
      diff += (a - b) ** 2;
    }
  }
  emit({
    name: `style_tfjs_vs_onnx_${size}`,
    loss_onnx: round(onnx.total, 7),
    loss_tfjs: round(tfjs.total, 7),
    loss_rel_diff: round(Math.abs(onnx.total - tfjs.total) / Math.abs(tfjs.total), 3),
    grad_rel_l2: round(Math.sqrt(diff / nt), 3),
    grad_cosine: round(dot / Math.sqrt(nn * nt), 7),
    onnx_content: round(onnx.content, 7),
    onnx_style: round(onnx.style, 7),
  });
}

// ---------------------------------------------------------------- A/B of options
async function abRun(size, variants) {
  const { StyleModel } = style;
  const content = image(size, size, 1);
  const styleImg = image(size, size, 2);
  const x = initial(content, 3);
  const models = [];
  try {
    for (const v of variants) {
      const model = await StyleModel.create({
        weights,
        variant: 'vgg19',
        height: size,
        width: size,
        loss: CS20,
        ...(THREADS === undefined ? {} : { threads: THREADS }),
        ...(v.session === undefined ? {} : { session: v.session }),
        ...(v.backward === undefined ? {} : { backward: v.backward }),
      });
      const ct = await model.contentTargets(content);
      const st = await model.styleTargets(styleImg, size, size);
      await model.releaseTargetSessions();
      const first = await model.evaluate(x, ct, st); // warm-up
      models.push({ v, model, ct, st, gradient: first.gradient, times: [], cpu: [] });
    }
    for (let r = 0; r < RUNS; r++) {
      for (const m of r % 2 === 0 ? models : [...models].reverse()) {
        const t = performance.now();
        const c = process.cpuUsage();
        await m.model.evaluate(x, m.ct, m.st);
        m.times.push((performance.now() - t) / 1000);
        const d = process.cpuUsage(c);
        m.cpu.push((d.user + d.system) / 1e6);
      }
    }
    const g0 = models[0].gradient;
    const scale = g0.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    for (const m of models) {
      let diff = 0;
      for (let i = 0; i < g0.length; i++) diff = Math.max(diff, Math.abs(m.gradient[i] - g0[i]));
      emit({
        name: `style_ab_${size}_${m.v.name}`,
        seconds: round(median(m.times)),
        min_seconds: round(Math.min(...m.times)),
        cpu_seconds: round(median(m.cpu)),
        gflop_per_cpu_s: round(gflopPerIter(size, size) / median(m.cpu)),
        grad_max_rel_diff: round(diff / scale, 3),
        runs: RUNS,
        session: m.v.session ?? {},
        backward: m.v.backward ?? {},
        weights: source,
      });
    }
  } finally {
    await Promise.all(models.map((m) => m.model.release()));
  }
}

let reference;
if (values.ab !== undefined) {
  await abRun(SIZES[0], JSON.parse(values.ab));
  process.exit(0);
}
if (!values['no-onnx']) {
  for (const size of SIZES) {
    const r = await onnxRun(size);
    if (size === TFJS_SIZE) reference = r;
  }
}
if (!values['no-tfjs']) {
  const t = await tfjsRun(TFJS_SIZE, reference);
  if (reference !== undefined) compare(reference.evaluation, t, TFJS_SIZE);
}
