/**
 * The portable core of a style transfer: given a runtime adapter, a resize
 * function, loaded weights and decoded 8-bit RGB images, it builds one
 * {@link StyleModel} per scale size (kept in a small LRU cache with its style
 * targets), then optimises coarse to fine:
 *
 * - scale 1 starts from the init image at the smallest size; every later
 *   scale starts from the previous scale's result upsampled (Lanczos-3, in
 *   float), with L-BFGS's history reset (its curvature pairs belong to the
 *   old size) or, with lbfgsCarry, upsampled with the image, and Adam's
 *   moments upsampled and carried;
 * - `iterations` counts optimiser steps in total over all scales, split by the
 *   preset's stepShares; a scale ends early when the loss stops falling
 *   (relative decrease per step below `tolerance`);
 * - with bounds on (default preset) every evaluated image stays inside the
 *   displayable range (projection), and the image that is kept is evaluated
 *   once more after 8-bit rounding (and colour transfer): `final` is the loss
 *   of what is written;
 * - several styles mix their Gram targets by blend weight, or, with masks,
 *   each style gets its own guided Gram term over its region.
 *
 * No Node module and no native package here: the Node entry
 * (stylize/stylizer.ts) supplies sharp and onnxruntime-node, the web entry
 * canvas and onnxruntime-web.
 */
import { StyleError } from '../errors.js';
import type { TensorData, RuntimeAdapter } from '../runtime/adapter.js';
import { poolRounding } from '../graph/style-graph.js';
import { fromPixels, toPixels, VGG_MEAN_BGR } from '../image/preprocess.js';
import { MIN_IMAGE_SIDE } from '../limits.js';
import {
  VGG_ARCHITECTURES,
  resolveLayers,
  type LayerName,
  type VggArchitecture,
  type VggVariant,
} from '../network/vgg.js';
import { Adam } from '../optim/adam.js';
import { LBFGS } from '../optim/lbfgs.js';
import { smoothingPreconditioner } from '../optim/smooth.js';
import { project, type Bounds, type Optimizer } from '../optim/types.js';
import { StyleModel, type Evaluation, type GuidedTargets, type Targets } from '../runtime/style-model.js';
import { createTiledEvaluator, type ImageEvaluator } from '../tiles/evaluator.js';
import { shouldTile } from '../tiles/memory.js';
import { tileContext } from '../tiles/receptive-field.js';
import { MAX_OUTPUT_SIDE } from '../limits.js';
import { checkInteger, invalidOption } from '../validate.js';
import type { VggWeights } from '../weights/types.js';
import { originalColors } from './color.js';
import { initialImage } from './init.js';
import { poolPlane, resizePlanes } from './resample.js';
import {
  normaliseBlend,
  scaleSchedule,
  type LossRecord,
  type ResolvedSettings,
  type StylizedImage,
  type StylizeProgress,
  type StylizeResult,
  type StylizeSettings,
} from './settings.js';

/** Decoded 8-bit RGB pixels, HWC row-major (width * height * 3 bytes). */
export interface RgbImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** How {@link StyleEnvironment.resize} fits: 'fill' = exactly w x h (aspect may change); 'cover' = scale to cover, centre-crop. */
export type ResizeFit = 'fill' | 'cover';

/**
 * What the core needs from its platform. Node: onnxruntime-node and sharp's
 * Lanczos-3 (stylize/node-env.ts); web: onnxruntime-web and a canvas.
 */
export interface StyleEnvironment {
  /** Runs the ONNX graphs. */
  readonly runtime: RuntimeAdapter;
  /** Resizes 8-bit RGB pixels to width x height (a new image; the input is not modified). */
  resize(image: RgbImage, width: number, height: number, fit: ResizeFit): Promise<RgbImage>;
}

/** Options of {@link createStyleCore}. */
export interface StyleCoreOptions {
  env: StyleEnvironment;
  weights: VggWeights;
  /** 'vgg19' (default) or 'vgg16'. */
  variant?: VggVariant;
  /** A custom VGG-like architecture (tests, tiny networks); overrides `variant`. */
  architecture?: VggArchitecture;
  /** From resolveSettings. */
  settings: ResolvedSettings;
  /** The style images at any size (their longer side is set per scale). */
  styles: readonly RgbImage[];
  /** One mask per style (white = where that style applies), any size; resized to each scale and layer. */
  masks?: readonly RgbImage[];
  /** The start for init 'image', any size (resized to the first scale). */
  initImage?: RgbImage;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Models (one per image size) kept at once, 1..64; default 4. */
  maxModels?: number;
  /** Called once per setup phase ('building the graph for 512x384', ...). */
  onStatus?: (message: string) => void;
}

/** Per-run hooks of {@link StyleCore.run}. */
export interface StyleRunHooks {
  /** Called after every iteration (iteration 0 included); may return a promise, which is awaited. */
  onProgress?: (event: StylizeProgress) => void | Promise<void>;
  /** Snapshots every `saveEvery` iterations (and after the last). */
  onImage?: (image: StylizedImage) => void | Promise<void>;
  saveEvery?: number;
  /** Aborts between evaluations; see settings.onAbort. */
  signal?: AbortSignal;
  /** Where the weights came from, copied into the result. */
  weightsFrom?: StylizeResult['weights'];
  /** Notes to start the result's notes with (e.g. from decoding). */
  notes?: string[];
}

/** A style transfer ready to run on content images (at their output size). */
export interface StyleCore {
  /** Stylises one content image, already at the output size. Runs are serialised. */
  run(content: RgbImage, hooks?: StyleRunHooks): Promise<StylizeResult>;
  /** Distinct image sizes a model was built for so far. */
  readonly sizes: number;
  /** Releases every model; the core cannot be used afterwards. */
  close(): Promise<void>;
}

interface Entry {
  /** StyleModel, or a TiledEvaluator when the scale is evaluated in tiles. */
  model: ImageEvaluator;
  /** The same model as a StyleModel when untiled (guided targets need it). */
  untiled: StyleModel | undefined;
  /** What the user should know about how this size is evaluated (tiled, or untiled over budget). */
  note: string | undefined;
  style: Targets | GuidedTargets;
  styleWidth: number;
  styleHeight: number;
}

type Eval = Evaluation & { loss: number };

/** Evaluates at an entry: guided targets (style masks) exist only on untiled entries. */
function evaluateAt(entry: Entry, image: Float32Array, content: Targets): Promise<Evaluation> {
  if ('regions' in entry.style) {
    if (entry.untiled === undefined) throw new StyleError('RUNTIME', 'Guided style targets need an untiled model');
    return entry.untiled.evaluate(image, content, entry.style);
  }
  return entry.model.evaluate(image, content, entry.style);
}

function abortError(signal: AbortSignal): StyleError {
  return new StyleError('ABORTED', 'Style transfer aborted', { cause: signal.reason });
}

/** The displayable range in the network's preprocessed space: 0..255 minus the mean, per BGR plane. */
export function imageBounds(width: number, height: number): Bounds {
  return { lower: VGG_MEAN_BGR.map((m) => -m), upper: VGG_MEAN_BGR.map((m) => 255 - m), block: width * height };
}

/** Size of a style image at a scale of `width` x `height` (neural-style's rule for 'longest'). */
export function styleSizeAt(
  style: { width: number; height: number },
  width: number,
  height: number,
  settings: Pick<ResolvedSettings, 'styleSize' | 'styleScale'>,
): { width: number; height: number; fit: ResizeFit } {
  if (settings.styleSize === 'content') {
    return {
      width: Math.max(1, Math.round(width * settings.styleScale)),
      height: Math.max(1, Math.round(height * settings.styleScale)),
      fit: 'cover',
    };
  }
  const longer = Math.max(1, Math.round(Math.max(width, height) * settings.styleScale));
  const k = longer / Math.max(style.width, style.height);
  return {
    width: Math.max(1, Math.round(style.width * k)),
    height: Math.max(1, Math.round(style.height * k)),
    fit: 'fill',
  };
}

/** Grey guide plane 0..1 from RGB pixels (mean of the channels). */
function greyPlane(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) out[i] = (img.pixels[p]! + img.pixels[p + 1]! + img.pixels[p + 2]!) / 765;
  return out;
}

/**
 * A guide at each style layer's size: pooled as the network pools (2x2
 * averages, same rounding), then divided by sqrt(sum of squares) (all zeros
 * stay zeros: that region has no style term there).
 */
export function guidesPerLayer(
  plane: Float32Array,
  width: number,
  height: number,
  layers: Map<LayerName, [number, number, number]>,
  pools: Map<LayerName, number>,
  rounding: 'floor' | 'ceil',
): Map<LayerName, TensorData> {
  const out = new Map<LayerName, TensorData>();
  for (const [layer, [, h, w]] of layers) {
    let cur = { data: plane, width, height };
    for (let p = 0; p < pools.get(layer)!; p++) cur = poolPlane(cur.data, cur.width, cur.height, rounding);
    if (cur.width !== w || cur.height !== h)
      throw new Error(`guide for ${layer}: ${cur.width}x${cur.height}, want ${w}x${h}`);
    let ss = 0;
    for (const v of cur.data) ss += v * v;
    const k = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    const data = new Float32Array(cur.data.length);
    for (let i = 0; i < data.length; i++) data[i] = cur.data[i]! * k;
    out.set(layer, { data, dims: [1, 1, h, w] });
  }
  return out;
}

/** Weighted sum of style targets (the blended Gram targets of several styles). */
export function blendTargets(targets: readonly Targets[], weights: readonly number[]): Targets {
  const first = targets[0]!;
  if (targets.length === 1) return first;
  const layers = new Map<LayerName, TensorData>();
  for (const [layer, t] of first.layers) {
    const data = new Float32Array(t.data.length);
    targets.forEach((s, k) => {
      const src = s.layers.get(layer)!.data;
      const w = weights[k]!;
      for (let i = 0; i < data.length; i++) data[i] = data[i]! + w * src[i]!;
    });
    layers.set(layer, { data, dims: t.dims });
  }
  return { kind: 'style', height: first.height, width: first.width, layers };
}

/** Builds a {@link StyleCore}; checks the images it was given (IMAGE / INVALID_OPTION). */
export function createStyleCore(o: StyleCoreOptions): StyleCore {
  const s = o.settings;
  const env = o.env;
  if (o.styles.length === 0) throw new StyleError('INVALID_OPTION', 'Expected at least one style image');
  if (o.masks !== undefined && o.masks.length !== o.styles.length) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected one style mask per style image (${o.styles.length}) but received ${o.masks.length}`,
    );
  }
  if (s.init === 'image' && o.initImage === undefined) {
    throw new StyleError('INVALID_OPTION', "Expected an init image for init 'image' but received none");
  }
  const blend = normaliseBlend(s.styleBlendWeights, o.styles.length);
  const arch = o.architecture ?? VGG_ARCHITECTURES[o.variant ?? 'vgg19'];
  if (s.tile !== undefined) {
    // Tiles are laid on the 16 px grid of floor-rounding pools; TF SAME pooling and guided Grams have no tiled form.
    if (s.loss.pooling === 'same-avg')
      throw invalidOption('pooling with tile', "'max' or 'avg' (same-avg has no tiled evaluation)", s.loss.pooling);
    if (o.masks !== undefined)
      throw new StyleError(
        'INVALID_OPTION',
        'Expected no style masks with tile: guided Grams have no tiled evaluation',
      );
    const ctx = tileContext(
      arch,
      [...s.loss.contentLayers, ...s.loss.styleLayers].map((l) => l.layer),
    );
    checkInteger('tile', s.tile, 2 * ctx.margin + 2 * ctx.align, MAX_OUTPUT_SIDE);
  }
  const canTile = s.loss.pooling !== 'same-avg' && o.masks === undefined;
  const maxModels = o.maxModels ?? 4;
  const bounded = s.preset !== 'cs20';
  const models = new Map<string, Promise<Entry>>();
  let sizes = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  const resizeOrFail = async (img: RgbImage, w: number, h: number, fit: ResizeFit, what: string) => {
    if (Math.min(w, h) < MIN_IMAGE_SIDE) {
      throw new StyleError(
        'IMAGE',
        `${what} would be ${w}x${h} pixels at this scale; the shorter side must be at least ${MIN_IMAGE_SIDE} px (raise minSize or styleScale)`,
      );
    }
    return img.width === w && img.height === h && fit === 'fill' ? img : env.resize(img, w, h, fit);
  };

  const modelOptions = (width: number, height: number) => ({
    weights: o.weights,
    ...(o.variant === undefined ? {} : { variant: o.variant }),
    ...(o.architecture === undefined ? {} : { architecture: o.architecture }),
    height,
    width,
    loss: s.loss,
    runtime: env.runtime,
    ...(o.threads === undefined ? {} : { threads: o.threads }),
  });

  /**
   * The loss of the written image. No gradient is needed, so a plain untiled
   * entry gets a loss-only model (one forward pass, about a third of an
   * evaluation; its session is released at once); tiled and guided entries
   * evaluate as usual.
   */
  const writtenLoss = async (entry: Entry, image: Float32Array, content: Targets): Promise<Evaluation> => {
    if (entry.untiled === undefined || 'regions' in entry.style) return evaluateAt(entry, image, content);
    const m = await StyleModel.create({
      ...modelOptions(entry.untiled.width, entry.untiled.height),
      gradient: false,
    });
    try {
      return await m.evaluate(image, content, entry.style);
    } finally {
      await m.release();
    }
  };

  const entryFor = async (width: number, height: number): Promise<Entry> => {
    const key = `${width}x${height}`;
    let entry = models.get(key);
    if (entry !== undefined) {
      models.delete(key);
      models.set(key, entry);
      return entry;
    }
    while (models.size >= maxModels) {
      const [oldKey, old] = models.entries().next().value as [string, Promise<Entry>];
      models.delete(oldKey);
      await (await old).model.release();
    }
    entry = (async (): Promise<Entry> => {
      // Forced tiles only where the image is larger than one; otherwise tiles when the budget asks for them.
      const forced = s.tile !== undefined && (width > s.tile || height > s.tile);
      const auto =
        !forced &&
        s.tile === undefined &&
        s.maxMemory !== undefined &&
        shouldTile(width, height, s.maxMemory, { arch, loss: s.loss });
      let model: ImageEvaluator;
      let styleModel: StyleModel | undefined;
      let tiled: string | undefined;
      const common = modelOptions(width, height);
      if (forced || (auto && canTile)) {
        const t = await createTiledEvaluator({
          ...common,
          ...(forced ? { tile: s.tile! } : { maxMemory: s.maxMemory! }),
        });
        tiled = `${t.window.width}x${t.window.height}`;
        o.onStatus?.(`building the tile graphs for ${width}x${height} (windows of ${tiled})`);
        model = t;
      } else {
        o.onStatus?.(`building the graph for ${width}x${height}`);
        styleModel = await StyleModel.create({
          ...common,
          ...(o.masks === undefined ? {} : { guides: { weights: blend } }),
        });
        model = styleModel;
      }
      try {
        o.onStatus?.(`computing the style targets for ${width}x${height}`);
        const targets: Targets[] = [];
        let first = { width: 0, height: 0 };
        for (const [k, style] of o.styles.entries()) {
          const size = styleSizeAt(style, width, height, s);
          const img = await resizeOrFail(style, size.width, size.height, size.fit, `Style image ${k + 1}`);
          if (k === 0) first = { width: img.width, height: img.height };
          targets.push(await model.styleTargets(fromPixels(img.pixels, img.width, img.height), img.height, img.width));
        }
        let style: Targets | GuidedTargets;
        if (o.masks === undefined) style = blendTargets(targets, blend);
        else {
          const shapes = styleModel!.styleLayerShapes();
          const infos = resolveLayers(arch, [...shapes.keys()]);
          const pools = new Map(infos.map((l) => [l.name, l.pools]));
          const regions: GuidedTargets['regions'] = [];
          for (const [k, mask] of o.masks.entries()) {
            const m = await env.resize(mask, width, height, 'fill');
            const guides = guidesPerLayer(greyPlane(m), width, height, shapes, pools, poolRounding(s.loss.pooling));
            regions.push({ style: targets[k]!, guides });
          }
          style = { regions };
        }
        const note =
          tiled !== undefined
            ? `${width}x${height} evaluated in tiles (windows of ${tiled} px)`
            : auto
              ? `${width}x${height} evaluated untiled although its estimate exceeds maxMemory: ${s.loss.pooling === 'same-avg' ? "'same-avg' pooling has" : 'style masks have'} no tiled evaluation`
              : undefined;
        return { model, untiled: styleModel, note, style, styleWidth: first.width, styleHeight: first.height };
      } catch (e) {
        await model.release();
        throw e;
      }
    })();
    models.set(key, entry);
    entry.catch(() => models.delete(key));
    sizes++;
    return entry;
  };

  const smoothing = (width: number, height: number) =>
    s.lbfgsSmoothing > 0
      ? smoothingPreconditioner(width, height, 3, s.lbfgsSmoothing, s.lbfgsSmoothingLevels)
      : undefined;

  const runOne = async (content: RgbImage, hooks: StyleRunHooks): Promise<StylizeResult> => {
    if (closed) throw new StyleError('INVALID_OPTION', 'This Stylizer was closed');
    const signal = hooks.signal;
    if (signal?.aborted) throw abortError(signal);
    const notes = [...(hooks.notes ?? [])];
    const W = content.width;
    const H = content.height;
    const schedule = scaleSchedule(W, H, s.scales, s.minSize, s.iterations, s.stepShares);
    const settings: StylizeSettings = {
      preset: s.preset,
      loss: s.loss,
      optimizer: s.optimizer,
      lr: s.lr,
      iterations: s.iterations,
      init: s.init,
      seed: s.seed,
      noiseRatio: s.noiseRatio,
      noiseRange: s.noiseRange,
      width: W,
      height: H,
      styleWidth: 0,
      styleHeight: 0,
      styleSize: s.styleSize,
      styleScale: s.styleScale,
      styleBlendWeights: blend,
      styleMasks: o.masks !== undefined,
      originalColors: s.originalColors,
      scales: schedule.length,
      minSize: s.minSize,
      tolerance: s.tolerance,
      schedule,
    };
    const outPixels = W * H;
    const planned = schedule.map((st) => st.iterations * st.width * st.height);
    let evaluations = 0;
    let work = 0;
    let iteration = 0;
    const history: LossRecord[] = [];
    const start = performance.now();
    let pixelSteps = 0;
    let x: Float32Array | undefined;
    let prev = { width: 0, height: 0 };
    let optimizer: Optimizer | undefined;
    // Best image at the current scale (a copy), for Adam's oscillations and for an interrupt.
    let best = { iteration: 0, total: Number.POSITIVE_INFINITY, data: new Float32Array(0), width: 0, height: 0 };
    let last: { entry: Entry; contentTargets: Targets; at: Eval } | undefined;
    let current = 1;

    const snapshot = (it: number, total: number, data: Float32Array, w: number, h: number): StylizedImage => ({
      data,
      width: w,
      height: h,
      pixels: toPixels(data, w, h),
      iteration: it,
      total,
    });
    const toOutput = (data: Float32Array, w: number, h: number): Float32Array => {
      if (w === W && h === H) return data;
      const up = resizePlanes(data, 3, w, h, W, H);
      if (bounded) project(up, imageBounds(W, H));
      return up;
    };

    try {
      for (const [k, step] of schedule.entries()) {
        const { width, height } = step;
        const scale = k + 1;
        current = scale;
        const entry = await entryFor(width, height);
        if (entry.note !== undefined) notes.push(`scale ${scale}: ${entry.note}`);
        if (k === schedule.length - 1) {
          settings.styleWidth = entry.styleWidth;
          settings.styleHeight = entry.styleHeight;
        }
        const contentK = await resizeOrFail(content, width, height, 'fill', 'The content image');
        const contentData = fromPixels(contentK.pixels, width, height);
        const contentTargets = await entry.model.contentTargets(contentData);
        const bounds = bounded ? imageBounds(width, height) : undefined;
        if (x === undefined) {
          let image: Float32Array | undefined;
          if (s.init === 'image') {
            const init = await env.resize(o.initImage!, width, height, 'fill');
            image = fromPixels(init.pixels, width, height);
          }
          x = initialImage(contentData, {
            mode: s.init,
            seed: s.seed,
            noiseRange: s.noiseRange,
            noiseRatio: s.noiseRatio,
            ...(image === undefined ? {} : { image }),
          });
        } else {
          const from = prev;
          x = resizePlanes(x, 3, from.width, from.height, width, height);
          if (s.contentDetail) {
            // The detail the coarser scale could not hold: content minus its down-and-up-sampled self.
            const blurred = resizePlanes(
              resizePlanes(contentData, 3, width, height, from.width, from.height),
              3,
              from.width,
              from.height,
              width,
              height,
            );
            for (let i = 0; i < x.length; i++) x[i] = x[i]! + contentData[i]! - blurred[i]!;
          }
          const up = (a: Float32Array) => resizePlanes(a, 3, from.width, from.height, width, height);
          if (optimizer instanceof Adam) optimizer.resample(up);
          // The loss is a mean over positions: its gradient per pixel shrinks as the pixels grow.
          if (optimizer instanceof LBFGS && s.lbfgsCarry)
            optimizer.resample(up, (from.width * from.height) / (width * height));
        }
        if (bounds !== undefined) project(x, bounds);
        if (optimizer === undefined || (s.optimizer === 'lbfgs' && !s.lbfgsCarry)) {
          // A fresh L-BFGS per scale unless carried: its (s, y) pairs describe the old size.
          optimizer = s.optimizer === 'adam' ? new Adam({ lr: s.lr }) : new LBFGS({ history: s.lbfgsHistory });
        }
        optimizer.bounds = bounds;
        if (optimizer instanceof LBFGS) optimizer.preconditioner = smoothing(width, height);
        prev = { width, height };
        const xs = x;
        const evaluate = async (image: Float32Array): Promise<Eval> => {
          if (signal?.aborted) throw abortError(signal);
          evaluations += 1;
          work += (width * height) / outPixels;
          const e = await evaluateAt(entry, image, contentTargets);
          return { ...e, loss: e.total };
        };
        const report = async (e: Eval): Promise<void> => {
          const seconds = (performance.now() - start) / 1000;
          const rec: LossRecord = {
            iteration,
            content: e.content,
            style: e.style,
            tv: e.tv,
            total: e.total,
            seconds,
            scale,
            width,
            height,
          };
          history.push(rec);
          if (e.total < best.total) best = { iteration, total: e.total, data: Float32Array.from(xs), width, height };
          const left =
            planned.slice(k).reduce((a, b) => a + b, 0) - (pixelSteps - planned.slice(0, k).reduce((a, b) => a + b, 0));
          const perPixelStep = pixelSteps > 0 ? seconds / pixelSteps : 0;
          await hooks.onProgress?.({
            ...rec,
            iterations: s.iterations,
            scales: schedule.length,
            remaining: perPixelStep * Math.max(0, left),
            evaluations,
            work,
          });
          const every = hooks.saveEvery;
          if (every !== undefined && iteration > 0 && iteration % every === 0) {
            await hooks.onImage?.(snapshot(iteration, e.total, Float32Array.from(xs), width, height));
          }
        };

        best = { iteration, total: Number.POSITIVE_INFINITY, data: new Float32Array(0), width, height };
        let at = await evaluate(xs);
        if (!Number.isFinite(at.total)) {
          throw new StyleError('RUNTIME', `The loss of the initial image is ${at.total}; check the weights and images`);
        }
        if (k === 0) await report(at);
        else best = { iteration, total: at.total, data: Float32Array.from(xs), width, height };
        const recent: number[] = [at.total];
        for (let n = 0; n < step.iterations; n++) {
          if (signal?.aborted) throw abortError(signal);
          const next = await optimizer.step(xs, at, evaluate);
          if (optimizer.converged && next === at) {
            notes.push(
              `${s.optimizer} converged after ${n} of ${step.iterations} iterations at scale ${scale} (${width}x${height}): no step lowered the loss further`,
            );
            break;
          }
          iteration += 1;
          pixelSteps += width * height;
          at = next;
          await report(at);
          recent.push(at.total);
          if (recent.length > 6) recent.shift();
          const old = recent[0]!;
          if (s.tolerance > 0 && n + 1 >= 10 && n + 1 < step.iterations && recent.length === 6) {
            if ((old - at.total) / Math.abs(old) / 5 < s.tolerance) {
              notes.push(
                `scale ${scale} (${width}x${height}) stopped after ${n + 1} of ${step.iterations} iterations: the loss fell by less than ${s.tolerance} per step`,
              );
              break;
            }
          }
        }
        if (best.total < at.total) {
          // Adam oscillated: continue (or finish) from the best image of this scale.
          xs.set(best.data);
        }
        last = { entry, contentTargets, at };
      }
    } catch (e) {
      if (!(e instanceof StyleError && e.code === 'ABORTED' && s.onAbort === 'return')) throw e;
      const data = best.data.length > 0 ? best.data : (x ?? fromPixels(content.pixels, W, H));
      const w = best.data.length > 0 ? best.width : x === undefined ? W : prev.width;
      const h = best.data.length > 0 ? best.height : x === undefined ? H : prev.height;
      const out = toOutput(data, w, h);
      const img = snapshot(best.iteration, best.total, out, W, H);
      if (s.originalColors) {
        img.pixels = originalColors(img.pixels, content.pixels);
        img.data = fromPixels(img.pixels, W, H);
      }
      notes.push(
        `interrupted at iteration ${iteration}, scale ${current} of ${schedule.length}: the best image so far is kept` +
          (w === W && h === H ? '' : ` (upsampled from ${w}x${h})`),
      );
      return {
        image: img,
        best: img,
        final: undefined,
        history,
        notes,
        settings,
        evaluations,
        work,
        interrupted: true,
        weights: hooks.weightsFrom,
      };
    }

    // What is written: the best image at the output size, rounded to 8 bits (and colour-transferred).
    const { entry, contentTargets } = last!;
    const finalX = x!;
    let pixels = toPixels(best.data, W, H);
    if (s.originalColors) pixels = originalColors(pixels, content.pixels);
    const written = fromPixels(pixels, W, H);
    evaluations += 1;
    work += 1;
    const e = await writtenLoss(entry, written, contentTargets);
    const final: LossRecord = {
      iteration: best.iteration,
      content: e.content,
      style: e.style,
      tv: e.tv,
      total: e.total,
      seconds: (performance.now() - start) / 1000,
      scale: schedule.length,
      width: W,
      height: H,
    };
    if (hooks.saveEvery !== undefined && iteration > 0 && iteration % hooks.saveEvery !== 0) {
      await hooks.onImage?.(snapshot(iteration, last!.at.total, Float32Array.from(finalX), W, H));
    }
    return {
      image: snapshot(iteration, last!.at.total, finalX, W, H),
      best: { data: written, width: W, height: H, pixels, iteration: best.iteration, total: e.total },
      final,
      history,
      notes,
      settings,
      evaluations,
      work,
      interrupted: false,
      weights: hooks.weightsFrom,
    };
  };

  return {
    get sizes() {
      return sizes;
    },
    run(content, hooks = {}) {
      const next = queue.then(() => runOne(content, hooks));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      const all = [...models.values()];
      models.clear();
      for (const p of all) {
        const e = await p.catch(() => undefined);
        await e?.model.release();
      }
    },
  };
}
