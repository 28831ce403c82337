/**
 * What the read worker and the main thread say to each other, and errors
 * carried across the thread boundary field by field: a structured clone
 * keeps only an Error's message (and stack), so a TFRecordError would arrive
 * without its code, offset, file or record, and an fs error without the
 * `code` (ENOENT, ...) that callers branch on.
 */
import { TFRecordError } from '../../errors.js';
import type { TFRecordErrorCode, TFRecordErrorOptions } from '../../errors.js';
import type { Compression } from '../../compression/index.js';
import type { RecordReaderOptions } from '../../framing/options.js';

/** One file for the worker to read (a message: the worker reads one file after another). */
export interface ReadJob {
  t: 'job';
  path: string;
  compression: Compression | 'auto';
  reader: RecordReaderOptions;
  /** Batches the worker may post before the main thread has taken any (read-ahead bound). */
  credits: number;
  /** Bytes per read from disk. */
  chunkBytes: number;
}

/**
 * Records as (buffer, byte offset, length) triples in `spans` over the
 * transferred (not copied) `buffers`: whole read chunks and records that
 * spanned chunks travel as they are, the rest packed into one new buffer.
 */
export interface BatchMessage {
  t: 'batch';
  buffers: ArrayBuffer[];
  spans: Float64Array;
}

/** The stream ended after the last batch, without error; the file is closed. */
export interface EndMessage {
  t: 'end';
}

/** The error that ends the stream, met after the last batch. */
export interface ErrorMessage {
  t: 'error';
  error: SerialError;
}

/** Reading stopped when told to, the file closed: the worker is free for another job. */
export interface StoppedMessage {
  t: 'stopped';
}

/** Worker to main thread: batches, then exactly one of end, error, stopped (after the file is closed). */
export type WorkerMessage = BatchMessage | EndMessage | ErrorMessage | StoppedMessage;

/**
 * Main thread to worker: a job to start (when idle), a number of further
 * batches granted, or 'stop' (the file is closed, then 'stopped' comes back).
 */
export type MainMessage = ReadJob | number | 'stop';

/** An error as plain data: a TFRecordError's fields, or an Error's name, message and errno fields. */
export interface SerialError {
  tfrecord: boolean;
  name: string;
  message: string;
  stack: string | undefined;
  code: unknown;
  offset?: number;
  position?: number;
  file?: string;
  record?: number;
  errno?: unknown;
  syscall?: unknown;
  path?: unknown;
  /** A thrown non-Error, cloned as it is. */
  value?: unknown;
  cause?: SerialError;
}

/** Causes followed at most this deep (a cycle must not hang the worker). */
const MAX_CAUSES = 8;

/** `e` as plain data that survives postMessage. */
export function serialiseError(e: unknown, depth = 0): SerialError {
  if (!(e instanceof Error)) {
    let value: unknown;
    try {
      value = structuredClone(e);
    } catch {
      value = String(e);
    }
    return { tfrecord: false, name: '', message: String(e), stack: undefined, code: undefined, value };
  }
  const o = e as Error & Record<string, unknown>;
  const s: SerialError = {
    tfrecord: e instanceof TFRecordError,
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: o.code,
  };
  if (e instanceof TFRecordError) {
    if (e.offset !== undefined) s.offset = e.offset;
    if (e.position !== undefined) s.position = e.position;
    if (e.file !== undefined) s.file = e.file;
    if (e.record !== undefined) s.record = e.record;
  } else {
    if (o.errno !== undefined) s.errno = o.errno;
    if (o.syscall !== undefined) s.syscall = o.syscall;
    if (o.path !== undefined) s.path = o.path;
  }
  if (e.cause !== undefined && depth < MAX_CAUSES) s.cause = serialiseError(e.cause, depth + 1);
  return s;
}

/** The error {@link serialiseError} described: a TFRecordError with the same fields, or an Error like the original. */
export function deserialiseError(s: SerialError): unknown {
  if (!s.tfrecord && s.name === '' && 'value' in s) return s.value;
  const cause = s.cause === undefined ? undefined : deserialiseError(s.cause);
  let e: Error;
  if (s.tfrecord) {
    const options: TFRecordErrorOptions = {};
    if (s.offset !== undefined) options.offset = s.offset;
    if (s.position !== undefined) options.position = s.position;
    if (s.file !== undefined) options.file = s.file;
    if (s.record !== undefined) options.record = s.record;
    if (cause !== undefined) options.cause = cause;
    e = new TFRecordError(s.code as TFRecordErrorCode, s.message, options);
  } else {
    e = new Error(s.message, cause === undefined ? undefined : { cause });
    const o = e as Error & Record<string, unknown>;
    if (s.name !== 'Error') Object.defineProperty(e, 'name', { value: s.name, writable: true, configurable: true });
    if (s.code !== undefined) o.code = s.code;
    if (s.errno !== undefined) o.errno = s.errno;
    if (s.syscall !== undefined) o.syscall = s.syscall;
    if (s.path !== undefined) o.path = s.path;
  }
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}
