/** The Stylise page: inputs and settings on the left, the run as it is optimised on the right. */
import { useEffect, useState } from 'preact/hooks';
import {
  type Info,
  type Loss,
  type Run,
  type Uploaded,
  api,
  carried,
  carry,
  duration,
  fileUrl,
  onEvent,
} from '../api.js';
import { Badge, ImagePick, LossChart, Progress, NumberField } from '../components.js';

interface StyleSlot {
  image: Uploaded | undefined;
  weight: number;
  mask: Uploaded | undefined;
}

function fromPath(path: unknown): Uploaded | undefined {
  if (typeof path !== 'string') return undefined;
  return { path, name: path.split('/').pop() ?? path, format: '', width: 0, height: 0 };
}

/** See the module comment. */
export function StylisePage(props: { info: Info | undefined }) {
  const caps = props.info?.capabilities;
  const again = carried;
  const [content, setContent] = useState<Uploaded | undefined>(fromPath(again?.['content']));
  const [styles, setStyles] = useState<StyleSlot[]>(
    Array.isArray(again?.['styles'])
      ? (again['styles'] as { path: string; weight: number; mask?: string }[]).map((s) => ({
          image: fromPath(s.path),
          weight: s.weight,
          mask: fromPath(s.mask),
        }))
      : [{ image: undefined, weight: 1, mask: undefined }],
  );
  const [preset, setPreset] = useState(String(again?.['preset'] ?? 'default'));
  const [size, setSize] = useState(Number(again?.['size'] ?? 256));
  const [iterations, setIterations] = useState(Number(again?.['iterations'] ?? 100));
  const [styleWeight, setStyleWeight] = useState<string>(
    again?.['styleWeight'] === undefined ? '' : String(again['styleWeight']),
  );
  const [originalColors, setOriginalColors] = useState(again?.['originalColors'] === true);
  const [run, setRun] = useState<Run>();
  const [losses, setLosses] = useState<Loss[]>([]);
  const [preview, setPreview] = useState<{ path: string; iteration: number }>();
  const [eta, setEta] = useState<number>();
  const [error, setError] = useState<string>();
  useEffect(() => carry(undefined), []);

  useEffect(
    () =>
      onEvent((type, data) => {
        if (run === undefined) return;
        if (type === 'run') {
          const r = data['run'] as Run;
          if (r.id === run.id) setRun(r);
          return;
        }
        if (data['id'] !== run.id) return;
        if (type === 'progress') {
          setLosses((l) => [...l, data as unknown as Loss]);
          setEta(Number(data['remaining']));
        } else if (type === 'preview') {
          setPreview({ path: String(data['path']), iteration: Number(data['iteration']) });
        }
      }),
    [run?.id],
  );

  const start = async () => {
    setError(undefined);
    if (content === undefined || styles.some((s) => s.image === undefined)) {
      setError('Choose a content image and a style image first');
      return;
    }
    const body: Record<string, unknown> = {
      kind: 'stylise',
      content: content.path,
      styles: styles.map((s) => ({
        path: s.image!.path,
        weight: s.weight,
        ...(s.mask === undefined ? {} : { mask: s.mask.path }),
      })),
      preset,
      size,
      iterations,
    };
    if (styleWeight.trim() !== '') body['styleWeight'] = Number(styleWeight);
    if (originalColors) body['originalColors'] = true;
    try {
      const { run } = await api<{ run: Run }>('/api/jobs', { method: 'POST', body });
      setLosses([]);
      setPreview(undefined);
      setEta(undefined);
      setRun(run);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const cancel = async () => {
    if (run === undefined) return;
    try {
      await api(`/api/runs/${run.id}/cancel`, { method: 'POST' });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const active = run !== undefined && (run.status === 'queued' || run.status === 'running');
  const last = losses[losses.length - 1];
  const shown = run?.files.result !== undefined && !active ? run.files.result : preview?.path;

  return (
    <div class="stylise">
      <section class="panel controls">
        <h2>Images</h2>
        <ImagePick label="content image" value={content} onChange={setContent} testId="content" />
        {styles.map((s, i) => (
          <div class="style-slot" key={i}>
            <ImagePick
              label={styles.length > 1 ? `style ${i + 1}` : 'style image'}
              value={s.image}
              small={styles.length > 1}
              onChange={(u) => setStyles(styles.map((t, j) => (j === i ? { ...t, image: u } : t)))}
              testId={`style-${i}`}
            />
            {styles.length > 1 ? (
              <label class="row">
                blend {s.weight}
                <input
                  type="range"
                  min="0"
                  max="10"
                  step="0.5"
                  value={s.weight}
                  onInput={(e) =>
                    setStyles(styles.map((t, j) => (j === i ? { ...t, weight: Number(e.currentTarget.value) } : t)))
                  }
                />
                <button type="button" class="link" onClick={() => setStyles(styles.filter((_, j) => j !== i))}>
                  remove
                </button>
              </label>
            ) : null}
            {caps?.styleMasks === true ? (
              <ImagePick
                label={`mask ${i + 1}`}
                small
                value={s.mask}
                onChange={(u) => setStyles(styles.map((t, j) => (j === i ? { ...t, mask: u } : t)))}
                testId={`mask-${i}`}
              />
            ) : null}
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          disabled={caps?.multiStyle !== true}
          title={caps?.multiStyle === true ? '' : 'The installed engine takes one style image'}
          onClick={() => setStyles([...styles, { image: undefined, weight: 1, mask: undefined }])}
        >
          + Add a style {caps?.multiStyle === true ? '' : '(needs a newer engine)'}
        </button>
        <h2>Settings</h2>
        <div class="grid2">
          <label>
            Preset
            <select value={preset} onChange={(e) => setPreset(e.currentTarget.value)} data-testid="preset">
              {(caps?.presets ?? ['default', 'cs20']).map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          <NumberField
            label="Size (px, longer side)"
            value={size}
            onValue={setSize}
            min={16}
            max={4096}
            testId="size"
          />
          <NumberField
            label="Iterations"
            value={iterations}
            onValue={setIterations}
            min={1}
            max={10000}
            testId="iterations"
          />
          <label>
            Style weight
            <input
              type="number"
              min="0"
              step="any"
              placeholder="preset's"
              value={styleWeight}
              onInput={(e) => setStyleWeight(e.currentTarget.value)}
            />
          </label>
        </div>
        <label
          class="row"
          title={caps?.originalColors === true ? '' : 'The installed engine has no original-colours mode'}
        >
          <input
            type="checkbox"
            checked={originalColors}
            disabled={caps?.originalColors !== true}
            onChange={(e) => setOriginalColors(e.currentTarget.checked)}
          />
          Keep the content's original colours{caps?.originalColors === true ? '' : ' (needs a newer engine)'}
        </label>
        <div class="actions">
          <button type="button" class="primary" onClick={() => void start()} disabled={active} data-testid="start">
            Start
          </button>
          <button type="button" class="danger" onClick={() => void cancel()} disabled={!active} data-testid="cancel">
            Cancel
          </button>
        </div>
        {error !== undefined ? (
          <p class="error" data-testid="error">
            {error}
          </p>
        ) : null}
      </section>
      <section class="panel live">
        <div class="live-head">
          <h2>Result</h2>
          {run !== undefined ? (
            <span data-testid="run-status" data-status={run.status}>
              <Badge status={run.status} />
            </span>
          ) : null}
        </div>
        <div class="canvas">
          {shown !== undefined ? (
            <img
              src={fileUrl(shown, run?.files.result !== undefined && !active ? 'final' : preview?.iteration)}
              alt="result"
              data-testid="preview"
              data-iteration={preview?.iteration ?? ''}
            />
          ) : (
            <span class="hint">
              {active
                ? 'Preparing: loading weights and building the graph…'
                : 'The image appears here as it is optimised'}
            </span>
          )}
        </div>
        {run !== undefined ? (
          <Progress
            done={last?.iteration ?? 0}
            total={run.progress?.total ?? iterations}
            label={
              active
                ? `iteration ${last?.iteration ?? 0} of ${run.progress?.total ?? iterations} · ETA ${eta === undefined ? '…' : duration(eta)}`
                : run.status === 'failed'
                  ? (run.error?.message ?? 'failed')
                  : `${run.status} after ${last?.iteration ?? 0} iterations`
            }
          />
        ) : null}
        <LossChart losses={losses} />
        {run !== undefined && !active ? (
          <p>
            <a href={`#/gallery/${run.id}`}>Open this run in the gallery →</a>
          </p>
        ) : null}
        {run?.notes.map((n) => (
          <p class="note" key={n}>
            {n}
          </p>
        ))}
      </section>
    </div>
  );
}
