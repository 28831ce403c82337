/**
 * What the tfrecord commands share: record kinds and their detection (one
 * default, `auto`), reading a file's records (or standard input's, for `-`)
 * with errors that name the file, and file facts (size, compression) for
 * summaries.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  ProtoReader,
  decodeEvent,
  decodeExample,
  decodeSequenceExample,
  decompress,
  detectCompression,
  eventToJSONLine,
  isEventFileName,
  isEventRecord,
  isTFRecordError,
  openRecordStream,
  readRecords,
} from '@pastiche/tfrecord/node';
import type { Compression } from '@pastiche/tfrecord/node';
import { CliError, ExitCode } from '../errors.js';
import { plural } from '../format.js';
import { exampleText, rawText, sequenceExampleText } from './canonical.js';

/** How a record's bytes are interpreted: `event` is a TensorBoard `tensorflow.Event`. */
export type RecordKind = 'example' | 'sequence' | 'raw' | 'event';

/**
 * Values of `--kind` for commands that read records. `auto` (the default of
 * cat, head, inspect and verify) reads a TensorBoard event file (first record
 * a `file_version: "brain.Event:..."` Event, or a file name containing
 * "tfevents" whose first record decodes as an Event) as events, a file as raw
 * bytes when its first record is no protobuf message of either Example shape,
 * and otherwise each record as a SequenceExample when it carries feature_lists
 * (field 2), else as an Example, so no field is ever left out.
 */
export const KIND_CHOICES = ['example', 'sequence', 'raw', 'event', 'auto'] as const;

/** A `--kind` value. */
export type KindChoice = (typeof KIND_CHOICES)[number];

/** Help text of `--kind` for the reading commands. */
export const KIND_HELP = 'Record kind: example, sequence, raw, event (TensorBoard), or auto (detected)';

/**
 * True if `record`, a protobuf message, carries field 2 as a message at the
 * top level: a SequenceExample's feature_lists, which an Example does not have.
 */
export function hasFeatureLists(record: Uint8Array): boolean {
  try {
    const r = new ProtoReader(record);
    while (!r.done()) {
      const tag = r.uint32();
      if (tag >>> 3 === 2 && (tag & 7) === 2) return true;
      r.skip(tag & 7, tag >>> 3);
    }
  } catch {
    // Not a protobuf message: the decoder reports it.
  }
  return false;
}

/**
 * The kind of each record of one file under a `--kind` choice. With an
 * explicit `example`, records carrying feature_lists are still read as
 * Examples (as asked) but counted in {@link hidden}, so the command can say
 * what the Example view leaves out instead of dropping it silently.
 */
export class RecordKinds {
  private readonly choice: KindChoice;
  private fileKind: RecordKind | undefined;
  /** Records read as Examples although they carry SequenceExample feature_lists (explicit `--kind example`). */
  hidden = 0;
  /** Index of the first such record, if any. */
  firstHidden: number | undefined;
  private index = 0;
  private readonly eventName: boolean;

  /** `path` (optional) lets `auto` take a file named like a TensorBoard event file for one. */
  constructor(choice: KindChoice, path?: string) {
    this.choice = choice;
    this.eventName = path !== undefined && isEventFileName(basename(path));
  }

  /** The kind to read `record` as (records in file order). */
  of(record: Uint8Array): RecordKind {
    const i = this.index++;
    if (this.choice === 'auto') {
      this.fileKind ??= detectFileKind(record, this.eventName);
      if (this.fileKind === 'raw' || this.fileKind === 'event') return this.fileKind;
      return hasFeatureLists(record) ? 'sequence' : 'example';
    }
    if (this.choice === 'example' && hasFeatureLists(record)) {
      if (this.hidden++ === 0) this.firstHidden = i;
    }
    return this.choice;
  }

  /** The warning for records read as Examples that carry feature_lists, or undefined when none did. */
  warning(path: string): string | undefined {
    if (this.hidden === 0) return undefined;
    return (
      `${path}: ${plural(this.hidden, 'record')} (the first is record ${this.firstHidden!}) ` +
      `carry SequenceExample feature_lists, which --kind example leaves out (use --kind auto or --kind sequence)`
    );
  }
}

/**
 * Guesses the kind of a record: a SequenceExample has field 2 (feature_lists)
 * at the top level, an Example only field 1; bytes that are not a protobuf
 * message of either shape are raw. Both messages share field 1, so an empty
 * SequenceExample reads as an Example; that is harmless for display.
 */
export function detectKind(record: Uint8Array): RecordKind {
  try {
    const r = new ProtoReader(record);
    let sawSequence = false;
    while (!r.done()) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if ((field === 1 || field === 2) && wire !== 2) return 'raw';
      if (field === 2) sawSequence = true;
      r.skip(wire, field);
    }
    if (sawSequence) {
      decodeSequenceExample(record);
      return 'sequence';
    }
    decodeExample(record);
    return 'example';
  } catch {
    return 'raw';
  }
}

/**
 * The kind of a file from its first record: `event` when it is TensorBoard's
 * opening `file_version` Event, or when the file is named like an event file
 * (`named`) and the record decodes as an Event; else {@link detectKind}.
 */
export function detectFileKind(first: Uint8Array, named = false): RecordKind {
  if (isEventRecord(first)) return 'event';
  if (named) {
    try {
      decodeEvent(first);
      return 'event';
    } catch {
      // Not an Event after all: read it as the bytes say.
    }
  }
  return detectKind(first);
}

/** The canonical JSON line (without newline) of `record` read as `kind`. */
export function recordText(kind: RecordKind, record: Uint8Array): string {
  switch (kind) {
    case 'example':
      return exampleText(decodeExample(record));
    case 'sequence':
      return sequenceExampleText(decodeSequenceExample(record));
    case 'raw':
      return rawText(record);
    case 'event':
      return eventToJSONLine(decodeEvent(record));
  }
}

/** Facts about a file on disk. */
export interface FileFacts {
  /** Size on disk in bytes. */
  size: number;
  /** Compression detected from the first bytes. */
  compression: Compression;
}

/** Names that mean standard input: `-`, and `/dev/stdin` (which may be a pipe that cannot be reopened). */
export function isStdin(path: string): boolean {
  return path === '-' || path === '/dev/stdin' || path === '/dev/fd/0' || path === '/proc/self/fd/0';
}

/** How standard input is named in messages. */
export const STDIN_NAME = '<stdin>';

/** `path` as messages show it (`<stdin>` for `-`). */
export function displayName(path: string): string {
  return isStdin(path) ? STDIN_NAME : path;
}

/**
 * Size and compression of `path`; a missing or unreadable file is a CliError
 * naming it. Standard input is not peeked at: its size is unknown (NaN) and
 * its compression reported as 'none' (it is detected while reading).
 */
export async function fileFacts(path: string): Promise<FileFacts> {
  if (isStdin(path)) return { size: Number.NaN, compression: 'none' };
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new CliError(`${path}: is a directory, not a file`);
    const fh = await open(path, 'r');
    try {
      const head = new Uint8Array(16);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return { size: s.size, compression: detectCompression(head.subarray(0, bytesRead)) };
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fileError(e, path);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'not a directory',
};

/** Turns any error met while reading `path` into one whose message starts with the path. */
export function fileError(e: unknown, path: string): unknown {
  if (e instanceof CliError) return e;
  if (isTFRecordError(e)) {
    const errno = (e.cause as { code?: unknown } | undefined)?.code;
    if (typeof errno === 'string' && ERRNO_TEXT[errno] !== undefined) {
      return new CliError(`${path}: ${ERRNO_TEXT[errno]}`, { cause: e });
    }
    const named = e.file === undefined && !e.message.startsWith(`${path}: `) ? e.withFile(path) : e;
    // A bad first header usually means the file is not a TFRecord file at all.
    if (
      e.offset === 0 &&
      (e.code === 'CORRUPTED_LENGTH' || e.code === 'RECORD_TOO_LARGE' || e.code === 'TRUNCATED_RECORD')
    ) {
      return new CliError(`${named.message} (is this a TFRecord file?)`, { cause: named });
    }
    return named;
  }
  const errno = (e as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && ERRNO_TEXT[errno] !== undefined) {
    return new CliError(`${path}: ${ERRNO_TEXT[errno]}`, { cause: e });
  }
  return e;
}

/** Options for {@link readFileRecords}. */
export interface ReadFileOptions {
  /** Verify CRCs (default true). */
  verifyChecksums?: boolean;
  /** Aborts reading. */
  signal?: AbortSignal;
  /** Standard input, for `-` and `/dev/stdin`; default process.stdin. */
  stdin?: AsyncIterable<Uint8Array>;
  /** Called with the count of (compressed) bytes read from standard input so far. */
  onStdinBytes?: (bytes: number) => void;
  /**
   * Frame and check a file on a worker thread (see `worker` of the library's
   * FileReadOptions); default false. Standard input is always read here.
   */
  worker?: boolean;
}

/**
 * The read worker choice of the commands that read whole files (verify,
 * cat): PASTICHE_READ_WORKER=1 reads each file on a worker thread, anything
 * else (default) on this one: whole verify runs of 134 MB and 232 MB files
 * measured the same either way (the thread's start-up eats what it saves).
 */
export function readWorkerChoice(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env['PASTICHE_READ_WORKER'];
  return v === '1';
}

/**
 * `it` whose `next()` rejects with the signal's reason as soon as `signal`
 * fires, even while it waits for bytes that may never come (an idle pipe).
 */
function abortable<T>(it: AsyncIterator<T>, signal: AbortSignal | undefined): AsyncIterator<T> {
  if (signal === undefined) return it;
  return {
    return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    next: () => {
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        it.next().then(
          (r) => {
            signal.removeEventListener('abort', onAbort);
            resolve(r);
          },
          (e: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
          },
        );
      });
    },
  };
}

/** Bytes looked at to detect the compression of standard input. */
const DETECT_BYTES = 16;

/**
 * The records of a chunked stream whose compression is detected from its
 * first bytes (gzip, zlib or none), with the portable decoder: standard input
 * cannot be reopened or read at an offset, as the file reader does.
 */
async function* streamRecords(
  chunks: AsyncIterable<Uint8Array>,
  verifyChecksums: boolean,
  onBytes: ((bytes: number) => void) | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const it = abortable(chunks[Symbol.asyncIterator](), signal);
  try {
    const head: Uint8Array[] = [];
    let seen = 0;
    let ended = false;
    while (seen < DETECT_BYTES) {
      const r = await it.next();
      if (r.done === true) {
        ended = true;
        break;
      }
      head.push(r.value);
      seen += r.value.length;
    }
    const first = new Uint8Array(Math.min(seen, DETECT_BYTES));
    let at = 0;
    for (const c of head) {
      if (at >= first.length) break;
      const part = c.subarray(0, first.length - at);
      first.set(part, at);
      at += part.length;
    }
    const compression = detectCompression(first);
    let total = 0;
    async function* replay(): AsyncGenerator<Uint8Array, void, undefined> {
      for (const c of head) {
        total += c.length;
        onBytes?.(total);
        yield c;
      }
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done === true) return;
        total += r.value.length;
        onBytes?.(total);
        yield r.value;
      }
    }
    const bytes = compression === 'none' ? replay() : decompress(replay(), compression);
    yield* readRecords(bytes, { verifyChecksums });
  } finally {
    // Stopping early (`cat - --limit 1`, an error, a signal) lets go of standard input, so the
    // process can end. Not awaited: an async iterator queues return() behind a pending next(),
    // which on an idle pipe never settles; destroying the stream ends that read.
    void it.return?.()?.catch(() => undefined);
    (chunks as { destroy?: () => void }).destroy?.();
  }
}

/**
 * The records of `path` (compression detected), with every error naming the
 * file: a corrupt record is reported with its byte offset and kind of problem.
 */
export async function* readFileRecords(
  path: string,
  options: ReadFileOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    if (isStdin(path)) {
      const stdin = options.stdin ?? (process.stdin as AsyncIterable<Uint8Array>);
      yield* streamRecords(stdin, options.verifyChecksums ?? true, options.onStdinBytes, options.signal);
      return;
    }
    yield* openRecordStream(path, {
      compression: 'auto',
      verifyChecksums: options.verifyChecksums ?? true,
      worker: options.worker ?? false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (e) {
    throw readError(e, path, options.signal);
  }
}

/**
 * The error to report for `e`, met while reading `path`: the interruption when
 * `signal` was aborted (its reason, or exit 130), else {@link fileError}.
 */
export function readError(e: unknown, path: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted === true) {
    const reason: unknown = signal.reason;
    return reason instanceof CliError
      ? reason
      : new CliError('interrupted', { exitCode: ExitCode.INTERRUPTED, cause: e });
  }
  return fileError(e, displayName(path));
}

/** Decodes `record` as `kind`, turning a decode error into one naming the file and record number. */
export function recordLine(kind: RecordKind, record: Uint8Array, path: string, index: number): string {
  try {
    return recordText(kind, record);
  } catch (e) {
    throw recordError(e, kind, path, index);
  }
}

/**
 * Checks that `record` decodes as `kind`, failing as {@link recordLine} does,
 * without rendering it: `verify` needs no text, and rendering an Example
 * (floats as Python prints them, bytes as base64) cost several times the
 * decoding. Events are rendered, as their text form is part of the check.
 */
export function checkRecord(kind: RecordKind, record: Uint8Array, path: string, index: number): void {
  if (kind !== 'example' && kind !== 'sequence') {
    recordLine(kind, record, path, index);
    return;
  }
  try {
    if (kind === 'example') decodeExample(record);
    else decodeSequenceExample(record);
  } catch (e) {
    throw recordError(e, kind, path, index);
  }
}

function recordError(e: unknown, kind: RecordKind, path: string, index: number): unknown {
  if (!isTFRecordError(e)) return e;
  const what = kind === 'sequence' ? 'SequenceExample' : kind === 'event' ? 'Event' : 'Example';
  return new CliError(`${path}: record ${index} is not a valid ${what}: ${e.message} (try --kind raw or --kind auto)`, {
    cause: e,
  });
}
