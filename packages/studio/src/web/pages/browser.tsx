/**
 * Run in this browser: the same optimisation in the page, by the browser
 * engine (@pastiche/style/web, onnxruntime-web with wasm threads or WebGPU).
 * This page checks what the browser offers for it: cross-origin isolation
 * (needed for SharedArrayBuffer, hence wasm threads), cores, WebGPU, storage.
 */
import { useEffect, useState } from 'preact/hooks';

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

/** See the module comment. */
export function BrowserPage() {
  const [list, setList] = useState<Check[]>();
  useEffect(() => {
    void checks().then(setList);
  }, []);
  return (
    <div class="browser">
      <section class="panel">
        <h2>Run in this browser</h2>
        <p>
          The style transfer can run inside this page: the same VGG-19 graph with its gradient built in, executed by
          onnxruntime-web on WebAssembly threads or WebGPU. The weights are downloaded once from this studio and kept in
          the browser's storage; nothing leaves your machine.
        </p>
        <p class="note" data-testid="engine-status">
          The in-browser engine (@pastiche/style/web) is not part of this build yet; this page shows what your browser
          offers for it.
        </p>
        <table class="kv checks" data-testid="checks">
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
      </section>
    </div>
  );
}
