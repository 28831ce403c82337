/**
 * One session wrapper for both onnxruntime packages. onnxruntime-node and
 * onnxruntime-web share onnxruntime-common's InferenceSession and Tensor API, so
 * an adapter only supplies its module and its own session options; feeding,
 * fetching, output checks and release live here once.
 *
 * The module is described structurally (not by importing onnxruntime-common's
 * types), so this file pulls in neither package and stays portable.
 */
import { StyleError } from '../errors.js';
import type { RuntimeSession, RuntimeSessionOptions, TensorData } from './adapter.js';

/** The part of an onnxruntime Tensor the wrapper reads. */
export interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  /** 'cpu' for data in JS memory; 'gpu-buffer' etc. when it lives on a device. */
  readonly location?: string;
  readonly data: unknown;
  getData(releaseData?: boolean): Promise<unknown>;
}

/** The part of an onnxruntime InferenceSession the wrapper calls. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches: string[]): Promise<Record<string, unknown>>;
  release(): Promise<void>;
}

/** What the wrapper needs from an onnxruntime module (`import * as ort from 'onnxruntime-node' | 'onnxruntime-web'`). */
export interface OrtModuleLike {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

/**
 * Session options both packages understand, from ours: graph optimisation
 * 'all', sequential execution, CPU arena and memory patterns on, warnings muted
 * (unused initialisers are not the user's business; errors still throw).
 * Threads, providers and extras are each adapter's business.
 */
export function commonSessionOptions(o: RuntimeSessionOptions): {
  graphOptimizationLevel: NonNullable<RuntimeSessionOptions['optimizationLevel']>;
  executionMode: NonNullable<RuntimeSessionOptions['executionMode']>;
  enableCpuMemArena: boolean;
  enableMemPattern: boolean;
  logSeverityLevel: 3;
} {
  return {
    graphOptimizationLevel: o.optimizationLevel ?? 'all',
    executionMode: o.executionMode ?? 'sequential',
    enableCpuMemArena: o.memArena ?? true,
    enableMemPattern: o.memPattern ?? true,
    logSeverityLevel: 3,
  };
}

class OrtSession implements RuntimeSession {
  constructor(
    private readonly ort: OrtModuleLike,
    private readonly session: OrtSessionLike,
  ) {}

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
    const inputs: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = new this.ort.Tensor('float32', t.data, t.dims);
    const result = await this.session.run(inputs, [...(outputs ?? this.session.outputNames)]);
    const out: Record<string, TensorData> = {};
    for (const [name, v] of Object.entries(result)) {
      const t = v as OrtTensorLike;
      if (t.type !== 'float32') {
        throw new StyleError('RUNTIME', `Graph output ${name} is ${t.type}; expected float32`);
      }
      // CPU tensors (onnxruntime-node, the wasm provider) hold their data already;
      // device tensors (WebGPU outputs kept on the GPU) must be downloaded.
      const data = t.location === undefined || t.location === 'cpu' ? t.data : await t.getData(true);
      out[name] = { data: data as Float32Array, dims: t.dims };
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Wraps an onnxruntime session (from `ort`) as a {@link RuntimeSession}. */
export function wrapSession(ort: OrtModuleLike, session: OrtSessionLike): RuntimeSession {
  return new OrtSession(ort, session);
}
