/**
 * The Logs page: TensorBoard runs of the studio's log directories (and of the
 * workspace's own runs), grouped by logdir and named by sub-folder. One chart
 * per scalar tag with a line per chosen run, grouped by the tag's first part
 * as TensorBoard groups its cards; the logged images of one run at a chosen
 * step. It polls every 2 s and fetches only the points added since.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import {
  type LogImageInfo,
  type LogImagesAnswer,
  type LogRunInfo,
  type LogRunsAnswer,
  type LogScalarsAnswer,
  type ScalarColumns,
  fromWire,
  smoothSeries,
} from '../../shared/logs.js';
import { api } from '../api.js';
import { Chart, type ChartSeries } from '../components.js';

/** Milliseconds between polls. */
const POLL_MS = 2000;

const PALETTE = [
  '#f0b429',
  '#4fb3d9',
  '#e96f92',
  '#3fb950',
  '#b392f0',
  '#ff8a4c',
  '#56d4bc',
  '#d9d94f',
  '#8fa8ff',
  '#c9c9c9',
];

/** What the page holds of one run's scalars. */
interface Held {
  gen: number;
  total: number;
  tags: Map<string, ScalarColumns>;
}

function merge(held: Held | undefined, a: LogScalarsAnswer): Held {
  const h: Held =
    held === undefined || held.gen !== a.gen || a.from === 0 ? { gen: a.gen, total: 0, tags: new Map() } : held;
  for (const [tag, c] of Object.entries(a.tags)) {
    const have = h.tags.get(tag);
    if (have === undefined) h.tags.set(tag, { step: [...c.step], wallTime: [...c.wallTime], value: [...c.value] });
    else {
      have.step.push(...c.step);
      have.wallTime.push(...c.wallTime);
      have.value.push(...c.value);
    }
  }
  h.total = a.total;
  return h;
}

/** Steps sorted, one value per step (the last logged wins, as when a run restarts from a checkpoint). */
function byStep(c: ScalarColumns): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < c.step.length; i++) m.set(c.step[i]!, fromWire(c.value[i]!));
  return m;
}

function smooth(line: Map<number, number>, w: number): Map<number, number> {
  if (w <= 0) return line;
  const steps = [...line.keys()].sort((a, b) => a - b);
  const values = smoothSeries(
    steps.map((s) => line.get(s)!),
    w,
  );
  return new Map(steps.map((s, i) => [s, values[i]!]));
}

/** uPlot's aligned data for several runs' lines of one tag: the union of their steps, gaps as null. */
function aligned(raw: Map<number, number>[], log: boolean, smoothing: number): uPlot.AlignedData {
  const lines = raw.map((l) => smooth(l, smoothing));
  const steps = [...new Set(lines.flatMap((l) => [...l.keys()]))].sort((a, b) => a - b);
  const ok = (v: number | undefined): number | null =>
    v === undefined || !Number.isFinite(v) || (log && v <= 0) ? null : v;
  return [steps, ...lines.map((l) => steps.map((s) => ok(l.get(s))))] as uPlot.AlignedData;
}

function tagGroup(tag: string): string {
  const i = tag.indexOf('/');
  return i < 0 ? tag : tag.slice(0, i);
}

function TagChart(props: {
  tag: string;
  runs: LogRunInfo[];
  held: Map<string, Held>;
  log: boolean;
  smoothing: number;
  colour: (key: string) => string;
}) {
  const { tag, runs, held, log } = props;
  const withTag = runs.filter((r) => held.get(r.key)?.tags.has(tag));
  const columns = withTag.map((r) => held.get(r.key)!.tags.get(tag)!);
  // Columns only grow in place (or are replaced after a re-read), so their lengths say when to redo the lines.
  const raw = columns.map((c) => c.step.length).join(',');
  const { data, points } = useMemo(() => {
    const lines = columns.map(byStep);
    return { data: aligned(lines, log, props.smoothing), points: lines.reduce((n, l) => n + l.size, 0) };
  }, [raw, log, props.smoothing, withTag.map((r) => `${r.key}@${held.get(r.key)!.gen}`).join('\n')]);
  const series: ChartSeries[] = withTag.map((r) => ({ label: r.name, stroke: props.colour(r.key), width: 1.75 }));
  return (
    <div class="tag-card panel">
      <h4>{tag}</h4>
      <Chart
        xLabel="step"
        series={series}
        data={data}
        log={log}
        height={200}
        testId="scalar-chart"
        attrs={{ 'data-tag': tag, 'data-series': series.length, 'data-points': points }}
      />
    </div>
  );
}

function Images(props: { run: LogRunInfo }) {
  const { run } = props;
  const [answer, setAnswer] = useState<LogImagesAnswer>();
  const [chosen, setChosen] = useState<number>();
  useEffect(() => {
    void api<LogImagesAnswer>(`/api/logs/images?run=${encodeURIComponent(run.key)}`).then(setAnswer);
  }, [run.key, run.gen, run.images]);
  if (answer === undefined || answer.run !== run.key) return <p class="hint">Loading…</p>;
  const steps = [...new Set(answer.images.map((m) => m.step))].sort((a, b) => a - b);
  if (steps.length === 0) return <p class="hint">This run logged no images.</p>;
  // Unless a step was chosen, the latest: a running run's newest image shows as it lands.
  const index = chosen === undefined ? steps.length - 1 : Math.min(chosen, steps.length - 1);
  const step = steps[index]!;
  const tags = [...new Set(answer.images.map((m) => m.tag))].sort();
  const at = (tag: string): LogImageInfo | undefined => {
    let best: LogImageInfo | undefined;
    for (const m of answer.images)
      if (m.tag === tag && m.step <= step && (best === undefined || m.step >= best.step)) best = m;
    return best;
  };
  return (
    <div data-testid="log-images" data-run={run.key}>
      <label class="row">
        step {step}
        <input
          type="range"
          min={0}
          max={steps.length - 1}
          value={index}
          data-testid="image-step"
          onInput={(e) => {
            const v = Number((e.currentTarget as HTMLInputElement).value);
            setChosen(v === steps.length - 1 ? undefined : v);
          }}
        />
      </label>
      <div class="log-images">
        {tags.map((tag) => {
          const m = at(tag);
          return (
            <figure key={tag}>
              {m === undefined ? (
                <span class="hint">none yet</span>
              ) : (
                <img
                  class="log-shot"
                  src={`/api/logs/image?run=${encodeURIComponent(run.key)}&i=${m.i}&gen=${answer.gen}`}
                  alt={tag}
                  data-testid="log-image"
                  data-tag={tag}
                  data-step={m.step}
                />
              )}
              <figcaption>
                {tag}
                {m === undefined ? '' : ` · step ${m.step} · ${m.width}×${m.height}`}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </div>
  );
}

/** See the module comment. */
export function LogsPage() {
  const [listing, setListing] = useState<LogRunsAnswer>();
  const [error, setError] = useState<string>();
  const [off, setOff] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [log, setLog] = useState(false);
  const [smoothing, setSmoothing] = useState(0);
  const [imageRun, setImageRun] = useState<string>();
  const [, setVersion] = useState(0);
  const held = useRef(new Map<string, Held>());
  const offRef = useRef(off);
  offRef.current = off;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const l = await api<LogRunsAnswer>('/api/logs/runs');
        let changed = false;
        for (const r of l.runs) {
          if (offRef.current.has(r.key)) continue;
          const h = held.current.get(r.key);
          if (h !== undefined && h.gen === r.gen && h.total === r.points) continue;
          const since = h === undefined || h.gen !== r.gen ? 0 : h.total;
          const a = await api<LogScalarsAnswer>(
            `/api/logs/scalars?run=${encodeURIComponent(r.key)}&since=${since}&gen=${h?.gen ?? 0}`,
          );
          held.current.set(r.key, merge(h, a));
          changed = true;
        }
        for (const k of [...held.current.keys()]) {
          if (!l.runs.some((r) => r.key === k)) {
            held.current.delete(k);
            changed = true;
          }
        }
        if (stopped) return;
        setListing(l);
        setError(undefined);
        if (changed) setVersion((v) => v + 1);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  if (listing === undefined) return error === undefined ? <p class="hint">Loading…</p> : <p class="error">{error}</p>;
  const colourOf = new Map(listing.runs.map((r, i) => [r.key, PALETTE[i % PALETTE.length]!]));
  const colour = (key: string): string => colourOf.get(key) ?? PALETTE[0]!;
  const shown = listing.runs.filter((r) => !off.has(r.key));
  let match: (tag: string) => boolean = () => true;
  if (filter !== '') {
    try {
      const re = new RegExp(filter, 'i');
      match = (t) => re.test(t);
    } catch {
      match = (t) => t.includes(filter);
    }
  }
  const tags = [...new Set(shown.flatMap((r) => r.tags))].filter(match).sort();
  const groups = new Map<string, string[]>();
  for (const t of tags) groups.set(tagGroup(t), [...(groups.get(tagGroup(t)) ?? []), t]);
  const withImages = listing.runs.filter((r) => r.images > 0);
  const imageKey = withImages.some((r) => r.key === imageRun) ? imageRun : withImages[0]?.key;
  const imageOf = withImages.find((r) => r.key === imageKey);
  const toggle = (key: string) => {
    const next = new Set(off);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setOff(next);
  };

  return (
    <div class="logs" data-testid="logs" data-runs={listing.runs.length}>
      <aside class="panel">
        <h2>Runs</h2>
        {listing.logdirs.map((d, i) => {
          const runs = listing.runs.filter((r) => r.logdir === i);
          return (
            <section key={d.path} class="logdir" data-testid="logdir" data-label={d.label}>
              <h3 title={d.path}>{d.label}</h3>
              {runs.length === 0 ? <p class="hint small">No event files yet.</p> : null}
              <ul class="files">
                {runs.map((r) => (
                  <li key={r.key}>
                    <label class="row log-run" data-testid="log-run" data-name={r.name} data-key={r.key}>
                      <input type="checkbox" checked={!off.has(r.key)} onChange={() => toggle(r.key)} />
                      <span class="swatch" style={{ background: colour(r.key) }} />
                      <span class="run-name">
                        {r.name}
                        <small>
                          {r.points} points{r.images > 0 ? ` · ${r.images} images` : ''}
                        </small>
                      </span>
                    </label>
                    {r.files
                      .filter((f) => f.error !== undefined)
                      .map((f) => (
                        <p class="note small" key={f.name}>
                          {f.error}
                        </p>
                      ))}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </aside>
      <section>
        <div class="row log-tools">
          <input
            type="search"
            placeholder="Filter tags (regular expression)"
            value={filter}
            data-testid="tag-filter"
            onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
          />
          <label class="row">
            <input type="checkbox" checked={log} data-testid="log-scale" onChange={() => setLog(!log)} />
            log scale
          </label>
          <label class="row smoothing">
            smoothing {smoothing.toFixed(2)}
            <input
              type="range"
              min={0}
              max={0.99}
              step={0.01}
              value={smoothing}
              data-testid="smoothing"
              onInput={(e) => setSmoothing(Number((e.currentTarget as HTMLInputElement).value))}
            />
          </label>
          {error !== undefined ? <span class="error">{error}</span> : null}
        </div>
        {tags.length === 0 ? <p class="hint">No scalars {shown.length === 0 ? '(no run chosen)' : 'yet'}.</p> : null}
        {[...groups].map(([group, list]) => (
          <div key={group} class="tag-group">
            <h3>{group}</h3>
            <div class="tag-grid">
              {list.map((t) => (
                <TagChart
                  key={t}
                  tag={t}
                  runs={shown}
                  held={held.current}
                  log={log}
                  smoothing={smoothing}
                  colour={colour}
                />
              ))}
            </div>
          </div>
        ))}
        {imageOf !== undefined ? (
          <div class="panel log-image-panel">
            <div class="row">
              <h2>Images</h2>
              <select
                value={imageOf.key}
                data-testid="image-run"
                onChange={(e) => setImageRun((e.currentTarget as HTMLSelectElement).value)}
              >
                {withImages.map((r) => (
                  <option key={r.key} value={r.key}>
                    {listing.logdirs[r.logdir]?.label} · {r.name}
                  </option>
                ))}
              </select>
            </div>
            <Images key={imageOf.key} run={imageOf} />
          </div>
        ) : null}
      </section>
    </div>
  );
}
