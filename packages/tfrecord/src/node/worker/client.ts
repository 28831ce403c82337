/**
 * The main thread's side of the read worker: starts it (or takes the idle
 * one), takes its batches of records as views (the bytes were transferred,
 * not copied), grants a credit for each batch taken so read-ahead stays
 * bounded, and when the stream closes stops it, waits until the file is
 * closed, and keeps it idle for the next file.
 */
import { Worker } from 'node:worker_threads';
import type { Compression } from '../../compression/index.js';
import { TFRecordError } from '../../errors.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { readAbortError } from '../source/files.js';
import type { RecordBatch, RecordBatchSource } from '../source/records.js';
import { deserialiseError } from './protocol.js';
import type { MainMessage, ReadJob, WorkerMessage } from './protocol.js';

/**
 * Set by a bundler that ships the worker script as a file of its own (the
 * CLI's bundle defines it as the path of tfrecord-read-worker.cjs next to
 * itself); unset, the script is read-worker.js next to this module.
 */
declare const __PASTICHE_READ_WORKER__: string | undefined;

function workerScript(): string | URL {
  return typeof __PASTICHE_READ_WORKER__ === 'string'
    ? __PASTICHE_READ_WORKER__
    : new URL('./read-worker.js', import.meta.url);
}

/** Batches the worker may have posted and the main thread not yet taken: 4 x ~2 MiB. */
const CREDITS = 4;
/** Bytes per read from disk in the worker (and so, uncompressed, per batch): 2 MiB. */
const WORKER_CHUNK_BYTES = 2 * 1024 * 1024;

/** Options for {@link WorkerBatches}. */
export interface WorkerBatchesOptions {
  compression: Compression | 'auto';
  reader: RecordReaderOptions;
  signal: AbortSignal | undefined;
}

type Incoming = WorkerMessage | { t: 'crash'; e: unknown } | { t: 'exit'; code: number };

/**
 * The worker left idle by the last stream, kept for the next (unref'd, so it
 * never keeps the process alive): its start-up, tens of milliseconds, and
 * its compiled code serve every file after the first. One is kept; a stream
 * that finds none starts its own.
 */
let idle: Worker | undefined;

/** Forgets the idle worker if it dies (killed, out of memory): it is simply not reused. */
const onIdleExit = (): void => {
  idle = undefined;
};

function acquire(): Worker {
  const w = idle;
  idle = undefined;
  if (w !== undefined) {
    w.off('exit', onIdleExit);
    return w;
  }
  // Only a stream waiting for records keeps the process alive (see WorkerBatches.next).
  const fresh = new Worker(workerScript(), { stdout: false, stderr: false });
  fresh.unref();
  return fresh;
}

function release(w: Worker): void {
  w.unref();
  if (idle === undefined) {
    idle = w;
    w.once('exit', onIdleExit);
  } else void w.terminate();
}

/**
 * The records of the file at `path`, framed and checked by a worker thread.
 * Errors are those the same reading on this thread meets, field for field.
 */
export class WorkerBatches implements RecordBatchSource {
  readonly #path: string;
  readonly #signal: AbortSignal | undefined;
  readonly #worker: Worker;
  readonly #queue: Incoming[] = [];
  readonly #out: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  /** The worker has sent its last message for this file (end, error, stopped), or has died (`#dead`). */
  #done = false;
  #dead = false;
  #finished = false;
  #released = false;
  readonly #onMessage: (m: WorkerMessage) => void;
  readonly #onError: (e: unknown) => void;
  readonly #onExit: (code: number) => void;

  constructor(path: string, options: WorkerBatchesOptions) {
    this.#path = path;
    this.#signal = options.signal;
    const w = acquire();
    this.#worker = w;
    this.#onMessage = (m) => {
      if (m.t !== 'batch') this.#done = true;
      this.#push(m);
    };
    this.#onError = (e) => {
      // An uncaught error ends the thread ('exit' follows): it is not reused.
      this.#dead = true;
      this.#done = true;
      this.#push({ t: 'crash', e });
    };
    this.#onExit = (code) => {
      this.#dead = true;
      this.#done = true;
      this.#push({ t: 'exit', code });
    };
    w.on('message', this.#onMessage);
    w.on('error', this.#onError);
    w.on('exit', this.#onExit);
    const job: ReadJob = {
      t: 'job',
      path,
      compression: options.compression,
      reader: options.reader,
      credits: CREDITS,
      chunkBytes: WORKER_CHUNK_BYTES,
    };
    w.postMessage(job satisfies MainMessage);
  }

  #push(m: Incoming): void {
    this.#queue.push(m);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits for the next message (or for `signal`); the worker is ref'd meanwhile so the process waits too. */
  async #arrival(signal: AbortSignal | undefined): Promise<void> {
    this.#worker.ref();
    const onAbort = (): void => {
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (this.#queue.length === 0 && signal?.aborted !== true) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#worker.unref();
    }
  }

  async next(): Promise<RecordBatch> {
    const out = this.#out;
    out.length = 0;
    if (this.#finished) return { records: out, done: true };
    const signal = this.#signal;
    if (this.#queue.length === 0) {
      await this.#arrival(signal);
      if (this.#queue.length === 0 && signal?.aborted === true) {
        return this.#finish({ records: out, failure: { e: readAbortError(signal, this.#path) }, done: true });
      }
    }
    const m = this.#queue.shift()!;
    switch (m.t) {
      case 'batch': {
        if (!this.#done) this.#worker.postMessage(1 satisfies MainMessage);
        const { buffers, spans } = m;
        for (let i = 0; i < spans.length; i += 3)
          out.push(new Uint8Array(buffers[spans[i]!]!, spans[i + 1]!, spans[i + 2]!));
        return { records: out, done: false };
      }
      case 'end':
        return this.#finish({ records: out, done: true });
      case 'error':
        return this.#finish({ records: out, failure: { e: deserialiseError(m.error) }, done: true });
      case 'crash':
        return this.#finish({ records: out, failure: { e: m.e }, done: true });
      case 'exit':
      case 'stopped':
        // 'stopped' only answers a stop, which only close() sends.
        return this.#finish({
          records: out,
          failure: {
            e: new TFRecordError(
              'IO',
              `${this.#path}: the read worker stopped${m.t === 'exit' ? ` (exit code ${m.code})` : ''}`,
              { file: this.#path },
            ),
          },
          done: true,
        });
    }
  }

  #finish(batch: RecordBatch): RecordBatch {
    this.#finished = true;
    return batch;
  }

  async close(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#finished = true;
    if (!this.#done) {
      // Stopped and waited for: the worker closes the file before it answers, so it is closed when this returns.
      this.#worker.postMessage('stop' satisfies MainMessage);
      while (!this.#done) {
        this.#queue.length = 0;
        await this.#arrival(undefined);
      }
    }
    this.#queue.length = 0;
    const w = this.#worker;
    w.off('message', this.#onMessage);
    w.off('error', this.#onError);
    w.off('exit', this.#onExit);
    // A worker that has ended a file cleanly reads the next one; one that died is gone.
    if (!this.#dead) release(w);
  }
}
