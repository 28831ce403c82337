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
import type { RuntimeAdapter, RuntimeSession, RuntimeSessionOptions, TensorData } from './adapter.js';
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
  /**
   * The provider that most recently proved itself: started a session that is the
   * last choice, or completed a first run (undefined before).
   */
  readonly provider: WebExecutionProvider | undefined;
  /** Providers passed over so far, each as 'provider: reason' (for notes in a UI). */
  readonly skipped: readonly string[];
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

function noProvider(list: readonly string[], attempts: readonly string[], what: 'start' | 'run'): StyleError {
  return new StyleError(
    'RUNTIME',
    `No execution provider of onnxruntime-web could ${what} the graph (tried ${list.join(', ')}): ${attempts.join('; ')}`,
  );
}

/**
 * A session that may still move to the next provider: a provider can accept a
 * graph and fail on its first run (onnxruntime-web's WebGPU MaxPool does not
 * produce the Indices output the max-pool gradient needs), so until one run
 * succeeds a failure releases the session and starts the next provider.
 */
class FallbackSession implements RuntimeSession {
  private settled = false;

  constructor(
    private current: RuntimeSession,
    private at: number,
    private readonly start: (from: number) => Promise<{ session: RuntimeSession; at: number }>,
    private readonly list: readonly WebExecutionProvider[],
    private readonly attempts: string[],
    private readonly settle: (provider: WebExecutionProvider) => void,
  ) {}

  get inputNames(): readonly string[] {
    return this.current.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.current.outputNames;
  }

  async run(
    feeds: Readonly<Record<string, TensorData>>,
    outputs?: readonly string[],
  ): Promise<Record<string, TensorData>> {
    for (;;) {
      try {
        const out = await this.current.run(feeds, outputs);
        if (!this.settled) {
          this.settled = true;
          this.settle(this.list[this.at] as WebExecutionProvider);
        }
        return out;
      } catch (e) {
        if (this.settled) throw e;
        this.attempts.push(`${this.list[this.at]}: run failed: ${reason(e)}`);
        // The last provider keeps its session: the failure may be the caller's (feeds), not the provider's.
        if (this.at + 1 >= this.list.length) throw noProvider(this.list, this.attempts, 'run');
        await this.current.release().catch(() => undefined);
        ({ session: this.current, at: this.at } = await this.start(this.at + 1));
      }
    }
  }

  release(): Promise<void> {
    return this.current.release();
  }
}

/**
 * Makes an onnxruntime-web adapter. `createSession` tries each execution provider
 * alone, in order, and uses the first that starts and runs (a provider whose
 * first run fails gives way to the next); when none does it throws StyleError
 * RUNTIME naming every attempt and its reason. Session options' `threads` and
 * `executionProviders` override the runtime's own.
 */
export function createWebRuntime(options: WebRuntimeOptions = {}): WebRuntime {
  let provider: WebExecutionProvider | undefined;
  let threads: number | undefined;
  const skipped: string[] = [];
  const defaults = options.executionProviders ?? ['wasm'];
  return {
    name: 'onnxruntime-web',
    get provider() {
      return provider;
    },
    get threads() {
      return threads;
    },
    get skipped() {
      return skipped;
    },
    async createSession(model: Uint8Array, o: RuntimeSessionOptions = {}): Promise<RuntimeSession> {
      const list = (o.executionProviders ?? defaults) as readonly WebExecutionProvider[];
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
      const start = async (from: number): Promise<{ session: RuntimeSession; at: number }> => {
        for (let at = from; at < list.length; at++) {
          const ep = list[at] as WebExecutionProvider;
          try {
            const session = await ort.InferenceSession.create(model, {
              ...commonSessionOptions(o),
              executionProviders: [ep],
            });
            initialised = true;
            threads = ort.env.wasm.numThreads;
            return { session: wrapSession(ort, session), at };
          } catch (e) {
            attempts.push(`${ep}: ${reason(e)}`);
          }
        }
        throw noProvider(list, attempts, 'start');
      };
      const first = await start(0);
      const settle = (ep: WebExecutionProvider): void => {
        provider = ep;
        skipped.push(...attempts.splice(0));
      };
      if (first.at === list.length - 1) {
        // Nothing to fall back to: no need to wait for a run.
        settle(list[first.at] as WebExecutionProvider);
        return first.session;
      }
      return new FallbackSession(first.session, first.at, start, list, attempts, settle);
    },
  };
}

/** An onnxruntime-web adapter with the defaults of {@link createWebRuntime} (wasm). */
export const webRuntime: WebRuntime = createWebRuntime();
