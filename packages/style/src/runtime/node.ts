/**
 * The onnxruntime-node adapter (native CPU kernels).
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions } from './adapter.js';
import { commonSessionOptions, wrapSession } from './session.js';

/** onnxruntime's SessionOptions for ours (defaults: all optimisations, all cores, sequential, arena on). */
export function nodeSessionOptions(o: RuntimeSessionOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    ...commonSessionOptions(o),
    executionProviders: o.executionProviders ?? ['cpu'],
    intraOpNumThreads: o.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    ...(o.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

/** Runs graphs with onnxruntime-node. */
export const nodeRuntime: RuntimeAdapter = {
  name: 'onnxruntime-node',
  async createSession(model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession> {
    return wrapSession(ort, await ort.InferenceSession.create(model, nodeSessionOptions(options)));
  },
};
