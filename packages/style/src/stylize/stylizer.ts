/**
 * The Node entry of the style transfer: resolves and loads the weights, reads
 * and decodes the style images (and masks, init image) with sharp, then runs
 * the portable core ({@link createStyleCore}) with onnxruntime-node and sharp's
 * Lanczos-3 resize. A Stylizer serves many content images with the same
 * styles, which is what stylising a dataset needs:
 *
 * - the weights are resolved and loaded once;
 * - the style files are read and decoded once;
 * - a {@link StyleModel} is built once per distinct image size (each scale of
 *   the schedule is one), with its style targets, and kept in a small
 *   least-recently-used cache (see `maxModels`).
 *
 * Runs are serialised: one session serves one image at a time.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { StyleError } from '../errors.js';
import { decodeImage, type ImageSource } from '../image/load.js';
import { saveImage } from '../image/save.js';
import { checkInteger, invalidOption } from '../validate.js';
import { loadWeights } from '../weights/load.js';
import { resolveWeights, type ResolveWeightsOptions } from '../weights/resolve.js';
import type { VggWeights } from '../weights/types.js';
import { weightsVariant } from '../weights/vgg.js';
import { defaultMaxMemory } from '../tiles/node.js';
import { createStyleCore, type RgbImage } from './core.js';
import { nodeEnvironment } from './node-env.js';
import {
  checkStyleCount,
  normaliseBlend,
  resolveSettings,
  type StylizeControls,
  type StylizedImage,
  type StylizeProgress,
  type StylizeResult,
  type StylizeSettings,
} from './settings.js';

/** Options of `stylize`: the controls plus the image sources and Node-only hooks. */
export interface StylizeOptions extends StylizeControls {
  /** Content image: a path, encoded bytes, or raw pixels. */
  content: ImageSource;
  /** Style image(s): a path, encoded bytes, or raw pixels; several are blended (styleBlendWeights). */
  style: ImageSource | readonly ImageSource[];
  /** One greyscale mask per style image (white = where that style applies); guided Grams. */
  styleMasks?: readonly ImageSource[];
  /** The start for init 'image'. */
  initImage?: ImageSource;
  /**
   * Loaded weights, or a path (model.json, a folder holding one, or a Keras .h5).
   * When absent, found by resolveWeights: PASTICHE_WEIGHTS, the cache, a download.
   */
  weights?: VggWeights | string;
  /** Passed to resolveWeights (env, cacheDir, download, onProgress, ...). */
  resolve?: Omit<ResolveWeightsOptions, 'weights'>;
  /** Called after every iteration (iteration 0 included); may return a promise, which is awaited. */
  onProgress?: (event: StylizeProgress) => void | Promise<void>;
  /** Receives the snapshots of saveEvery. */
  onImage?: (image: StylizedImage) => void | Promise<void>;
  /** Path pattern for snapshots; `{iteration}` is replaced by the iteration number (format from the extension). */
  savePattern?: string;
  /** Called once per setup phase ('loading weights from ...', 'building the graph ...'). */
  onStatus?: (message: string) => void;
  /** Aborts between evaluations: StyleError 'ABORTED', or the best image so far with onAbort 'return'. */
  signal?: AbortSignal;
}

/** Options of {@link createStylizer}: those of `stylize` without the content image. */
export interface StylizerOptions extends Omit<StylizeOptions, 'content'> {
  /**
   * true: every content image keeps its own size (the preset's size is
   * ignored; `size`, `width` and `height` must be unset). Default false: the
   * preset's size or the overrides, as `stylize` does.
   */
  keepSize?: boolean;
  /** Models (one per image size) kept alive at once, 1..64; default 4 (a 3-scale schedule uses 3). */
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
  styleScale: number;
  styleBlendWeights: number[];
  originalColors: boolean;
  scales: number;
  minSize: number;
  tolerance: number;
  /** Style image names (file names, or 'style image'), comma-separated. */
  style: string;
  /** SHA-256 (hex) of the style images' bytes (or raw pixels), masks and init image, in order. */
  styleSha256: string;
  /** Where the weights came from ('' when passed in loaded). */
  weights: string;
}

/** A style transfer ready to run on many content images; see the module comment. */
export interface Stylizer {
  /** The style images' names (file names, or 'style image'), comma-separated. */
  readonly styleName: string;
  /** The resolved settings (for provenance and to tell whether two runs match). */
  describe(): StylizerDescription;
  /** Stylises one content image (`name` appears in messages). */
  run(content: ImageSource, name?: string, perRun?: StylizerRunOptions): Promise<StylizeResult>;
  /** Distinct image sizes met so far (each got its own model). */
  readonly sizes: number;
  /** Releases every model; the Stylizer cannot be used afterwards. */
  close(): Promise<void>;
}

function abortCheck(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new StyleError('ABORTED', 'Style transfer aborted', { cause: signal.reason });
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return AbortSignal.any([a, b]);
}

/** Reads a source once: its bytes (for hashing) and its decoded pixels. */
async function readSource(
  source: ImageSource,
  name: string,
): Promise<{ rgb: RgbImage; bytes: Uint8Array; notes: string[] }> {
  const img = await decodeImage(source, { name });
  const bytes =
    typeof source === 'string'
      ? new Uint8Array(await readFile(source))
      : source instanceof Uint8Array
        ? source
        : source.pixels;
  return { rgb: { pixels: img.pixels, width: img.width, height: img.height }, bytes, notes: img.notes };
}

/**
 * Validates the options, loads the weights and reads the style images, then
 * returns a {@link Stylizer}. Throws as `stylize` does (INVALID_OPTION, IMAGE,
 * WEIGHTS, WEIGHTS_MISSING with instructions, ABORTED) before any graph is built.
 */
export async function createStylizer(options: StylizerOptions): Promise<Stylizer> {
  const styleList: readonly ImageSource[] = Array.isArray(options.style)
    ? (options.style as readonly ImageSource[])
    : [options.style as ImageSource];
  checkStyleCount('style', styleList.length);
  // Node has a free-memory figure to budget from; the web entry leaves maxMemory unset (never tiles unless told).
  const s = resolveSettings({
    ...options,
    maxMemory: options.maxMemory ?? defaultMaxMemory(),
    styleCount: styleList.length,
  });
  const keepSize = options.keepSize === true;
  if (options.keepSize !== undefined && typeof options.keepSize !== 'boolean')
    throw invalidOption('keepSize', 'boolean', options.keepSize);
  if (keepSize && (options.size !== undefined || options.width !== undefined)) {
    throw invalidOption('keepSize', 'no size, width or height alongside it', options.keepSize);
  }
  const maxModels = options.maxModels === undefined ? 4 : checkInteger('maxModels', options.maxModels, 1, 64);
  if (options.styleMasks !== undefined) {
    if (!Array.isArray(options.styleMasks) || options.styleMasks.length !== styleList.length) {
      throw invalidOption(
        'styleMasks',
        `array of ${styleList.length} masks (one per style image)`,
        Array.isArray(options.styleMasks) ? `${options.styleMasks.length} masks` : options.styleMasks,
      );
    }
  }
  if (s.init === 'image' && options.initImage === undefined) {
    throw invalidOption('initImage', "an image for init 'image'", options.initImage);
  }
  const signal = options.signal;
  abortCheck(signal);

  // The images: validated now (a bad file fails before the weights load).
  const names = styleList.map((st, i) =>
    typeof st === 'string' ? basename(st) : styleList.length === 1 ? 'style image' : `style image ${i + 1}`,
  );
  const hash = createHash('sha256');
  const styles: RgbImage[] = [];
  const setupNotes: string[] = [];
  for (const [i, st] of styleList.entries()) {
    const r = await readSource(st, names[i]!);
    styles.push(r.rgb);
    hash.update(r.bytes);
    setupNotes.push(...r.notes);
  }
  let masks: RgbImage[] | undefined;
  if (options.styleMasks !== undefined) {
    masks = [];
    for (const [i, m] of options.styleMasks.entries()) {
      const r = await readSource(m, typeof m === 'string' ? m : `style mask ${i + 1}`);
      masks.push(r.rgb);
      hash.update(r.bytes);
    }
  }
  let initImage: RgbImage | undefined;
  if (s.init === 'image') {
    const src = options.initImage!;
    const r = await readSource(src, typeof src === 'string' ? src : 'init image');
    initImage = r.rgb;
    hash.update(r.bytes);
  }
  const styleSha256 = hash.digest('hex');

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
    styleScale: s.styleScale,
    styleBlendWeights: normaliseBlend(s.styleBlendWeights, styles.length),
    originalColors: s.originalColors,
    scales: s.scales,
    minSize: s.minSize,
    tolerance: s.tolerance,
    style: names.join(','),
    styleSha256,
    weights: weightsFrom?.path ?? '',
  };

  const core = createStyleCore({
    env: nodeEnvironment,
    weights,
    variant: weightsVariant(weights),
    settings: s,
    styles,
    ...(masks === undefined ? {} : { masks }),
    ...(initImage === undefined ? {} : { initImage }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    maxModels,
    ...(options.onStatus === undefined ? {} : { onStatus: options.onStatus }),
  });

  let closed = false;
  const onImage =
    options.savePattern === undefined && options.onImage === undefined
      ? undefined
      : async (img: StylizedImage): Promise<void> => {
          if (options.savePattern !== undefined) {
            await saveImage(
              options.savePattern.replaceAll('{iteration}', String(img.iteration)),
              img.data,
              img.width,
              img.height,
            );
          }
          await options.onImage?.(img);
        };

  return {
    styleName: names.join(','),
    describe: () => structuredClone(description),
    get sizes() {
      return core.sizes;
    },
    async run(content, name = 'content image', perRun = {}) {
      if (closed) throw new StyleError('INVALID_OPTION', 'This Stylizer was closed');
      const runSignal = anySignal(signal, perRun.signal);
      abortCheck(runSignal);
      const img = await decodeImage(content, { ...(keepSize ? {} : s.size), name });
      const onProgress = perRun.onProgress ?? options.onProgress;
      return core.run(
        { pixels: img.pixels, width: img.width, height: img.height },
        {
          notes: [...setupNotes, ...img.notes],
          ...(runSignal === undefined ? {} : { signal: runSignal }),
          ...(onProgress === undefined ? {} : { onProgress }),
          ...(onImage === undefined ? {} : { onImage }),
          ...(options.saveEvery === undefined ? {} : { saveEvery: options.saveEvery }),
          weightsFrom,
        },
      );
    },
    async close() {
      closed = true;
      await core.close();
    },
  };
}
