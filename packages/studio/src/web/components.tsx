/** Small shared parts of the pages: the image picker (drop or choose), the loss chart, a progress bar. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { type Loss, type Uploaded, fileUrl, upload } from './api.js';

/**
 * A labelled whole-number input (sizes in px, iteration counts) that reports
 * the number typed; `min`/`max` bound the browser's own stepper, the server
 * validates what is sent.
 */
export function NumberField(props: {
  label: string;
  value: number;
  onValue: (value: number) => void;
  min: number;
  max?: number;
  testId?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        min={props.min}
        max={props.max}
        value={props.value}
        data-testid={props.testId}
        onInput={(e) => props.onValue(Number(e.currentTarget.value))}
      />
    </label>
  );
}

/** A drop target and file chooser that uploads the image and shows it. */
export function ImagePick(props: {
  label: string;
  value: Uploaded | undefined;
  onChange: (u: Uploaded | undefined) => void;
  testId: string;
  small?: boolean;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const take = async (file: File | undefined) => {
    if (file === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      props.onChange(await upload(file));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <label
      class={`pick${over ? ' over' : ''}${props.small ? ' small' : ''}`}
      data-testid={props.testId}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void take(e.dataTransfer?.files[0]);
      }}
    >
      <input
        type="file"
        accept="image/*"
        onChange={(e) => void take((e.currentTarget as HTMLInputElement).files?.[0])}
      />
      {props.value !== undefined ? (
        <img src={fileUrl(props.value.path)} alt={props.label} />
      ) : (
        <span class="hint">{busy ? 'Uploading…' : `Drop ${props.label} here, or click to choose`}</span>
      )}
      <span class="caption">
        {props.label}
        {props.value !== undefined ? ` · ${props.value.width}×${props.value.height}` : ''}
      </span>
      {error !== undefined ? <span class="error">{error}</span> : null}
    </label>
  );
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 });

/** One line of a {@link Chart}. */
export interface ChartSeries {
  label: string;
  stroke: string;
  /** Line width in CSS px; default 1.5. */
  width?: number;
}

/**
 * Lines over a shared x axis, drawn with uPlot: `data` is uPlot's aligned
 * data (x values first, then one array per series; null is a gap, bridged).
 * The plot is rebuilt when the series or the scale change, and only given new
 * data otherwise, so a chart that polls keeps its zoom-free redraws cheap.
 */
export function Chart(props: {
  xLabel: string;
  series: ChartSeries[];
  data: uPlot.AlignedData;
  /** Log y axis (values must be positive; others are gaps); default linear. */
  log?: boolean;
  height?: number;
  testId: string;
  attrs?: Record<string, string | number>;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const height = props.height ?? 220;
  const shape = `${props.log === true}|${props.series.map((s) => `${s.label}\u0000${s.stroke}`).join('|')}`;
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 480,
      height,
      scales: { x: { time: false }, y: props.log === true ? { distr: 3 } : {} },
      axes: [
        { stroke: '#9aa3b2', grid: { stroke: '#2a303b' }, label: props.xLabel },
        {
          stroke: '#9aa3b2',
          grid: { stroke: '#2a303b' },
          size: 64,
          values: (_u, splits) => splits.map((v) => (v === null ? '' : compact.format(v))),
        },
      ],
      legend: { show: true, live: false },
      series: [
        { label: props.xLabel },
        ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, width: s.width ?? 1.5, spanGaps: true })),
      ],
    };
    plot.current = new uPlot(opts, props.data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [shape]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return <div class="chart" ref={box} data-testid={props.testId} {...props.attrs} />;
}

const LOSS_SERIES: ChartSeries[] = [
  { label: 'total', stroke: '#f0b429', width: 2 },
  { label: 'content', stroke: '#4fb3d9', width: 1.5 },
  { label: 'style', stroke: '#e96f92', width: 1.5 },
];

/** Loss curves (total, content, style; log scale) drawn with uPlot. */
export function LossChart(props: { losses: Loss[]; height?: number }) {
  const data = useMemo(() => {
    const l = props.losses;
    const pos = (v: number) => (v > 0 ? v : null);
    return [
      l.map((r) => r.iteration),
      l.map((r) => pos(r.total)),
      l.map((r) => pos(r.content)),
      l.map((r) => pos(r.style)),
    ] as uPlot.AlignedData;
  }, [props.losses]);
  return (
    <Chart
      xLabel="iteration"
      series={LOSS_SERIES}
      data={data}
      log
      testId="loss-chart"
      attrs={{ 'data-points': props.losses.length }}
      {...(props.height === undefined ? {} : { height: props.height })}
    />
  );
}

/** A progress bar with a label. */
export function Progress(props: { done: number; total: number; label: string }) {
  const pct = props.total > 0 ? Math.min(100, (100 * props.done) / props.total) : 0;
  return (
    <div class="progress" data-testid="progress">
      <div class="bar">
        <div style={{ width: `${pct}%` }} />
      </div>
      <span>{props.label}</span>
    </div>
  );
}

/** A status badge. */
export function Badge(props: { status: string }) {
  return <span class={`badge ${props.status}`}>{props.status}</span>;
}
