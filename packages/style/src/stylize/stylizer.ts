/**
 * A reusable style transfer for many content images with one style: what
 * stylising a dataset needs. Against calling {@link stylize} per image it saves
 * the fixed costs:
 *
 * - the weights are resolved and loaded once;
 * - the style image file is read once (its bytes kept) and decoded once per
 *   style size: with styleSize 'longest' that is once per distinct longer side;
 * - a {@link StyleModel} (graph + onnxruntime session) is built once per
 *   distinct content size, and its style targets (Gram matrices) computed once,
 *   then reused for every image of that size. The models are kept in a small
 *   least-recently-used cache (see `maxModels`).
 *
 * Runs are serialised: one session serves one image at a time.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { StyleError } from '../errors.js';
import { loadImage, type ImageSource } from '../image/load.js';
import { StyleModel, type Targets } from '../runtime/style-model.js';
import {
  optimise,
  resolveSettings,
  type StylizeOptions,
  type StylizeProgress,
  type StylizeResult,
  type StylizeSettings,
} from '../stylize.js';
import { loadWeights } from '../weights/load.js';
import { resolveWeights } from '../weights/resolve.js';
import type { VggWeights } from '../weights/types.js';
import { weightsVariant } from '../weights/vgg.js';
import { checkInteger, invalidOption } from './validate.js';

/** Options of {@link createStylizer}: those of `stylize` without the content image. */
export interface StylizerOptions extends Omit<StylizeOptions, 'content'> {
  /**
   * true: every content image keeps its own size (the preset's size is
   * ignored; `size`, `width` and `height` must be unset). Default false: the
   * preset's size or the overrides, as `stylize` does.
   */
  keepSize?: boolean;
  /** Models (one per content size) kept alive at once, 1..64; default 4. */
  maxModels?: number;
}

/** Per-run options of {@link Stylizer.run}; they replace the Stylizer's own for that run. */
export interface StylizerRunOptions {
  /** Called after every iteration of this run. */
  onProgress?: (event: StylizeProgress) => void | Promise<void>;
  /** Aborts this run (the Stylizer's own signal aborts every run). */
  signal?: AbortSignal;
}

/** Settings shared by every run, for provenance: the preset with overrides, minus the per-image sizes. */
export interface StylizerDescription {
  preset: StylizeSettings['preset'];
  loss: StylizeSettings['loss'];
  optimizer: StylizeSettings['optimizer'];
  lr: number;
  iterations: number;
  init: StylizeSettings['init'];
  seed: number;
  noiseRatio: number;
  noiseRange: number;
  /** The content size rule: 'original', `{ maxSide }` or `{ width, height }` (px). */
  size: 'original' | { maxSide: number } | { width: number; height: number };
  styleSize: StylizeSettings['styleSize'];
  /** Style image name (file name, or 'style image'). */
  style: string;
  /** SHA-256 (hex) of the style image's bytes (or raw pixels). */
  styleSha256: string;
  /** Where the weights came from ('' when passed in loaded). */
  weights: string;
}

/** A style transfer ready to run on many content images; see the module comment. */
export interface Stylizer {
  /** The style image's name: its file name, or 'style image'. */
  readonly styleName: string;
  /** The resolved settings (for provenance and to tell whether two runs match). */
  describe(): StylizerDescription;
  /** Stylises one content image (`name` appears in messages). */
  run(content: ImageSource, name?: string, perRun?: StylizerRunOptions): Promise<StylizeResult>;
  /** Distinct content sizes met so far (each got its own model). */
  readonly sizes: number;
  /** Releases every model; the Stylizer cannot be used afterwards. */
  close(): Promise<void>;
}

interface Entry {
  model: StyleModel;
  style: Targets;
  styleWidth: number;
  styleHeight: number;
}

function abortCheck(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new StyleError('ABORTED', 'Style transfer aborted', { cause: signal.reason });
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return AbortSignal.any([a, b]);
}

/**
 * Validates the options, loads the weights and reads the style image, then
 * returns a {@link Stylizer}. Throws as `stylize` does (INVALID_OPTION, IMAGE,
 * WEIGHTS, WEIGHTS_MISSING with instructions, ABORTED) before any graph is built.
 */
export async function createStylizer(options: StylizerOptions): Promise<Stylizer> {
  const s = resolveSettings(options);
  const keepSize = options.keepSize === true;
  if (options.keepSize !== undefined && typeof options.keepSize !== 'boolean')
    throw invalidOption('keepSize', 'boolean', options.keepSize);
  if (keepSize && (options.size !== undefined || options.width !== undefined)) {
    throw invalidOption('keepSize', 'no size, width or height alongside it', options.keepSize);
  }
  const maxModels = options.maxModels === undefined ? 4 : checkInteger('maxModels', options.maxModels, 1, 64);
  const signal = options.signal;
  abortCheck(signal);

  // The style image: validated now (a bad file fails before the weights load), its bytes kept.
  const style = options.style;
  const styleName = typeof style === 'string' ? basename(style) : 'style image';
  await loadImage(style, { name: 'style image' });
  let styleBytes: Uint8Array | undefined;
  let styleSource: ImageSource = style;
  if (typeof style === 'string') {
    styleBytes = new Uint8Array(await readFile(style));
    styleSource = styleBytes;
  } else if (style instanceof Uint8Array) {
    styleBytes = style;
  } else {
    styleBytes = style.pixels;
  }
  const styleSha256 = createHash('sha256').update(styleBytes).digest('hex');

  let weights: VggWeights;
  let weightsFrom: StylizeResult['weights'];
  if (options.weights instanceof Map) {
    weights = options.weights;
  } else {
    if (options.weights !== undefined && typeof options.weights !== 'string')
      throw invalidOption('weights', 'VggWeights (Map) or path', options.weights);
    const found = await resolveWeights({
      ...options.resolve,
      ...(options.weights === undefined ? {} : { weights: options.weights }),
      ...(signal === undefined ? {} : { signal }),
    });
    options.onStatus?.(`loading weights from ${found.path} (${found.source})`);
    weights = await loadWeights(found.path);
    weightsFrom = found;
  }
  abortCheck(signal);
  const variant = weightsVariant(weights);

  const description: StylizerDescription = {
    preset: s.preset,
    loss: s.loss,
    optimizer: s.optimizer,
    lr: s.lr,
    iterations: s.iterations,
    init: s.init,
    seed: s.seed,
    noiseRatio: s.noiseRatio,
    noiseRange: s.noiseRange,
    size: keepSize ? 'original' : { ...s.size },
    styleSize: s.styleSize,
    style: styleName,
    styleSha256,
    weights: weightsFrom?.path ?? '',
  };

  const models = new Map<string, Promise<Entry>>();
  let sizes = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  const entryFor = async (width: number, height: number): Promise<Entry> => {
    const key = `${width}x${height}`;
    let entry = models.get(key);
    if (entry !== undefined) {
      // Most recently used last.
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
      const styleLoad = s.styleSize === 'content' ? { width, height } : { maxSide: Math.max(width, height) };
      const styleImage = await loadImage(styleSource, { ...styleLoad, name: styleName });
      options.onStatus?.(`building the graph for ${width}x${height}`);
      const model = await StyleModel.create({
        weights,
        variant,
        height,
        width,
        loss: s.loss,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      try {
        options.onStatus?.(`computing the style targets for ${width}x${height}`);
        const targets = await model.styleTargets(styleImage.data, styleImage.height, styleImage.width);
        return { model, style: targets, styleWidth: styleImage.width, styleHeight: styleImage.height };
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

  const runOne = async (content: ImageSource, name: string, perRun: StylizerRunOptions): Promise<StylizeResult> => {
    if (closed) throw new StyleError('INVALID_OPTION', 'This Stylizer was closed');
    const runSignal = anySignal(signal, perRun.signal);
    abortCheck(runSignal);
    const notes: string[] = [];
    const contentImage = await loadImage(content, { ...(keepSize ? {} : s.size), name });
    notes.push(...contentImage.notes);
    const { width, height } = contentImage;
    const entry = await entryFor(width, height);
    abortCheck(runSignal);
    const contentTargets = await entry.model.contentTargets(contentImage.data);
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
      width,
      height,
      styleWidth: entry.styleWidth,
      styleHeight: entry.styleHeight,
      styleSize: s.styleSize,
    };
    const { onProgress: _ignored, signal: _alsoIgnored, ...rest } = options;
    const o: StylizeOptions = {
      ...rest,
      content,
      ...(runSignal === undefined ? {} : { signal: runSignal }),
      ...(perRun.onProgress !== undefined
        ? { onProgress: perRun.onProgress }
        : options.onProgress !== undefined
          ? { onProgress: options.onProgress }
          : {}),
    };
    return optimise(entry.model, contentImage.data, contentTargets, entry.style, settings, o, notes, weightsFrom);
  };

  return {
    styleName,
    describe: () => structuredClone(description),
    get sizes() {
      return sizes;
    },
    run(content, name = 'content image', perRun = {}) {
      const next = queue.then(() => runOne(content, name, perRun));
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
