/**
 * The onnxruntime-web adapter: the same graphs in a browser (wasm, or WebGPU where
 * available) or in Node without the native module. About 4-5x slower than
 * onnxruntime-node on CPU (see ARCHITECTURE.md), so Node uses {@link nodeRuntime}.
 */
import * as ort from 'onnxruntime-web';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from './adapter.js';

class WebSession implements RuntimeSession {
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
      out[name] = { data: (await t.getData()) as Float32Array, dims: t.dims };
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Runs graphs with onnxruntime-web. `threads` sets `ort.env.wasm.numThreads` (global
 * to onnxruntime-web, read when its wasm first loads; default 1 here, because more
 * needs cross-origin isolation in browsers). Execution providers default to ['wasm'].
 */
export const webRuntime: RuntimeAdapter = {
  name: 'onnxruntime-web',
  async createSession(model: Uint8Array, o: RuntimeSessionOptions = {}): Promise<RuntimeSession> {
    ort.env.wasm.numThreads = o.threads ?? 1;
    const session = await ort.InferenceSession.create(model, {
      executionProviders: o.executionProviders ?? ['wasm'],
      graphOptimizationLevel: o.optimizationLevel ?? 'all',
      executionMode: o.executionMode ?? 'sequential',
      enableCpuMemArena: o.memArena ?? true,
      enableMemPattern: o.memPattern ?? true,
      logSeverityLevel: 3,
    });
    return new WebSession(session);
  },
};
