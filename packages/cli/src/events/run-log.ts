/**
 * `--logdir` of the stylize commands: the style package's RunLog (loss terms
 * per iteration as TensorBoard scalars, PNG images) with the CLI's rule for a
 * log that fails: the user asked for it, so a log that cannot be created stops
 * the command before any work, and one that stopped during the run makes the
 * command fail (exit 1) once its output is written, naming the event file.
 */
import type { RunLog } from '@pastiche/style';
import { CliError } from '../errors.js';

/**
 * Creates the event file in `logdir` (made if missing).
 * @throws CliError with the reason (naming the folder or file) when it cannot be created.
 */
export async function openRunLog(logdir: string): Promise<RunLog> {
  const { RunLog } = await import('@pastiche/style');
  const log = await RunLog.open(logdir);
  if (log.failure !== undefined) throw new CliError(log.failure);
  return log;
}

/**
 * Writes out and closes the log (undefined: no `--logdir`). Resolves with the
 * error to report when the log stopped during the run, else undefined; never rejects.
 */
export async function closeRunLog(log: RunLog | undefined): Promise<CliError | undefined> {
  const failure = await log?.close();
  if (failure === undefined) return undefined;
  return new CliError(`--logdir: the TensorBoard log ${log?.path ?? ''} stopped: ${failure}`);
}
