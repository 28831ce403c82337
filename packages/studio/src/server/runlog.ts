/**
 * A studio run's TensorBoard log: an event file in the run's own folder
 * (`runs/<id>/events.out.tfevents.*`), so TensorBoard pointed at the
 * workspace's `runs/` shows each run under its id, and so does the Logs page.
 * The tags are those of `pastiche stylize --logdir`: `loss/total`,
 * `loss/content`, `loss/style`, `loss/tv` and `scale` per iteration, PNG
 * images `snapshot` while running and `output` for the result.
 *
 * The log is a by-product: a failed write stops the log (the reason is kept
 * for the run's notes) and never fails the run.
 */
import { EventFileWriter } from '@pastiche/tfrecord/node';

/** Tag of the images logged while a run goes. */
export const SNAPSHOT_TAG = 'snapshot';
/** Tag of a run's result image. */
export const OUTPUT_TAG = 'output';

/** The loss terms of one iteration. */
export interface LoggedLosses {
  total: number;
  content: number;
  style: number;
  tv: number;
  /** Scale of the iteration (1 = coarsest). */
  scale?: number;
}

/** See the module comment. */
export class RunEventLog {
  #writer: EventFileWriter | undefined;
  /** Why the log stopped, if it did. */
  failure: string | undefined;

  private constructor(writer: EventFileWriter | undefined, failure: string | undefined) {
    this.#writer = writer;
    this.failure = failure;
  }

  /** Creates the event file in `dir` (flushed every 2 s); a log that cannot start is a stopped log, not an error. */
  static async open(dir: string): Promise<RunEventLog> {
    try {
      return new RunEventLog(await EventFileWriter.open(dir, { flushSecs: 2 }), undefined);
    } catch (e) {
      return new RunEventLog(undefined, (e as Error).message);
    }
  }

  /** Path of the event file, if it was created. */
  get path(): string | undefined {
    return this.#writer?.path;
  }

  #do(f: (w: EventFileWriter) => void): void {
    const w = this.#writer;
    if (w === undefined) return;
    try {
      f(w);
    } catch (e) {
      this.failure = (e as Error).message;
      this.#writer = undefined;
      void w.close().catch(() => undefined);
    }
  }

  /** Logs the loss terms of `step`, all at one wall time. */
  losses(e: LoggedLosses, step: number): void {
    const t = Date.now() / 1000;
    this.#do((w) => {
      w.addScalar('loss/total', e.total, step, t);
      w.addScalar('loss/content', e.content, step, t);
      w.addScalar('loss/style', e.style, step, t);
      w.addScalar('loss/tv', e.tv, step, t);
      if (typeof e.scale === 'number') w.addScalar('scale', e.scale, step, t);
    });
  }

  /** Logs PNG bytes as image `tag` at `step`. */
  image(tag: string, png: Uint8Array, step: number): void {
    this.#do((w) => w.addImage(tag, png, step));
  }

  /** Writes out what is queued and closes the file; never throws (see {@link failure}). */
  async close(): Promise<void> {
    const w = this.#writer;
    this.#writer = undefined;
    await w?.close().catch((e: unknown) => {
      this.failure = (e as Error).message;
    });
  }
}
