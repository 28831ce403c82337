/**
 * Writing TFRecord files on Node. Records are framed into 1 MiB batches (one
 * stream write per batch, not per record), optionally compressed with
 * node:zlib, written to a hidden temporary file in the target's directory
 * (named and registered by ./atomic.ts), and renamed over the target only by
 * close() after an fsync: a crash, a signal or abort() never leaves a
 * half-written file under the final name.
 */
import { once } from 'node:events';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { createDeflate, createGzip } from 'node:zlib';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { checkCompression, compressionFromPath } from '../compression/index.js';
import type { Compression } from '../compression/index.js';
import { encodeRecord, frameInPlace, recordSize, writeRecordInto } from '../framing/encode.js';
import { describe } from '../framing/options.js';
import { encodeSequenceExample, prepareExample, type PreparedExample } from '../example/encode.js';
import type { Example, SequenceExample } from '../example/types.js';
import { cleanStaleTemps, registerTemp, syncDir, tempPathFor, unregisterTemp } from './atomic.js';

/** Options for {@link TFRecordWriter.open}. */
export interface WriterOptions {
  /** Default: 'gzip' for a `.gz` path, 'zlib' for `.zz`, else 'none'. */
  compression?: Compression;
  /** zlib compression level, 0 (none) to 9 (smallest); default 6. */
  level?: number;
}

/** Framed bytes gathered before one stream write: 1 MiB. */
const BATCH_BYTES = 1024 * 1024;
/** Bytes our own streams may buffer before write() waits: 4 MiB. */
const STREAM_BUFFER_BYTES = 4 * BATCH_BYTES;
const DONE: Promise<void> = Promise.resolve();

type State = 'open' | 'closing' | 'closed' | 'aborted' | 'failed';

function ioError(e: unknown, file: string | undefined, what: string): TFRecordError {
  if (isTFRecordError(e)) return file === undefined ? e : e.withFile(file);
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  const kind = typeof code === 'string' && code.startsWith('Z_') ? 'COMPRESSION' : 'IO';
  return new TFRecordError(kind, `${file === undefined ? '' : `${file}: `}${what}: ${message}`, {
    ...(file === undefined ? {} : { file }),
    cause: e,
  });
}

function checkWriterOptions(options: unknown): asserts options is WriterOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected object for options but received ${describe(options)}`);
  }
  const { level, compression } = options as WriterOptions;
  if (compression !== undefined) checkCompression(compression, false);
  if (level !== undefined && (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9)) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected integer between 0 and 9 for level but received ${describe(level)}`,
    );
  }
}

/** Where a writer's bytes go, and how to finish or discard them. */
interface Target {
  path: string | undefined;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

let construct: (sink: Writable, done: Promise<void>, target: Target) => TFRecordWriter;

/**
 * Writes framed records to a file (atomically, via {@link TFRecordWriter.open})
 * or to any Node Writable ({@link TFRecordWriter.toStream}). `write()` resolves
 * once the record is accepted; it waits for 'drain' when the stream is full, so
 * memory stays bounded by the stream's buffer plus two 1 MiB batches. Calls may overlap; records keep
 * their call order.
 */
export class TFRecordWriter {
  /** Framed, uncompressed bytes accepted so far (records + 16 bytes each). */
  bytesWritten = 0;
  /** Records accepted so far. */
  recordsWritten = 0;
  /** Temporaries of dead processes that open() removed before writing (paths); empty for streams. */
  removedStaleTemps: readonly string[] = [];

  private state: State = 'open';
  private failure: TFRecordError | undefined;
  private batch = new Uint8Array(BATCH_BYTES);
  private used = 0;
  private busy: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly sink: Writable;
  private readonly done: Promise<void>;
  private readonly target: Target;

  private constructor(sink: Writable, done: Promise<void>, target: Target) {
    this.sink = sink;
    this.target = target;
    // Record a stream failure as soon as it happens, so later writes fail fast.
    this.done = done.catch((e: unknown) => {
      // abort() destroys the stream on purpose; that is not a write failure.
      if (this.state !== 'aborted') this.fail(e);
    });
  }

  /**
   * Opens a writer for the file at `path`. Stale temporaries of `path` left by
   * dead processes are removed first (listed in {@link removedStaleTemps}).
   * Bytes go to a registered temporary beside it ({@link tempPathFor}); close()
   * fsyncs it and renames it to `path`, abort() deletes it.
   */
  static async open(path: string, options: WriterOptions = {}): Promise<TFRecordWriter> {
    if (typeof path !== 'string' || path === '') {
      throw new TFRecordError('INVALID_ARGUMENT', `Expected non-empty string for path but received ${describe(path)}`);
    }
    checkWriterOptions(options);
    const removed = await cleanStaleTemps(path);
    const writer = await openFileWriter(tempPathFor(path), path, options);
    writer.removedStaleTemps = removed;
    return writer;
  }

  static {
    // openFileWriter (this module only) builds file writers; the constructor stays private.
    construct = (sink, done, target) => new TFRecordWriter(sink, done, target);
  }

  /**
   * A writer into any Node Writable (stdout, a socket, a test stream).
   * `compression` defaults to 'none'. close() ends the stream; nothing is renamed.
   */
  static toStream(stream: Writable, options: WriterOptions = {}): TFRecordWriter {
    if (typeof stream !== 'object' || stream === null || typeof (stream as Writable).write !== 'function') {
      throw new TFRecordError('INVALID_ARGUMENT', `Expected Writable for stream but received ${describe(stream)}`);
    }
    checkWriterOptions(options);
    const { sink, done } = withCompression(stream, options.compression ?? 'none', options.level);
    return new TFRecordWriter(sink, done, {
      path: undefined,
      async commit() {},
      async discard() {
        sink.destroy();
        stream.destroy();
      },
    });
  }

  private fail(e: unknown): TFRecordError {
    if (this.failure === undefined) {
      this.failure = ioError(e, this.target.path, 'write failed');
      if (this.state === 'open') this.state = 'failed';
    }
    return this.failure;
  }

  private unusable(): TFRecordError {
    if (this.failure !== undefined) return this.failure;
    const where = this.target.path === undefined ? '' : ` for ${this.target.path}`;
    return new TFRecordError('IO', `TFRecordWriter${where} is ${this.state}`, {
      ...(this.target.path === undefined ? {} : { file: this.target.path }),
    });
  }

  /** Frames and writes one record; resolves when the writer can take more. */
  write(record: Uint8Array): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.unusable());
    if (!(record instanceof Uint8Array)) {
      return Promise.reject(
        new TFRecordError('INVALID_ARGUMENT', `Expected Uint8Array for record but received ${describe(record)}`),
      );
    }
    return this.writeNow(record);
  }

  /** write() after its checks; queued calls come back here even once close() has begun. */
  private writeNow(record: Uint8Array): Promise<void> {
    if (this.failure !== undefined || this.state === 'aborted') return Promise.reject(this.unusable());
    if (this.busy !== undefined) return this.busy.then(() => this.writeNow(record));
    const size = recordSize(record.length);
    if (this.used + size <= this.batch.length) {
      this.used = writeRecordInto(this.batch, this.used, record);
      this.recordsWritten++;
      this.bytesWritten += size;
      return DONE;
    }
    const p = this.slowWrite(record, size).finally(() => {
      this.busy = undefined;
    });
    this.busy = p;
    return p;
  }

  /** Encodes `ex` as a tf.train.Example and writes it. */
  writeExample(ex: Example): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.unusable());
    let prepared: PreparedExample;
    try {
      prepared = prepareExample(ex);
    } catch (e) {
      return Promise.reject(e);
    }
    const size = recordSize(prepared.size);
    if (this.busy === undefined && this.failure === undefined && this.used + size <= this.batch.length) {
      // Fast path: serialise straight into the batch and frame it there.
      prepared.writeInto(this.batch, this.used + 12);
      this.used = frameInPlace(this.batch, this.used, prepared.size);
      this.recordsWritten++;
      this.bytesWritten += size;
      return DONE;
    }
    const bytes = new Uint8Array(prepared.size);
    prepared.writeInto(bytes, 0);
    return this.writeNow(bytes);
  }

  /** Encodes `se` as a tf.train.SequenceExample and writes it. */
  writeSequenceExample(se: SequenceExample): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.unusable());
    let bytes: Uint8Array;
    try {
      bytes = encodeSequenceExample(se);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.write(bytes);
  }

  private async slowWrite(record: Uint8Array, size: number): Promise<void> {
    await this.flush();
    if (size > this.batch.length) {
      // A record bigger than a batch goes out on its own.
      await this.push(encodeRecord(record));
    } else {
      this.used = writeRecordInto(this.batch, 0, record);
    }
    this.recordsWritten++;
    this.bytesWritten += size;
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const chunk = this.batch.subarray(0, this.used);
    // The stream keeps `chunk` until written, so the next batch is a new buffer.
    this.batch = new Uint8Array(BATCH_BYTES);
    this.used = 0;
    await this.push(chunk);
  }

  private async push(chunk: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (!this.sink.write(chunk)) {
      try {
        await drained(this.sink);
      } catch (e) {
        throw this.fail(e);
      }
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Flushes, ends the stream, fsyncs and renames the file into place. Records
   * whose write() was called before close() are included. Calling it again
   * returns the same promise.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      if (this.state !== 'open') return Promise.reject(this.unusable());
      this.closing = this.finish();
    }
    return this.closing;
  }

  private async finish(): Promise<void> {
    this.state = 'closing';
    try {
      while (this.busy !== undefined) await this.busy;
      await this.flush();
      this.sink.end();
      await this.done;
      if (this.failure !== undefined) throw this.failure;
      await this.target.commit();
      this.state = 'closed';
    } catch (e) {
      const err = this.fail(e);
      this.state = 'failed';
      await this.target.discard();
      throw err;
    }
  }

  /** Stops writing and deletes the temporary file; the target path is left untouched. */
  async abort(): Promise<void> {
    if (this.state === 'closed' || this.state === 'aborted') return;
    this.state = 'aborted';
    this.sink.destroy();
    await this.target.discard();
    await this.done;
  }
}

/**
 * A writer whose bytes go to the registered temporary `tmp` (created
 * exclusively). close() fsyncs it and, if `finalPath` is given, renames it
 * there; with `finalPath` undefined the finished file stays at `tmp` for the
 * caller to rename (writeShards renames a whole set only once all are complete)
 * and stays registered until the caller calls unregisterTemp. Not exported from
 * the package entry.
 */
export async function openFileWriter(
  tmp: string,
  finalPath: string | undefined,
  options: WriterOptions,
): Promise<TFRecordWriter> {
  const name = finalPath ?? tmp;
  checkWriterOptions(options);
  const compression = options.compression ?? compressionFromPath(name);
  registerTemp(tmp);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    unregisterTemp(tmp);
    throw ioError(e, name, 'cannot create temporary file');
  }
  // Room for a few batches lets the next batch fill while the last one is written.
  const file = fh.createWriteStream({ autoClose: false, highWaterMark: STREAM_BUFFER_BYTES });
  const { sink, done } = withCompression(file, compression, options.level);
  let closed = false;
  const closeHandle = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // A FileHandle waits for its streams to close before it closes itself;
    // with autoClose off the stream only does so when destroyed.
    if (!file.closed) {
      const gone = once(file, 'close').catch(() => undefined);
      file.destroy();
      await gone;
    }
    await fh.close();
  };
  return construct(sink, done, {
    path: name,
    async commit() {
      await fh.sync();
      await closeHandle();
      if (finalPath === undefined) return;
      await rename(tmp, finalPath);
      unregisterTemp(tmp);
      // The rename itself is durable only once the directory is synced.
      await syncDir(dirname(finalPath));
    },
    async discard() {
      await closeHandle().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      unregisterTemp(tmp);
    },
  });
}

/** Resolves on 'drain'; rejects if the stream errors or closes first. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: unknown): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onDrain = (): void => done();
    const onError = (e: unknown): void => done(e);
    const onClose = (): void => done(new Error('stream closed before it drained'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** The stream records are written into, and a promise for the end of the whole chain. */
function withCompression(
  out: Writable,
  compression: Compression,
  level: number | undefined,
): { sink: Writable; done: Promise<void> } {
  if (compression === 'none') return { sink: out, done: finished(out) };
  const opts = { level: level ?? 6, chunkSize: 256 * 1024, writableHighWaterMark: STREAM_BUFFER_BYTES };
  const z = compression === 'gzip' ? createGzip(opts) : createDeflate(opts);
  z.pipe(out);
  z.on('error', (e) => out.destroy(e));
  return { sink: z, done: Promise.all([finished(z), finished(out)]).then(() => undefined) };
}
