/**
 * The onnxruntime-web adapter: the same graphs in a browser (wasm with threads,
 * or WebGPU where available) or in Node without the native module. About 4-5x
 * slower than onnxruntime-node on CPU (see ARCHITECTURE.md), so Node uses
 * {@link nodeRuntime}.
 *
 * onnxruntime-web's environment (`ort.env.wasm`) is global and read once, when
 * its wasm module first loads: `wasmPaths` and `threads` of the first session
 * win; {@link WebRuntime.threads} reports what was actually applied.
 */
import * as ort from 'onnxruntime-web';
import { StyleError } from '../errors.js';
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions } from './adapter.js';
import { commonSessionOptions, wrapSession } from './session.js';

/** Execution providers of onnxruntime-web this package drives. */
export type WebExecutionProvider = 'wasm' | 'webgpu';

/** Options of {@link createWebRuntime}. */
export interface WebRuntimeOptions {
  /**
   * Where onnxruntime-web's `ort-wasm-simd-threaded.jsep.{mjs,wasm}` are served: a URL
   * prefix ending in '/', or both URLs. Default: onnxruntime-web's own lookup
   * (beside its script), which breaks once it is bundled; browsers should set it.
   */
  wasmPaths?: string | { mjs: string; wasm: string };
  /**
   * wasm threads. Default: onnxruntime-web's own (min(4, cores / 2) when the page is
   * cross-origin isolated, else 1) in browsers; 1 in Node.
   */
  threads?: number;
  /** Providers in order of preference, each tried alone (default ['wasm']). */
  executionProviders?: readonly WebExecutionProvider[];
}

/** A {@link RuntimeAdapter} over onnxruntime-web that reports what it started. */
export interface WebRuntime extends RuntimeAdapter {
  /** The provider of the most recently created session (undefined before the first). */
  readonly provider: WebExecutionProvider | undefined;
  /** ort.env.wasm.numThreads once the wasm module has loaded (undefined before). */
  readonly threads: number | undefined;
}

const PROVIDERS: readonly string[] = ['wasm', 'webgpu'];
let initialised = false;

function inNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]?.trim() || 'unknown error';
}

/**
 * Makes an onnxruntime-web adapter. `createSession` tries each execution provider
 * alone, in order, and uses the first that starts; when none does it throws
 * StyleError RUNTIME naming every attempt and its reason. Session options'
 * `threads` and `executionProviders` override the runtime's own.
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): WebRuntime {
  let provider: WebExecutionProvider | undefined;
  let threads: number | undefined;
  const defaults = options.executionProviders ?? ['wasm'];
  return {
    name: 'onnxruntime-web',
    get provider() {
      return provider;
    },
    get threads() {
      return threads;
    },
    async createSession(model: Uint8Array, o: RuntimeSessionOptions = {}): Promise<RuntimeSession> {
      const list = o.executionProviders ?? defaults;
      const bad = list.find((p) => !PROVIDERS.includes(p));
      if (list.length === 0 || bad !== undefined) {
        throw new StyleError(
          'INVALID_OPTION',
          `Expected execution providers among ${PROVIDERS.join(', ')} for executionProviders but received [${list.join(', ')}]`,
        );
      }
      if (!initialised) {
        if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
        const n = o.threads ?? options.threads ?? (inNode() ? 1 : undefined);
        if (n !== undefined) ort.env.wasm.numThreads = n;
      }
      const attempts: string[] = [];
      for (const ep of list as readonly WebExecutionProvider[]) {
        try {
          const session = await ort.InferenceSession.create(model, {
            ...commonSessionOptions(o),
            executionProviders: [ep],
          });
          initialised = true;
          provider = ep;
          threads = ort.env.wasm.numThreads;
          return wrapSession(ort, session);
        } catch (e) {
          attempts.push(`${ep}: ${reason(e)}`);
        }
      }
      throw new StyleError(
        'RUNTIME',
        `No execution provider of onnxruntime-web could start the graph (tried ${list.join(', ')}): ${attempts.join('; ')}`,
      );
    },
  };
}

/** An onnxruntime-web adapter with the defaults of {@link createWebRuntime} (wasm). */
export const webRuntime: WebRuntime = createWebRuntime();
