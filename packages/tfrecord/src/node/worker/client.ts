/**
 * The main thread's side of the read worker: starts it, takes its batches of
 * records as views (the bytes were transferred, not copied), grants a credit
 * for each batch taken so read-ahead stays bounded, and stops it (the file
 * closed, the thread ended) when the stream closes.
 */
import { Worker } from 'node:worker_threads';
import type { Compression } from '../../compression/index.js';
import { TFRecordError } from '../../errors.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { readAbortError } from '../source/files.js';
import type { RecordBatch, RecordBatchSource } from '../source/records.js';
import { deserialiseError } from './protocol.js';
import type { MainMessage, ReadWorkerData, WorkerMessage } from './protocol.js';

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
  #exited = false;
  #finished = false;
  readonly #exit: Promise<void>;

  constructor(path: string, options: WorkerBatchesOptions) {
    this.#path = path;
    this.#signal = options.signal;
    const data: ReadWorkerData = {
      path,
      compression: options.compression,
      reader: options.reader,
      credits: CREDITS,
      chunkBytes: WORKER_CHUNK_BYTES,
    };
    const w = new Worker(workerScript(), { workerData: data, stdout: false, stderr: false });
    this.#worker = w;
    const push = (m: Incoming): void => {
      this.#queue.push(m);
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    };
    w.on('message', (m: WorkerMessage) => push(m));
    w.on('error', (e: unknown) => push({ t: 'crash', e }));
    this.#exit = new Promise<void>((resolve) => {
      w.once('exit', (code: number) => {
        this.#exited = true;
        push({ t: 'exit', code });
        resolve();
      });
    });
    // Only a caller waiting for records keeps the process alive (see next()).
    w.unref();
  }

  async next(): Promise<RecordBatch> {
    const out = this.#out;
    out.length = 0;
    if (this.#finished) return { records: out, done: true };
    const signal = this.#signal;
    if (this.#queue.length === 0) {
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
      if (this.#queue.length === 0 && signal?.aborted === true) {
        return this.#finish({ records: out, failure: { e: readAbortError(signal, this.#path) }, done: true });
      }
    }
    const m = this.#queue.shift()!;
    switch (m.t) {
      case 'batch': {
        if (!this.#exited) this.#worker.postMessage(1 satisfies MainMessage);
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
        return this.#finish({
          records: out,
          failure: {
            e: new TFRecordError('IO', `${this.#path}: the read worker stopped (exit code ${m.code})`, {
              file: this.#path,
            }),
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
    this.#finished = true;
    this.#queue.length = 0;
    if (!this.#exited) {
      this.#worker.postMessage('stop' satisfies MainMessage);
      // Kept alive until the worker has closed the file and ended.
      this.#worker.ref();
    }
    await this.#exit;
  }
}
