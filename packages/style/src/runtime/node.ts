/**
 * The onnxruntime-node adapter (native CPU kernels).
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions } from './adapter.js';
import { commonSessionOptions, wrapSession } from './session.js';

/**
 * onnxruntime's SessionOptions for ours (defaults: all optimisations, all cores,
 * sequential, arena on, spinning on). Measured A/B at 512 x 512 (bench/style.mjs
 * --ab, 2 cores shared with other work): 'parallel' with 2 inter-op threads took
 * 60 % more CPU time (the graph is one chain of large ops), and neither
 * 'session.set_denormal_as_zero' nor turning spinning off changed the CPU time
 * beyond the noise, so the defaults stay onnxruntime's.
 */
export function nodeSessionOptions(o: RuntimeSessionOptions = {}): ort.InferenceSession.SessionOptions {
  const entries: Record<string, string> = { ...o.configEntries };
  if (o.spinning === false) entries['session.intra_op.allow_spinning'] = '0';
  return {
    ...commonSessionOptions(o),
    executionProviders: o.executionProviders ?? ['cpu'],
    intraOpNumThreads: o.threads ?? availableParallelism(),
    interOpNumThreads: o.interOpThreads ?? 1,
    // onnxruntime-common flattens `extra` into config entries by joining keys with '.'.
    ...(Object.keys(entries).length > 0 ? { extra: entries } : {}),
  };
}

/** Runs graphs with onnxruntime-node. */
export const nodeRuntime: RuntimeAdapter = {
  name: 'onnxruntime-node',
  async createSession(model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession> {
    return wrapSession(ort, await ort.InferenceSession.create(model, nodeSessionOptions(options)));
  },
};
