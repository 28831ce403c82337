/**
 * `stylize` in a browser: the portable core (stylize/core.ts: coarse-to-fine,
 * blended and guided styles, presets, losses, optimisers) with onnxruntime-web
 * running the graphs and a canvas resizing, on ImageData / ImageBitmap / Blob /
 * HTMLImageElement inputs and weights from a URL or bytes. Same controls,
 * progress events, snapshots and abort as Node's `stylize`; no file paths (no
 * savePattern, no weights cache or download: the page names its weights).
 */
import { StyleError } from '../errors.js';
import { createStyleCore, type RgbImage, type StyleEnvironment } from '../stylize/core.js';
import {
  checkStyleCount,
  resolveSettings,
  type StylizeControls,
  type StylizedImage,
  type StylizeProgress,
  type StylizeResult,
} from '../stylize/settings.js';
import { invalidOption } from '../validate.js';
import { weightsVariant } from '../weights/vgg.js';
import type { RuntimeAdapter } from '../runtime/adapter.js';
import type { WebExecutionProvider, WebRuntime } from '../runtime/web.js';
import { sharedWebRuntime } from './engine.js';
import { canvasResize, decodeWebImage, type WebImageSource } from './image.js';
import { loadWebWeights, type WebWeightsOptions, type WebWeightsSource } from './weights.js';

/** Options of the web {@link stylize}: Node's controls, browser images and weights. */
export interface WebStylizeOptions extends StylizeControls {
  /** Content image. */
  content: WebImageSource;
  /** Style image(s); several are blended (styleBlendWeights). */
  style: WebImageSource | readonly WebImageSource[];
  /** One mask per style image (white = where that style applies); guided Grams. */
  styleMasks?: readonly WebImageSource[];
  /** The start for init 'image'. */
  initImage?: WebImageSource;
  /** Loaded weights, a URL (model.json or .h5), .h5 bytes, or { modelJson, shards }. */
  weights: WebWeightsSource;
  /** How weights are fetched (baseUrl, Cache API name, download progress). */
  weightsOptions?: Omit<WebWeightsOptions, 'signal'>;
  /** Providers in order of preference for this run (default: the runtime's, ['wasm']). */
  executionProviders?: readonly WebExecutionProvider[];
  /** Default: the shared runtime of configureWebRuntime. */
  runtime?: WebRuntime;
  /** Called after every iteration (iteration 0 included); may return a promise, which is awaited. */
  onProgress?: (event: StylizeProgress) => void | Promise<void>;
  /** Receives the snapshots of saveEvery. */
  onImage?: (image: StylizedImage) => void | Promise<void>;
  /** Called once per setup phase ('loading weights', 'building the graph for 64x64', ...). */
  onStatus?: (message: string) => void;
  /** Aborts between evaluations: StyleError 'ABORTED', or the best image so far with onAbort 'return'. */
  signal?: AbortSignal;
}

/** What the web {@link stylize} returns: Node's result plus the provider that ran it. */
export interface WebStylizeResult extends StylizeResult {
  /** The execution provider that ran the last graph (e.g. 'wasm' when WebGPU gave way). */
  provider: WebExecutionProvider | undefined;
}

function abortCheck(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new StyleError('ABORTED', 'Style transfer aborted', { cause: signal.reason });
}

function rgb(d: { pixels: Uint8Array; width: number; height: number }): RgbImage {
  return { pixels: d.pixels, width: d.width, height: d.height };
}

/**
 * Runs a style transfer in the browser; see {@link WebStylizeOptions}. Throws
 * StyleError: INVALID_OPTION, IMAGE (undecodable or too small images), WEIGHTS,
 * DOWNLOAD, RUNTIME (listing each execution provider tried when none runs),
 * ABORTED (unless onAbort is 'return').
 */
export async function stylize(o: WebStylizeOptions): Promise<WebStylizeResult> {
  const styleList: readonly WebImageSource[] = Array.isArray(o.style)
    ? (o.style as readonly WebImageSource[])
    : [o.style as WebImageSource];
  checkStyleCount('style', styleList.length);
  const s = resolveSettings({ ...o, styleCount: styleList.length });
  if (o.styleMasks !== undefined && (!Array.isArray(o.styleMasks) || o.styleMasks.length !== styleList.length)) {
    throw invalidOption(
      'styleMasks',
      `array of ${styleList.length} masks (one per style image)`,
      Array.isArray(o.styleMasks) ? `${o.styleMasks.length} masks` : o.styleMasks,
    );
  }
  if (s.init === 'image' && o.initImage === undefined) {
    throw invalidOption('initImage', "an image for init 'image'", o.initImage);
  }
  const signal = o.signal;
  abortCheck(signal);

  // Images first: a bad image fails before megabytes of weights download.
  const notes: string[] = [];
  const content = await decodeWebImage(o.content, { ...s.size, name: 'content image' });
  notes.push(...content.notes);
  const styles: RgbImage[] = [];
  for (const [i, st] of styleList.entries()) {
    const d = await decodeWebImage(st, { name: styleList.length === 1 ? 'style image' : `style image ${i + 1}` });
    styles.push(rgb(d));
    notes.push(...d.notes);
  }
  const masks =
    o.styleMasks === undefined
      ? undefined
      : await Promise.all(
          o.styleMasks.map(async (m, i) => rgb(await decodeWebImage(m, { name: `style mask ${i + 1}`, minSide: 1 }))),
        );
  const initImage =
    s.init === 'image' ? rgb(await decodeWebImage(o.initImage as WebImageSource, { name: 'init image' })) : undefined;

  o.onStatus?.('loading weights');
  const weights = await loadWebWeights(o.weights, { ...o.weightsOptions, ...(signal === undefined ? {} : { signal }) });
  abortCheck(signal);

  const base = o.runtime ?? sharedWebRuntime();
  const eps = o.executionProviders;
  // Per-run providers without touching the shared runtime's defaults.
  const runtime: RuntimeAdapter =
    eps === undefined
      ? base
      : {
          name: base.name,
          createSession: (model, so) => base.createSession(model, { ...so, executionProviders: [...eps] }),
        };
  const env: StyleEnvironment = { runtime, resize: canvasResize };
  const skippedBefore = base.skipped.length;
  const core = createStyleCore({
    env,
    weights,
    variant: weightsVariant(weights),
    settings: s,
    styles,
    ...(masks === undefined ? {} : { masks }),
    ...(initImage === undefined ? {} : { initImage }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
    ...(o.onStatus === undefined ? {} : { onStatus: o.onStatus }),
  });
  try {
    const result = await core.run(rgb(content), {
      notes,
      ...(signal === undefined ? {} : { signal }),
      ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
      ...(o.onImage === undefined ? {} : { onImage: o.onImage }),
      ...(o.saveEvery === undefined ? {} : { saveEvery: o.saveEvery }),
      weightsFrom: undefined,
    });
    for (const skipped of base.skipped.slice(skippedBefore))
      result.notes.push(`execution provider passed over: ${skipped}`);
    return { ...result, provider: base.provider };
  } finally {
    await core.close();
  }
}
