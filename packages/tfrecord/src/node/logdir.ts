/**
 * Finding the runs of a TensorBoard log directory, as TensorBoard groups them:
 * a run is a folder holding event files (names containing "tfevents"), named
 * by its path relative to the logdir with `/` separators, `.` for the logdir
 * itself; its files are read in file-name order (the name starts with the
 * creation time). Links are followed as TensorBoard follows them, each real
 * folder listed once (a link loop ends). An entry that cannot be examined (a
 * broken link, a file removed meanwhile) is skipped; a folder that cannot be
 * listed goes to `onUnreadable`.
 *
 * With `confine`, every entry is judged by where it really leads: one whose
 * real path leaves the logdir is skipped, and files are given by real path,
 * so what a caller later opens is what was judged.
 */
import type { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { isEventFileName } from '../events/decode.js';

/** One run of a log directory. */
export interface LogdirRun {
  /** Folder relative to the logdir with `/` separators, `.` for the logdir itself (or for a file given as the logdir). */
  name: string;
  /** Paths of the run's event files, sorted by file name, then path (real paths with `confine`). */
  files: string[];
}

/** Options of {@link walkLogdir}. */
export interface WalkLogdirOptions {
  /** Skip entries whose real path is outside the logdir's real path, and give files by real path; default false. */
  confine?: boolean;
  /** Folder levels listed below the logdir, at most (0: the logdir only); default unlimited. */
  maxDepth?: number;
  /** Event files collected, at most (later ones, in sorted walk order, are left out); default unlimited. */
  maxFiles?: number;
  /**
   * Called with a folder (the logdir included) that cannot be listed and the
   * error; what it throws ends the walk. Default: the folder is skipped.
   */
  onUnreadable?: (folder: string, error: unknown) => void;
}

/** Code-unit order, as TensorBoard sorts names (and the same everywhere, unlike localeCompare). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `path` is `root` or below it (both absolute and normalised). */
function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The runs of `logdir`, sorted by name. A path that is a file (of any name:
 * it was named, not found) is one run `.` holding that file. Files of a run
 * are in the order TensorBoard reads them: by file name, then by path.
 * Throws only what `onUnreadable` throws, or when `logdir` does not exist
 * (the error of `stat`).
 */
export async function walkLogdir(logdir: string, options: WalkLogdirOptions = {}): Promise<LogdirRun[]> {
  const { confine = false, maxDepth = Number.POSITIVE_INFINITY, maxFiles = Number.POSITIVE_INFINITY } = options;
  const root = confine ? await realpath(logdir) : logdir;
  if (!(await stat(root)).isDirectory()) return [{ name: '.', files: [root] }];
  const runs = new Map<string, string[]>();
  let count = 0;
  const seen = new Set<string>();
  const visit = async (dir: string, realDir: string, depth: number): Promise<void> => {
    if (depth > maxDepth || count >= maxFiles || seen.has(realDir)) return;
    seen.add(realDir);
    let names: string[];
    try {
      names = (await readdir(dir)).sort(byCodeUnits);
    } catch (e) {
      options.onUnreadable?.(dir, e);
      return;
    }
    for (const name of names) {
      if (count >= maxFiles) return;
      const path = join(dir, name);
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined || (confine && !isInside(root, real))) continue;
      const s: Stats | undefined = await stat(real).catch(() => undefined);
      if (s?.isDirectory()) await visit(path, real, depth + 1);
      else if (s?.isFile() && isEventFileName(name)) {
        const rel = relative(root, dir);
        const run = rel === '' ? '.' : rel.split(sep).join('/');
        let files = runs.get(run);
        if (files === undefined) runs.set(run, (files = []));
        files.push(confine ? real : path);
        count++;
      }
    }
  };
  await visit(root, confine ? root : await realpath(root), 0);
  return [...runs.entries()]
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([name, files]) => ({
      name,
      files: files.sort((a, b) => byCodeUnits(basename(a), basename(b)) || byCodeUnits(a, b)),
    }));
}
