/**
 * The in-page style transfer, bundled as its own file (`/assets/engine.js`,
 * loaded only by the Run in this browser page): @pastiche/style/web on
 * onnxruntime-web, whose wasm files the studio serves under `/ort/`, with the
 * weights the studio serves under `/weights/` kept in the browser's Cache
 * Storage after the first download.
 */
import {
  Adam,
  LBFGS,
  type Optimizer,
  type WebExecutionProvider,
  configureWebRuntime,
  createWebStyleModel,
  initialImage,
  loadWebImage,
  loadWebWeights,
  presets,
  sharedWebRuntime,
  toImageData,
} from '@pastiche/style/web';

/** Options of {@link runInBrowser}. */
export interface BrowserRunOptions {
  content: Blob;
  style: Blob;
  /** URL of the weights the studio serves (`/weights/model.json` or `/weights/<name>.h5`). */
  weights: string;
  /** Longer side of the output, px. */
  size: number;
  iterations: number;
  /** 'wasm' (threads when cross-origin isolated) or 'webgpu'. */
  provider: WebExecutionProvider;
  signal: AbortSignal;
  onStatus: (message: string) => void;
  onProgress: (p: {
    iteration: number;
    iterations: number;
    total: number;
    content: number;
    style: number;
    seconds: number;
  }) => void;
  onImage: (image: ImageData, iteration: number) => void;
}

let configured: WebExecutionProvider | undefined;

/** Runs the default preset's optimisation in this page; resolves with the provider and thread count used. */
export async function runInBrowser(o: BrowserRunOptions): Promise<{ provider: string; threads: number | undefined }> {
  if (configured === undefined) {
    // onnxruntime-web's default is half the cores; style transfer is the only work this page does.
    const threads = globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency)) : 1;
    configureWebRuntime({ wasmPaths: '/ort/', executionProviders: [o.provider], threads });
  }
  configured ??= o.provider;
  o.onStatus('loading the weights (kept in this browser after the first time)');
  const weights = await loadWebWeights(o.weights, {
    cache: 'pastiche-weights',
    signal: o.signal,
    onProgress: (loaded, total) =>
      o.onStatus(
        `loading the weights: ${Math.round(loaded / 1048576)} of ${total === undefined ? '?' : Math.round(total / 1048576)} MiB`,
      ),
  });
  const preset = presets.default;
  const content = await loadWebImage(o.content, { maxSide: o.size, name: 'content image' });
  const style = await loadWebImage(o.style, { maxSide: Math.max(content.width, content.height), name: 'style image' });
  o.onStatus(`building the graph for ${content.width}x${content.height} on ${o.provider}`);
  const model = await createWebStyleModel({
    weights,
    width: content.width,
    height: content.height,
    loss: preset.loss,
    executionProviders: [o.provider],
  });
  try {
    const ct = await model.contentTargets(content.data);
    const st = await model.styleTargets(style.data, style.height, style.width);
    const x = initialImage(content.data, {
      mode: preset.init,
      seed: 0,
      noiseRange: preset.noiseRange,
      noiseRatio: preset.noiseRatio,
    });
    const optimizer: Optimizer = preset.optimizer === 'adam' ? new Adam({ lr: preset.lr }) : new LBFGS();
    const evaluate = async (image: Float32Array) => {
      o.signal.throwIfAborted();
      const e = await model.evaluate(image, ct, st);
      return { ...e, loss: e.total };
    };
    const start = performance.now();
    let at = await evaluate(x);
    const report = (iteration: number) =>
      o.onProgress({
        iteration,
        iterations: o.iterations,
        total: at.total,
        content: at.content,
        style: at.style,
        seconds: (performance.now() - start) / 1000,
      });
    report(0);
    o.onStatus('optimising');
    for (let i = 1; i <= o.iterations; i++) {
      at = await optimizer.step(x, at, evaluate);
      report(i);
      o.onImage(toImageData({ data: x, width: content.width, height: content.height }), i);
      if (optimizer.converged) break;
    }
    return { provider: sharedWebRuntime().provider ?? o.provider, threads: sharedWebRuntime().threads };
  } finally {
    await model.release();
  }
}
