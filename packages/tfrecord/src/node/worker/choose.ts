/**
 * Whether a file is read on a worker thread: always, never, or ('auto') when
 * it is a regular file large enough that the thread's start-up (tens of
 * milliseconds) is repaid by framing and checking on a second core, and
 * that core is free.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import type { Compression } from '../../compression/index.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { fileBytes } from '../source/bytes.js';
import { ChunkBatches } from '../source/records.js';
import type { RecordBatch, RecordBatchSource } from '../source/records.js';
import { WorkerBatches } from './client.js';

/**
 * Smallest file (bytes on disk, compressed or not) that 'auto' reads on a
 * worker: 64 MiB. Below it the worker's start-up costs more than it saves
 * (bench/tfrecord.mjs, "worker auto threshold").
 */
export const WORKER_MIN_BYTES = 64 * 1024 * 1024;

/** Options for {@link fileBatches}. */
export interface FileBatchesOptions {
  compression: Compression | 'auto';
  reader: RecordReaderOptions;
  signal: AbortSignal | undefined;
  worker: boolean | 'auto';
}

/**
 * True when a core is free for the worker: two or more cores, and the
 * 1-minute load average (this process included) at most cores - 0.5.
 * Measured on 2 shared cores (bench/tfrecord.mjs): with none free the worker
 * only takes turns with this thread, and readExamples of a 64 MiB file took
 * 1.5-2x as long with it as without.
 */
function coreToSpare(): boolean {
  const cores = availableParallelism();
  // loadavg() is [0, 0, 0] where the platform has none (Windows): cores decide alone.
  return cores >= 2 && loadavg()[0]! <= cores - 0.5;
}

/** True when 'auto' takes the worker for `path`; a file that cannot be looked at reads on this thread (which reports why). */
async function wantsWorker(path: string): Promise<boolean> {
  if (!coreToSpare()) return false;
  try {
    const s = await stat(path);
    return s.isFile() && s.size >= WORKER_MIN_BYTES;
  } catch {
    return false;
  }
}

/** The source chosen on the first `next()` (so a stream never started costs nothing). */
class ChosenBatches implements RecordBatchSource {
  readonly #path: string;
  readonly #options: FileBatchesOptions;
  #inner: Promise<RecordBatchSource> | undefined;

  constructor(path: string, options: FileBatchesOptions) {
    this.#path = path;
    this.#options = options;
  }

  async #choose(): Promise<RecordBatchSource> {
    const { compression, reader, signal, worker } = this.#options;
    if (worker === true || (worker === 'auto' && (await wantsWorker(this.#path)))) {
      return new WorkerBatches(this.#path, { compression, reader, signal });
    }
    return new ChunkBatches(fileBytes(this.#path, { compression, signal }), { ...reader, signal });
  }

  next(): Promise<RecordBatch> {
    this.#inner ??= this.#choose();
    return this.#inner.then(
      (s) => s.next(),
      (e: unknown) => ({ records: [], failure: { e }, done: true }),
    );
  }

  async close(): Promise<void> {
    const inner = await this.#inner?.catch(() => undefined);
    await inner?.close();
  }
}

/** The record batches of the file at `path`, framed on a worker thread or on this one as `options.worker` says. */
export function fileBatches(path: string, options: FileBatchesOptions): RecordBatchSource {
  if (options.worker === false) {
    const { compression, reader, signal } = options;
    return new ChunkBatches(fileBytes(path, { compression, signal }), { ...reader, signal });
  }
  return new ChosenBatches(path, options);
}
