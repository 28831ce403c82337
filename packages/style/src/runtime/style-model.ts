/**
 * StyleModel: the compiled training graph for one image size, plus feature
 * graphs for targets. Targets are graph inputs, so one session serves many
 * images, and the style targets are computed once.
 */
import { StyleError } from '../errors.js';
import { buildFeatureGraph, buildTrainingGraph, GRAPH_NAMES, poolRounding } from '../graph/style-graph.js';
import type { BackwardOptions, BuiltGraph, GuideOptions } from '../graph/style-graph.js';
import type { LossSpec } from '../losses/spec.js';
import { validateLossSpec } from '../losses/spec.js';
import { featureShapes, minimumSide, VGG_ARCHITECTURES } from '../network/vgg.js';
import type { LayerName, VggArchitecture, VggVariant } from '../network/vgg.js';
import { MAX_IMAGE_SIDE, MAX_THREADS } from '../limits.js';
import { checkInteger, invalidOption } from '../validate.js';
import type { VggWeights } from '../weights/types.js';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from './adapter.js';

/**
 * Targets for {@link StyleModel.evaluate}: features ('content', NCHW [1,C,h,w]) or
 * Grams per position ('style', [C,C] = F F^T / (h*w) of the style image) by layer.
 */
export interface Targets {
  kind: 'content' | 'style';
  /** Size of the image the targets came from, px. */
  height: number;
  width: number;
  layers: Map<LayerName, TensorData>;
}

/** Loss terms and gradient of one evaluation. */
export interface Evaluation {
  content: number;
  style: number;
  tv: number;
  /** contentWeight * content + styleWeight * style + tvWeight * tv. */
  total: number;
  /** d(total)/d(image), NCHW [1,3,H,W]; a fresh array each call (empty for a loss-only model). */
  gradient: Float32Array;
}

/**
 * Guided style targets (spatial control), one entry per region: the region's
 * style targets and its guide per style layer ([1,1,h,w] at the layer's size,
 * divided by sqrt(sum of squares); see guidedStyleTerm).
 */
export interface GuidedTargets {
  regions: { style: Targets; guides: Map<LayerName, TensorData> }[];
}

/** Options of {@link StyleModel.create}. */
export interface StyleModelOptions {
  weights: VggWeights;
  /** Default 'vgg19'. */
  variant?: VggVariant;
  /** A custom VGG-like architecture (tests, tiny networks); overrides `variant`. */
  architecture?: VggArchitecture;
  /** Image size in px; each side at least 2^(poolings before the deepest loss layer) (16 for conv5_1). */
  height: number;
  width: number;
  loss: LossSpec;
  /** Default ['cpu']. */
  executionProviders?: string[];
  /** Intra-op threads; default the number of cores. */
  threads?: number;
  /** Default: `nodeRuntime` (onnxruntime-node, runtime/node.ts); `webRuntime` (runtime/web.ts) in browsers. */
  runtime?: RuntimeAdapter;
  /** Backward-graph variants (defaults measured fastest). */
  backward?: BackwardOptions;
  /** Further session options. */
  session?: RuntimeSessionOptions;
  /** Spatial control: guided Grams with these region weights ({@link GuidedTargets} in evaluate). */
  guides?: GuideOptions;
  /** false: a loss-only model (one forward pass per evaluate, empty gradient); default true. */
  gradient?: boolean;
}

function describe(v: unknown): string {
  return `${String(v)} of type ${typeof v}`;
}

function checkSide(v: unknown, field: string, min: number): number {
  return checkInteger(field, v, min, MAX_IMAGE_SIDE);
}

function checkImage(image: unknown, channels: number, height: number, width: number, field: string): Float32Array {
  const n = channels * height * width;
  if (!(image instanceof Float32Array) || image.length !== n) {
    const got = image instanceof Float32Array ? `Float32Array of length ${image.length}` : describe(image);
    throw new StyleError(
      'INVALID_OPTION',
      `Expected Float32Array of length ${n} (1x${channels}x${height}x${width}) for ${field} but received ${got}`,
    );
  }
  return image;
}

function wrap(what: string, e: unknown): StyleError {
  if (e instanceof StyleError) return e;
  return new StyleError('RUNTIME', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** A compiled style-transfer graph for one image size. */
export class StyleModel {
  private readonly featureSessions = new Map<string, Promise<RuntimeSession>>();
  private released = false;

  private constructor(
    private readonly o: StyleModelOptions & {
      arch: VggArchitecture;
      sessionOptions: RuntimeSessionOptions;
      runtime: RuntimeAdapter;
    },
    private readonly session: RuntimeSession,
    /** The training graph's input shapes. */
    readonly inputs: Map<string, readonly number[]>,
  ) {}

  /** Image height in px. */
  get height(): number {
    return this.o.height;
  }
  /** Image width in px. */
  get width(): number {
    return this.o.width;
  }

  /**
   * Builds the graphs and starts the training session. Throws StyleError
   * INVALID_OPTION for a bad size or loss, WEIGHTS for missing or misshapen weights.
   */
  static async create(o: StyleModelOptions): Promise<StyleModel> {
    if (o.variant !== undefined && o.variant !== 'vgg19' && o.variant !== 'vgg16') {
      throw invalidOption('variant', 'one of vgg19, vgg16', o.variant);
    }
    if (!(o.weights instanceof Map)) {
      throw invalidOption('weights', 'Map of conv weights by Keras layer name', o.weights);
    }
    const arch = o.architecture ?? VGG_ARCHITECTURES[o.variant ?? 'vgg19'];
    validateLossSpec(o.loss);
    const layers = [...o.loss.contentLayers, ...o.loss.styleLayers].map((l) => l.layer);
    const min = minimumSide(arch, layers);
    checkSide(o.height, 'height', min);
    checkSide(o.width, 'width', min);
    if (o.threads !== undefined) checkInteger('threads', o.threads, 1, MAX_THREADS);
    const sessionOptions: RuntimeSessionOptions = { ...o.session };
    if (o.threads !== undefined) sessionOptions.threads = o.threads;
    if (o.executionProviders !== undefined) sessionOptions.executionProviders = o.executionProviders;
    // Imported lazily so a browser build passing `runtime` never loads the native module.
    const runtime = o.runtime ?? (await import('./node.js')).nodeRuntime;
    let graph: BuiltGraph;
    try {
      graph = buildTrainingGraph({
        arch,
        weights: o.weights,
        height: o.height,
        width: o.width,
        loss: o.loss,
        ...(o.guides === undefined ? {} : { guides: o.guides }),
        ...(o.gradient === undefined ? {} : { gradient: o.gradient }),
        ...o.backward,
      });
    } catch (e) {
      throw wrap('building the training graph failed', e);
    }
    let session: RuntimeSession;
    try {
      session = await runtime.createSession(graph.model, sessionOptions);
    } catch (e) {
      throw wrap(`${runtime.name} could not load the training graph`, e);
    }
    return new StyleModel({ ...o, arch, sessionOptions, runtime }, session, graph.inputs);
  }

  private get contentLayers(): LayerName[] {
    return this.o.loss.contentLayers.map((l) => l.layer);
  }
  private get styleLayers(): LayerName[] {
    return this.o.loss.styleLayers.map((l) => l.layer);
  }

  private alive(): void {
    if (this.released) throw new StyleError('RUNTIME', 'StyleModel was released');
  }

  /**
   * Feature session for an image size and one kind of target: 'content' (the
   * content layers only) or 'style' (the style layers' Grams only). Separate
   * graphs, because onnxruntime runs every node of a graph whatever is
   * fetched: the content graph stops at the deepest content layer, without
   * the deeper convolutions and the Grams (about a third less time at
   * 512 x 384 for conv4_2).
   */
  private featureSession(height: number, width: number, kind: 'content' | 'style'): Promise<RuntimeSession> {
    const key = `${height}x${width}:${kind}`;
    let s = this.featureSessions.get(key);
    if (!s) {
      const create = async (): Promise<RuntimeSession> => {
        const g = buildFeatureGraph({
          arch: this.o.arch,
          weights: this.o.weights,
          height,
          width,
          contentLayers: kind === 'content' ? this.contentLayers : [],
          styleLayers: kind === 'style' ? this.styleLayers : [],
          pooling: this.o.loss.pooling,
        });
        return this.o.runtime.createSession(g.model, this.o.sessionOptions);
      };
      s = create().catch((e: unknown) => {
        this.featureSessions.delete(key);
        throw wrap('could not build the feature graph', e);
      });
      this.featureSessions.set(key, s);
    }
    return s;
  }

  /**
   * Content targets: the features of `image` (NCHW [1,3,H,W] at the model's size,
   * preprocessed: BGR, 0..255 minus the ImageNet mean) at the content layers.
   */
  async contentTargets(image: Float32Array): Promise<Targets> {
    this.alive();
    const { height, width } = this.o;
    checkImage(image, this.o.arch.inChannels, height, width, 'image');
    const layers = new Map<LayerName, TensorData>();
    if (this.contentLayers.length > 0) {
      const session = await this.featureSession(height, width, 'content');
      const names = this.contentLayers.map(GRAPH_NAMES.feature);
      const out = await session
        .run({ [GRAPH_NAMES.image]: { data: image, dims: [1, this.o.arch.inChannels, height, width] } }, names)
        .catch((e: unknown) => {
          throw wrap('computing content targets failed', e);
        });
      for (const l of this.contentLayers) layers.set(l, out[GRAPH_NAMES.feature(l)]!);
    }
    return { kind: 'content', height, width, layers };
  }

  /**
   * Style targets: Grams per position (F F^T / M, M = h*w of the style image's
   * feature map) at the style layers. The style image may have any size of at
   * least the minimum; dividing by its own M makes the target comparable with the
   * generated image's Gram / M. With equal sizes this is exactly the cs20 loss;
   * cs20 itself resizes the style image to the content size (the driver's job).
   */
  async styleTargets(image: Float32Array, height: number, width: number): Promise<Targets> {
    this.alive();
    const min = minimumSide(this.o.arch, this.styleLayers.length > 0 ? this.styleLayers : this.contentLayers);
    checkSide(height, 'style height', min);
    checkSide(width, 'style width', min);
    checkImage(image, this.o.arch.inChannels, height, width, 'style image');
    const layers = new Map<LayerName, TensorData>();
    if (this.styleLayers.length > 0) {
      const session = await this.featureSession(height, width, 'style');
      const names = this.styleLayers.map(GRAPH_NAMES.gram);
      const out = await session
        .run({ [GRAPH_NAMES.image]: { data: image, dims: [1, this.o.arch.inChannels, height, width] } }, names)
        .catch((e: unknown) => {
          throw wrap('computing style targets failed', e);
        });
      for (const l of this.styleLayers) layers.set(l, out[GRAPH_NAMES.gram(l)]!);
    }
    return { kind: 'style', height, width, layers };
  }

  private targetFeeds(t: Targets, kind: 'content' | 'style', feeds: Record<string, TensorData>): void {
    if (t?.kind !== kind)
      throw new StyleError(
        'INVALID_OPTION',
        `Expected ${kind} targets for ${kind} but received ${t?.kind ?? describe(t)} targets`,
      );
    const layers = kind === 'content' ? this.contentLayers : this.styleLayers;
    for (const l of layers) {
      const name = kind === 'content' ? GRAPH_NAMES.contentTarget(l) : GRAPH_NAMES.styleTarget(l);
      const dims = this.inputs.get(name)!;
      const v = t.layers.get(l);
      const n = dims.reduce((a, b) => a * b, 1);
      if (!v || v.data.length !== n) {
        throw new StyleError(
          'INVALID_OPTION',
          `Expected ${kind} target for layer ${l} of shape [${dims.join(', ')}] but received ${v ? `${v.data.length} values` : 'none'}`,
        );
      }
      feeds[name] = { data: v.data, dims };
    }
  }

  /** Feature sizes [channels, height, width] at the style layers for this model's image size. */
  styleLayerShapes(): Map<LayerName, [number, number, number]> {
    const shapes = featureShapes(
      this.o.arch,
      this.o.height,
      this.o.width,
      this.styleLayers,
      poolRounding(this.o.loss.pooling),
    );
    return new Map(this.styleLayers.map((l) => [l, shapes[l]!]));
  }

  private guideFeeds(g: GuidedTargets, feeds: Record<string, TensorData>): void {
    const k = this.o.guides?.weights.length ?? 0;
    if (g?.regions?.length !== k) {
      throw new StyleError(
        'INVALID_OPTION',
        `Expected guided targets for ${k} regions but received ${g?.regions?.length ?? describe(g)}`,
      );
    }
    g.regions.forEach((r, i) => {
      if (r.style?.kind !== 'style') throw invalidOption(`style targets of region ${i}`, 'style targets', r.style);
      for (const l of this.styleLayers) {
        for (const [name, v] of [
          [GRAPH_NAMES.guideTarget(l, i), r.style.layers.get(l)],
          [GRAPH_NAMES.guideMask(l, i), r.guides.get(l)],
        ] as const) {
          const dims = this.inputs.get(name)!;
          const n = dims.reduce((a, b) => a * b, 1);
          if (!v || v.data.length !== n) {
            throw new StyleError(
              'INVALID_OPTION',
              `Expected ${name} of shape [${dims.join(', ')}] but received ${v ? `${v.data.length} values` : 'none'}`,
            );
          }
          feeds[name] = { data: v.data, dims };
        }
      }
    });
  }

  /**
   * One session.run: the loss terms and the gradient of the total w.r.t. `image`.
   * `style` is {@link GuidedTargets} for a model created with `guides`, else Targets.
   */
  async evaluate(image: Float32Array, content: Targets, style: Targets | GuidedTargets): Promise<Evaluation> {
    this.alive();
    const { height, width } = this.o;
    const c = this.o.arch.inChannels;
    checkImage(image, c, height, width, 'image');
    const feeds: Record<string, TensorData> = { [GRAPH_NAMES.image]: { data: image, dims: [1, c, height, width] } };
    this.targetFeeds(content, 'content', feeds);
    if (this.o.guides !== undefined) this.guideFeeds(style as GuidedTargets, feeds);
    else this.targetFeeds(style as Targets, 'style', feeds);
    let out: Record<string, TensorData>;
    try {
      out = await this.session.run(feeds);
    } catch (e) {
      throw wrap('evaluating the training graph failed', e);
    }
    return {
      content: out[GRAPH_NAMES.content]!.data[0]!,
      style: out[GRAPH_NAMES.style]!.data[0]!,
      tv: out[GRAPH_NAMES.tv]!.data[0]!,
      total: out[GRAPH_NAMES.total]!.data[0]!,
      gradient: out[GRAPH_NAMES.gradient]?.data ?? new Float32Array(0),
    };
  }

  /**
   * Frees the feature graphs behind {@link contentTargets} and {@link styleTargets}
   * (a copy of the weights each); a later target call builds them again.
   */
  async releaseTargetSessions(): Promise<void> {
    const feature = await Promise.allSettled([...this.featureSessions.values()]);
    this.featureSessions.clear();
    await Promise.all(feature.flatMap((r) => (r.status === 'fulfilled' ? [r.value.release()] : [])));
  }

  /** Frees every session; later calls throw StyleError RUNTIME. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all([this.session.release(), this.releaseTargetSessions()]);
  }
}
