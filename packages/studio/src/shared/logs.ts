/**
 * What the Logs page is told about TensorBoard log directories: the wire
 * shapes of `/api/logs/*`, shared by the server and the page. Portable.
 */

/** A log directory the studio reads. */
export interface LogdirInfo {
  /** Shown above its runs: the path given, or `studio runs` for the workspace's own runs. */
  label: string;
  /** Its real absolute path. */
  path: string;
}

/** One event file of a run. */
export interface LogFileInfo {
  /** File name (the run's folder holds it). */
  name: string;
  /** Size in bytes when last looked at. */
  size: number;
  /** Bytes read from it so far, over every refresh (a whole-file re-read would push this past `size`). */
  read: number;
  /** Whole records decoded. */
  records: number;
  /** Why reading stopped (a corrupt record, a file that is no TFRecord file), if it did. */
  error?: string;
}

/** One run: the folder of a log directory holding event files, named as TensorBoard names it. */
export interface LogRunInfo {
  /** The run's key in requests: `<logdir index>:<name>`. */
  key: string;
  /** Index into the listing's `logdirs`. */
  logdir: number;
  /** Folder relative to the logdir with `/` separators, `.` for the logdir itself (as `pastiche events scalars` names it). */
  name: string;
  /** Changes when the run had to be read again from the start (a file shrank, was replaced or removed). */
  gen: number;
  /** Scalar points read so far. */
  points: number;
  /** Images read so far. */
  images: number;
  /** Scalar tags, sorted. */
  tags: string[];
  /** Image tags, sorted. */
  imageTags: string[];
  /** Wall time (seconds since 1970) of the latest event read, 0 before any. */
  wallTime: number;
  files: LogFileInfo[];
}

/** `GET /api/logs/runs`. */
export interface LogRunsAnswer {
  logdirs: LogdirInfo[];
  runs: LogRunInfo[];
}

/** A value on the wire: a number, or `NaN`, `Infinity`, `-Infinity` (which JSON lacks). */
export type WireValue = number | 'NaN' | 'Infinity' | '-Infinity';

/** Columns of one tag's points, in file and record order. */
export interface ScalarColumns {
  step: number[];
  wallTime: number[];
  value: WireValue[];
}

/** `GET /api/logs/scalars?run=K&since=N&gen=G`: the run's points from index `from` on. */
export interface LogScalarsAnswer {
  run: string;
  gen: number;
  /** Index (over all the run's points, in read order) of the first point sent: `since`, or 0 after a re-read. */
  from: number;
  /** Points of the run in all. */
  total: number;
  tags: Record<string, ScalarColumns>;
}

/** One logged image. */
export interface LogImageInfo {
  /** Its index in the run's images: `GET /api/logs/image?run=K&i=N`. */
  i: number;
  tag: string;
  step: number;
  wallTime: number;
  width: number;
  height: number;
}

/** `GET /api/logs/images?run=K`. */
export interface LogImagesAnswer {
  run: string;
  gen: number;
  images: LogImageInfo[];
}

/** A number for the wire: non-finite values as the strings `pastiche events scalars --format jsonl` prints. */
export function toWire(v: number): WireValue {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** The number a {@link WireValue} stands for. */
export function fromWire(v: WireValue): number {
  return typeof v === 'number' ? v : v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : -Infinity;
}

/**
 * TensorBoard's smoothing of one line (its scalar dashboard's algorithm): an
 * exponential moving average with `weight` in [0, 1) (0 = none), debiased so
 * the first points are not pulled towards 0. Non-finite values, and every value
 * of a constant line, pass through and do not enter the average.
 */
export function smoothSeries(values: readonly number[], weight: number): number[] {
  if (!(weight > 0)) return [...values];
  const constant = values.every((v) => v === values[0]);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (constant || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return weight === 1 ? last : last / (1 - weight ** n);
  });
}
