/**
 * `--logdir` of the stylize commands: loss terms per iteration as TensorBoard
 * scalars and images as PNG image summaries, in one new event file of the log
 * directory (TensorBoard names a run by its folder).
 */
import { EventFileWriter } from '@pastiche/tfrecord/node';

/** The loss terms of one iteration, as the style package's progress events carry them. */
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

/** Tag of the image snapshots (`--save-every`). */
export const SNAPSHOT_TAG = 'snapshot';
/** Tag of the final image. */
export const OUTPUT_TAG = 'output';

/**
 * A run's log: scalars `loss/total`, `loss/content`, `loss/style`, `loss/tv`
 * (and `scale` when the event has one) per iteration, and PNG images. Writes
 * are queued and flushed every 2 s in the background; {@link close} writes out
 * the rest and may be called more than once.
 */
export class RunLog {
  private constructor(private readonly writer: EventFileWriter) {}

  /** Creates the event file in `logdir` (made if missing). */
  static async open(logdir: string): Promise<RunLog> {
    return new RunLog(await EventFileWriter.open(logdir, { flushSecs: 2 }));
  }

  /** Path of the event file. */
  get path(): string {
    return this.writer.path;
  }

  /** Logs the loss terms of `step` (the iteration, or a run-wide count), all at one wall time. */
  losses(e: LossTerms, step: number): void {
    const t = Date.now() / 1000;
    this.writer.addScalar('loss/total', e.total, step, t);
    this.writer.addScalar('loss/content', e.content, step, t);
    this.writer.addScalar('loss/style', e.style, step, t);
    this.writer.addScalar('loss/tv', e.tv, step, t);
    if (typeof e.scale === 'number') this.writer.addScalar('scale', e.scale, step, t);
  }

  /** Logs one scalar. */
  scalar(tag: string, value: number, step: number): void {
    this.writer.addScalar(tag, value, step);
  }

  /** Logs PNG bytes as image `tag` at `step`. */
  image(tag: string, png: Uint8Array, step: number): void {
    this.writer.addImage(tag, png, step);
  }

  /** Writes out everything queued and closes the file. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
