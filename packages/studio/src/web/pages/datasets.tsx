/**
 * The Datasets page: TFRecord files and shard sets of the workspace, read by
 * the server (through an index), or a file dropped here, read in this browser
 * by @pastiche/tfrecord itself. Both show the same view: the features table,
 * a pager over the records, the record's image and features.
 */
import { decodeExample, decodeRecords, decompressBytes, detectCompression } from '@pastiche/tfrecord';
import { useEffect, useState } from 'preact/hooks';
import {
  type FeatureTable,
  type FeatureValue,
  FeatureTableBuilder,
  featureValues,
  mimeOf,
  recordImage,
  toRgba,
} from '../../shared/records.js';
import { type Run, type Uploaded, api, duration, onEvent } from '../api.js';
import { ImagePick, Progress, NumberField } from '../components.js';

interface Entry {
  name: string;
  paths: string[];
  bytes: number;
}

interface RecordView {
  index: number;
  file: string;
  bytes: number;
  features: FeatureValue[];
  image: { schema: string; width: number; height: number; label: number; channels?: number; format?: string } | null;
  error?: string;
}

/** Where a dataset's records come from: the server, or bytes in this page. */
interface Source {
  name: string;
  where: 'workspace' | 'browser';
  paths: string[];
  records: number;
  details: string;
  table: FeatureTable;
  record(i: number): Promise<RecordView>;
  imageUrl(i: number): Promise<string | undefined>;
}

function query(paths: string[], i?: number): string {
  const q = new URLSearchParams();
  for (const p of paths) q.append('path', p);
  if (i !== undefined) q.set('i', String(i));
  return q.toString();
}

async function serverSource(e: Entry): Promise<Source> {
  const s = await api<{
    records: number;
    table: FeatureTable;
    files: { path: string; compression: string; records: number; index: string }[];
  }>(`/api/datasets/summary?${query(e.paths)}`);
  const idx = s.files.map((f) => f.index);
  const details = `${s.files.length} file${s.files.length > 1 ? 's' : ''} · ${s.files[0]?.compression === 'none' ? 'uncompressed' : s.files[0]?.compression} · index ${idx.includes('built') ? 'built now' : idx.includes('found') ? 'found' : 'none (read in order)'}`;
  return {
    name: e.name,
    where: 'workspace',
    paths: e.paths,
    records: s.records,
    details,
    table: s.table,
    record: (i) => api<RecordView>(`/api/datasets/record?${query(e.paths, i)}`),
    imageUrl: async (i) => `/api/datasets/image?${query(e.paths, i)}`,
  };
}

async function browserSource(file: File): Promise<Source> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const compression = detectCompression(bytes.subarray(0, 12));
  const plain = await decompressBytes(bytes, compression);
  const records = [...decodeRecords(plain)];
  const table = new FeatureTableBuilder();
  for (const r of records.slice(0, 1000)) {
    try {
      table.add(decodeExample(r));
    } catch {
      // not an Example
    }
  }
  const urls = new Map<number, string>();
  return {
    name: file.name,
    where: 'browser',
    paths: [],
    records: records.length,
    details: `read in this browser · ${compression === 'none' ? 'uncompressed' : compression} · ${bytes.length} bytes`,
    table: table.table(),
    record: async (i) => {
      const r = records[i]!;
      try {
        const ex = decodeExample(r);
        const img = recordImage(ex);
        return {
          index: i,
          file: file.name,
          bytes: r.length,
          features: featureValues(ex),
          image:
            img === undefined
              ? null
              : img.schema === 'cs20'
                ? { schema: 'cs20', width: img.width, height: img.height, label: img.label, channels: img.channels }
                : { schema: 'encoded', width: img.width, height: img.height, label: img.label, format: img.format },
        };
      } catch (e) {
        return { index: i, file: file.name, bytes: r.length, features: [], image: null, error: (e as Error).message };
      }
    },
    imageUrl: async (i) => {
      const have = urls.get(i);
      if (have !== undefined) return have;
      let img;
      try {
        img = recordImage(decodeExample(records[i]!));
      } catch {
        return undefined;
      }
      if (img === undefined) return undefined;
      let blob: Blob;
      if (img.schema === 'encoded') blob = new Blob([img.bytes.slice()], { type: mimeOf(img.format) });
      else {
        const canvas = new OffscreenCanvas(img.width, img.height);
        canvas
          .getContext('2d')!
          .putImageData(
            new ImageData(toRgba(img.pixels, img.width, img.height, img.channels), img.width, img.height),
            0,
            0,
          );
        blob = await canvas.convertToBlob({ type: 'image/png' });
      }
      const url = URL.createObjectURL(blob);
      urls.set(i, url);
      return url;
    },
  };
}

function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1048576
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** See the module comment. */
export function DatasetsPage() {
  const [list, setList] = useState<Entry[]>();
  const [source, setSource] = useState<Source>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  useEffect(() => {
    api<{ datasets: Entry[] }>('/api/datasets')
      .then((d) => setList(d.datasets))
      .catch((e: Error) => setError(e.message));
  }, []);
  const open = async (make: () => Promise<Source>) => {
    setBusy(true);
    setError(undefined);
    try {
      setSource(await make());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="datasets">
      <section class="panel side">
        <h2>In the workspace</h2>
        {list === undefined ? <p class="hint">Loading…</p> : null}
        {list?.length === 0 ? <p class="hint">No TFRecord files in the workspace folder yet.</p> : null}
        <ul class="files">
          {list?.map((e) => (
            <li key={e.name}>
              <button
                type="button"
                class={`file${source?.name === e.name ? ' active' : ''}`}
                data-testid="dataset"
                data-name={e.name}
                onClick={() => void open(() => serverSource(e))}
              >
                <span>{e.name}</span>
                <small>
                  {e.paths.length > 1 ? `${e.paths.length} shards · ` : ''}
                  {size(e.bytes)}
                </small>
              </button>
            </li>
          ))}
        </ul>
        <h2>In this browser</h2>
        <label
          class={`pick drop${over ? ' over' : ''}`}
          data-testid="tfrecord-drop"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            const f = e.dataTransfer?.files[0];
            if (f !== undefined) void open(() => browserSource(f));
          }}
        >
          <input
            type="file"
            onChange={(e) => {
              const f = (e.currentTarget as HTMLInputElement).files?.[0];
              if (f !== undefined) void open(() => browserSource(f));
            }}
          />
          <span class="hint">
            Drop a .tfrecord file here: it is read by @pastiche/tfrecord in this page, never uploaded
          </span>
        </label>
      </section>
      <section class="panel main">
        {busy ? <p class="hint">Opening…</p> : null}
        {error !== undefined ? <p class="error">{error}</p> : null}
        {source === undefined && !busy ? <p class="hint">Open a dataset to page through its records.</p> : null}
        {source !== undefined ? <DatasetView source={source} key={`${source.where}:${source.name}`} /> : null}
      </section>
    </div>
  );
}

function DatasetView(props: { source: Source }) {
  const s = props.source;
  const [i, setI] = useState(0);
  const [rec, setRec] = useState<RecordView>();
  const [img, setImg] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (s.records === 0) return;
    setError(undefined);
    s.record(i)
      .then(async (r) => {
        setRec(r);
        setImg(r.image === null ? undefined : await s.imageUrl(i));
      })
      .catch((e: Error) => setError(e.message));
  }, [i, s]);
  const go = (n: number) => setI(Math.max(0, Math.min(s.records - 1, n)));
  return (
    <div data-testid="dataset-view" data-where={s.where}>
      <div class="live-head">
        <h2>{s.name}</h2>
        <span class="small">
          {s.records} records · {s.details}
        </span>
      </div>
      <h3>Features ({s.table.records === s.records ? 'all' : `first ${s.table.records}`} records)</h3>
      <table class="features" data-testid="features">
        <thead>
          <tr>
            <th>feature</th>
            <th>kind</th>
            <th>present</th>
            <th>values</th>
            <th>bytes/value</th>
          </tr>
        </thead>
        <tbody>
          {s.table.rows.map((r) => (
            <tr key={r.name}>
              <td>
                <code>{r.name}</code>
              </td>
              <td>{r.kind}</td>
              <td>{r.present}</td>
              <td>{r.values}</td>
              <td>{r.bytes}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.records > 0 ? (
        <>
          <div class="pager">
            <button type="button" class="secondary" onClick={() => go(i - 1)} disabled={i === 0}>
              ← Previous
            </button>
            <label>
              record
              <input
                type="number"
                min="0"
                max={s.records - 1}
                value={i}
                onChange={(e) => go(Number(e.currentTarget.value))}
              />
              of {s.records}
            </label>
            <button type="button" class="secondary" onClick={() => go(i + 1)} disabled={i >= s.records - 1}>
              Next →
            </button>
          </div>
          {error !== undefined ? <p class="error">{error}</p> : null}
          {rec !== undefined ? (
            <div class="record">
              <div class="canvas">
                {img !== undefined ? (
                  <img src={img} alt={`record ${i}`} data-testid="record-image" />
                ) : (
                  <span class="hint">{rec.error ?? 'This record holds no image'}</span>
                )}
              </div>
              <div>
                {rec.image !== null ? (
                  <p class="small" data-testid="record-image-info">
                    {rec.image.schema} schema · {rec.image.width} × {rec.image.height}
                    {rec.image.channels !== undefined ? ` × ${rec.image.channels}` : ''}
                    {rec.image.format !== undefined ? ` · ${rec.image.format}` : ''} · label {rec.image.label}
                  </p>
                ) : null}
                <table class="kv">
                  <tbody>
                    {rec.features.map((f) => (
                      <tr key={f.name}>
                        <th>
                          <code>{f.name}</code>
                        </th>
                        <td>
                          <span class="kind">
                            {f.kind}[{f.count}]
                          </span>{' '}
                          {f.preview}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          ) : null}
        </>
      ) : null}
      {s.where === 'workspace' ? <StylizeDataset paths={s.paths} /> : null}
    </div>
  );
}

function StylizeDataset(props: { paths: string[] }) {
  const [style, setStyle] = useState<Uploaded>();
  const [size, setSize] = useState(128);
  const [iterations, setIterations] = useState(50);
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<string>();
  useEffect(
    () =>
      onEvent((type, data) => {
        if (run === undefined) return;
        if (type === 'run' && (data['run'] as Run).id === run.id) setRun(data['run'] as Run);
        if (type === 'progress' && data['id'] === run.id) {
          setRun((r) =>
            r === undefined
              ? r
              : {
                  ...r,
                  progress: {
                    done: Number(data['done']),
                    total: Number(data['total']),
                    remaining: Number(data['remaining']),
                  },
                },
          );
        }
      }),
    [run?.id],
  );
  const start = async () => {
    if (style === undefined) return setError('Choose a style image first');
    setError(undefined);
    try {
      const r = await api<{ run: Run }>('/api/jobs', {
        method: 'POST',
        body: { kind: 'stylize-dataset', inputs: props.paths, style: style.path, size, iterations },
      });
      setRun(r.run);
    } catch (e) {
      setError((e as Error).message);
    }
    return undefined;
  };
  const active = run !== undefined && (run.status === 'queued' || run.status === 'running');
  return (
    <div class="subpanel">
      <h3>Stylise every image of this dataset</h3>
      <div class="row wrap">
        <ImagePick label="style image" small value={style} onChange={setStyle} testId="dataset-style" />
        <NumberField label="Size (px)" value={size} onValue={setSize} min={16} max={4096} />
        <NumberField label="Iterations" value={iterations} onValue={setIterations} min={1} max={10000} />
        <button type="button" class="primary" disabled={active} onClick={() => void start()}>
          Start stylize-dataset
        </button>
        {active ? (
          <button
            type="button"
            class="danger"
            onClick={() => void api(`/api/runs/${run!.id}/cancel`, { method: 'POST' })}
          >
            Cancel
          </button>
        ) : null}
      </div>
      {run !== undefined ? (
        <Progress
          done={run.progress?.done ?? 0}
          total={run.progress?.total ?? 1}
          label={`${run.status} · ${run.progress?.done ?? 0} of ${run.progress?.total ?? '?'} records${active && run.progress !== undefined ? ` · ETA ${duration(run.progress.remaining)}` : ''}`}
        />
      ) : null}
      {run?.status === 'done' ? <a href={`#/gallery/${run.id}`}>Open the run →</a> : null}
      {run?.error !== undefined ? <p class="error">{run.error.message}</p> : null}
      {error !== undefined ? <p class="error">{error}</p> : null}
    </div>
  );
}
