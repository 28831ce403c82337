/** The Gallery: every run in the workspace; one run's image, inputs, settings and loss curves. */
import { useEffect, useState } from 'preact/hooks';
import { type Loss, type Run, api, carry, duration, fileUrl, onEvent } from '../api.js';
import { Badge, LossChart } from '../components.js';

function imageOf(run: Run): string | undefined {
  return run.files.result ?? run.files.preview;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The list, or one run when `id` is given. */
export function GalleryPage(props: { id: string | undefined }) {
  const [runs, setRuns] = useState<Run[]>();
  const [error, setError] = useState<string>();
  const load = () =>
    api<{ runs: Run[] }>('/api/runs')
      .then((r) => setRuns(r.runs))
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    return onEvent((type) => {
      if (type === 'run') void load();
    });
  }, []);
  if (props.id !== undefined) return <RunDetail id={props.id} />;
  if (error !== undefined) return <p class="error">{error}</p>;
  if (runs === undefined) return <p class="hint">Loading…</p>;
  if (runs.length === 0) return <p class="hint">No runs yet: start one on the Stylise page.</p>;
  return (
    <div class="gallery" data-testid="gallery">
      {runs.map((r) => {
        const img = imageOf(r);
        return (
          <a
            class="card"
            href={`#/gallery/${r.id}`}
            key={r.id}
            data-testid="run-card"
            data-run={r.id}
            data-status={r.status}
          >
            <div class="thumb">
              {img !== undefined ? (
                <img src={fileUrl(img, r.finished ?? r.progress?.done)} alt="" />
              ) : (
                <span class="hint">{r.kind === 'stylize-dataset' ? 'dataset' : 'no image'}</span>
              )}
            </div>
            <div class="meta">
              <Badge status={r.status} />
              <span>{when(r.created)}</span>
            </div>
            <div class="meta small">
              {r.kind === 'stylise'
                ? `${String(r.request['preset'] ?? 'default')} · ${String(r.request['size'] ?? 'preset size')} px · ${String(r.request['iterations'] ?? 'preset')} it.`
                : `stylize-dataset · ${r.progress?.done ?? 0}/${r.progress?.total ?? '?'} records`}
            </div>
          </a>
        );
      })}
    </div>
  );
}

function RunDetail(props: { id: string }) {
  const [data, setData] = useState<{ run: Run; losses: Loss[]; settings: Record<string, unknown> | null }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const load = () =>
      api<{ run: Run; losses: Loss[]; settings: Record<string, unknown> | null }>(`/api/runs/${props.id}`)
        .then(setData)
        .catch((e: Error) => setError(e.message));
    void load();
    return onEvent((type, d) => {
      if (type === 'run' && (d['run'] as Run).id === props.id) void load();
    });
  }, [props.id]);
  if (error !== undefined) return <p class="error">{error}</p>;
  if (data === undefined) return <p class="hint">Loading…</p>;
  const { run, losses } = data;
  const img = imageOf(run);
  const settings = (data.settings?.['settings'] ?? {}) as Record<string, unknown>;
  const styles = (run.request['styles'] ?? []) as { path: string; weight: number; mask?: string }[];
  const last = losses[losses.length - 1];
  const rows: [string, string][] = [
    ['status', run.status],
    ['created', when(run.created)],
    [
      'time',
      run.started !== undefined && run.finished !== undefined
        ? duration((Date.parse(run.finished) - Date.parse(run.started)) / 1000)
        : '-',
    ],
    ['preset', String(settings['preset'] ?? run.request['preset'] ?? 'default')],
    [
      'size',
      settings['width'] !== undefined
        ? `${String(settings['width'])} × ${String(settings['height'])} px`
        : `${String(run.request['size'] ?? '-')} px`,
    ],
    ['optimizer', String(settings['optimizer'] ?? '-')],
    ['iterations', `${last?.iteration ?? 0} of ${String(settings['iterations'] ?? run.request['iterations'] ?? '-')}`],
    ['final loss', last === undefined ? '-' : last.total.toExponential(3)],
    ['style weight', String((settings['loss'] as { styleWeight?: number } | undefined)?.styleWeight ?? '-')],
    ['content weight', String((settings['loss'] as { contentWeight?: number } | undefined)?.contentWeight ?? '-')],
    ['seed', String(settings['seed'] ?? '-')],
  ];
  return (
    <div class="detail" data-testid="run-detail" data-run={run.id} data-status={run.status}>
      <section class="panel">
        <div class="live-head">
          <h2>
            <a href="#/gallery">Gallery</a> / {run.id}
          </h2>
          <Badge status={run.status} />
        </div>
        <div class="canvas">
          {img !== undefined ? (
            <img src={fileUrl(img, run.finished)} alt="result" data-testid="result" />
          ) : (
            <span class="hint">No image</span>
          )}
        </div>
        <div class="actions">
          {run.files.result !== undefined ? (
            <a class="button primary" href={`${fileUrl(run.files.result)}?download=1`} download data-testid="download">
              Download
            </a>
          ) : null}
          {run.files.output !== undefined ? (
            <a class="button primary" href={`${fileUrl(run.files.output)}?download=1`} download>
              Download dataset
            </a>
          ) : null}
          {run.kind === 'stylise' ? (
            <button
              type="button"
              class="secondary"
              data-testid="again"
              onClick={() => {
                carry(run.request);
                location.hash = '#/stylise';
              }}
            >
              Again with these settings
            </button>
          ) : null}
        </div>
        {run.error !== undefined ? <p class="error">{run.error.message}</p> : null}
        {run.notes.map((n) => (
          <p class="note" key={n}>
            {n}
          </p>
        ))}
      </section>
      <section class="panel">
        <h2>Inputs</h2>
        <div class="inputs">
          {typeof run.request['content'] === 'string' ? (
            <figure>
              <img src={fileUrl(run.request['content'])} alt="content" />
              <figcaption>content</figcaption>
            </figure>
          ) : null}
          {styles.map((s, i) => (
            <figure key={s.path}>
              <img src={fileUrl(s.path)} alt={`style ${i + 1}`} />
              <figcaption>style {styles.length > 1 ? `${i + 1} · weight ${s.weight}` : ''}</figcaption>
            </figure>
          ))}
          {typeof run.request['style'] === 'string' ? (
            <figure>
              <img src={fileUrl(run.request['style'])} alt="style" />
              <figcaption>style</figcaption>
            </figure>
          ) : null}
        </div>
        <h2>Settings</h2>
        <table class="kv">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Loss</h2>
        <LossChart losses={losses} height={200} />
      </section>
    </div>
  );
}
