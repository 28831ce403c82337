/**
 * TiledEvaluator: StyleModel's evaluate contract (loss terms and the gradient
 * for the whole image) at any size, at bounded memory, never holding the whole
 * image's activations:
 *
 * 1. features: for each tile, the window's forward pass gives the raw Gram sums
 *    over its interior cells; summed, they are the image's Grams G exactly
 *    (a Gram is a sum over positions, and the interiors partition them).
 * 2. gradient: for each tile, a graph takes the image's Gram differences as
 *    seeds (d(total)/dX = seed X per style layer) and the content target's crop,
 *    seeds the backward pass at the interior cells only, and returns the
 *    gradient w.r.t. the whole window; the windows' gradients are added up
 *    (overlaps included). See {@link tileContext} for why this is exact with
 *    one receptive field of margin (80 px for VGG-19 up to conv5_1).
 * TV is computed on the whole image in TypeScript. The seams move with every
 * evaluation (see tiles/layout.ts), so float rounding at a seam never piles up
 * in one place.
 */
import { StyleError } from '../errors.js';
import { TILE_NAMES, buildTileFeatureGraph, buildTileGradientGraph } from '../graph/tiled-graph.js';
import type { BackwardOptions } from '../graph/style-graph.js';
import type { LossSpec } from '../losses/spec.js';
import { validateLossSpec } from '../losses/spec.js';
import { MAX_IMAGE_SIDE as MAX_SIDE } from '../limits.js';
import { StyleModel } from '../runtime/style-model.js';
import type { Evaluation, Targets } from '../runtime/style-model.js';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from '../runtime/adapter.js';
import { VGG_ARCHITECTURES, featureShapes, minimumSide, resolveLayers } from '../network/vgg.js';
import type { LayerName, VggArchitecture, VggVariant } from '../network/vgg.js';
import { checkInteger, checkNumber, invalidOption } from '../validate.js';
import type { VggWeights } from '../weights/types.js';
import { axisWindow, minimumWindow, planTiles } from './layout.js';
import type { Tile, TilePlan } from './layout.js';
import { BUDGET_HEADROOM, chooseWindow, estimateTiledBytes } from './memory.js';
import { tileContext } from './receptive-field.js';
import type { TileContext } from './receptive-field.js';
import { addTotalVariation } from './tv.js';

/** Options of {@link createTiledEvaluator}: StyleModel's, plus how to tile. */
export interface TiledEvaluatorOptions {
  weights: VggWeights;
  /** Default 'vgg19'. */
  variant?: VggVariant;
  /** A custom VGG-like architecture (tests, tiny networks); overrides `variant`. */
  architecture?: VggArchitecture;
  /** Image size, px. */
  height: number;
  width: number;
  loss: LossSpec;
  /**
   * Window side, px (the tensor each graph runs on, interior plus context).
   * Each axis uses the largest legal size <= tile (see tiles/layout.ts), or the
   * whole axis when that is shorter. At least 2 * margin + 2 * align (192 for
   * VGG-19 to conv5_1). Overrides `maxMemory`.
   */
  tile?: number;
  /**
   * Budget for the process's peak RSS, bytes: the window is the one with the
   * least work whose estimate (tiles/memory.ts) fits. The Node entry's
   * {@link defaultMaxMemory} gives half of the free memory. One of `tile` and
   * `maxMemory` is required.
   */
  maxMemory?: number;
  /** Move the seams at every evaluation (default true); false keeps plan 0 (tests). */
  shiftSeams?: boolean;
  /** Default ['cpu']. */
  executionProviders?: string[];
  /** Intra-op threads; default the number of cores. */
  threads?: number;
  /** Default: `nodeRuntime` (onnxruntime-node), loaded lazily. */
  runtime?: RuntimeAdapter;
  /** Backward-graph variants (defaults measured fastest). */
  backward?: BackwardOptions;
  /**
   * Further session options. The memory arena is off unless set here (`memArena:
   * true`): without it each pass's buffers go back when the pass ends, which
   * measured 22 % lower peak RSS at the same speed (the estimate assumes it off).
   */
  session?: RuntimeSessionOptions;
}

/** The evaluation contract StyleModel and TiledEvaluator share (what the stylize loop needs). */
export interface ImageEvaluator {
  readonly height: number;
  readonly width: number;
  contentTargets(image: Float32Array): Promise<Targets>;
  styleTargets(image: Float32Array, height: number, width: number): Promise<Targets>;
  evaluate(image: Float32Array, content: Targets, style: Targets): Promise<Evaluation>;
  releaseTargetSessions(): Promise<void>;
  release(): Promise<void>;
}

function wrap(what: string, e: unknown): StyleError {
  if (e instanceof StyleError) return e;
  return new StyleError('RUNTIME', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

function checkImage(image: unknown, c: number, h: number, w: number, field: string): Float32Array {
  const n = c * h * w;
  if (!(image instanceof Float32Array) || image.length !== n) {
    const got = image instanceof Float32Array ? `Float32Array of length ${image.length}` : image;
    throw invalidOption(field, `Float32Array of length ${n} (1x${c}x${h}x${w})`, got);
  }
  return image;
}

/** Copies the [c, h, w] block at (y, x) out of a [c, H, W] array. */
function crop(src: Float32Array, c: number, H: number, W: number, y: number, x: number, h: number, w: number) {
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < h; r++) {
      const from = (ch * H + y + r) * W + x;
      out.set(src.subarray(from, from + w), (ch * h + r) * w);
    }
  }
  return out;
}

/** The dims of a pooling level: each 2x2/2 pooling floors. */
function levelDims(h: number, w: number, level: number): [number, number] {
  for (let p = 0; p < level; p++) {
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  return [h, w];
}

/** Cells of a level that belong to the interior [a, b) (px, relative to the window) on an axis of n cells. */
function cellRange(a: number, b: number, level: number, n: number): [number, number] {
  const j = 2 ** level;
  return [Math.min(Math.ceil(a / j), n), Math.min(Math.ceil(b / j), n)];
}

/** Tiled loss + gradient evaluation; see the module comment. Create with {@link createTiledEvaluator}. */
export class TiledEvaluator implements ImageEvaluator {
  private readonly featureSessions = new Map<string, Promise<RuntimeSession>>();
  private shift = 0;
  private released = false;

  private constructor(
    private readonly o: TiledEvaluatorOptions & {
      arch: VggArchitecture;
      sessionOptions: RuntimeSessionOptions;
      runtime: RuntimeAdapter;
    },
    /** The context each window carries. */
    readonly context: TileContext,
    /** Window size, px. */
    readonly window: { readonly height: number; readonly width: number },
    /** Estimated peak RSS, bytes. */
    readonly estimatedBytes: number,
    /** The tile gradient session, or the whole image's training graph when one window covers it. */
    private readonly pass: { kind: 'tiles'; session: RuntimeSession } | { kind: 'whole'; model: StyleModel },
  ) {}

  /** Image height, px. */
  get height(): number {
    return this.o.height;
  }
  /** Image width, px. */
  get width(): number {
    return this.o.width;
  }

  private get contentLayers(): LayerName[] {
    return this.o.loss.contentLayers.map((l) => l.layer);
  }
  private get styleLayers(): LayerName[] {
    return this.o.loss.styleLayers.map((l) => l.layer);
  }

  /** The tiles of evaluation number `shift` (0, 1, ...). */
  plan(shift = 0): TilePlan {
    return planTiles(this.o.height, this.o.width, this.window.height, this.window.width, this.context, shift);
  }

  /** @internal Builds the sessions; use {@link createTiledEvaluator}. */
  static async create(o: TiledEvaluatorOptions): Promise<TiledEvaluator> {
    if (o.variant !== undefined && o.variant !== 'vgg19' && o.variant !== 'vgg16')
      throw invalidOption('variant', 'one of vgg19, vgg16', o.variant);
    if (!(o.weights instanceof Map))
      throw invalidOption('weights', 'Map of conv weights by Keras layer name', o.weights);
    const arch = o.architecture ?? VGG_ARCHITECTURES[o.variant ?? 'vgg19'];
    validateLossSpec(o.loss);
    // Tiles are laid on the 16 px grid of floor-rounding 2x2 pools; TF SAME pooling (cs20)
    // rounds odd sizes up, so its cells do not line up across tiles.
    if (o.loss.pooling === 'same-avg')
      throw invalidOption('pooling of a tiled evaluation', "'max' or 'avg'", o.loss.pooling);
    const layers = [...o.loss.contentLayers, ...o.loss.styleLayers].map((l) => l.layer);
    const min = minimumSide(arch, layers);
    checkInteger('height', o.height, min, MAX_SIDE);
    checkInteger('width', o.width, min, MAX_SIDE);
    if (o.threads !== undefined) checkInteger('threads', o.threads, 1, 1024);
    const ctx = tileContext(arch, layers);
    const model = { arch, loss: o.loss };
    let window: { height: number; width: number };
    if (o.tile !== undefined) {
      checkInteger('tile', o.tile, 2 * ctx.margin + 2 * ctx.align, MAX_SIDE);
      window = {
        height: axisWindow(o.height, o.tile, ctx) ?? o.height,
        width: axisWindow(o.width, o.tile, ctx) ?? o.width,
      };
    } else if (o.maxMemory !== undefined) {
      checkNumber('maxMemory', o.maxMemory, 0, Number.MAX_VALUE, true);
      const choice = chooseWindow(model, o.height, o.width, o.maxMemory, ctx);
      if (!choice) {
        const smallest = estimateTiledBytes(
          model,
          o.height,
          o.width,
          Math.min(minimumWindow(o.height, ctx), o.height),
          Math.min(minimumWindow(o.width, ctx), o.width),
        );
        const need = Math.ceil(smallest / BUDGET_HEADROOM / 2 ** 20);
        throw invalidOption(
          'maxMemory',
          `number of at least ${need} MiB (the smallest tiles of a ${o.width} x ${o.height} image)`,
          o.maxMemory,
        );
      }
      window = { height: choice.height, width: choice.width };
    } else {
      throw new StyleError('INVALID_OPTION', 'Expected tile (px) or maxMemory (bytes) for a tiled evaluator');
    }
    const sessionOptions: RuntimeSessionOptions = { memArena: false, ...o.session };
    if (o.threads !== undefined) sessionOptions.threads = o.threads;
    if (o.executionProviders !== undefined) sessionOptions.executionProviders = o.executionProviders;
    const runtime = o.runtime ?? (await import('../runtime/node.js')).nodeRuntime;
    // d(total)/d(sum over the image of (F - P)^2) per content layer, from the whole image's size.
    const shapes = featureShapes(arch, o.height, o.width, layers);
    const contentLayers = o.loss.contentLayers.map(({ layer, weight }) => {
      const [c, h, w] = shapes[layer]!;
      const k = o.loss.normalization === 'cs20' ? 1 / (4 * c * h * w) : 1 / (c * h * w);
      return { layer, seed: o.loss.contentWeight * weight * k };
    });
    const bytes = estimateTiledBytes(model, o.height, o.width, window.height, window.width);
    const evaluator = (pass: TiledEvaluator['pass']) =>
      new TiledEvaluator({ ...o, arch, sessionOptions, runtime }, ctx, window, bytes, pass);
    if (window.height === o.height && window.width === o.width) {
      // One window holds the whole image: its gradient graph would be the training
      // graph with the Grams fed from outside, so the first pass (one more forward
      // pass, a third of the work) is saved by running the training graph itself.
      // Same activations, so the same memory; targets still come from the tile
      // feature graph, like the tiled ones.
      const whole = await StyleModel.create({
        weights: o.weights,
        architecture: arch,
        height: o.height,
        width: o.width,
        loss: o.loss,
        runtime,
        session: sessionOptions,
        ...(o.backward === undefined ? {} : { backward: o.backward }),
      });
      return evaluator({ kind: 'whole', model: whole });
    }
    let session: RuntimeSession;
    try {
      const g = buildTileGradientGraph({
        arch,
        weights: o.weights,
        height: window.height,
        width: window.width,
        pooling: o.loss.pooling as 'avg' | 'max',
        styleLayers: o.loss.styleLayers.map((l) => l.layer),
        contentLayers,
        ...o.backward,
      });
      session = await runtime.createSession(g.model, sessionOptions);
    } catch (e) {
      throw wrap('building the tile gradient graph failed', e);
    }
    return evaluator({ kind: 'tiles', session });
  }

  private alive(): void {
    if (this.released) throw new StyleError('RUNTIME', 'TiledEvaluator was released');
  }

  /**
   * Tile feature session for a window size: Grams at the style layers and, at
   * the image's own window size, the features at the content layers too (one
   * session serves content targets and every evaluation's first pass).
   */
  private featureSession(height: number, width: number): Promise<RuntimeSession> {
    const key = `${height}x${width}`;
    const withContent = height === this.window.height && width === this.window.width;
    let s = this.featureSessions.get(key);
    if (!s) {
      const create = async (): Promise<RuntimeSession> => {
        const g = buildTileFeatureGraph({
          arch: this.o.arch,
          weights: this.o.weights,
          height,
          width,
          pooling: this.o.loss.pooling as 'avg' | 'max',
          styleLayers: this.styleLayers,
          featureLayers: withContent ? this.contentLayers : [],
        });
        return this.o.runtime.createSession(g.model, this.o.sessionOptions);
      };
      s = create().catch((e: unknown) => {
        this.featureSessions.delete(key);
        throw wrap('could not build the tile feature graph', e);
      });
      this.featureSessions.set(key, s);
    }
    return s;
  }

  /** The masks of a tile's interior at the given pooling levels. */
  private masks(tile: Tile, wh: number, ww: number, levels: Iterable<number>, feeds: Record<string, TensorData>): void {
    for (const level of levels) {
      const [h, w] = levelDims(wh, ww, level);
      const [r0, r1] = cellRange(tile.y0 - tile.y, tile.y1 - tile.y, level, h);
      const [c0, c1] = cellRange(tile.x0 - tile.x, tile.x1 - tile.x, level, w);
      const m = new Float32Array(h * w);
      for (let r = r0; r < r1; r++) m.fill(1, r * w + c0, r * w + c1);
      feeds[TILE_NAMES.mask(level)] = { data: m, dims: [1, 1, h, w] };
    }
  }

  private levels(layers: readonly LayerName[]): Set<number> {
    return new Set(resolveLayers(this.o.arch, layers).map((l) => l.pools));
  }

  /**
   * Runs the feature graph over every tile of `plan` for an image of h x w;
   * returns the raw Gram sums per style layer (float64) and, with
   * `content`, fills the content layers' full feature maps.
   */
  private async features(
    image: Float32Array,
    h: number,
    w: number,
    plan: TilePlan,
    content: Map<LayerName, Float32Array> | null,
  ): Promise<Map<LayerName, Float64Array>> {
    const c = this.o.arch.inChannels;
    const session = await this.featureSession(plan.height, plan.width);
    const grams = new Map<LayerName, Float64Array>();
    const shapes = featureShapes(this.o.arch, h, w, [...this.styleLayers, ...this.contentLayers]);
    for (const l of this.styleLayers) grams.set(l, new Float64Array(shapes[l]![0] ** 2));
    const names = this.styleLayers.map(TILE_NAMES.gram);
    if (content) names.push(...this.contentLayers.map(TILE_NAMES.feature));
    const levels = this.levels(this.styleLayers);
    for (const tile of plan.tiles) {
      const feeds: Record<string, TensorData> = {
        [TILE_NAMES.image]: {
          data: crop(image, c, h, w, tile.y, tile.x, plan.height, plan.width),
          dims: [1, c, plan.height, plan.width],
        },
      };
      this.masks(tile, plan.height, plan.width, levels, feeds);
      let out: Record<string, TensorData>;
      try {
        out = await session.run(feeds, names);
      } catch (e) {
        throw wrap('evaluating the tile feature graph failed', e);
      }
      for (const l of this.styleLayers) {
        const g = grams.get(l)!;
        const t = out[TILE_NAMES.gram(l)]!.data;
        for (let i = 0; i < g.length; i++) g[i] = g[i]! + t[i]!;
      }
      if (content) {
        for (const l of this.contentLayers) {
          const [ch, fh, fw] = shapes[l]!;
          const level = resolveLayers(this.o.arch, [l])[0]!.pools;
          const [th, tw] = levelDims(plan.height, plan.width, level);
          const [r0, r1] = cellRange(tile.y0 - tile.y, tile.y1 - tile.y, level, th);
          const [c0, c1] = cellRange(tile.x0 - tile.x, tile.x1 - tile.x, level, tw);
          const j = 2 ** level;
          const src = out[TILE_NAMES.feature(l)]!.data;
          const dst = content.get(l)!;
          for (let k = 0; k < ch; k++) {
            for (let r = r0; r < r1; r++) {
              const from = (k * th + r) * tw;
              const to = (k * fh + tile.y / j + r) * fw + tile.x / j;
              dst.set(src.subarray(from + c0, from + c1), to + c0);
            }
          }
        }
      }
    }
    return grams;
  }

  /**
   * Content targets: the features of `image` (NCHW [1,3,H,W], preprocessed) at
   * the content layers, computed tile by tile (the same values as StyleModel's).
   */
  async contentTargets(image: Float32Array): Promise<Targets> {
    this.alive();
    const { height, width } = this.o;
    checkImage(image, this.o.arch.inChannels, height, width, 'image');
    const layers = new Map<LayerName, TensorData>();
    if (this.contentLayers.length > 0) {
      const shapes = featureShapes(this.o.arch, height, width, this.contentLayers);
      const maps = new Map(this.contentLayers.map((l) => [l, new Float32Array(shapes[l]!.reduce((a, b) => a * b, 1))]));
      await this.features(image, height, width, this.plan(0), maps);
      for (const [l, data] of maps) layers.set(l, { data, dims: [1, ...shapes[l]!] });
    }
    return { kind: 'content', height, width, layers };
  }

  /**
   * Style targets: Grams per position (Gram / M) at the style layers of a style
   * image of any size (at least the minimum), tiled with the same window limit.
   */
  async styleTargets(image: Float32Array, height: number, width: number): Promise<Targets> {
    this.alive();
    const min = minimumSide(this.o.arch, this.styleLayers.length > 0 ? this.styleLayers : this.contentLayers);
    checkInteger('style height', height, min, MAX_SIDE);
    checkInteger('style width', width, min, MAX_SIDE);
    checkImage(image, this.o.arch.inChannels, height, width, 'style image');
    const layers = new Map<LayerName, TensorData>();
    if (this.styleLayers.length > 0) {
      const ctx = this.context;
      // The window limit of the image, made legal for this size (never null: want >= the minimum).
      const wh = axisWindow(height, Math.max(this.window.height, minimumWindow(height, ctx)), ctx) ?? height;
      const ww = axisWindow(width, Math.max(this.window.width, minimumWindow(width, ctx)), ctx) ?? width;
      const plan = planTiles(height, width, wh, ww, ctx, 0);
      const grams = await this.features(image, height, width, plan, null);
      const shapes = featureShapes(this.o.arch, height, width, this.styleLayers);
      for (const l of this.styleLayers) {
        const [c, h, w] = shapes[l]!;
        const g = grams.get(l)!;
        const a = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) a[i] = g[i]! / (h * w);
        layers.set(l, { data: a, dims: [c, c] });
      }
    }
    return { kind: 'style', height, width, layers };
  }

  private checkTargets(t: Targets, kind: 'content' | 'style'): void {
    if (t?.kind !== kind)
      throw new StyleError(
        'INVALID_OPTION',
        `Expected ${kind} targets for ${kind} but received ${t?.kind ?? String(t)} targets`,
      );
    const layers = kind === 'content' ? this.contentLayers : this.styleLayers;
    const shapes = featureShapes(this.o.arch, this.o.height, this.o.width, layers);
    for (const l of layers) {
      const [c, h, w] = shapes[l]!;
      const dims = kind === 'content' ? [1, c, h, w] : [c, c];
      const n = dims.reduce((a, b) => a * b, 1);
      const v = t.layers.get(l);
      if (!v || v.data.length !== n) {
        throw new StyleError(
          'INVALID_OPTION',
          `Expected ${kind} target for layer ${l} of shape [${dims.join(', ')}] but received ${v ? `${v.data.length} values` : 'none'}`,
        );
      }
    }
  }

  /**
   * The loss terms and the gradient of the total w.r.t. `image`, as
   * StyleModel.evaluate returns them: two passes over the tiles (2 x tiles
   * session runs), or one run of the training graph when one window holds the
   * whole image. Each call moves the seams unless `shiftSeams` is false.
   */
  async evaluate(image: Float32Array, content: Targets, style: Targets): Promise<Evaluation> {
    this.alive();
    const { height: H, width: W, loss } = this.o;
    const c = this.o.arch.inChannels;
    checkImage(image, c, H, W, 'image');
    this.checkTargets(content, 'content');
    this.checkTargets(style, 'style');
    if (this.pass.kind === 'whole') return this.pass.model.evaluate(image, content, style);
    const gradientSession = this.pass.session;
    const plan = this.plan(this.o.shiftSeams === false ? 0 : this.shift++);
    const layers = [...this.contentLayers, ...this.styleLayers];
    const shapes = featureShapes(this.o.arch, H, W, layers);

    // Pass 1: the image's Grams, then the style term and each layer's seed.
    const grams = this.styleLayers.length > 0 ? await this.features(image, H, W, plan, null) : new Map();
    let styleValue = 0;
    const seeds = new Map<LayerName, Float32Array>();
    for (const { layer, weight } of loss.styleLayers) {
      const [n, h, w] = shapes[layer]!;
      const m = h * w;
      const k = loss.normalization === 'cs20' ? 1 / (4 * n * n) : 1 / (n * n * n * n);
      const g = grams.get(layer)!;
      const a = style.layers.get(layer)!.data;
      const seed = new Float32Array(g.length);
      // dE/dX = (dE/dĜ + dE/dĜ^T) X / M with dE/dĜ = 2k(Ĝ - A) symmetric.
      const f = (4 * k * loss.styleWeight * weight) / m;
      let s = 0;
      for (let i = 0; i < g.length; i++) {
        const d = g[i]! / m - a[i]!;
        s += d * d;
        seed[i] = f * d;
      }
      styleValue += weight * k * s;
      seeds.set(layer, seed);
    }

    // Pass 2: each window's gradient from its interior cells, added up.
    const gradient = new Float32Array(c * H * W);
    const sums = new Map<LayerName, number>(this.contentLayers.map((l) => [l, 0]));
    const levels = this.levels(layers);
    const { height: wh, width: ww } = plan;
    for (const tile of plan.tiles) {
      const feeds: Record<string, TensorData> = {
        [TILE_NAMES.image]: { data: crop(image, c, H, W, tile.y, tile.x, wh, ww), dims: [1, c, wh, ww] },
      };
      this.masks(tile, wh, ww, levels, feeds);
      for (const l of this.styleLayers) {
        const n = shapes[l]![0];
        feeds[TILE_NAMES.styleSeed(l)] = { data: seeds.get(l)!, dims: [n, n] };
      }
      for (const l of this.contentLayers) {
        const [ch, fh, fw] = shapes[l]!;
        const level = resolveLayers(this.o.arch, [l])[0]!.pools;
        const [th, tw] = levelDims(wh, ww, level);
        const j = 2 ** level;
        const data = crop(content.layers.get(l)!.data, ch, fh, fw, tile.y / j, tile.x / j, th, tw);
        feeds[TILE_NAMES.contentTarget(l)] = { data, dims: [1, ch, th, tw] };
      }
      let out: Record<string, TensorData>;
      try {
        out = await gradientSession.run(feeds);
      } catch (e) {
        throw wrap('evaluating the tile gradient graph failed', e);
      }
      for (const l of this.contentLayers) sums.set(l, sums.get(l)! + out[TILE_NAMES.contentSum(l)]!.data[0]!);
      const g = out[TILE_NAMES.gradient]!.data;
      for (let ch = 0; ch < c; ch++) {
        for (let r = 0; r < wh; r++) {
          const from = (ch * wh + r) * ww;
          const to = (ch * H + tile.y + r) * W + tile.x;
          for (let x = 0; x < ww; x++) gradient[to + x] = gradient[to + x]! + g[from + x]!;
        }
      }
    }
    let contentValue = 0;
    for (const { layer, weight } of loss.contentLayers) {
      const [n, h, w] = shapes[layer]!;
      const k = loss.normalization === 'cs20' ? 1 / (4 * n * h * w) : 1 / (n * h * w);
      contentValue += weight * k * sums.get(layer)!;
    }
    const tv = addTotalVariation(image, c, H, W, loss.normalization, loss.tvWeight, gradient);
    return {
      content: contentValue,
      style: styleValue,
      tv,
      total: loss.contentWeight * contentValue + loss.styleWeight * styleValue + loss.tvWeight * tv,
      gradient,
    };
  }

  /** Frees the feature sessions of other sizes than the image's (style targets); later calls rebuild them. */
  async releaseTargetSessions(): Promise<void> {
    const own = `${this.window.height}x${this.window.width}`;
    const keep = [...this.featureSessions.entries()].filter(([k]) => k === own);
    const drop = [...this.featureSessions.entries()].filter(([k]) => k !== own);
    this.featureSessions.clear();
    for (const [k, v] of keep) this.featureSessions.set(k, v);
    const settled = await Promise.allSettled(drop.map(([, v]) => v));
    await Promise.all(settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.release()] : [])));
  }

  /** Frees every session; later calls throw StyleError RUNTIME. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const settled = await Promise.allSettled([...this.featureSessions.values()]);
    this.featureSessions.clear();
    await Promise.all([
      this.pass.kind === 'tiles' ? this.pass.session.release() : this.pass.model.release(),
      ...settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.release()] : [])),
    ]);
  }
}

/**
 * Builds a {@link TiledEvaluator}: validates the options (StyleError
 * INVALID_OPTION naming the field), picks the window from `tile` or
 * `maxMemory`, and compiles the tile gradient graph (the feature graphs are
 * built on first use).
 */
export function createTiledEvaluator(o: TiledEvaluatorOptions): Promise<TiledEvaluator> {
  return TiledEvaluator.create(o);
}
