/**
 * The one error class of `@pastiche/cli`. A {@link CliError} carries the process
 * exit code; `main` prints its message as `pastiche: <message>` (no stack trace
 * unless PASTICHE_DEBUG=1) and returns the code.
 */

/** Process exit codes of the `pastiche` command. */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** Bad data: a corrupt or truncated file, a failed check, an I/O failure. */
  DATA: 1,
  /** Bad usage: unknown command or option, invalid option value, missing argument. */
  USAGE: 2,
  /** Interrupted by SIGINT, SIGTERM or SIGHUP (one code for all three, as shells report 128 + 2 for SIGINT). */
  INTERRUPTED: 130,
} as const;

/** After the first interrupting signal, how long a command may take to stop on its own before it is ended, ms. */
export const INTERRUPT_GRACE_MS = 5000;

/** One of the {@link ExitCode} values (or any other integer a command chooses). */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Options for {@link CliError}. */
export interface CliErrorOptions {
  /** Exit code to return; default {@link ExitCode.DATA}. */
  exitCode?: number;
  /** Help hint appended on its own line, e.g. `See 'pastiche tfrecord cat --help'.` */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** An error meant for the user: its message is printed as is, and `exitCode` returned. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** Process exit code (default 1: data error). */
  readonly exitCode: number;
  /** Optional second line printed after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? ExitCode.DATA;
    this.hint = options.hint;
  }
}

/** A usage error (exit code 2), optionally with a hint pointing at `--help`. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, { exitCode: ExitCode.USAGE, ...(hint === undefined ? {} : { hint }) });
}

/** True if `e` is a {@link CliError}. */
export function isCliError(e: unknown): e is CliError {
  return e instanceof CliError;
}

/**
 * Thrown by an output when its reader has gone away (EPIPE, e.g. `| head`).
 * `main` treats it as a quiet, successful end.
 */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  constructor(cause?: unknown) {
    super('output closed', cause === undefined ? undefined : { cause });
  }
}
