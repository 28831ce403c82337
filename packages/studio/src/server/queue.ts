/**
 * A bounded job queue: one job runs at a time (style transfer uses every core,
 * so two at once would each take twice as long), up to `maxWaiting` wait, and
 * a submission beyond that is refused with QUEUE_FULL (HTTP 429). A job that
 * throws is reported to `onSettled` and never stops the queue.
 */
import { StudioError } from '../errors.js';

/** A unit of work for the {@link JobQueue}. */
export interface Job {
  /** The run id. */
  readonly id: string;
  /** Does the work; must stop soon after `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Called when the job was cancelled before it started. */
  dropped(): Promise<void>;
}

/** What the queue holds now. */
export interface QueueState {
  running: string | undefined;
  waiting: string[];
}

/** See the module comment. */
export class JobQueue {
  readonly #maxWaiting: number;
  readonly #waiting: Job[] = [];
  #running: { job: Job; controller: AbortController; done: Promise<void> } | undefined;
  readonly #onError: (id: string, error: unknown) => void;
  readonly #onChange: (state: QueueState) => void;
  #closed = false;

  /**
   * `maxWaiting`: jobs allowed to wait behind the running one (default 3);
   * `onChange`: called with the new state whenever a job starts, ends or is dropped.
   */
  constructor(options: {
    maxWaiting?: number;
    onError: (id: string, error: unknown) => void;
    onChange?: (state: QueueState) => void;
  }) {
    this.#maxWaiting = options.maxWaiting ?? 3;
    this.#onError = options.onError;
    this.#onChange = options.onChange ?? (() => undefined);
  }

  /** The running job's id and the waiting ids, in order. */
  state(): QueueState {
    return { running: this.#running?.job.id, waiting: this.#waiting.map((j) => j.id) };
  }

  /** Throws QUEUE_FULL when a submission now would be refused. */
  checkRoom(): void {
    if (this.#closed) throw new StudioError('CONFLICT', 'The studio is shutting down');
    const busy = this.#running === undefined ? 0 : 1;
    if (busy + this.#waiting.length >= 1 + this.#maxWaiting) {
      throw new StudioError(
        'QUEUE_FULL',
        `The job queue is full: 1 running and ${this.#waiting.length} waiting (at most ${this.#maxWaiting}); try again when one finishes`,
      );
    }
  }

  /** Queues `job` (throws QUEUE_FULL, see {@link checkRoom}). */
  submit(job: Job): void {
    this.checkRoom();
    this.#waiting.push(job);
    this.#next();
  }

  /** Cancels a waiting job (dropped) or aborts the running one. False if the id is unknown. */
  async cancel(id: string): Promise<boolean> {
    const i = this.#waiting.findIndex((j) => j.id === id);
    if (i >= 0) {
      const [job] = this.#waiting.splice(i, 1);
      await job!.dropped();
      this.#onChange(this.state());
      return true;
    }
    if (this.#running?.job.id === id) {
      this.#running.controller.abort(new StudioError('CONFLICT', 'Cancelled'));
      return true;
    }
    return false;
  }

  /** Aborts the running job, drops the waiting ones, and waits for the running one to end. */
  async close(): Promise<void> {
    this.#closed = true;
    const waiting = this.#waiting.splice(0);
    for (const job of waiting) await job.dropped().catch(() => undefined);
    const r = this.#running;
    if (r !== undefined) {
      r.controller.abort(new StudioError('CONFLICT', 'The studio is shutting down'));
      await r.done;
    }
  }

  #next(): void {
    if (this.#running !== undefined || this.#closed) return;
    const job = this.#waiting.shift();
    if (job === undefined) return;
    const controller = new AbortController();
    const done = (async () => {
      try {
        await job.run(controller.signal);
      } catch (e) {
        this.#onError(job.id, e);
      }
    })().finally(() => {
      this.#running = undefined;
      this.#next();
      if (this.#running === undefined) this.#onChange(this.state());
    });
    this.#running = { job, controller, done };
    this.#onChange(this.state());
  }
}
