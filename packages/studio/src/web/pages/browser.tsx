/**
 * Run in this browser: the same optimisation in the page, by the browser
 * engine (@pastiche/style/web, onnxruntime-web with wasm threads or WebGPU).
 * This page checks what the browser offers for it: cross-origin isolation
 * (needed for SharedArrayBuffer, hence wasm threads), cores, WebGPU, storage.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Info, type Loss, duration } from '../api.js';
import { LossChart, Progress, NumberField } from '../components.js';
import type { BrowserRunOptions } from '../engine.js';

type Engine = { runInBrowser(o: BrowserRunOptions): Promise<{ provider: string; threads: number | undefined }> };

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function checks(): Promise<Check[]> {
  const out: Check[] = [
    {
      name: 'Cross-origin isolated',
      ok: globalThis.crossOriginIsolated === true,
      detail: globalThis.crossOriginIsolated ? 'COOP + COEP headers received' : 'missing: wasm runs single-threaded',
    },
    {
      name: 'SharedArrayBuffer',
      ok: typeof SharedArrayBuffer === 'function',
      detail: typeof SharedArrayBuffer === 'function' ? 'available: wasm threads can run' : 'not available',
    },
    {
      name: 'CPU threads',
      ok: navigator.hardwareConcurrency > 1,
      detail: `${navigator.hardwareConcurrency} logical cores`,
    },
  ];
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let adapter: unknown = null;
  try {
    adapter = gpu === undefined ? null : await gpu.requestAdapter();
  } catch {
    adapter = null;
  }
  out.push({
    name: 'WebGPU',
    ok: adapter !== null,
    detail: gpu === undefined ? 'not offered by this browser' : adapter === null ? 'no adapter' : 'adapter available',
  });
  const est = await navigator.storage?.estimate?.().catch(() => undefined);
  out.push({
    name: 'Storage for weights',
    ok: est !== undefined,
    detail:
      est?.quota === undefined
        ? 'unknown'
        : `${Math.round((est.quota - (est.usage ?? 0)) / 1048576)} MiB free (weights are ~20 MiB)`,
  });
  return out;
}

function LocalPick(props: { label: string; file: File | undefined; onChange: (f: File) => void; testId: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (props.file === undefined) return;
    const u = URL.createObjectURL(props.file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [props.file]);
  return (
    <label class="pick small" data-testid={props.testId}>
      <input
        type="file"
        accept="image/*"
        onChange={(e) => {
          const f = (e.currentTarget as HTMLInputElement).files?.[0];
          if (f !== undefined) props.onChange(f);
        }}
      />
      {url !== undefined ? <img src={url} alt={props.label} /> : <span class="hint">Choose {props.label}</span>}
      <span class="caption">{props.label} (stays in this page)</span>
    </label>
  );
}

/** See the module comment. */
export function BrowserPage(props: { info: Info | undefined }) {
  const [list, setList] = useState<Check[]>();
  const [content, setContent] = useState<File>();
  const [style, setStyle] = useState<File>();
  const [size, setSize] = useState(96);
  const [iterations, setIterations] = useState(20);
  const [provider, setProvider] = useState<'wasm' | 'webgpu'>('wasm');
  const [status, setStatus] = useState<string>('idle');
  const [losses, setLosses] = useState<Loss[]>([]);
  const [error, setError] = useState<string>();
  const [running, setRunning] = useState(false);
  const [used, setUsed] = useState<string>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const abort = useRef<AbortController | undefined>(undefined);
  useEffect(() => {
    void checks().then(setList);
  }, []);
  const weightsUrl = props.info?.browserEngine?.weights ?? null;
  const engineReady = props.info?.browserEngine?.ort === true && weightsUrl !== null;
  const webgpu = list?.find((c) => c.name === 'WebGPU')?.ok === true;
  const run = async () => {
    if (content === undefined || style === undefined) return setError('Choose a content image and a style image first');
    setError(undefined);
    setLosses([]);
    setUsed(undefined);
    setRunning(true);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const engine = (await import('/assets/engine.js' as string)) as Engine;
      const done = await engine.runInBrowser({
        content,
        style,
        weights: weightsUrl!,
        size,
        iterations,
        provider,
        signal: controller.signal,
        onStatus: setStatus,
        onProgress: (p) => setLosses((l) => [...l, { ...p, tv: 0 }]),
        onImage: (img) => {
          const c = canvas.current;
          if (c === null) return;
          c.width = img.width;
          c.height = img.height;
          c.getContext('2d')?.putImageData(img, 0, 0);
        },
      });
      setUsed(
        `${done.provider}${done.threads === undefined ? '' : `, ${done.threads} thread${done.threads === 1 ? '' : 's'}`}`,
      );
      setStatus('done');
    } catch (e) {
      setStatus(controller.signal.aborted ? 'cancelled' : 'failed');
      if (!controller.signal.aborted) setError((e as Error).message);
    } finally {
      setRunning(false);
    }
    return undefined;
  };
  const last = losses[losses.length - 1];
  return (
    <div class="browser">
      <section class="panel">
        <h2>Run in this browser</h2>
        <p>
          The style transfer runs inside this page: the same VGG-19 graph with its gradient built in, executed by
          onnxruntime-web on WebAssembly threads or WebGPU. The weights are downloaded once from this studio and kept in
          the browser's storage; the images never leave the page.
        </p>
        <table class="kv checks" data-testid="checks" style={{ marginBottom: '16px' }}>
          <tbody>
            {(list ?? []).map((c) => (
              <tr key={c.name}>
                <th>{c.name}</th>
                <td>
                  <span class={`dot ${c.ok ? 'ok' : 'no'}`} /> {c.detail}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {engineReady === false ? (
          <p class="note" data-testid="engine-status">
            {weightsUrl === null
              ? 'This studio serves no weights to the page: start it with a weights folder (a TF.js model.json and its shards).'
              : 'The in-page engine is not built: run npm run build.'}
          </p>
        ) : null}
        <div class="row wrap">
          <LocalPick label="content image" file={content} onChange={setContent} testId="local-content" />
          <LocalPick label="style image" file={style} onChange={setStyle} testId="local-style" />
        </div>
        <div class="row wrap">
          <NumberField label="Size (px)" value={size} onValue={setSize} min={16} max={1024} testId="local-size" />
          <NumberField
            label="Iterations"
            value={iterations}
            onValue={setIterations}
            min={1}
            max={1000}
            testId="local-iterations"
          />
          <label>
            Engine
            <select value={provider} onChange={(e) => setProvider(e.currentTarget.value as 'wasm' | 'webgpu')}>
              <option value="wasm">WebAssembly (threads)</option>
              <option value="webgpu" disabled={!webgpu}>
                WebGPU{webgpu ? '' : ' (no adapter)'}
              </option>
            </select>
          </label>
          <button
            type="button"
            class="primary"
            disabled={running || engineReady !== true}
            onClick={() => void run()}
            data-testid="local-run"
          >
            Run here
          </button>
          <button type="button" class="danger" disabled={!running} onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        </div>
        <Progress
          done={last?.iteration ?? 0}
          total={iterations}
          label={`${status}${last !== undefined ? ` · iteration ${last.iteration} of ${iterations} · ${duration(last.seconds)}` : ''}${used === undefined ? '' : ` · ${used}`}`}
        />
        <span
          data-testid="local-status"
          data-status={status}
          data-first={losses[0]?.total ?? ''}
          data-last={last?.total ?? ''}
        />
        {error !== undefined ? <p class="error">{error}</p> : null}
      </section>
      <section class="panel">
        <div class="canvas">
          <canvas ref={canvas} data-testid="local-canvas" width="0" height="0" />
        </div>
        <LossChart losses={losses} height={180} />
      </section>
    </div>
  );
}
