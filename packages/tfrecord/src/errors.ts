/**
 * The one error class of `@pastiche/tfrecord`. Every failure the package reports
 * is a {@link TFRecordError} with a stable {@link TFRecordErrorCode}; data errors
 * also carry the byte `offset` (from the start of the uncompressed record stream)
 * of the record at fault, and file-level errors the `file` path.
 */

/** Stable machine-readable error codes. */
export type TFRecordErrorCode =
  /** The stream ended inside a record's header, body or footer. */
  | 'TRUNCATED_RECORD'
  /** The masked CRC32C of the 8 length bytes does not match. */
  | 'CORRUPTED_LENGTH'
  /** The masked CRC32C of the record body does not match. */
  | 'CORRUPTED_DATA'
  /** The length field exceeds the configured maximum record size. */
  | 'RECORD_TOO_LARGE'
  /** The bytes are not a valid protobuf message of the expected type. */
  | 'INVALID_PROTO'
  /** A compressed stream could not be decompressed. */
  | 'COMPRESSION'
  /** A value given to an API is out of range or of the wrong type. */
  | 'INVALID_ARGUMENT'
  /** A parse spec does not match a record (wrong kind, wrong count, missing). */
  | 'PARSE'
  /** A file could not be opened, read or written. */
  | 'IO'
  /** The operation was aborted through an AbortSignal. */
  | 'ABORTED'
  /** Another live process holds the output's lock file (see `acquireLock` in the Node entry). */
  | 'LOCKED';

/** Options for {@link TFRecordError}. */
export interface TFRecordErrorOptions {
  /** Byte offset of the record at fault, from the start of the (uncompressed) stream. */
  offset?: number;
  /** Path or name of the file at fault. */
  file?: string;
  /** Zero-based record number, where known. */
  record?: number;
  /** The underlying error, if this one wraps another. */
  cause?: unknown;
}

/** Error thrown by every API of `@pastiche/tfrecord`. */
export class TFRecordError extends Error {
  override readonly name = 'TFRecordError';
  /** Stable code; see {@link TFRecordErrorCode}. */
  readonly code: TFRecordErrorCode;
  /** Byte offset of the record at fault in the uncompressed stream, if known. */
  readonly offset: number | undefined;
  /** File at fault, if known. */
  readonly file: string | undefined;
  /** Zero-based record number at fault, if known. */
  readonly record: number | undefined;

  constructor(code: TFRecordErrorCode, message: string, options: TFRecordErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.offset = options.offset;
    this.file = options.file;
    this.record = options.record;
  }

  /** A copy of this error that also names `file`, with the file prepended to the message. */
  withFile(file: string): TFRecordError {
    if (this.file !== undefined) return this;
    const e = new TFRecordError(this.code, `${file}: ${this.message}`, {
      file,
      ...(this.offset === undefined ? {} : { offset: this.offset }),
      ...(this.record === undefined ? {} : { record: this.record }),
      ...(this.cause === undefined ? {} : { cause: this.cause }),
    });
    if (this.stack !== undefined) e.stack = this.stack.replace(this.message, e.message);
    return e;
  }
}

/** True if `e` is a {@link TFRecordError} (optionally with the given code). */
export function isTFRecordError(e: unknown, code?: TFRecordErrorCode): e is TFRecordError {
  return e instanceof TFRecordError && (code === undefined || e.code === code);
}
