/** Counting what a tolerant reader skipped, instead of failing. */
import { type TFRecordError, isTFRecordError } from '../errors.js';

/** What was skipped: one record, or the rest of a stream (file) after an error it cannot resync from. */
export type SkipKind = 'record' | 'rest';

/** One skip, as reported to {@link SkipCounterOptions.onSkip}. */
export interface SkipEvent {
  kind: SkipKind;
  /** The error that caused the skip (a TFRecordError where the package raised it). */
  error: unknown;
}

/** Options for {@link SkipCounter}. */
export interface SkipCounterOptions {
  /** Called synchronously for every skip. */
  onSkip?: (event: SkipEvent) => void;
  /** How many errors to keep in {@link SkipCounter.errors} (default 100). */
  keepErrors?: number;
}

/**
 * Counts records and stream tails skipped by tolerant reading
 * (`skipCorrupt` on file sources, {@link Dataset.ignoreErrors}). Share one
 * counter across sources to get a total; read it during or after iteration.
 */
export class SkipCounter {
  /** Records skipped one at a time (bad data checksum, or an element error). */
  records = 0;
  /** Streams (files) ended early: bad length checksum, truncation, oversize length, I/O error. */
  streams = 0;
  /** The first `keepErrors` errors, in order. */
  readonly errors: unknown[] = [];
  private readonly onSkip: ((event: SkipEvent) => void) | undefined;
  private readonly keep: number;

  constructor(options: SkipCounterOptions = {}) {
    this.onSkip = options.onSkip;
    this.keep = options.keepErrors ?? 100;
  }

  /** Every skip counted so far. */
  get total(): number {
    return this.records + this.streams;
  }

  /** Records one skip. */
  add(kind: SkipKind, error: unknown): void {
    if (kind === 'record') this.records++;
    else this.streams++;
    if (this.errors.length < this.keep) this.errors.push(error);
    this.onSkip?.({ kind, error });
  }
}

/**
 * The errors tolerant reading skips by default: data errors of a record stream
 * (TRUNCATED_RECORD, CORRUPTED_LENGTH, CORRUPTED_DATA, RECORD_TOO_LARGE,
 * INVALID_PROTO, COMPRESSION, PARSE). ABORTED, IO and INVALID_ARGUMENT are never skipped by default.
 */
export function isDataError(e: unknown): e is TFRecordError {
  return (
    isTFRecordError(e) &&
    (e.code === 'TRUNCATED_RECORD' ||
      e.code === 'CORRUPTED_LENGTH' ||
      e.code === 'CORRUPTED_DATA' ||
      e.code === 'RECORD_TOO_LARGE' ||
      e.code === 'INVALID_PROTO' ||
      e.code === 'COMPRESSION' ||
      e.code === 'PARSE')
  );
}
