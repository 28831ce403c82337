/**
 * The page's side of the studio API: JSON requests (the token travels in the
 * HttpOnly cookie, and the browser adds Origin to POSTs), uploads, and one
 * shared EventSource for live updates.
 */

/** A run as the server reports it (see the server's RunRecord). */
export interface Run {
  id: string;
  kind: 'stylise' | 'stylize-dataset';
  status: 'queued' | 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
  request: Record<string, unknown>;
  created: string;
  started?: string;
  finished?: string;
  error?: { message: string; code: string };
  notes: string[];
  progress?: { done: number; total: number; remaining: number };
  files: { result?: string; preview?: string; output?: string };
}

/** One loss record. */
export interface Loss {
  iteration: number;
  content: number;
  style: number;
  tv: number;
  total: number;
  seconds: number;
}

/** What an upload returns. */
export interface Uploaded {
  path: string;
  name: string;
  format: string;
  width: number;
  height: number;
}

/** Engine capabilities and limits. */
export interface Info {
  capabilities: { multiStyle: boolean; originalColors: boolean; styleMasks: boolean; presets: string[] };
  limits: { uploadBytes: number; pixels: number };
  workspace: string;
  /** Whether the in-page engine can run: its bundle and onnxruntime-web's files, and weights to serve. */
  browserEngine?: { weights: string | null; ort: boolean };
}

/** Calls the API; throws Error with the server's message on a non-2xx answer. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const r = await fetch(path, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  const body = (await r.json().catch(() => ({}))) as { error?: string };
  if (!r.ok) throw new Error(body.error ?? `${r.status} ${r.statusText}`);
  return body as T;
}

/** Uploads one image file into the workspace. */
export async function upload(file: File): Promise<Uploaded> {
  const form = new FormData();
  form.append('file', file, file.name);
  const r = await fetch('/api/uploads', { method: 'POST', body: form });
  const body = (await r.json().catch(() => ({}))) as Uploaded & { error?: string };
  if (!r.ok) throw new Error(body.error ?? `${r.status} ${r.statusText}`);
  return body;
}

/** URL of a workspace file; `v` busts the cache when the file changes. */
export function fileUrl(path: string, v?: string | number): string {
  const enc = path.split('/').map(encodeURIComponent).join('/');
  return `/files/${enc}${v === undefined ? '' : `?v=${v}`}`;
}

type Listener = (type: string, data: Record<string, unknown>) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

/** Subscribes to live updates; returns the unsubscribe function. */
export function onEvent(l: Listener): () => void {
  listeners.add(l);
  if (source === undefined) {
    source = new EventSource('/api/events');
    for (const type of ['run', 'progress', 'preview', 'queue']) {
      source.addEventListener(type, (e) => {
        const data = JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>;
        for (const f of listeners) f(type, data);
      });
    }
  }
  return () => listeners.delete(l);
}

/** "12 s", "3 min 5 s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Settings carried from the gallery's "again with these settings" to the Stylise page. */
export let carried: Record<string, unknown> | undefined;

/** Sets {@link carried}. */
export function carry(request: Record<string, unknown> | undefined): void {
  carried = request;
}
