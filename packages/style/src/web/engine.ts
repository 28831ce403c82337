/**
 * The evaluate-level engine in a browser: weights from a URL or bytes, images
 * from ImageData / ImageBitmap / Blob, and a {@link StyleModel} on
 * onnxruntime-web. One evaluation = one session run = the loss terms and the
 * gradient of the total with respect to the image.
 */
import { StyleError } from '../errors.js';
import type { LossSpec } from '../losses/spec.js';
import type { VggArchitecture, VggVariant } from '../network/vgg.js';
import { StyleModel } from '../runtime/style-model.js';
import type { BackwardOptions } from '../graph/style-graph.js';
import {
  createWebRuntime,
  type WebExecutionProvider,
  type WebRuntime,
  type WebRuntimeOptions,
} from '../runtime/web.js';
import type { VggWeights } from '../weights/types.js';

let shared: WebRuntime | undefined;

/**
 * Sets up onnxruntime-web for this page: where its wasm files are served, the
 * wasm thread count, and the providers tried by default. Call it before the
 * first model; onnxruntime-web reads its environment once, so a second call
 * with other `wasmPaths` or `threads` than the first throws StyleError
 * INVALID_OPTION once a session exists. Returns the shared runtime.
 */
export function configureWebRuntime(options: WebRuntimeOptions = {}): WebRuntime {
  if (shared !== undefined && shared.threads !== undefined) {
    throw new StyleError(
      'INVALID_OPTION',
      'configureWebRuntime must be called before the first model is created (onnxruntime-web reads its settings once)',
    );
  }
  shared = createWebRuntime(options);
  return shared;
}

/** The runtime models use when none is given: the last {@link configureWebRuntime}, else wasm defaults. */
export function sharedWebRuntime(): WebRuntime {
  shared ??= createWebRuntime();
  return shared;
}

/** Options of {@link createWebStyleModel}. */
export interface WebStyleModelOptions {
  /** Loaded weights ({@link loadWebWeights}). */
  weights: VggWeights;
  /** Image size, px. */
  height: number;
  width: number;
  /** Layers, weights, pooling and normalisation (e.g. `presets.default.loss`). */
  loss: LossSpec;
  /** Default 'vgg19'. */
  variant?: VggVariant;
  /** A custom VGG-like architecture (tests, tiny networks). */
  architecture?: VggArchitecture;
  /** Providers in order of preference for this model (default: the runtime's, ['wasm']). */
  executionProviders?: readonly WebExecutionProvider[];
  /** Default: {@link sharedWebRuntime}. */
  runtime?: WebRuntime;
  /** Backward-graph variants (defaults measured fastest). */
  backward?: BackwardOptions;
}

/**
 * A {@link StyleModel} on onnxruntime-web: `contentTargets`, `styleTargets`
 * (computed once) and `evaluate` (loss terms and gradient per call). Throws as
 * StyleModel.create does; RUNTIME lists each provider tried when none starts.
 */
export function createWebStyleModel(o: WebStyleModelOptions): Promise<StyleModel> {
  const runtime = o.runtime ?? sharedWebRuntime();
  return StyleModel.create({
    weights: o.weights,
    height: o.height,
    width: o.width,
    loss: o.loss,
    runtime,
    ...(o.variant === undefined ? {} : { variant: o.variant }),
    ...(o.architecture === undefined ? {} : { architecture: o.architecture }),
    ...(o.executionProviders === undefined ? {} : { executionProviders: [...o.executionProviders] }),
    ...(o.backward === undefined ? {} : { backward: o.backward }),
  });
}
