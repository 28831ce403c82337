/**
 * Memory estimates for untiled and tiled evaluation, from the activation sizes
 * of the graphs, and the window size a budget allows. The factors were measured
 * with onnxruntime-node 1.30 on this machine (getrusage maxRSS, VGG-19 to
 * conv5_1; bench/tiles.mjs prints estimate and peak side by side): a training
 * graph keeps every forward ReLU output for the backward pass and adds gradient
 * temporaries and NCHWc reorder copies ({@link TRAINING_FACTOR}). The tiled evaluator runs its sessions
 * without onnxruntime's arena, so the feature pass's buffers are freed before
 * the gradient pass needs its own and the two never add up.
 */
import { deepestLayer } from '../graph/style-graph.js';
import type { LossSpec } from '../losses/spec.js';
import { CS20_LOSS } from '../losses/spec.js';
import { layersUpTo } from '../network/forward.js';
import type { LayerName, VggArchitecture } from '../network/vgg.js';
import { featureShapes, VGG_ARCHITECTURES } from '../network/vgg.js';
import { axisCount, axisWindow, minimumWindow } from './layout.js';
import type { TileContext } from './receptive-field.js';
import { tileContext } from './receptive-field.js';

/**
 * Peak bytes per byte of forward activations of a training (forward + backward)
 * graph: measured 2.1 at a 320 x 320 window, 1.6 at 480 x 1024, 1.7 at 864 x 800.
 */
export const TRAINING_FACTOR = 2.0;
/**
 * Process bytes per byte of the network's weights up to the deepest layer: the
 * loaded weights in JS (all 16 layers), the model bytes, the session's
 * initializers, flipped kernels and prepacked copies (measured 8.5 for VGG-19 to conv5_1).
 */
export const WEIGHTS_FACTOR = 9;
/** Process bytes outside the evaluator (Node itself, onnxruntime's code), bytes. */
export const BASELINE_BYTES = 200 * 2 ** 20;

/** What a memory estimate depends on; defaults VGG-19 and the cs20 loss's layers and pooling. */
export interface MemoryModel {
  arch?: VggArchitecture;
  loss?: Pick<LossSpec, 'contentLayers' | 'styleLayers' | 'pooling'>;
}

function resolved(m: MemoryModel): { arch: VggArchitecture; layers: LayerName[]; loss: MemoryModel['loss'] & {} } {
  const arch = m.arch ?? VGG_ARCHITECTURES.vgg19;
  const loss = m.loss ?? CS20_LOSS;
  return { arch, loss, layers: [...loss.contentLayers, ...loss.styleLayers].map((l) => l.layer) };
}

/** Bytes of the forward activations (conv outputs, pool outputs, max-pool indices) for an h x w input. */
export function forwardActivationBytes(m: MemoryModel, height: number, width: number): number {
  const { arch, layers, loss } = resolved(m);
  let h = height;
  let w = width;
  let block = 1;
  let bytes = 0;
  let channels = arch.inChannels;
  for (const l of layersUpTo(arch, deepestLayer(arch, layers))) {
    if (l.block !== block) {
      block = l.block;
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      // Pool output, plus int64 indices when max pooling keeps them for the backward pass.
      bytes += channels * h * w * (loss.pooling === 'max' ? 12 : 4);
    }
    bytes += l.outChannels * h * w * 4;
    channels = l.outChannels;
  }
  return bytes;
}

/** Bytes of the weights up to the deepest loss layer. */
export function weightBytes(m: MemoryModel): number {
  const { arch, layers } = resolved(m);
  return layersUpTo(arch, deepestLayer(arch, layers)).reduce(
    (s, l) => s + (l.outChannels * l.inChannels * 9 + l.outChannels) * 4,
    0,
  );
}

/** Bytes per image pixel the evaluators keep in JS: image, gradient, content targets. */
function imageBytesPerPixel(m: MemoryModel, height: number, width: number): number {
  const { arch, loss } = resolved(m);
  const shapes = featureShapes(
    arch,
    height,
    width,
    loss.contentLayers.map((l) => l.layer),
  );
  const targets = Object.values(shapes).reduce((s, [c, h, w]) => s + c * h * w * 4, 0);
  return (2 * arch.inChannels * 4 * height * width + targets) / (height * width);
}

/** Estimated peak RSS of an untiled StyleModel evaluating an h x w image, bytes. */
export function estimateUntiledBytes(m: MemoryModel, height: number, width: number): number {
  return (
    BASELINE_BYTES +
    WEIGHTS_FACTOR * weightBytes(m) +
    TRAINING_FACTOR * forwardActivationBytes(m, height, width) +
    imageBytesPerPixel(m, height, width) * height * width
  );
}

/** Estimated peak RSS of tiled evaluation of an h x w image with windows of wh x ww, bytes. */
export function estimateTiledBytes(
  m: MemoryModel,
  height: number,
  width: number,
  windowHeight: number,
  windowWidth: number,
): number {
  const act = forwardActivationBytes(m, windowHeight, windowWidth);
  return (
    BASELINE_BYTES +
    WEIGHTS_FACTOR * weightBytes(m) +
    TRAINING_FACTOR * act +
    imageBytesPerPixel(m, height, width) * height * width
  );
}

/**
 * True when an untiled evaluation of a `width` x `height` image is estimated to
 * exceed `budget` bytes, so a tiled evaluator should be used.
 */
export function shouldTile(width: number, height: number, budget: number, model: MemoryModel = {}): boolean {
  return estimateUntiledBytes(model, height, width) > budget;
}

/** A window size for tiled evaluation and its cost. */
export interface WindowChoice {
  /** Window size, px. */
  height: number;
  width: number;
  /** Windows per evaluation. */
  tiles: number;
  /** Estimated peak RSS, bytes. */
  bytes: number;
}

/** Share of a budget the estimate may fill: the rest absorbs the estimate's error and the caller's own arrays. */
export const BUDGET_HEADROOM = 0.9;

/**
 * The window whose estimate fits {@link BUDGET_HEADROOM} x `budget` bytes with
 * the least pixels processed per evaluation (windows x window area), or null
 * when even the smallest legal window does not fit. `ctx` defaults to the loss
 * layers' {@link tileContext}.
 */
export function chooseWindow(
  m: MemoryModel,
  height: number,
  width: number,
  budget: number,
  ctx: TileContext = tileContextOf(m),
): WindowChoice | null {
  budget *= BUDGET_HEADROOM;
  let best: WindowChoice | null = null;
  const consider = (wh: number, ww: number): void => {
    const bytes = estimateTiledBytes(m, height, width, wh, ww);
    if (bytes > budget) return;
    const tiles = axisCount(height, wh, ctx) * axisCount(width, ww, ctx);
    const cost = tiles * wh * ww;
    if (!best || cost < best.tiles * best.height * best.width) best = { height: wh, width: ww, tiles, bytes };
  };
  const heights = new Set<number>([height]);
  for (let s = minimumWindow(height, ctx); s < height; s += ctx.align) heights.add(s);
  for (const wh of heights) {
    // The widest window of this height that fits: bisect on the multiples of align.
    let lo = Math.min(minimumWindow(width, ctx), width);
    if (estimateTiledBytes(m, height, width, wh, lo) > budget) continue;
    let hi = width;
    if (estimateTiledBytes(m, height, width, wh, hi) <= budget) lo = hi;
    while (hi - lo > ctx.align) {
      const mid = axisWindow(width, Math.floor((lo + hi) / 2), ctx) ?? lo;
      if (mid <= lo) break;
      if (estimateTiledBytes(m, height, width, wh, mid) <= budget) lo = mid;
      else hi = mid;
    }
    // The narrowest window with as few columns costs the same windows and less area each.
    const n = axisCount(width, lo, ctx);
    let ww = lo;
    for (let s = lo - ctx.align; s >= minimumWindow(width, ctx); s -= ctx.align) {
      if (axisCount(width, s, ctx) !== n) break;
      ww = s;
    }
    consider(wh, ww);
  }
  return best;
}

/** {@link tileContext} of a memory model's loss layers. */
export function tileContextOf(m: MemoryModel): TileContext {
  const { arch, layers } = resolved(m);
  return tileContext(arch, layers);
}
