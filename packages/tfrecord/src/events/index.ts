/**
 * TensorBoard event files: the `tensorflow.Event` codec, its JSON form, builders
 * for TF1 and TF2 summaries, and scalar extraction. Portable (no Node built-ins).
 */
export * from './types.js';
export { decodeEvent, isEventRecord } from './decode.js';
export { encodeEvent, encodeEventInto } from './encode.js';
export { eventToJSONLine } from './json.js';
export { pyFloatRepr, pyFloat32Repr } from './pyjson.js';
