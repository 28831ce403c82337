/**
 * TensorBoard log directories: finding the event files under a logdir and
 * grouping them into runs the way TensorBoard does (the folder holding event
 * files is the run, named by its path relative to the logdir, `.` for the
 * logdir itself), and reading every scalar of a run.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { ScalarExtractor, decodeEvent, isEventFileName, isTFRecordError } from '@pastiche/tfrecord/node';
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

/** The event files (names containing "tfevents") in `dir` and below, in no particular order. */
async function eventFilesUnder(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await eventFilesUnder(p, out);
    else if ((e.isFile() || e.isSymbolicLink()) && isEventFileName(e.name)) out.push(p);
  }
}

function runName(logdir: string, folder: string): string {
  const rel = relative(logdir, folder);
  return rel === '' ? '.' : rel.split(sep).join('/');
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
    if (!isDir) {
      const d = dirname(path);
      add(paths.length > 1 || d !== '.' ? d.split(sep).join('/') : '.', path);
      continue;
    }
    const files: string[] = [];
    await eventFilesUnder(path, files);
    if (files.length === 0) throw new CliError(`${path}: no event files (names containing "tfevents") found`);
    for (const f of files) {
      walked.add(f);
      const name = runName(path, dirname(f));
      const prefix = paths.length > 1 ? path.replace(/[/\\]+$/, '') : '';
      add(prefix === '' ? name : name === '.' ? prefix : `${prefix}/${name}`, f);
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
        return x < y ? -1 : x > y ? 1 : 0;
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
