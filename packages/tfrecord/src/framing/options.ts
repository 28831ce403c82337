/** Validation of framing options, with the package's one message shape. */
import { TFRecordError } from '../errors.js';

/** Options for reading records. */
export interface RecordReaderOptions {
  /** Verify the masked CRC32C of each length and body (default true). */
  verifyChecksums?: boolean;
  /**
   * Largest record body accepted, in bytes (default 1 GiB). A larger length
   * field is RECORD_TOO_LARGE before any allocation, so a corrupt length cannot
   * exhaust memory.
   */
  maxRecordBytes?: number;
}

/** Default {@link RecordReaderOptions.maxRecordBytes}: 1 GiB. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024 * 1024;

/** Fully resolved reader options. */
export interface ResolvedReaderOptions {
  verifyChecksums: boolean;
  maxRecordBytes: number;
}

/** Describes a received value for error messages: `-1 of type number`. */
export function describe(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'bigint') shown = `${value}n`;
  else if (typeof value === 'object' && value !== null) shown = Object.prototype.toString.call(value);
  else shown = String(value);
  return `${shown} of type ${value === null ? 'null' : typeof value}`;
}

/** Checks the options once at the public boundary and fills in defaults. */
export function resolveReaderOptions(options: RecordReaderOptions | undefined): ResolvedReaderOptions {
  if (options === undefined) return { verifyChecksums: true, maxRecordBytes: DEFAULT_MAX_RECORD_BYTES };
  if (typeof options !== 'object' || options === null) {
    throw new TFRecordError('INVALID_ARGUMENT', `Expected object for options but received ${describe(options)}`);
  }
  const { verifyChecksums = true, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES } = options;
  if (typeof verifyChecksums !== 'boolean') {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected boolean for verifyChecksums but received ${describe(verifyChecksums)}`,
    );
  }
  if (typeof maxRecordBytes !== 'number' || !Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 0) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `Expected integer between 0 and ${Number.MAX_SAFE_INTEGER} for maxRecordBytes but received ${describe(maxRecordBytes)}`,
    );
  }
  return { verifyChecksums, maxRecordBytes };
}
