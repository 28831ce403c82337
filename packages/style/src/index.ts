/**
 * `@pastiche/style`: neural style transfer (Gatys et al.) with VGG features,
 * as ONNX graphs whose gradient is built into the graph, run by onnxruntime.
 */
export { StyleError, isStyleError } from './errors.js';
export type { StyleErrorCode, StyleErrorOptions } from './errors.js';
