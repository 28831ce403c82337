/**
 * `@pastiche/style/web` in headless Chromium: the entry bundles for the browser
 * platform (no node:*, no Node-only package); losses and gradients computed by
 * onnxruntime-web in the page (wasm with 2 threads, and WebGPU on Chromium's
 * SwiftShader adapter) match onnxruntime-node's on the same images within 1e-3
 * relative; images, TF.js models and Keras .h5 files load in the page as Node
 * loads them. Skips visibly without Chromium or the shared weights.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import sharp from 'sharp';
import { loadImage } from '../src/image/load.js';
import { CS20_LOSS, type LossSpec } from '../src/losses/spec.js';
import { Adam } from '../src/optim/adam.js';
import { presets } from '../src/presets.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { StyleModel } from '../src/runtime/style-model.js';
import { initialImage } from '../src/stylize/init.js';
import { stylize } from '../src/stylize/index.js';
import { loadKerasH5Weights } from '../src/weights/keras-h5.js';
import { loadTfjsWeights } from '../src/weights/tfjs.js';
import type { VggWeights } from '../src/weights/types.js';
import { randomArray, randomWeights, rng, TINY } from './graph-fixtures.js';
import { absent, chromiumSkip, launchChromium, sharedPath } from '@pastiche/testing';
import { bundleWebEntry, openPage, startWebServer, type WebServer } from './web-harness.js';
import { writeKerasH5 } from './weights-fixtures.js';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;

const skip = chromiumSkip();
const weightsDir = sharedPath('weights', 'vgg19-imagenet-uint8');
const RELATIVE = 1e-3;

/** Weights as plain arrays, for page.evaluate. */
type WireWeights = { name: string; outChannels: number; inChannels: number; kernel: number[]; bias: number[] }[];
function toWire(w: VggWeights): WireWeights {
  return [...w.values()].map((c) => ({
    name: c.name,
    outChannels: c.outChannels,
    inChannels: c.inChannels,
    kernel: Array.from(c.kernel),
    bias: Array.from(c.bias),
  }));
}

/** One evaluation as compared across engines. */
interface Terms {
  content: number;
  style: number;
  tv: number;
  total: number;
  gradient: number[];
}

/** Largest relative differences seen by {@link closeTerms}, reported as test diagnostics. */
let worstLoss = 0;
let worstGradient = 0;

function close(got: number, want: number, what: string): void {
  const relative = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
  worstLoss = Math.max(worstLoss, relative);
  assert.ok(relative <= RELATIVE, `${what}: ${got} vs Node ${want} (relative ${RELATIVE})`);
}

function closeTerms(got: Terms, want: Terms, what: string): void {
  for (const k of ['content', 'style', 'tv', 'total'] as const) close(got[k], want[k], `${what} ${k}`);
  // The gradient as a whole: its difference relative to its largest element.
  const max = want.gradient.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < want.gradient.length; i++)
    worst = Math.max(worst, Math.abs(got.gradient[i]! - want.gradient[i]!));
  worstGradient = Math.max(worstGradient, worst / max);
  assert.ok(worst <= RELATIVE * max, `${what} gradient: max difference ${worst} vs max |g| ${max}`);
}

/** Compares every evaluation and reports the largest differences. */
function compareAll(t: { diagnostic(m: string): void }, got: Terms[], want: Terms[]): void {
  assert.equal(got.length, want.length);
  worstLoss = 0;
  worstGradient = 0;
  got.forEach((g, i) => closeTerms(g, want[i]!, `iterate ${i}`));
  t.diagnostic(
    `largest relative difference: loss terms ${worstLoss.toExponential(2)}, gradient ${worstGradient.toExponential(2)}`,
  );
}

/**
 * Node's reference: a few Adam iterations from a mixed-noise start; returns the
 * images visited and their terms, so the page evaluates exactly those images.
 */
async function nodeIterations(o: {
  weights: VggWeights;
  architecture?: typeof TINY;
  size: number;
  loss: LossSpec;
  content: Float32Array;
  style: Float32Array;
  iterations: number;
}): Promise<{ images: number[][]; terms: Terms[] }> {
  const model = await StyleModel.create({
    weights: o.weights,
    ...(o.architecture === undefined ? {} : { architecture: o.architecture }),
    height: o.size,
    width: o.size,
    loss: o.loss,
    runtime: nodeRuntime,
  });
  try {
    const ct = await model.contentTargets(o.content);
    const st = await model.styleTargets(o.style, o.size, o.size);
    const x = initialImage(o.content, { mode: 'mix', seed: 7, noiseRange: 20, noiseRatio: 0.6 });
    const images: number[][] = [];
    const terms: Terms[] = [];
    const evaluate = async (image: Float32Array) => {
      images.push(Array.from(image));
      const e = await model.evaluate(image, ct, st);
      terms.push({ content: e.content, style: e.style, tv: e.tv, total: e.total, gradient: Array.from(e.gradient) });
      return { ...e, loss: e.total };
    };
    const adam = new Adam({ lr: 2 });
    let at = await evaluate(x);
    for (let i = 0; i < o.iterations; i++) at = await adam.step(x, at, evaluate);
    return { images, terms };
  } finally {
    await model.release();
  }
}

/** The page's side: the same model on onnxruntime-web, evaluating the given images. */
async function pageEvaluations(
  page: Page,
  args: {
    weights: WireWeights | { url: string };
    tiny: boolean;
    size: number;
    loss: LossSpec;
    content: number[];
    style: number[];
    images: number[][];
    providers: string[];
  },
): Promise<{ terms: Terms[]; provider: string; threads: number; skipped: string[] }> {
  const out = await page.evaluate(async (a) => {
    const m = await import('/pastiche-style.js' as string);
    const runtime = m.sharedWebRuntime();
    let weights: unknown;
    if ('url' in a.weights) weights = await m.loadWebWeights(a.weights.url);
    else
      weights = new Map(
        a.weights.map((c) => [
          c.name,
          { ...c, kh: 3, kw: 3, kernel: Float32Array.from(c.kernel), bias: Float32Array.from(c.bias) },
        ]),
      );
    const model = await m.createWebStyleModel({
      weights,
      ...(a.tiny
        ? {
            architecture: {
              inChannels: 3,
              blocks: [
                { channels: 4, convs: 2 },
                { channels: 5, convs: 1 },
                { channels: 6, convs: 1 },
              ],
            },
          }
        : {}),
      height: a.size,
      width: a.size,
      loss: a.loss,
      executionProviders: a.providers,
    });
    const ct = await model.contentTargets(Float32Array.from(a.content));
    const st = await model.styleTargets(Float32Array.from(a.style), a.size, a.size);
    const terms = [];
    for (const image of a.images) {
      const e = await model.evaluate(Float32Array.from(image), ct, st);
      terms.push({ content: e.content, style: e.style, tv: e.tv, total: e.total, gradient: Array.from(e.gradient) });
    }
    await model.release();
    return { terms, provider: runtime.provider, threads: runtime.threads, skipped: runtime.skipped };
  }, args);
  return out as { terms: Terms[]; provider: string; threads: number; skipped: string[] };
}

/** The tiny network's loss: its own layer names (conv1_1 .. conv3_1). */
const TINY_LOSS: LossSpec = {
  contentLayers: [{ layer: 'conv2_1', weight: 1 }],
  styleLayers: [
    { layer: 'conv1_1', weight: 1 },
    { layer: 'conv3_1', weight: 2 },
  ],
  contentWeight: 1,
  styleWeight: 10,
  tvWeight: 0.1,
  pooling: 'max',
  normalization: 'mean',
};

async function configure(page: Page, threads: number, providers: string[]): Promise<void> {
  await page.evaluate(
    async ([threads, providers]) => {
      const m = await import('/pastiche-style.js' as string);
      m.configureWebRuntime({ wasmPaths: '/ort/', threads, executionProviders: providers });
    },
    [threads, providers] as const,
  );
}

suite('web entry in headless Chromium', { skip }, () => {
  let server: WebServer;
  let tmp: string;
  let bundleInputs: string[] = [];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pastiche-web-'));
    const { code, inputs } = await bundleWebEntry();
    bundleInputs = inputs;
    const png = await sharp(Buffer.from(randomBytes(40 * 24 * 4, 3)), { raw: { width: 40, height: 24, channels: 4 } })
      .png()
      .toBuffer();
    const h5 = join(tmp, 'vgg16.h5');
    await writeKerasH5(h5, { variant: 'vgg16', layout: 'keras2' });
    server = await startWebServer(code, { 'image.png': new Uint8Array(png), 'vgg16.h5': await readFile(h5) });
  });

  after(async () => {
    await server?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('the bundle holds no Node built-in and no Node-only package', () => {
    const nodeOnly = bundleInputs.filter((p) =>
      /^node:|onnxruntime-node|[\\/]sharp[\\/]|h5wasm[\\/]dist[\\/]node/.test(p),
    );
    assert.deepEqual(nodeOnly, []);
    assert.ok(bundleInputs.some((p) => p.includes('onnxruntime-web')));
  });

  suite('wasm provider, 2 threads', () => {
    let browser: Browser;
    let page: Page;
    before(async () => {
      browser = await launchChromium();
      page = await openPage(browser, server.base);
      await configure(page, 2, ['wasm']);
    });
    after(async () => browser?.close());

    test('the page is cross-origin isolated (threads need SharedArrayBuffer)', async () => {
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
    });

    test('tiny network: losses and gradients of 4 Adam iterates match onnxruntime-node', async (t) => {
      const size = 32;
      const weights = randomWeights(TINY, 3);
      const random = rng(11);
      const content = randomArray(3 * size * size, random, 100);
      const style = randomArray(3 * size * size, random, 100);
      const ref = await nodeIterations({
        weights,
        architecture: TINY,
        size,
        loss: TINY_LOSS,
        content,
        style,
        iterations: 4,
      });
      const got = await pageEvaluations(page, {
        weights: toWire(weights),
        tiny: true,
        size,
        loss: TINY_LOSS,
        content: Array.from(content),
        style: Array.from(style),
        images: ref.images,
        providers: ['wasm'],
      });
      assert.equal(got.provider, 'wasm');
      assert.equal(got.threads, 2);
      assert.equal(got.terms.length, 5);
      compareAll(t, got.terms, ref.terms);
      // The iterates moved: the comparison covers more than one point.
      assert.notEqual(ref.terms[4]!.total, ref.terms[0]!.total);
    });

    test('VGG-19 (shared uint8 weights from /weights/model.json) at 64 px: cs20 losses match', async (t) => {
      if (weightsDir === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
      const size = 64;
      const weights = await loadTfjsWeights(join(weightsDir, 'model.json'));
      const random = rng(5);
      const content = randomArray(3 * size * size, random, 110);
      const style = randomArray(3 * size * size, random, 110);
      const ref = await nodeIterations({ weights, size, loss: CS20_LOSS, content, style, iterations: 2 });
      const got = await pageEvaluations(page, {
        weights: { url: '/weights/model.json' },
        tiny: false,
        size,
        loss: CS20_LOSS,
        content: Array.from(content),
        style: Array.from(style),
        images: ref.images,
        providers: ['wasm'],
      });
      compareAll(t, got.terms, ref.terms);
    });

    test('weights kept in the Cache API load again without a request', async (t) => {
      if (weightsDir === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
      const load = () =>
        page.evaluate(async () => {
          const m = await import('/pastiche-style.js' as string);
          const w: Map<string, { kernel: Float32Array }> = await m.loadWebWeights('/weights/model.json', {
            cache: 'pastiche-test',
          });
          return [w.size, w.get('block5_conv4')!.kernel[7]];
        });
      const before = server.requests.length;
      const first = await load();
      const fetched = server.requests.slice(before).filter((p) => p.startsWith('/weights/')).length;
      const second = await load();
      const again = server.requests.slice(before).filter((p) => p.startsWith('/weights/')).length - fetched;
      assert.equal(fetched, 21);
      assert.equal(again, 0);
      assert.deepEqual(second, first);
    });

    test('a Keras .h5 fetched by URL loads as the Node loader reads it', async () => {
      const node = await loadKerasH5Weights(join(tmp, 'vgg16.h5'));
      const want = [...node.values()].map((c) => [c.name, c.kernel.length, c.kernel[1], c.kernel.at(-1), c.bias[0]]);
      const got = await page.evaluate(async () => {
        const m = await import('/pastiche-style.js' as string);
        const w: Map<string, { name: string; kernel: Float32Array; bias: Float32Array }> =
          await m.loadWebWeights('/files/vgg16.h5');
        return [...w.values()].map((c) => [c.name, c.kernel.length, c.kernel[1], c.kernel.at(-1), c.bias[0]]);
      });
      assert.deepEqual(got, want);
    });

    test('a PNG Blob decodes to the pixels sharp decodes; ImageData passes through unchanged', async () => {
      const png = await readFile(await pngPath(tmp));
      const node = await loadImage(new Uint8Array(png), { name: 'image.png' });
      const got = await page.evaluate(async () => {
        const m = await import('/pastiche-style.js' as string);
        const blob = await (await fetch('/files/image.png')).blob();
        const img = await m.loadWebImage(blob, { name: 'image.png' });
        const again = await m.loadWebImage(m.toImageData(img));
        const fit = await m.loadWebImage(blob, { width: 16, height: 16 });
        const longest = await m.loadWebImage(blob, { maxSide: 20, minSide: 1 });
        return {
          data: Array.from(img.data as Float32Array),
          width: img.width,
          height: img.height,
          notes: img.notes,
          same: (again.data as Float32Array).every((v: number, i: number) => v === img.data[i]),
          fit: [fit.width, fit.height],
          longest: [longest.width, longest.height],
        };
      });
      assert.deepEqual([got.width, got.height], [node.width, node.height]);
      assert.deepEqual(got.notes, node.notes);
      // Both flatten alpha onto white; browsers and libvips may round the blend differently by one level.
      let worst = 0;
      for (let i = 0; i < got.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - node.data[i]!));
      assert.ok(worst <= 1.0001, `largest pixel difference ${worst}`);
      assert.equal(got.same, true);
      assert.deepEqual(got.fit, [16, 16]);
      assert.deepEqual(got.longest, [20, 12]);
    });

    test('stylize(): cs20 preset, 3 Adam steps at 48 x 32 on ImageData: the history matches Node stylize()', async (t) => {
      if (weightsDir === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
      const [width, height] = [48, 32];
      const contentRgb = randomBytes(width * height * 3, 21);
      const styleRgb = randomBytes(width * height * 3, 22);
      const controls = { preset: 'cs20' as const, width, height, iterations: 3, saveEvery: 2 };
      const node = await stylize({
        ...controls,
        content: { pixels: contentRgb, width, height, channels: 3 },
        style: { pixels: styleRgb, width, height, channels: 3 },
        weights: await loadTfjsWeights(join(weightsDir, 'model.json')),
        threads: 2,
      });
      const got = await page.evaluate(
        async (a) => {
          const m = await import('/pastiche-style.js' as string);
          const toImageData = (rgb: number[]) => {
            const four = new Uint8ClampedArray(a.width * a.height * 4);
            for (let i = 0; i < a.width * a.height; i++) {
              four.set(rgb.slice(3 * i, 3 * i + 3), 4 * i);
              four[4 * i + 3] = 255;
            }
            return new ImageData(four, a.width, a.height);
          };
          const events: number[] = [];
          const snapshots: number[] = [];
          const r = await m.stylize({
            ...a.controls,
            content: toImageData(a.content),
            style: toImageData(a.style),
            weights: '/weights/model.json',
            onProgress: (e: { iteration: number }) => {
              events.push(e.iteration);
            },
            onImage: (img: { iteration: number }) => {
              snapshots.push(img.iteration);
            },
          });
          return {
            history: r.history.map((h: { total: number }) => h.total),
            final: r.final?.total,
            events,
            snapshots,
            provider: r.provider,
            size: [r.best.width, r.best.height, r.best.pixels.length],
          };
        },
        { controls, width, height, content: Array.from(contentRgb), style: Array.from(styleRgb) },
      );
      assert.deepEqual(got.events, [0, 1, 2, 3]);
      assert.deepEqual(got.snapshots, [2, 3]);
      assert.equal(got.provider, 'wasm');
      assert.deepEqual(got.size, [width, height, width * height * 3]);
      assert.equal(got.history.length, node.history.length);
      got.history.forEach((v: number, i: number) => close(v, node.history[i]!.total, `iteration ${i} total`));
      close(got.final!, node.final!.total, 'final total');
    });

    test('stylize(): an abort with onAbort return keeps the best image so far', async (t) => {
      if (weightsDir === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
      const got = await page.evaluate(async () => {
        const m = await import('/pastiche-style.js' as string);
        const pixels = new Uint8ClampedArray(32 * 32 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
        const controller = new AbortController();
        const r = await m.stylize({
          preset: 'cs20',
          width: 32,
          height: 32,
          iterations: 50,
          onAbort: 'return',
          content: new ImageData(pixels, 32, 32),
          style: new ImageData(
            pixels.map((v, i) => (i % 4 === 3 ? 255 : 255 - v)),
            32,
            32,
          ),
          weights: '/weights/model.json',
          signal: controller.signal,
          onProgress: (e: { iteration: number }) => {
            if (e.iteration === 2) controller.abort();
          },
        });
        return { interrupted: r.interrupted, iterations: r.history.length, best: [r.best.width, r.best.pixels.length] };
      });
      assert.equal(got.interrupted, true);
      assert.ok(got.iterations <= 4, `${got.iterations} iterations recorded after the abort at 2`);
      assert.deepEqual(got.best, [32, 32 * 32 * 3]);
    });

    test('without WebGPU, [webgpu, wasm] falls back to wasm', async () => {
      const provider = await page.evaluate(
        async (wire) => {
          const m = await import('/pastiche-style.js' as string);
          const runtime = m.createWebRuntime({ executionProviders: ['webgpu', 'wasm'] });
          const model = await m.createWebStyleModel({
            weights: new Map(
              wire.map((c) => [
                c.name,
                { ...c, kh: 3, kw: 3, kernel: Float32Array.from(c.kernel), bias: Float32Array.from(c.bias) },
              ]),
            ),
            architecture: {
              inChannels: 3,
              blocks: [
                { channels: 4, convs: 2 },
                { channels: 5, convs: 1 },
                { channels: 6, convs: 1 },
              ],
            },
            height: 16,
            width: 16,
            loss: {
              contentLayers: [{ layer: 'conv2_1', weight: 1 }],
              styleLayers: [{ layer: 'conv1_1', weight: 1 }],
              contentWeight: 1,
              styleWeight: 1,
              tvWeight: 0,
              pooling: 'avg',
              normalization: 'mean',
            },
            runtime,
          });
          await model.release();
          return runtime.provider;
        },
        toWire(randomWeights(TINY, 1)),
      );
      assert.equal(provider, 'wasm');
    });

    test('a provider that cannot start is named with its reason', async () => {
      const message = await page.evaluate(async () => {
        const m = await import('/pastiche-style.js' as string);
        const runtime = m.createWebRuntime({ executionProviders: ['webgpu'] });
        try {
          await runtime.createSession(new Uint8Array([1, 2, 3]));
          return 'no error';
        } catch (e) {
          return `${(e as { code: string }).code}: ${(e as Error).message}`;
        }
      });
      assert.match(
        message,
        /^RUNTIME: No execution provider of onnxruntime-web could start the graph \(tried webgpu\): webgpu: .+$/,
      );
    });
  });

  suite('WebGPU provider (SwiftShader adapter)', () => {
    let browser: Browser;
    let page: Page;
    before(async () => {
      browser = await launchChromium({ webgpu: true });
      page = await openPage(browser, server.base);
      await configure(page, 1, ['webgpu']);
    });
    after(async () => browser?.close());

    test('requestAdapter() and requestDevice() succeed', async () => {
      const ok = await page.evaluate(async () => {
        const gpu = (
          navigator as unknown as { gpu?: { requestAdapter(): Promise<{ requestDevice(): Promise<unknown> } | null> } }
        ).gpu;
        const adapter = await gpu?.requestAdapter();
        return adapter != null && (await adapter.requestDevice()) != null;
      });
      assert.equal(ok, true);
    });

    test('tiny network: losses and gradients of 4 Adam iterates match onnxruntime-node', async (t) => {
      const size = 32;
      const weights = randomWeights(TINY, 4);
      const random = rng(12);
      const content = randomArray(3 * size * size, random, 100);
      const style = randomArray(3 * size * size, random, 100);
      const loss = { ...TINY_LOSS, pooling: presets.cs20.loss.pooling };
      const ref = await nodeIterations({ weights, architecture: TINY, size, loss, content, style, iterations: 4 });
      const got = await pageEvaluations(page, {
        weights: toWire(weights),
        tiny: true,
        size,
        loss,
        content: Array.from(content),
        style: Array.from(style),
        images: ref.images,
        providers: ['webgpu'],
      });
      assert.equal(got.provider, 'webgpu');
      compareAll(t, got.terms, ref.terms);
    });

    test('VGG-19 (shared uint8 weights) at 32 px, cs20 loss (average pooling): losses match', async (t) => {
      if (weightsDir === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
      const size = 32;
      const weights = await loadTfjsWeights(join(weightsDir, 'model.json'));
      const random = rng(6);
      const content = randomArray(3 * size * size, random, 110);
      const style = randomArray(3 * size * size, random, 110);
      const ref = await nodeIterations({ weights, size, loss: CS20_LOSS, content, style, iterations: 2 });
      const got = await pageEvaluations(page, {
        weights: { url: '/weights/model.json' },
        tiny: false,
        size,
        loss: CS20_LOSS,
        content: Array.from(content),
        style: Array.from(style),
        images: ref.images,
        providers: ['webgpu'],
      });
      assert.equal(got.provider, 'webgpu');
      compareAll(t, got.terms, ref.terms);
    });

    test('max pooling: WebGPU fails its first run (no MaxPool Indices), [webgpu, wasm] moves to wasm', async (t) => {
      const size = 32;
      const weights = randomWeights(TINY, 5);
      const random = rng(13);
      const content = randomArray(3 * size * size, random, 100);
      const style = randomArray(3 * size * size, random, 100);
      const ref = await nodeIterations({
        weights,
        architecture: TINY,
        size,
        loss: TINY_LOSS,
        content,
        style,
        iterations: 1,
      });
      const got = await pageEvaluations(page, {
        weights: toWire(weights),
        tiny: true,
        size,
        loss: TINY_LOSS,
        content: Array.from(content),
        style: Array.from(style),
        images: ref.images,
        providers: ['webgpu', 'wasm'],
      });
      assert.equal(got.provider, 'wasm');
      assert.equal(got.skipped.length, 1);
      assert.match(got.skipped[0]!, /^webgpu: run failed: .*Trying to get a Tensor, but got: \(null\)/);
      compareAll(t, got.terms, ref.terms);
    });
  });
});

/** Deterministic bytes (RGBA with some transparent pixels). */
function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

async function pngPath(dir: string): Promise<string> {
  const p = join(dir, 'image.png');
  const png = await sharp(Buffer.from(randomBytes(40 * 24 * 4, 3)), { raw: { width: 40, height: 24, channels: 4 } })
    .png()
    .toFile(p);
  void png;
  return p;
}
