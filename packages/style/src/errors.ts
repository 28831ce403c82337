/**
 * The one error class of `@pastiche/style`, with a stable code per failure kind.
 */

/** Stable machine-readable error codes. */
export type StyleErrorCode =
  /** An option value is missing, of the wrong type or out of range. */
  | 'INVALID_OPTION'
  /** An image file is missing, unreadable, of an unsupported format or too small. */
  | 'IMAGE'
  /** Weights are missing, malformed, of the wrong shape, or failed verification. */
  | 'WEIGHTS'
  /** No weights could be found and none could be downloaded. */
  | 'WEIGHTS_MISSING'
  /** A download failed. */
  | 'DOWNLOAD'
  /** The graph could not be built or onnxruntime failed to run it. */
  | 'RUNTIME'
  /** The run was aborted through an AbortSignal. */
  | 'ABORTED';

/** Options for {@link StyleError}. */
export interface StyleErrorOptions {
  /** File at fault, if any. */
  file?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Error thrown by every API of `@pastiche/style`. */
export class StyleError extends Error {
  override readonly name = 'StyleError';
  /** Stable code; see {@link StyleErrorCode}. */
  readonly code: StyleErrorCode;
  /** File at fault, if known. */
  readonly file: string | undefined;

  constructor(code: StyleErrorCode, message: string, options: StyleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}

/** True if `e` is a {@link StyleError} (optionally with the given code). */
export function isStyleError(e: unknown, code?: StyleErrorCode): e is StyleError {
  return e instanceof StyleError && (code === undefined || e.code === code);
}
