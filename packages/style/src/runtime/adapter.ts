/**
 * The runtime boundary: a graph runs through an adapter, so onnxruntime-node
 * (Node, runtime/node.ts) and onnxruntime-web (browsers, runtime/web.ts) are
 * interchangeable. Both wrap their sessions with runtime/session.ts.
 */

/** A dense float32 tensor. */
export interface TensorData {
  data: Float32Array;
  dims: readonly number[];
}

/** Session options; every field has a speed-measured default in each adapter. */
export interface RuntimeSessionOptions {
  /** Intra-op threads (default: the number of CPU cores). */
  threads?: number;
  /** Execution providers in order of preference (default: ['cpu'] in Node, ['wasm'] on the web). */
  executionProviders?: string[];
  /** Graph optimisation level (default 'all'). */
  optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Default 'sequential' (a chain of large convs gains nothing from inter-op parallelism). */
  executionMode?: 'sequential' | 'parallel';
  /** CPU memory arena (default true). */
  memArena?: boolean;
  /** Memory pattern planning for fixed shapes (default true). */
  memPattern?: boolean;
  /** Let idle intra-op threads spin instead of sleeping (default true, onnxruntime's default). */
  spinning?: boolean;
  /** Inter-op threads for executionMode 'parallel' (default 1; Node adapter only). */
  interOpThreads?: number;
  /**
   * Further onnxruntime session config entries by key, e.g.
   * `{ 'session.set_denormal_as_zero': '1' }` (none by default; Node adapter only).
   */
  configEntries?: Readonly<Record<string, string>>;
}

/** A loaded model. */
export interface RuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs once; `outputs` limits what is fetched (default: all outputs). */
  run(feeds: Readonly<Record<string, TensorData>>, outputs?: readonly string[]): Promise<Record<string, TensorData>>;
  /** Frees native memory; the session is unusable afterwards. */
  release(): Promise<void>;
}

/** Creates sessions from ONNX ModelProto bytes. */
export interface RuntimeAdapter {
  /** Adapter name for messages, e.g. 'onnxruntime-node'. */
  readonly name: string;
  createSession(model: Uint8Array, options?: RuntimeSessionOptions): Promise<RuntimeSession>;
}
