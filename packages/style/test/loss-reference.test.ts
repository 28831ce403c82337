/**
 * The graph's losses against a direct, slow TypeScript implementation in float64
 * (naive conv loops, pooling, Gram, the cs20 formulas as the seed writes them) on a
 * tiny random network.
 */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import type { LossSpec } from '../src/losses/spec.js';
import { convLayers, VGG_ARCHITECTURES } from '../src/network/vgg.js';
import type { VggArchitecture } from '../src/network/vgg.js';
import { StyleModel } from '../src/runtime/style-model.js';
import type { VggWeights } from '../src/weights/types.js';
import { TINY, randomArray, randomWeights, rng } from './graph-fixtures.js';

/** A feature map: c x h x w, row-major, float64. */
interface Map3 {
  c: number;
  h: number;
  w: number;
  d: Float64Array;
}

function conv3x3Relu(x: Map3, kernel: Float32Array, bias: Float32Array, out: number): Map3 {
  const { c, h, w } = x;
  const d = new Float64Array(out * h * w);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        let s = bias[o]!;
        for (let ci = 0; ci < c; ci++)
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++) {
              const y = i + a - 1;
              const z = j + b - 1;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              s += kernel[((o * c + ci) * 3 + a) * 3 + b]! * x.d[(ci * h + y) * w + z]!;
            }
        d[(o * h + i) * w + j] = Math.max(0, s);
      }
  return { c: out, h, w, d };
}

function pool(x: Map3, kind: 'avg' | 'max'): Map3 {
  const h = Math.floor(x.h / 2);
  const w = Math.floor(x.w / 2);
  const d = new Float64Array(x.c * h * w);
  for (let c = 0; c < x.c; c++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const v = [0, 1, 2, 3].map((k) => x.d[(c * x.h + 2 * i + (k >> 1)) * x.w + 2 * j + (k & 1)]!);
        d[(c * h + i) * w + j] = kind === 'avg' ? (v[0]! + v[1]! + v[2]! + v[3]!) / 4 : Math.max(...v);
      }
  return { c: x.c, h, w, d };
}

/** Post-ReLU features of every conv (up to `upTo`), by name. */
function features(
  arch: VggArchitecture,
  weights: VggWeights,
  image: Float32Array,
  h: number,
  w: number,
  pooling: 'avg' | 'max',
  upTo?: string,
): Map<string, Map3> {
  let x: Map3 = { c: 3, h, w, d: Float64Array.from(image) };
  const out = new Map<string, Map3>();
  let block = 1;
  for (const l of convLayers(arch)) {
    if (upTo !== undefined && out.has(upTo)) break;
    if (l.block !== block) {
      x = pool(x, pooling);
      block = l.block;
    }
    const wt = weights.get(l.keras)!;
    x = conv3x3Relu(x, wt.kernel, wt.bias, l.outChannels);
    out.set(l.name, x);
  }
  return out;
}

/** The seed's Gram: F reshaped to [M, N], G = F^T F (raw, not divided by M). */
function rawGram(f: Map3): Float64Array {
  const m = f.h * f.w;
  const g = new Float64Array(f.c * f.c);
  for (let a = 0; a < f.c; a++)
    for (let b = 0; b < f.c; b++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += f.d[a * m + p]! * f.d[b * m + p]!;
      g[a * f.c + b] = s;
    }
  return g;
}

function sumSqDiff(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

function tv(x: Float32Array, c: number, h: number, w: number, mean: boolean): number {
  let sh = 0;
  let sw = 0;
  for (let k = 0; k < c; k++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const v = x[(k * h + i) * w + j]!;
        if (i + 1 < h) sh += (x[(k * h + i + 1) * w + j]! - v) ** 2;
        if (j + 1 < w) sw += (x[(k * h + i) * w + j + 1]! - v) ** 2;
      }
  return mean ? sh / (c * (h - 1) * w) + sw / (c * h * (w - 1)) : sh + sw;
}

const spec = (pooling: 'avg' | 'max', normalization: 'cs20' | 'mean'): LossSpec => ({
  contentLayers: [{ layer: 'conv2_1', weight: 1 }],
  styleLayers: [
    { layer: 'conv1_1', weight: 0.5 },
    { layer: 'conv2_1', weight: 1.5 },
    { layer: 'conv3_1', weight: 4 },
  ],
  contentWeight: 0.01,
  styleWeight: 1,
  tvWeight: 0.001,
  pooling,
  normalization,
});

function close(actual: number, expected: number, what: string, tol = 1e-4): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  assert.ok(err < tol, `${what}: graph ${actual} vs reference ${expected} (relative error ${err})`);
}

suite('losses against a direct TypeScript reference', () => {
  const cases = [
    { pooling: 'avg', normalization: 'cs20', h: 11, w: 9, sh: 11, sw: 9 },
    { pooling: 'max', normalization: 'cs20', h: 10, w: 13, sh: 10, sw: 13 },
    { pooling: 'avg', normalization: 'mean', h: 9, w: 12, sh: 14, sw: 8 },
  ] as const;
  for (const k of cases) {
    test(`${k.normalization}, ${k.pooling} pooling, image ${k.h}x${k.w}, style ${k.sh}x${k.sw}`, async () => {
      const weights = randomWeights(TINY, 9);
      const loss = spec(k.pooling, k.normalization);
      const random = rng(k.h * 31 + k.w);
      const contentImg = randomArray(3 * k.h * k.w, random, 60);
      const styleImg = randomArray(3 * k.sh * k.sw, random, 60);
      const x = randomArray(3 * k.h * k.w, random, 60);
      const model = await StyleModel.create({ weights, architecture: TINY, height: k.h, width: k.w, loss, threads: 1 });
      let got;
      try {
        const content = await model.contentTargets(contentImg);
        const style = await model.styleTargets(styleImg, k.sh, k.sw);
        got = await model.evaluate(x, content, style);
        // The content target is the reference's features.
        const ref = features(TINY, weights, contentImg, k.h, k.w, k.pooling).get('conv2_1')!;
        const t = content.layers.get('conv2_1')!.data;
        for (let i = 0; i < ref.d.length; i += 7)
          assert.ok(Math.abs(t[i]! - ref.d[i]!) <= 1e-4 * (1 + Math.abs(ref.d[i]!)));
      } finally {
        await model.release();
      }

      const fx = features(TINY, weights, x, k.h, k.w, k.pooling);
      const fc = features(TINY, weights, contentImg, k.h, k.w, k.pooling);
      const fs = features(TINY, weights, styleImg, k.sh, k.sw, k.pooling);
      let content = 0;
      for (const { layer, weight } of loss.contentLayers) {
        const f = fx.get(layer)!;
        const p = fc.get(layer)!;
        const s = p.d.length;
        content += weight * (k.normalization === 'cs20' ? sumSqDiff(f.d, p.d) / (4 * s) : sumSqDiff(f.d, p.d) / s);
      }
      let style = 0;
      for (const { layer, weight } of loss.styleLayers) {
        const f = fx.get(layer)!;
        const a = fs.get(layer)!;
        const n = f.c;
        const m = f.h * f.w;
        const g = rawGram(f);
        // Style Gram rescaled to the generated image's M (identity when sizes match, as in cs20).
        const ag = rawGram(a).map((v) => (v * m) / (a.h * a.w));
        style +=
          weight *
          (k.normalization === 'cs20'
            ? sumSqDiff(g, ag) / (2 * n * m) ** 2
            : sumSqDiff(g, ag) / (n * m) ** 2 / (n * n));
      }
      const tvRef = tv(x, 3, k.h, k.w, k.normalization === 'mean');
      close(got.content, content, 'content');
      close(got.style, style, 'style');
      close(got.tv, tvRef, 'tv');
      close(got.total, 0.01 * content + style + 0.001 * tvRef, 'total');
    });
  }
});

suite('cs20 loss on VGG-19 shapes (first three convs, random weights)', () => {
  test('matches the reference at conv1_1, conv1_2 and conv2_1 on a 12 x 10 image', async () => {
    const arch = VGG_ARCHITECTURES.vgg19;
    // Only the layers the loss needs: block1_conv1, block1_conv2, block2_conv1 at their VGG-19 shapes.
    const weights = randomWeights(
      {
        inChannels: 3,
        blocks: [
          { channels: 64, convs: 2 },
          { channels: 128, convs: 1 },
        ],
      },
      21,
      0.5,
    );
    const loss: LossSpec = {
      contentLayers: [{ layer: 'conv1_2', weight: 1 }],
      styleLayers: [
        { layer: 'conv1_1', weight: 0.5 },
        { layer: 'conv2_1', weight: 1 },
      ],
      contentWeight: 0.01,
      styleWeight: 1,
      tvWeight: 0,
      pooling: 'avg',
      normalization: 'cs20',
    };
    const [h, w] = [12, 10];
    const random = rng(99);
    const contentImg = randomArray(3 * h * w, random, 100);
    const styleImg = randomArray(3 * h * w, random, 100);
    const x = randomArray(3 * h * w, random, 100);
    const model = await StyleModel.create({ weights, variant: 'vgg19', height: h, width: w, loss, threads: 1 });
    let got;
    try {
      got = await model.evaluate(x, await model.contentTargets(contentImg), await model.styleTargets(styleImg, h, w));
    } finally {
      await model.release();
    }
    const [fx, fc, fs] = [x, contentImg, styleImg].map((img) => features(arch, weights, img, h, w, 'avg', 'conv2_1'));
    const p = fc!.get('conv1_2')!;
    const content = sumSqDiff(fx!.get('conv1_2')!.d, p.d) / (4 * p.d.length);
    let style = 0;
    for (const { layer, weight } of loss.styleLayers) {
      const f = fx!.get(layer)!;
      style += (weight * sumSqDiff(rawGram(f), rawGram(fs!.get(layer)!))) / (2 * f.c * f.h * f.w) ** 2;
    }
    close(got.content, content, 'content');
    close(got.style, style, 'style');
    close(got.total, 0.01 * content + style, 'total');
    assert.equal(got.tv > 0, true);
  });
});
