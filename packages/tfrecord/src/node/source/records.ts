/** Records out of a byte source: framing, checksums, aborts, and errors naming the source. */
import { isTFRecordError } from '../../errors.js';
import { RecordChunkDecoder } from '../../framing/decode.js';
import { RECORD_OVERHEAD } from '../../framing/encode.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { readAbortError } from './files.js';

/** Options for {@link recordsOf}. */
export interface RecordsOfOptions extends RecordReaderOptions {
  /** Checked before every record handed out: ABORTED naming the source. */
  signal?: AbortSignal | undefined;
  /** Where the first byte of the source lies in its file (default 0), so offsets in errors are file offsets. */
  startOffset?: number;
}

/** Only the framing options, for the decoder (which rejects unknown values, not unknown keys). */
export function readerOptionsOf(options: RecordReaderOptions): RecordReaderOptions {
  return {
    ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  };
}

const DONE: IteratorResult<never, void> = Object.freeze({ value: undefined, done: true });
const NO_RECORDS: readonly Uint8Array[] = Object.freeze([]);

/** What a {@link RecordBatchSource} hands over at a time: whole, checked records, in file order. */
export interface RecordBatch {
  /** The next records (valid until the following `next()`, which may reuse the array, not the bytes). */
  records: readonly Uint8Array[];
  /** The error that ends the stream, met after `records` (already named where the source names it). */
  failure?: { e: unknown };
  /** True when no record follows (with or without a failure). */
  done: boolean;
}

/**
 * Batches of records out of one byte source: the part a reader swaps to
 * frame and check records elsewhere (on a worker thread) while the stream
 * around it, with its mapping, aborts and error naming, stays one.
 */
export interface RecordBatchSource {
  /** The next batch; never rejects (a failure is part of the batch). */
  next(): Promise<RecordBatch>;
  /** Releases the source (file, worker); called once, also after a failure or the end. */
  close(): Promise<void>;
}
const noop = (): void => undefined;

/**
 * The records of a byte source as an async iterator that is cheap per record:
 * the records completed by a chunk are handed out from a list, one settled
 * promise each, and only a record that needs the next chunk awaits I/O. (An
 * async generator here costs several promise turns per record, as much as
 * decoding a small Example.) Behaves as an async generator does: calls are
 * served in order even when several are outstanding, an error ends it, and
 * `return()` releases the source.
 */
class RecordStream<T> implements AsyncGenerator<T, void, undefined> {
  readonly #open: () => RecordBatchSource;
  readonly #name: string;
  readonly #options: RecordsOfOptions;
  readonly #map: ((record: Uint8Array) => T) | undefined;
  #source: RecordBatchSource | undefined;
  #out: readonly Uint8Array[] = NO_RECORDS;
  #i = 0;
  #failure: { e: unknown } | undefined;
  #ended = false;
  #closed = false;
  /** Calls still being served in order (0: the fast path may answer at once). */
  #busy = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #index = 0;
  #offset: number;

  constructor(
    open: () => RecordBatchSource,
    name: string,
    options: RecordsOfOptions,
    map: ((record: Uint8Array) => T) | undefined,
  ) {
    this.#open = open;
    this.#name = name;
    this.#options = options;
    this.#map = map;
    this.#offset = options.startOffset ?? 0;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, void>> {
    if (this.#busy === 0) {
      const r = this.#take();
      if (r !== undefined) return r;
    }
    return this.#serial(() => this.#fill());
  }

  return(): Promise<IteratorResult<T, void>> {
    return this.#serial(async () => {
      await this.#close();
      return DONE;
    });
  }

  throw(e: unknown): Promise<IteratorResult<T, void>> {
    return this.#serial(async () => {
      await this.#close();
      throw e;
    });
  }

  /** Runs `step` after every call before it has been served. */
  #serial(step: () => Promise<IteratorResult<T, void>>): Promise<IteratorResult<T, void>> {
    this.#busy++;
    // Counted down before the caller sees the result, so its next call can take the fast path.
    const run = async (): Promise<IteratorResult<T, void>> => {
      try {
        return await step();
      } finally {
        this.#busy--;
      }
    };
    const p = this.#chain.then(run);
    this.#chain = p.then(noop, noop);
    return p;
  }

  /**
   * The answer from what is decoded already, or undefined when the next
   * record needs more bytes. An error closes the source before it rejects.
   */
  #take(): Promise<IteratorResult<T, void>> | undefined {
    if (this.#closed) return Promise.resolve(DONE);
    const { signal } = this.#options;
    if (signal?.aborted === true) return this.#fail(readAbortError(signal, this.#name));
    if (this.#i < this.#out.length) {
      const record = this.#out[this.#i++]!;
      const map = this.#map;
      if (map === undefined) return Promise.resolve({ value: record as T, done: false });
      let value: T;
      try {
        value = map(record);
      } catch (e) {
        return this.#fail(isTFRecordError(e) ? e.atRecord(this.#index, this.#offset) : e);
      }
      this.#index++;
      this.#offset += record.length + RECORD_OVERHEAD;
      return Promise.resolve({ value, done: false });
    }
    if (this.#failure !== undefined) return this.#fail(this.#failure.e);
    if (this.#ended) {
      return this.#close().then(() => DONE);
    }
    return undefined;
  }

  async #fill(): Promise<IteratorResult<T, void>> {
    for (;;) {
      const r = this.#take();
      if (r !== undefined) return r;
      if (this.#source === undefined) {
        try {
          this.#source = this.#open();
        } catch (e) {
          this.#failure = { e };
          continue;
        }
      }
      this.#out = NO_RECORDS;
      this.#i = 0;
      const batch = await this.#source.next();
      this.#out = batch.records;
      if (batch.failure !== undefined) this.#failure = batch.failure;
      else if (batch.done) this.#ended = true;
    }
  }

  #fail(e: unknown): Promise<never> {
    // The byte source names its own errors (fs errors become IO there); an
    // error of `map` that is not a TFRecordError passes through unchanged.
    const named = isTFRecordError(e) ? e.withFile(this.#name) : e;
    return this.#close().then(() => {
      throw named;
    });
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#out = NO_RECORDS;
    this.#i = 0;
    await this.#source?.close().catch(noop);
  }
}

/**
 * The records of decompressed chunks, framed and checked on this thread by
 * the one {@link RecordChunkDecoder}; the next chunk is requested while the
 * records of the current one are handed out, so I/O and decompression
 * overlap with the consumer's work instead of waiting for it.
 */
export class ChunkBatches implements RecordBatchSource {
  readonly #bytes: AsyncGenerator<Uint8Array, void, undefined>;
  readonly #decoder: RecordChunkDecoder;
  readonly #out: Uint8Array[] = [];
  #ahead: Promise<IteratorResult<Uint8Array, void>> | undefined;
  #closed = false;

  constructor(bytes: AsyncGenerator<Uint8Array, void, undefined>, options: RecordsOfOptions) {
    this.#decoder = new RecordChunkDecoder(readerOptionsOf(options), options.startOffset ?? 0);
    this.#bytes = bytes;
  }

  async next(): Promise<RecordBatch> {
    const out = this.#out;
    out.length = 0;
    let chunk: IteratorResult<Uint8Array, void>;
    try {
      const ahead = this.#ahead;
      this.#ahead = undefined;
      chunk = await (ahead ?? this.#bytes.next());
    } catch (e) {
      return { records: out, failure: { e }, done: true };
    }
    const decoder = this.#decoder;
    if (chunk.done === true) {
      const err = decoder.end();
      return err === undefined ? { records: out, done: true } : { records: out, failure: { e: err }, done: true };
    }
    const err = decoder.push(chunk.value, out);
    if (err !== undefined) return { records: out, failure: { e: err }, done: true };
    if (!this.#closed) {
      this.#ahead = this.#bytes.next();
      this.#ahead.catch(noop);
    }
    return { records: out, done: false };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const ahead = this.#ahead;
    this.#ahead = undefined;
    await ahead?.catch(noop);
    await this.#bytes.return(undefined);
  }
}

/**
 * The records of the decompressed chunks `open()` yields (called on the first
 * `next()`, so argument errors surface there, as from a generator), as
 * zero-copy views where a record lies inside one chunk; with `map`, each
 * record passed through it (a decode error then names the record number and
 * the `offset` where the record starts). Errors are TFRecordErrors naming
 * `name`; data errors carry the record's `offset`.
 */
export function recordsOf(
  open: () => AsyncGenerator<Uint8Array, void, undefined>,
  name: string,
  options?: RecordsOfOptions,
): AsyncGenerator<Uint8Array, void, undefined>;
export function recordsOf<T>(
  open: () => AsyncGenerator<Uint8Array, void, undefined>,
  name: string,
  options: RecordsOfOptions,
  map: (record: Uint8Array) => T,
): AsyncGenerator<T, void, undefined>;
export function recordsOf<T>(
  open: () => AsyncGenerator<Uint8Array, void, undefined>,
  name: string,
  options: RecordsOfOptions = {},
  map?: (record: Uint8Array) => T,
): AsyncGenerator<T | Uint8Array, void, undefined> {
  return new RecordStream<T | Uint8Array>(() => new ChunkBatches(open(), options), name, options, map);
}

/**
 * {@link recordsOf} over batches of records that `open()` frames and checks
 * itself (the worker reader): the same stream, the same errors.
 */
export function recordsOfBatches<T>(
  open: () => RecordBatchSource,
  name: string,
  options: RecordsOfOptions,
  map?: (record: Uint8Array) => T,
): AsyncGenerator<T | Uint8Array, void, undefined> {
  return new RecordStream<T | Uint8Array>(open, name, options, map);
}
