/**
 * Writing TensorBoard event files on Node. A file is named as TensorBoard's own
 * writer names it, `events.out.tfevents.<seconds, 10 digits>.<host>.<pid>.<n><suffix>`,
 * created exclusively ('wx': an existing file is never touched) in the log
 * directory (made if missing), and starts with `file_version: "brain.Event:2"`.
 * It is an append-only log that TensorBoard reads while it grows, so records are
 * appended in place rather than written to a temporary name: queued events go
 * out every `flushSecs` seconds, when 1 MiB is pending, on flush() and on close().
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TFRecordError, isTFRecordError } from '../errors.js';
import { describe } from '../framing/options.js';
import { encodeRecord } from '../framing/encode.js';
import {
  fileVersionEvent,
  histogramValue,
  imageValue,
  scalarValue,
  summaryEvent,
  textValue,
  type SummaryForm,
} from '../events/build.js';
import { encodeEvent } from '../events/encode.js';
import type { Event } from '../events/types.js';

/** Options for {@link EventFileWriter.open}. */
export interface EventFileWriterOptions {
  /** Seconds between background flushes; default 2 (TensorBoard's and PyTorch's writers default to 120). */
  flushSecs?: number;
  /** Appended to the file name (e.g. ".v2"); default "". */
  filenameSuffix?: string;
  /** Layout of the summaries the add* methods write; default 'tf1' (see events/build.ts). */
  form?: SummaryForm;
}

/** Pending bytes that trigger a write before the timer does: 1 MiB. */
const FLUSH_BYTES = 1024 * 1024;
/** Per-process file counter, as TensorBoard's `_global_uid`. */
let fileCounter = 0;

function ioError(e: unknown, file: string, what: string): TFRecordError {
  if (isTFRecordError(e)) return e.withFile(file);
  const message = e instanceof Error ? e.message : String(e);
  return new TFRecordError('IO', `${file}: ${what}: ${message}`, { file, cause: e });
}

function checkOptions(options: unknown): Required<EventFileWriterOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected object for options but received ${describe(options)}`);
  }
  const { flushSecs = 2, filenameSuffix = '', form = 'tf1' } = options as EventFileWriterOptions;
  if (typeof flushSecs !== 'number' || !(flushSecs > 0 && flushSecs <= 86400)) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected number of seconds above 0 and at most 86400 for flushSecs but received ${describe(flushSecs)}`,
    );
  }
  if (typeof filenameSuffix !== 'string' || /[/\\]/.test(filenameSuffix)) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected string without path separators for filenameSuffix but received ${describe(filenameSuffix)}`,
    );
  }
  if (form !== 'tf1' && form !== 'tf2') {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected 'tf1' or 'tf2' for form but received ${describe(form)}`);
  }
  return { flushSecs, filenameSuffix, form };
}

/**
 * Appends TensorBoard events to a new event file. The add* calls only queue
 * (they throw at once on a bad argument, or with the error of a failed earlier
 * write); writes happen in call order in the background. Always close() it.
 */
export class EventFileWriter {
  /** Path of the event file: `logdir` joined with its name. */
  readonly path: string;
  /** Events queued or written so far, the first record included. */
  eventsWritten = 1;

  private readonly fh: FileHandle;
  private readonly form: SummaryForm;
  private readonly timer: ReturnType<typeof setInterval>;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: TFRecordError | undefined;
  private closed: Promise<void> | undefined;

  private constructor(path: string, fh: FileHandle, options: Required<EventFileWriterOptions>) {
    this.path = path;
    this.fh = fh;
    this.form = options.form;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), options.flushSecs * 1000);
    // A running timer must not keep a finished program alive.
    this.timer.unref();
  }

  /**
   * Creates `logdir` if needed and a new event file in it, and writes its first
   * record (`file_version` "brain.Event:2", wall time now) before resolving.
   * @throws TFRecordError INVALID_ARGUMENT for bad options, IO when the file cannot be created.
   */
  static async open(logdir: string, options: EventFileWriterOptions = {}): Promise<EventFileWriter> {
    if (typeof logdir !== 'string' || logdir === '') {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `Expected non-empty string for logdir but received ${describe(logdir)}`,
      );
    }
    const o = checkOptions(options);
    try {
      await mkdir(logdir, { recursive: true });
    } catch (e) {
      throw ioError(e, logdir, 'cannot create log directory');
    }
    const now = Date.now() / 1000;
    const seconds = String(Math.floor(now)).padStart(10, '0');
    for (;;) {
      const name = `events.out.tfevents.${seconds}.${hostname()}.${process.pid}.${fileCounter++}${o.filenameSuffix}`;
      const path = join(logdir, name);
      let fh: FileHandle;
      try {
        fh = await open(path, 'wx');
      } catch (e) {
        // Another writer took this name (same second, pid and counter, e.g. a forked process): next number.
        if ((e as { code?: unknown }).code === 'EEXIST') continue;
        throw ioError(e, path, 'cannot create event file');
      }
      const w = new EventFileWriter(path, fh, o);
      w.enqueue(fileVersionEvent({ wallTime: now }));
      await w.flush().catch(async (e: unknown) => {
        await w.close().catch(() => undefined);
        throw e;
      });
      return w;
    }
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed !== undefined) {
      throw new TFRecordError('IO', `${this.path}: EventFileWriter is closed`, { file: this.path });
    }
  }

  private enqueue(event: Event): void {
    const framed = encodeRecord(encodeEvent(event));
    this.pending.push(framed);
    this.pendingBytes += framed.length;
    if (this.pendingBytes >= FLUSH_BYTES) void this.flush().catch(() => undefined);
  }

  /** Queues any Event (its `wallTime` and `step` as given). */
  addEvent(event: Event): void {
    this.check();
    this.enqueue(event);
    this.eventsWritten++;
  }

  /** Queues a scalar at `step` (default 0) and `wallTime` (seconds, default now). */
  addScalar(tag: string, value: number, step?: number | bigint, wallTime?: number): void {
    this.check();
    this.addEvent(summaryEvent(scalarValue(tag, value, { form: this.form }), time(step, wallTime)));
  }

  /** Queues a PNG image (size and colorspace read from its IHDR chunk). */
  addImage(tag: string, png: Uint8Array, step?: number | bigint, wallTime?: number): void {
    this.check();
    this.addEvent(summaryEvent(imageValue(tag, png, { form: this.form }), time(step, wallTime)));
  }

  /** Queues a histogram of `values` (TensorBoard's default buckets in 'tf1' form, 30 equal buckets in 'tf2'). */
  addHistogram(tag: string, values: ArrayLike<number>, step?: number | bigint, wallTime?: number): void {
    this.check();
    this.addEvent(summaryEvent(histogramValue(tag, values, { form: this.form }), time(step, wallTime)));
  }

  /** Queues a text (Markdown) summary. */
  addText(tag: string, text: string, step?: number | bigint, wallTime?: number): void {
    this.check();
    this.addEvent(summaryEvent(textValue(tag, text, { form: this.form }), time(step, wallTime)));
  }

  /** Writes every queued event to the file; resolves when they are written. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.length > 0) {
      const bytes = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.chain = this.chain.then(async () => {
        if (this.failure !== undefined) return;
        try {
          // A write may take fewer bytes than given; the rest follows at the new position.
          for (let off = 0; off < bytes.length; ) {
            const { bytesWritten } = await this.fh.write(bytes, off, bytes.length - off);
            if (bytesWritten <= 0) throw new Error(`write took no bytes at ${off} of ${bytes.length}`);
            off += bytesWritten;
          }
        } catch (e) {
          this.failure = ioError(e, this.path, 'cannot write event file');
        }
      });
    }
    return this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
    });
  }

  /** Writes what is queued and closes the file. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      clearInterval(this.timer);
      try {
        await this.flush();
      } finally {
        await this.fh.close().catch(() => undefined);
      }
    })();
    return this.closed;
  }
}

function time(
  step: number | bigint | undefined,
  wallTime: number | undefined,
): { step?: number | bigint; wallTime?: number } {
  return { ...(step === undefined ? {} : { step }), ...(wallTime === undefined ? {} : { wallTime }) };
}
