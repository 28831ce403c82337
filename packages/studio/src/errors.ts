/**
 * The studio's one error class. Each code maps to the HTTP status the server
 * answers with, so a route throws and the error handler replies.
 */

/** What went wrong, by kind. */
export type StudioErrorCode =
  | 'INVALID_OPTION'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_MEDIA'
  | 'QUEUE_FULL'
  | 'CONFLICT'
  | 'WORKSPACE';

/** HTTP status per code. */
export const STATUS: Readonly<Record<StudioErrorCode, number>> = {
  INVALID_OPTION: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  QUEUE_FULL: 429,
  WORKSPACE: 500,
};

/** Options of {@link StudioError}. */
export interface StudioErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** Workspace-relative path the error is about. */
  path?: string;
}

/** An error of the studio, with a {@link StudioErrorCode} and its HTTP status. */
export class StudioError extends Error {
  override readonly name = 'StudioError';
  readonly code: StudioErrorCode;
  /** The HTTP status this error is answered with. */
  readonly status: number;
  readonly path: string | undefined;

  constructor(code: StudioErrorCode, message: string, options: StudioErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = STATUS[code];
    this.path = options.path;
  }
}

/** True for a {@link StudioError}. */
export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError;
}
