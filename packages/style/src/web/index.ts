/**
 * `@pastiche/style/web`: the style-transfer engine in a browser, on
 * onnxruntime-web (wasm with threads, or WebGPU). Imports no `node:*` module and
 * no Node-only package (test/web-browser.test.ts bundles it for the browser).
 *
 * Serving it:
 * - bundle this entry (esbuild `platform: 'browser'`, `format: 'esm'`); the
 *   package's `browser` field drops runtime/node.ts, which StyleModel only
 *   imports when no runtime is given (the web entry always gives one);
 * - serve `onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.mjs` and
 *   `.jsep.wasm` (about 28 MB) from one folder and pass its URL as
 *   `configureWebRuntime({ wasmPaths: '/ort/' })` before the first model;
 * - wasm threads need a cross-origin isolated page: send
 *   `Cross-Origin-Opener-Policy: same-origin` and
 *   `Cross-Origin-Embedder-Policy: require-corp` with the page (and
 *   `Cross-Origin-Resource-Policy: same-origin` on what it loads); without them
 *   onnxruntime-web falls back to one thread;
 * - WebGPU needs a secure context (https or http://127.0.0.1) and a browser
 *   that offers `navigator.gpu`.
 */
export { StyleError, isStyleError } from '../errors.js';
export type { StyleErrorCode, StyleErrorOptions } from '../errors.js';
export { StyleModel } from '../runtime/style-model.js';
export type { Targets, Evaluation } from '../runtime/style-model.js';
export type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from '../runtime/adapter.js';
export { createWebRuntime, webRuntime } from '../runtime/web.js';
export type { WebExecutionProvider, WebRuntime, WebRuntimeOptions } from '../runtime/web.js';
export { configureWebRuntime, sharedWebRuntime, createWebStyleModel } from './engine.js';
export type { WebStyleModelOptions } from './engine.js';
export { loadWebImage, toImageData, toBlob } from './image.js';
export type { WebImageSource, WebImageOptions, WebLoadedImage, WebRawImage } from './image.js';
export { loadWebWeights } from './weights.js';
export type { WebWeightsSource, WebWeightsOptions } from './weights.js';
export { parseTfjsWeights } from './weights-tfjs.js';
export type { TfjsWeightsInput, ShardSource, Bytes } from './weights-tfjs.js';
export { parseKerasH5Weights, isHdf5 } from './weights-h5.js';
export { CS20_LOSS, validateLossSpec } from '../losses/spec.js';
export type { LossSpec } from '../losses/spec.js';
export { presets, CS20_PRESET, DEFAULT_PRESET, PRESET_NAMES } from '../presets.js';
export type { Preset, PresetName, OptimizerName, SizeSpec, StyleSizing } from '../presets.js';
export { VGG_ARCHITECTURES, minimumSide } from '../network/vgg.js';
export type { VggVariant, LayerName, VggArchitecture } from '../network/vgg.js';
export type { VggWeights, ConvWeights } from '../weights/types.js';
export { VGG_MEAN_BGR, fromPixels, toPixels } from '../image/preprocess.js';
export type { StyleImage } from '../image/preprocess.js';
export * from '../optim/index.js';
export { initialImage } from '../stylize/init.js';
export type { InitMode, InitOptions } from '../stylize/init.js';
export { stylize } from './stylize.js';
export type { WebStylizeOptions, WebStylizeResult } from './stylize.js';
export type {
  StylizeControls,
  StylizeProgress,
  StylizeResult,
  StylizeSettings,
  StylizedImage,
  LossRecord,
} from '../stylize/settings.js';
export { canvasResize, decodeWebImage } from './image.js';
export type { WebDecodedImage } from './image.js';
