/**
 * TensorBoard log directories: finding the event files under a logdir and
 * grouping them into runs the way TensorBoard does (the folder holding event
 * files is the run, named by its path relative to the logdir, `.` for the
 * logdir itself), and reading every scalar of a run.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, sep } from 'node:path';
import { ScalarExtractor, decodeEvent, isTFRecordError, walkLogdir } from '@pastiche/tfrecord/node';
import type { ScalarPoint } from '@pastiche/tfrecord/node';
import { CliError } from '../errors.js';
import { readFileRecords } from '../tfrecord/records.js';

/** One run: its name and its event files in the order TensorBoard reads them (by file name). */
export interface Run {
  /** Run name: the folder relative to its logdir with `/` separators, `.` for the logdir itself. */
  name: string;
  /** Paths of the run's event files, sorted by file name (which starts with the creation time). */
  files: string[];
  /** Those of `files` found by walking a directory (not named on the command line). */
  walked: Set<string>;
}

/**
 * The runs of the given log directories or event files, sorted by name. A
 * directory is walked recursively; a file given directly is a run of its own
 * folder (named as written, `.` for the current folder). With several
 * arguments, each run name is prefixed by the argument it was found under
 * (`logs1/a`), so runs of different logdirs never merge.
 * @throws CliError naming a path that does not exist, or a logdir holding no event file.
 */
export async function findRuns(paths: readonly string[]): Promise<Run[]> {
  const runs = new Map<string, string[]>();
  const walked = new Set<string>();
  const add = (name: string, file: string): void => {
    let files = runs.get(name);
    if (files === undefined) runs.set(name, (files = []));
    files.push(file);
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new CliError(`${path}: ${code === 'ENOENT' ? 'no such file or directory' : String(e)}`, { cause: e });
    }
    // Not confined: runs may be reached through links, as TensorBoard follows them; a folder the walk cannot list is the user's to fix.
    const found = await walkLogdir(path, {
      onUnreadable: (_folder, e) => {
        throw e;
      },
    });
    if (!isDir) {
      const d = dirname(path);
      add(paths.length > 1 || d !== '.' ? d.split(sep).join('/') : '.', found[0]!.files[0]!);
      continue;
    }
    if (found.length === 0) throw new CliError(`${path}: no event files (names containing "tfevents") found`);
    const prefix = paths.length > 1 ? path.replace(/[/\\]+$/, '') : '';
    for (const run of found) {
      const name = prefix === '' ? run.name : run.name === '.' ? prefix : `${prefix}/${run.name}`;
      for (const f of run.files) {
        walked.add(f);
        add(name, f);
      }
    }
  }
  return [...runs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, files]) => ({
      name,
      walked,
      files: files.sort((a, b) => {
        const x = basename(a);
        const y = basename(b);
        return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
      }),
    }));
}

/** The TFRecordError behind an error of {@link readFileRecords}, if any. */
function tfrecordCause(e: unknown): { code: string; offset?: number | undefined } | undefined {
  if (isTFRecordError(e)) return e;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return isTFRecordError(cause) ? cause : undefined;
}

/**
 * Every scalar of one run (both TF1 `simple_value` and TF2 scalar tensors), in
 * file and record order; one extractor per run, since a tag's plugin may be
 * named on its first value only. As TensorBoard does, a file found by walking
 * that is no TFRecord file at all is skipped (with `warn`), and a file that
 * ends inside a record (still being written) is read up to that record.
 * @throws CliError naming the file and record of an Event that does not decode.
 */
export async function* runScalars(
  run: Run,
  signal?: AbortSignal,
  warn?: (message: string) => void,
): AsyncGenerator<ScalarPoint, void, undefined> {
  const x = new ScalarExtractor();
  for (const file of run.files) {
    let index = 0;
    try {
      for await (const record of readFileRecords(file, signal === undefined ? {} : { signal })) {
        let points: ScalarPoint[];
        try {
          points = x.scalars(decodeEvent(record));
        } catch (e) {
          if (isTFRecordError(e)) {
            throw new CliError(`${file}: record ${index} is not a valid Event: ${e.message}`, { cause: e });
          }
          throw e;
        }
        yield* points;
        index++;
      }
    } catch (e) {
      const cause = tfrecordCause(e);
      if (cause?.code === 'TRUNCATED_RECORD' && index > 0) continue;
      if (cause !== undefined && cause.offset === 0 && index === 0 && run.walked.has(file)) {
        warn?.(`${(e as Error).message}; skipped`);
        continue;
      }
      throw e;
    }
  }
}
