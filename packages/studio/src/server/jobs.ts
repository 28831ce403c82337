/**
 * The studio's jobs: a stylise run and a stylize-dataset run, each a run
 * folder (see runs.ts) driven by the {@link JobQueue}. Progress goes three
 * ways: losses.jsonl (the record), run.json (the status), and the event hub
 * (the live page). A cancelled stylise run keeps the lowest-loss image seen so
 * far as its result; a failed one records its error; neither stops the studio.
 */
import { copyFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  OUTPUT_TAG,
  RunLog,
  SNAPSHOT_TAG,
  isStyleError,
  resolveSettings,
  stylize,
  stylizeDataset,
  type StylizedImage,
  type StylizeOptions,
  type StylizeProgress,
} from '@pastiche/style';
import { StudioError } from '../errors.js';
import type { Capabilities } from './capabilities.js';
import type { EventHub } from './events.js';
import { pngOf } from './images.js';
import { JobQueue } from './queue.js';
import { appendLine, createRun, loadRun, newRunId, runDir, saveRun, type RunKind, type RunRecord } from './runs.js';
import { type Workspace, resolveExisting, toRelative, writeAtomic, writeJsonAtomic } from './workspace.js';

/** One style image of a stylise request. */
export interface StyleInput {
  /** Workspace-relative path. */
  path: string;
  /** Blend weight (relative; normalised by the engine). */
  weight: number;
  /** Workspace-relative path of a greyscale mask (white = this style applies). */
  mask?: string;
}

/** A stylise request, as the API accepts it (validated by its JSON schema first). */
export interface StyliseRequest {
  kind: 'stylise';
  content: string;
  styles: StyleInput[];
  preset?: string;
  size?: number;
  iterations?: number;
  styleWeight?: number;
  contentWeight?: number;
  tvWeight?: number;
  optimizer?: 'adam' | 'lbfgs';
  seed?: number;
  originalColors?: boolean;
  /** Write preview.png every N iterations (default 2). */
  previewEvery?: number;
}

/** A stylize-dataset request. */
export interface DatasetRequest {
  kind: 'stylize-dataset';
  /** Workspace-relative TFRecord files. */
  inputs: string[];
  style: string;
  preset?: string;
  size?: number;
  iterations?: number;
  styleWeight?: number;
}

/** Options of {@link JobManager}. */
export interface JobManagerOptions {
  workspace: Workspace;
  events: EventHub;
  capabilities: Capabilities;
  /** VGG weights path; default: the engine's own resolution (PASTICHE_WEIGHTS, cache, download). */
  weights?: string;
  /** Jobs allowed to wait behind the running one. */
  maxWaiting?: number;
  /** onnxruntime threads per job. */
  threads?: number;
}

/** Owns the queue and turns requests into runs. */
export class JobManager {
  readonly queue: JobQueue;
  readonly #o: JobManagerOptions;
  readonly #live = new Map<string, RunRecord>();

  constructor(o: JobManagerOptions) {
    this.#o = o;
    this.queue = new JobQueue({
      ...(o.maxWaiting === undefined ? {} : { maxWaiting: o.maxWaiting }),
      // Jobs record their own failures; this only catches a failure to record one.
      onError: () => undefined,
      onChange: (state) => o.events.publish({ type: 'queue', ...state }),
    });
  }

  /** The in-memory record of a queued or running run, if any. */
  live(id: string): RunRecord | undefined {
    return this.#live.get(id);
  }

  /** Validates a stylise request, creates its run folder and queues it; returns the run. */
  async submitStylise(req: StyliseRequest): Promise<RunRecord> {
    const caps = this.#o.capabilities;
    if (req.styles.length > 1 && !caps.multiStyle) {
      throw new StudioError(
        'INVALID_OPTION',
        `This @pastiche/style takes one style image; ${req.styles.length} were given (several styles need blend-weight support in the engine)`,
      );
    }
    if (req.originalColors === true && !caps.originalColors) {
      throw new StudioError('INVALID_OPTION', 'This @pastiche/style does not support originalColors');
    }
    const masked = req.styles.filter((s) => s.mask !== undefined).length;
    if (masked > 0 && !caps.styleMasks) {
      throw new StudioError('INVALID_OPTION', 'This @pastiche/style does not support style masks');
    }
    if (masked > 0 && masked < req.styles.length) {
      throw new StudioError(
        'INVALID_OPTION',
        `Give a mask for every style image or for none (${masked} of ${req.styles.length} have one)`,
      );
    }
    // Options the engine validates, checked now so a bad request is a 400, not a failed run.
    const engineOptions = this.#engineOptions(req);
    try {
      resolveSettings(engineOptions);
    } catch (e) {
      if (isStyleError(e)) throw new StudioError('INVALID_OPTION', e.message);
      throw e;
    }
    const content = await resolveExisting(this.#o.workspace, req.content);
    const styles = await Promise.all(req.styles.map((s) => resolveExisting(this.#o.workspace, s.path)));
    const masks = await Promise.all(
      req.styles.map((s) => (s.mask === undefined ? undefined : resolveExisting(this.#o.workspace, s.mask))),
    );
    this.queue.checkRoom();
    const id = newRunId();
    const dir = runDir(this.#o.workspace, id);
    const run = this.#newRecord(id, 'stylise', {});
    await createRun(this.#o.workspace, run);
    // The run keeps copies of its inputs, so it stays whole if uploads are cleared.
    const rel = (abs: string): string => toRelative(this.#o.workspace, abs);
    const copy = async (from: string, name: string): Promise<string> => {
      const to = join(dir, 'inputs', `${name}${extname(from).toLowerCase()}`);
      await copyFile(from, to);
      return to;
    };
    const contentCopy = await copy(content, 'content');
    const styleCopies = await Promise.all(styles.map((s, i) => copy(s, `style-${i + 1}`)));
    const maskCopies = await Promise.all(masks.map((m, i) => (m === undefined ? undefined : copy(m, `mask-${i + 1}`))));
    run.request = {
      ...req,
      content: rel(contentCopy),
      styles: req.styles.map((s, i) => ({
        path: rel(styleCopies[i]!),
        weight: s.weight,
        ...(maskCopies[i] === undefined ? {} : { mask: rel(maskCopies[i]!) }),
      })),
    };
    await writeJsonAtomic(join(dir, 'settings.json'), {
      request: run.request,
      settings: resolveSettings(engineOptions),
    });
    await saveRun(this.#o.workspace, run);
    this.#enqueue(run, (signal) => this.#runStylise(run, contentCopy, styleCopies, maskCopies, signal));
    return run;
  }

  /** Validates a stylize-dataset request, creates its run and queues it. */
  async submitDataset(req: DatasetRequest): Promise<RunRecord> {
    const inputs = await Promise.all(req.inputs.map((p) => resolveExisting(this.#o.workspace, p)));
    const style = await resolveExisting(this.#o.workspace, req.style);
    this.queue.checkRoom();
    const id = newRunId();
    const dir = runDir(this.#o.workspace, id);
    const run = this.#newRecord(id, 'stylize-dataset', {});
    await createRun(this.#o.workspace, run);
    const styleCopy = join(dir, 'inputs', `style${extname(style).toLowerCase()}`);
    await copyFile(style, styleCopy);
    run.request = { ...req, style: toRelative(this.#o.workspace, styleCopy) };
    await saveRun(this.#o.workspace, run);
    this.#enqueue(run, (signal) => this.#runDataset(run, req, inputs, styleCopy, signal));
    return run;
  }

  /** Cancels a queued or running run. Throws NOT_FOUND for any other. */
  async cancel(id: string): Promise<void> {
    const run = this.#live.get(id) ?? (await loadRun(this.#o.workspace, id));
    // A run that just ended is still the queue's for a moment; its status says it is over.
    if ((run.status !== 'queued' && run.status !== 'running') || !(await this.queue.cancel(id))) {
      throw new StudioError('CONFLICT', `Run ${id} is ${run.status}, not queued or running`);
    }
  }

  /** Stops: drops waiting runs (marked cancelled) and aborts the running one. */
  async close(): Promise<void> {
    await this.queue.close();
  }

  #newRecord(id: string, kind: RunKind, request: Record<string, unknown>): RunRecord {
    return { id, kind, status: 'queued', request, created: new Date().toISOString(), notes: [], files: {} };
  }

  #enqueue(run: RunRecord, work: (signal: AbortSignal) => Promise<void>): void {
    this.#live.set(run.id, run);
    this.queue.submit({
      id: run.id,
      run: async (signal) => {
        try {
          await this.#update(run, { status: 'running', started: new Date().toISOString() });
          await work(signal);
        } catch (e) {
          const cancelled = signal.aborted;
          await this.#update(run, {
            status: cancelled ? 'cancelled' : 'failed',
            finished: new Date().toISOString(),
            ...(cancelled ? {} : { error: describeError(e) }),
          });
        } finally {
          this.#live.delete(run.id);
        }
      },
      dropped: async () => {
        this.#live.delete(run.id);
        await this.#update(run, { status: 'cancelled', finished: new Date().toISOString() });
      },
    });
    this.#o.events.publish({ type: 'queue', ...this.queue.state() });
  }

  async #update(run: RunRecord, patch: Partial<RunRecord>): Promise<void> {
    Object.assign(run, patch);
    await saveRun(this.#o.workspace, run);
    this.#o.events.publish({ type: 'run', run });
  }

  #engineOptions(req: StyliseRequest): Omit<StylizeOptions, 'content' | 'style'> {
    const o: Record<string, unknown> = {};
    if (req.preset !== undefined) o['preset'] = req.preset;
    if (req.size !== undefined) o['size'] = req.size;
    if (req.iterations !== undefined) o['iterations'] = req.iterations;
    if (req.styleWeight !== undefined) o['styleWeight'] = req.styleWeight;
    if (req.contentWeight !== undefined) o['contentWeight'] = req.contentWeight;
    if (req.tvWeight !== undefined) o['tvWeight'] = req.tvWeight;
    if (req.optimizer !== undefined) o['optimizer'] = req.optimizer;
    if (req.seed !== undefined) o['seed'] = req.seed;
    if (req.originalColors === true) o['originalColors'] = true;
    if (req.styles.length > 1) o['styleBlendWeights'] = req.styles.map((s) => s.weight);
    if (this.#o.threads !== undefined) o['threads'] = this.#o.threads;
    return o as Omit<StylizeOptions, 'content' | 'style'>;
  }

  async #runStylise(
    run: RunRecord,
    content: string,
    styles: string[],
    masks: (string | undefined)[],
    signal: AbortSignal,
  ): Promise<void> {
    const ws = this.#o.workspace;
    const dir = runDir(ws, run.id);
    const req = run.request as unknown as StyliseRequest;
    const previewEvery = req.previewEvery ?? 2;
    let best: StylizedImage | undefined;
    let lastPreview = 0;
    let lastSnapshot = Number.NEGATIVE_INFINITY;
    // Previews come every few iterations; about ten snapshots per run keep the event file small.
    const snapshotEvery = (total: number): number => Math.max(previewEvery, Math.ceil(total / 10));
    const log = await RunLog.open(dir);
    const writePng = async (name: string, img: StylizedImage): Promise<{ rel: string; png: Uint8Array }> => {
      const png = await pngOf(img.pixels, img.width, img.height, 3);
      await writeAtomic(join(dir, name), png);
      return { rel: `${toRelative(ws, dir)}/${name}`, png };
    };
    const options: Record<string, unknown> = {
      ...this.#engineOptions(req),
      content,
      style: styles.length === 1 ? styles[0] : styles,
      signal,
      saveEvery: 1,
      onProgress: async (p: StylizeProgress) => {
        run.progress = { done: p.iteration, total: p.iterations, remaining: p.remaining };
        const rec = {
          iteration: p.iteration,
          content: p.content,
          style: p.style,
          tv: p.tv,
          total: p.total,
          seconds: p.seconds,
        };
        await appendLine(ws, run.id, 'losses.jsonl', rec);
        log.losses(p, p.iteration);
        this.#o.events.publish({
          type: 'progress',
          id: run.id,
          ...rec,
          iterations: p.iterations,
          remaining: p.remaining,
        });
      },
      onImage: async (img: StylizedImage) => {
        if (best === undefined || img.total < best.total) best = img;
        if (img.iteration - lastPreview >= previewEvery || img.iteration === run.progress?.total) {
          lastPreview = img.iteration;
          const written = await writePng('preview.png', img);
          run.files.preview = written.rel;
          if (img.iteration - lastSnapshot >= snapshotEvery(run.progress?.total ?? 0)) {
            lastSnapshot = img.iteration;
            log.image(SNAPSHOT_TAG, written.png, img.iteration);
          }
          this.#o.events.publish({ type: 'preview', id: run.id, iteration: img.iteration, path: run.files.preview });
        }
      },
    };
    if (masks.some((m) => m !== undefined)) options['styleMasks'] = masks;
    if (this.#o.weights !== undefined) options['weights'] = this.#o.weights;
    try {
      const result = await stylize(options as unknown as StylizeOptions);
      const written = await writePng('result.png', result.best);
      run.files.result = written.rel;
      log.image(OUTPUT_TAG, written.png, result.best.iteration);
      await log.close();
      if (log.failure !== undefined) run.notes = [...run.notes, `The TensorBoard log stopped: ${log.failure}`];
      // The full history, rewritten at once: the appended log may hold a torn line.
      await writeAtomic(join(dir, 'losses.jsonl'), result.history.map((h) => `${JSON.stringify(h)}\n`).join(''));
      await writeJsonAtomic(join(dir, 'settings.json'), {
        request: run.request,
        settings: result.settings,
        weights: result.weights ?? null,
        evaluations: result.evaluations,
      });
      await this.#update(run, {
        status: 'done',
        finished: new Date().toISOString(),
        notes: [...run.notes, ...result.notes],
      });
    } catch (e) {
      if (signal.aborted && best !== undefined) {
        const written = await writePng('result.png', best);
        run.files.result = written.rel;
        log.image(OUTPUT_TAG, written.png, best.iteration);
        run.notes = [
          ...run.notes,
          `Cancelled at iteration ${run.progress?.done ?? 0}; the result is the best image so far (iteration ${best.iteration})`,
        ];
      }
      throw e;
    } finally {
      await log.close();
    }
  }

  async #runDataset(
    run: RunRecord,
    req: DatasetRequest,
    inputs: string[],
    style: string,
    signal: AbortSignal,
  ): Promise<void> {
    const ws = this.#o.workspace;
    const dir = runDir(ws, run.id);
    const output = join(dir, 'output.tfrecord');
    const log = await RunLog.open(dir);
    // One step axis for the whole run: each record's iterations restart at 0 (as the CLI logs it).
    let step = -1;
    const o: Record<string, unknown> = {
      inputs,
      output,
      style,
      signal,
      onIteration: (e: StylizeProgress) => log.losses(e, ++step),
      onStart: (total: number, kept: number) => {
        run.progress = { done: kept, total, remaining: 0 };
        this.#o.events.publish({ type: 'progress', id: run.id, done: kept, total, remaining: 0 });
      },
      onRecord: (p: { done: number; total: number; remaining: number }) => {
        run.progress = { done: p.done, total: p.total, remaining: p.remaining };
        void appendLine(ws, run.id, 'records.jsonl', p).catch(() => undefined);
        this.#o.events.publish({ type: 'progress', id: run.id, done: p.done, total: p.total, remaining: p.remaining });
      },
    };
    if (req.preset !== undefined) o['preset'] = req.preset;
    if (req.size !== undefined) o['size'] = req.size;
    if (req.iterations !== undefined) o['iterations'] = req.iterations;
    if (req.styleWeight !== undefined) o['styleWeight'] = req.styleWeight;
    if (this.#o.weights !== undefined) o['weights'] = this.#o.weights;
    if (this.#o.threads !== undefined) o['threads'] = this.#o.threads;
    let result: Awaited<ReturnType<typeof stylizeDataset>>;
    try {
      result = await stylizeDataset(o as unknown as Parameters<typeof stylizeDataset>[0]);
    } finally {
      await log.close();
    }
    if (log.failure !== undefined) run.notes = [...run.notes, `The TensorBoard log stopped: ${log.failure}`];
    await stat(result.path);
    run.files.output = toRelative(ws, result.path);
    await this.#update(run, {
      status: 'done',
      finished: new Date().toISOString(),
      notes: [...run.notes, `${result.records} records written to ${run.files.output}`],
    });
  }
}

/** The message and code of any error, for run.json. */
export function describeError(e: unknown): { message: string; code: string } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { message: e.message, code: typeof code === 'string' ? code : e.name };
  }
  return { message: String(e), code: 'UNKNOWN' };
}
