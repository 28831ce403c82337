/**
 * Where a file's records are framed and checked: on a worker thread or on
 * this one. Always the caller's choice (default this one): measured on 2
 * cores (bench/tfrecord.mjs), the worker pays in a process that keeps reading
 * big files, but a fresh process reading one file of up to 64 MiB lost to its
 * start-up every time, and whole `pastiche tfrecord verify` runs of 134 and
 * 232 MB files took the same either way, so no size or load rule picks it.
 */
import type { Compression } from '../../compression/index.js';
import { TFRecordError } from '../../errors.js';
import { describe } from '../../framing/options.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { fileBytes } from '../source/bytes.js';
import { ChunkBatches } from '../source/records.js';
import type { RecordBatchSource } from '../source/records.js';
import { WorkerBatches } from './client.js';

/** Options for {@link fileBatches}. */
export interface FileBatchesOptions {
  compression: Compression | 'auto';
  reader: RecordReaderOptions;
  signal: AbortSignal | undefined;
  worker: boolean;
}

/** The `worker` option of the readers, checked: a boolean, default false. */
export function checkWorker(worker: unknown): boolean {
  if (worker === undefined) return false;
  if (typeof worker === 'boolean') return worker;
  throw new TFRecordError('INVALID_ARGUMENT', `Expected boolean for worker but received ${describe(worker)}`);
}

/** The record batches of the file at `path`, framed on a worker thread or on this one as `options.worker` says. */
export function fileBatches(path: string, options: FileBatchesOptions): RecordBatchSource {
  const { compression, reader, signal } = options;
  if (options.worker) return new WorkerBatches(path, { compression, reader, signal });
  return new ChunkBatches(fileBytes(path, { compression, signal }), { ...reader, signal });
}
