/**
 * A style run's TensorBoard log, as `pastiche stylize --logdir`,
 * `stylize-dataset --logdir` and the studio's runs write it: one new event
 * file in a log directory (TensorBoard names a run by its folder) holding the
 * scalars `loss/total`, `loss/content`, `loss/style`, `loss/tv` (and `scale`
 * when the iteration has one) per step, and PNG images `snapshot` while
 * running and `output` for the result.
 *
 * The log is a by-product of the run, so it never throws: a log that cannot
 * be created, or whose write fails, stops (later calls do nothing) and keeps
 * the reason in {@link RunLog.failure}, which {@link RunLog.close} also
 * returns. The caller decides what a stopped log means: the CLI reports it as
 * an error of the `--logdir` the user asked for, the studio as a note on the run.
 */
import { EventFileWriter } from '@pastiche/tfrecord/node';

/** Tag of the images logged while a run goes (`--save-every`, the studio's snapshots). */
export const SNAPSHOT_TAG = 'snapshot';
/** Tag of a run's result image. */
export const OUTPUT_TAG = 'output';

/** The loss terms of one iteration, as the progress events of `stylize` and `stylizeDataset` carry them. */
export interface LossTerms {
  /** Total loss: what is minimised. */
  total: number;
  /** Content term (unweighted). */
  content: number;
  /** Style term (unweighted). */
  style: number;
  /** Total-variation term (unweighted). */
  tv: number;
  /** Scale of the iteration (1 = coarsest), when the run has scales. */
  scale?: number | undefined;
}

/** Options of {@link RunLog.open}. */
export interface RunLogOptions {
  /** Seconds between background writes of what is queued; default 2. */
  flushSecs?: number;
}

/** See the module comment. */
export class RunLog {
  #writer: EventFileWriter | undefined;
  #failure: string | undefined;
  /** The closing of the writer, once begun (on close() or when a write failed). */
  #closing: Promise<void> | undefined;
  /** Path of the event file; undefined when the log could not be created. */
  readonly path: string | undefined;

  private constructor(writer: EventFileWriter | undefined, failure: string | undefined) {
    this.#writer = writer;
    this.#failure = failure;
    this.path = writer?.path;
  }

  /**
   * Creates `logdir` if needed and a new event file in it. Never rejects: a
   * log that cannot be created is returned stopped, with {@link failure} saying
   * why (the message names the folder or file).
   */
  static async open(logdir: string, options: RunLogOptions = {}): Promise<RunLog> {
    try {
      return new RunLog(await EventFileWriter.open(logdir, { flushSecs: options.flushSecs ?? 2 }), undefined);
    } catch (e) {
      return new RunLog(undefined, e instanceof Error ? e.message : String(e));
    }
  }

  /** Why the log stopped (naming the file), or undefined while it is whole. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** False once the log stopped or was closed: nothing more is written. */
  get writing(): boolean {
    return this.#writer !== undefined;
  }

  #stop(message: string): void {
    this.#failure ??= message;
    const w = this.#writer;
    this.#writer = undefined;
    // The writer's own failure is already kept; closing only releases the file.
    if (w !== undefined) this.#closing = w.close().catch(() => undefined);
  }

  #do(f: (w: EventFileWriter) => void): void {
    const w = this.#writer;
    if (w === undefined) return;
    try {
      f(w);
    } catch (e) {
      this.#stop(e instanceof Error ? e.message : String(e));
    }
  }

  /** Logs the loss terms of `step` (the iteration, or a run-wide count), all at one wall time. */
  losses(e: LossTerms, step: number): void {
    const t = Date.now() / 1000;
    this.#do((w) => {
      w.addScalar('loss/total', e.total, step, t);
      w.addScalar('loss/content', e.content, step, t);
      w.addScalar('loss/style', e.style, step, t);
      w.addScalar('loss/tv', e.tv, step, t);
      if (typeof e.scale === 'number') w.addScalar('scale', e.scale, step, t);
    });
  }

  /** Logs one scalar `tag` at `step`. */
  scalar(tag: string, value: number, step: number): void {
    this.#do((w) => w.addScalar(tag, value, step));
  }

  /** Logs PNG bytes as image `tag` at `step` (width and height are read from the PNG header). */
  image(tag: string, png: Uint8Array, step: number): void {
    this.#do((w) => w.addImage(tag, png, step));
  }

  /**
   * Writes out what is queued and closes the file. Never rejects; resolves
   * with {@link failure} (undefined when the whole log was written). May be
   * called more than once.
   */
  async close(): Promise<string | undefined> {
    const w = this.#writer;
    this.#writer = undefined;
    if (w !== undefined) {
      this.#closing = w.close().catch((e: unknown) => {
        this.#failure ??= e instanceof Error ? e.message : String(e);
      });
    }
    await this.#closing;
    return this.#failure;
  }
}
