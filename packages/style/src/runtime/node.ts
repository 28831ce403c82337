/**
 * The onnxruntime-node adapter (native CPU kernels).
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from './adapter.js';

/** onnxruntime's SessionOptions for ours (defaults: all optimisations, all cores, sequential, arena on). */
export function nodeSessionOptions(o: RuntimeSessionOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: o.executionProviders ?? ['cpu'],
    graphOptimizationLevel: o.optimizationLevel ?? 'all',
    intraOpNumThreads: o.threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: o.executionMode ?? 'sequential',
    enableCpuMemArena: o.memArena ?? true,
    enableMemPattern: o.memPattern ?? true,
    // Warnings (e.g. unused initializers) are not the user's business; errors still throw.
    logSeverityLevel: 3,
    ...(o.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

class NodeSession implements RuntimeSession {
  constructor(private readonly session: ort.InferenceSession) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(
    feeds: Readonly<Record<string, TensorData>>,
    outputs?: readonly string[],
  ): Promise<Record<string, TensorData>> {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', t.data, t.dims);
    const result = outputs ? await this.session.run(inputs, outputs) : await this.session.run(inputs);
    const out: Record<string, TensorData> = {};
    for (const [name, v] of Object.entries(result)) {
      const t = v as ort.Tensor;
      if (t.type !== 'float32') throw new Error(`output ${name} is ${t.type}, expected float32`);
      out[name] = { data: t.data as Float32Array, dims: t.dims };
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Runs graphs with onnxruntime-node. */
export const nodeRuntime: RuntimeAdapter = {
  name: 'onnxruntime-node',
  async createSession(model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession> {
    return new NodeSession(await ort.InferenceSession.create(model, nodeSessionOptions(options)));
  },
};
