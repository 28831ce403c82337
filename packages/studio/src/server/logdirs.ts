/**
 * TensorBoard log directories, read while their runs are still writing. A run
 * is a folder holding event files (names containing "tfevents"), named by its
 * path relative to the logdir, `.` for the logdir itself, as TensorBoard and
 * `pastiche events scalars` name it; its files are read in name order with one
 * ScalarExtractor per run (a tag's plugin may be named on its first value only).
 *
 * Each file is read from where the last read stopped: only appended bytes are
 * read, and a record cut off at the end (the writer is mid-write) waits in the
 * RecordChunkDecoder for its rest instead of being an error. A file that shrank
 * or was replaced, or a run that lost a file, is read again from the start
 * under a new `gen`.
 *
 * Only files under the given logdirs are read: links are followed only when
 * their real path stays inside the logdir, and requests name runs by key,
 * never by path.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type Event,
  type LogdirRun,
  type ScalarPoint,
  RecordChunkDecoder,
  ScalarExtractor,
  decodeEvent,
  decodeRecords,
  int64ToNumber,
  isTFRecordError,
  walkLogdir,
} from '@pastiche/tfrecord/node';
import { StudioError } from '../errors.js';
import {
  type LogFileInfo,
  type LogImageInfo,
  type LogImagesAnswer,
  type LogRunInfo,
  type LogRunsAnswer,
  type LogScalarsAnswer,
  type LogdirInfo,
  type ScalarColumns,
  toWire,
} from '../shared/logs.js';
import { isInside } from './workspace.js';

/** Framing bytes around each record's data: 12 of header, 4 of data checksum. */
const OVERHEAD = 16;
/** Bytes read per call while catching up on a file. */
const CHUNK_BYTES = 1024 * 1024;
/** Event files looked at per logdir, at most (a logdir pointed at a whole disk stays bounded). */
const MAX_FILES = 10000;
/** Folder depth walked below a logdir, at most. */
const MAX_DEPTH = 32;

const utf8 = new TextDecoder();

/** Where a logged image lies: its record in a file, and which value and sample of it. */
interface ImageRef {
  file: number;
  offset: number;
  length: number;
  tag: string;
  /** TF2 image tensors hold several images: [width, height, image...]. */
  sample: number;
  step: number;
  wallTime: number;
  width: number;
  height: number;
}

/** Reading state of one event file. */
class FileState {
  read = 0;
  records = 0;
  /** File offset of the next record's first byte. */
  consumed = 0;
  error: string | undefined;
  size = 0;
  readonly decoder = new RecordChunkDecoder();

  constructor(
    readonly path: string,
    readonly dev: number,
    readonly ino: number,
  ) {}
}

/** Reading state of one run. */
class RunState {
  readonly files: FileState[] = [];
  readonly points: ScalarPoint[] = [];
  readonly images: ImageRef[] = [];
  readonly tags = new Set<string>();
  readonly imageTags = new Set<string>();
  readonly extractor = new ScalarExtractor();
  /** Plugin named per tag (for TF2 image tensors that name it on their first value only). */
  readonly plugins = new Map<string, string>();
  wallTime = 0;

  constructor(
    readonly key: string,
    readonly logdir: number,
    readonly name: string,
    readonly gen: number,
  ) {}
}

function pluginOf(run: RunState, tag: string, named: string | undefined): string | undefined {
  if (named !== undefined && !run.plugins.has(tag)) run.plugins.set(tag, named);
  return named ?? run.plugins.get(tag);
}

/** The images one Event holds, as refs (bytes stay in the file). */
function imagesOf(run: RunState, event: Event, file: number, offset: number, length: number): ImageRef[] {
  const out: ImageRef[] = [];
  const values = event.summary?.value;
  if (values === undefined) return out;
  let step: number | undefined;
  const base = (tag: string, sample: number, width: number, height: number): ImageRef => {
    step ??= int64ToNumber(event.step ?? 0n, 'step');
    return { file, offset, length, tag, sample, step, wallTime: event.wallTime ?? 0, width, height };
  };
  for (const v of values) {
    const tag = v.tag ?? '';
    const plugin = pluginOf(run, tag, v.metadata?.pluginData?.pluginName);
    if (v.image?.encodedImageString !== undefined) {
      out.push(base(tag, 0, v.image.width ?? 0, v.image.height ?? 0));
    } else if (v.tensor !== undefined && plugin === 'images') {
      const s = v.tensor.stringVal ?? [];
      const width = Number(utf8.decode(s[0] ?? new Uint8Array()));
      const height = Number(utf8.decode(s[1] ?? new Uint8Array()));
      for (let i = 2; i < s.length; i++) out.push(base(tag, i - 2, width || 0, height || 0));
    }
  }
  return out;
}

/**
 * The runs of one logdir, every entry judged by its real path; none when the
 * logdir is gone or is no longer the folder resolved at start (a link elsewhere, a file).
 */
async function runsOf(root: string): Promise<LogdirRun[]> {
  const real = await realpath(root).catch(() => undefined);
  if (real !== root || !(await stat(root).catch(() => undefined))?.isDirectory()) return [];
  return walkLogdir(root, { confine: true, maxDepth: MAX_DEPTH, maxFiles: MAX_FILES }).catch(() => []);
}

/** Options of {@link LogStore}. */
export interface LogStoreOptions {
  /** Log directories in the order shown; each must be a real absolute path. */
  logdirs: LogdirInfo[];
}

/** See the module comment. */
export class LogStore {
  readonly logdirs: readonly LogdirInfo[];
  readonly #runs = new Map<string, RunState>();
  #gen = 0;
  #chain: Promise<void> = Promise.resolve();
  #pending: Promise<void> | undefined;

  constructor(o: LogStoreOptions) {
    this.logdirs = o.logdirs;
  }

  /**
   * Looks for new runs and files and reads what was appended. Reads never
   * overlap (one file is never read twice at once); a refresh asked for while
   * one waits to start shares it. Errors of a single file are kept in its
   * listing, not thrown.
   */
  refresh(): Promise<void> {
    if (this.#pending !== undefined) return this.#pending;
    const p = this.#chain.then(() => {
      this.#pending = undefined;
      return this.#refreshAll();
    });
    this.#pending = p;
    this.#chain = p.catch(() => undefined);
    return p;
  }

  /** Reads what was appended to the files of run `key` (a full refresh if it is unknown or changed). */
  #refreshRun(key: string): Promise<void> {
    const p = this.#chain.then(async () => {
      const run = this.#runs.get(key);
      if (
        run === undefined ||
        !(await this.#stillValid(
          run,
          run.files.map((f) => f.path),
        ))
      ) {
        return this.#refreshAll();
      }
      for (const f of run.files) await this.#readFile(run, f.path);
    });
    this.#chain = p.catch(() => undefined);
    return p;
  }

  async #refreshAll(): Promise<void> {
    const present = new Set<string>();
    for (let i = 0; i < this.logdirs.length; i++) {
      for (const { name, files } of await runsOf(this.logdirs[i]!.path)) {
        const key = `${i}:${name}`;
        present.add(key);
        let run = this.#runs.get(key);
        if (run === undefined || !(await this.#stillValid(run, files))) {
          run = new RunState(key, i, name, ++this.#gen);
          this.#runs.set(key, run);
        }
        for (const f of files) await this.#readFile(run, f);
      }
    }
    for (const key of [...this.#runs.keys()]) if (!present.has(key)) this.#runs.delete(key);
  }

  /** Whether what was read of `run` is still a prefix of its files now. */
  async #stillValid(run: RunState, files: string[]): Promise<boolean> {
    if (run.files.length > files.length) return false;
    for (let i = 0; i < run.files.length; i++) {
      const f = run.files[i]!;
      if (f.path !== files[i]) return false;
      const s = await stat(f.path).catch(() => undefined);
      if (s === undefined || s.dev !== f.dev || s.ino !== f.ino || s.size < f.read) return false;
    }
    return true;
  }

  async #readFile(run: RunState, path: string): Promise<void> {
    let index = run.files.findIndex((f) => f.path === path);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch {
      return;
    }
    try {
      const s = await fh.stat();
      if (index < 0) {
        run.files.push(new FileState(path, s.dev, s.ino));
        index = run.files.length - 1;
      }
      const f = run.files[index]!;
      // Replaced since it was judged (perhaps by a link out of the logdir): the next walk judges it again.
      if (s.dev !== f.dev || s.ino !== f.ino) return;
      f.size = s.size;
      while (f.error === undefined && f.read < s.size) {
        const want = Math.min(CHUNK_BYTES, s.size - f.read);
        const chunk = new Uint8Array(want);
        const { bytesRead } = await fh.read(chunk, 0, want, f.read);
        if (bytesRead <= 0) break;
        f.read += bytesRead;
        const records: Uint8Array[] = [];
        const failure = f.decoder.push(chunk.subarray(0, bytesRead), records);
        for (const r of records) {
          if (!this.#take(run, f, index, r)) break;
        }
        if (failure !== undefined && f.error === undefined) {
          f.error =
            failure.offset === 0 && f.records === 0
              ? `${basename(path)}: not a TFRecord file (${failure.message}); skipped`
              : `${basename(path)}: ${failure.message}; read up to it`;
        }
      }
    } finally {
      await fh.close();
    }
  }

  /** Decodes one record into the run's points and images; false (with the file's error set) when it is no Event. */
  #take(run: RunState, f: FileState, file: number, record: Uint8Array): boolean {
    const offset = f.consumed;
    f.consumed += record.length + OVERHEAD;
    let event: Event;
    let points: ScalarPoint[];
    try {
      event = decodeEvent(record);
      points = run.extractor.scalars(event);
    } catch (e) {
      if (!isTFRecordError(e)) throw e;
      f.error = `${basename(f.path)}: record ${f.records} is not a valid Event: ${e.message}`;
      return false;
    }
    f.records++;
    if (event.wallTime !== undefined && event.wallTime > run.wallTime) run.wallTime = event.wallTime;
    for (const p of points) {
      run.points.push(p);
      run.tags.add(p.tag);
    }
    for (const img of imagesOf(run, event, file, offset, record.length)) {
      run.images.push(img);
      run.imageTags.add(img.tag);
    }
    return true;
  }

  #run(key: string): RunState {
    const run = this.#runs.get(key);
    if (run === undefined) throw new StudioError('NOT_FOUND', `No log run '${key.slice(0, 200)}'`);
    return run;
  }

  /** Every run of every logdir, in logdir then name order. */
  async runs(): Promise<LogRunsAnswer> {
    await this.refresh();
    const runs: LogRunInfo[] = [...this.#runs.values()]
      .sort((a, b) => a.logdir - b.logdir || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => ({
        key: r.key,
        logdir: r.logdir,
        name: r.name,
        gen: r.gen,
        points: r.points.length,
        images: r.images.length,
        tags: [...r.tags].sort(),
        imageTags: [...r.imageTags].sort(),
        wallTime: r.wallTime,
        files: r.files.map(
          (f): LogFileInfo => ({
            name: basename(f.path),
            size: f.size,
            read: f.read,
            records: f.records,
            ...(f.error === undefined ? {} : { error: f.error }),
          }),
        ),
      }));
    return { logdirs: [...this.logdirs], runs };
  }

  /**
   * The run's scalar points from index `since` on (all of them when `gen` is
   * not the run's current one), by tag, after reading what its files gained.
   * Throws NOT_FOUND.
   */
  async scalars(key: string, since = 0, gen?: number): Promise<LogScalarsAnswer> {
    await this.#refreshRun(key);
    const run = this.#run(key);
    const from = gen === run.gen ? Math.min(since, run.points.length) : 0;
    const tags: Record<string, ScalarColumns> = {};
    for (let i = from; i < run.points.length; i++) {
      const p = run.points[i]!;
      let c = tags[p.tag];
      if (c === undefined) tags[p.tag] = c = { step: [], wallTime: [], value: [] };
      c.step.push(p.step);
      c.wallTime.push(p.wallTime);
      c.value.push(toWire(p.value));
    }
    return { run: key, gen: run.gen, from, total: run.points.length, tags };
  }

  /** The run's images (where they are, not their bytes). Throws NOT_FOUND. */
  async images(key: string): Promise<LogImagesAnswer> {
    await this.#refreshRun(key);
    const run = this.#run(key);
    const images = run.images.map(
      (m, i): LogImageInfo => ({
        i,
        tag: m.tag,
        step: m.step,
        wallTime: m.wallTime,
        width: m.width,
        height: m.height,
      }),
    );
    return { run: key, gen: run.gen, images };
  }

  /**
   * The encoded bytes of image `i` of the run, read again from its record
   * (checksums verified). Throws NOT_FOUND, or WORKSPACE when the file changed under it.
   */
  async image(key: string, i: number): Promise<Uint8Array> {
    const run = this.#run(key);
    const ref = run.images[i];
    if (ref === undefined) throw new StudioError('NOT_FOUND', `Log run '${key}' has no image ${i}`);
    const f = run.files[ref.file]!;
    const root = this.logdirs[run.logdir]!.path;
    const real = await realpath(f.path).catch(() => undefined);
    if (real === undefined || !isInside(root, real)) {
      throw new StudioError('NOT_FOUND', `The event file of image ${i} of '${key}' is gone`);
    }
    const bytes = new Uint8Array(ref.length + OVERHEAD);
    const fh = await open(real, 'r');
    try {
      const s = await fh.stat();
      if (s.dev !== f.dev || s.ino !== f.ino) {
        throw new StudioError('NOT_FOUND', `The event file of image ${i} of '${key}' was replaced`);
      }
      await fh.read(bytes, 0, bytes.length, ref.offset);
    } finally {
      await fh.close();
    }
    try {
      const [record] = [...decodeRecords(bytes)];
      const event = decodeEvent(record!);
      const v = event.summary?.value?.find(
        (x) => (x.tag ?? '') === ref.tag && (x.image !== undefined || x.tensor !== undefined),
      );
      const out = v?.image?.encodedImageString ?? v?.tensor?.stringVal?.[2 + ref.sample];
      if (out === undefined) throw new Error('no image in the record');
      return out;
    } catch (e) {
      throw new StudioError(
        'WORKSPACE',
        `${basename(f.path)}: the record of image ${i} at byte ${ref.offset} changed since it was read`,
        { cause: e },
      );
    }
  }
}

/**
 * Opens the logdirs given to startStudio: each must be an existing folder;
 * returns their real paths. Throws INVALID_OPTION naming the one that is not.
 */
export async function openLogdirs(paths: readonly string[]): Promise<LogdirInfo[]> {
  const out: LogdirInfo[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (!s?.isDirectory()) {
      throw new StudioError(
        'INVALID_OPTION',
        `Expected an existing folder for logdir but received '${p}' (${s === undefined ? 'no such file or directory' : 'not a folder'})`,
      );
    }
    out.push({ label: p, path: await realpath(p) });
  }
  return out;
}

/** The logdir of the workspace's own runs (each run folder logs to its own event file). */
export function workspaceLogdir(runsDir: string): LogdirInfo {
  return { label: 'studio runs', path: runsDir };
}
