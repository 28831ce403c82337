/**
 * The output guard, used by every command that writes: before anything is
 * written, it refuses (exit 2, naming both paths) an output that is one of the
 * inputs. "Is" means the same file, compared by device and inode, so a
 * symlink or a hard link to an input is caught as well as the same name; the
 * outputs to check are every file the command may write: each shard name an
 * output pattern expands to, index files and label maps beside outputs, and
 * so on. An output inside an input folder is refused when it would replace a
 * file of that folder (the command reads every file under it).
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve, sep } from 'node:path';
import { usageError } from './errors.js';
import { isStdin } from './tfrecord/records.js';

/** What a command reads and writes, paths as the user gave them (relative to `cwd`). */
export interface GuardSpec {
  /** Working directory that relative paths start from. */
  cwd: string;
  /** Input files (`-` and other standard-input names are skipped; missing files too: the command reports them). */
  inputs?: readonly string[];
  /** Input folders, read recursively (from-images). */
  inputFolders?: readonly string[];
  /** Every file the command will write, as the user will see them named. */
  outputs: readonly string[];
  /**
   * Output patterns whose names are not known in advance (shards cut by
   * size, `OUT-<iteration>.png` snapshots): an input in `dir` whose base name
   * matches `name` is refused as an output.
   */
  patterns?: ReadonlyArray<{ dir: string; name: RegExp; shown: string }>;
}

interface Identity {
  dev: number;
  ino: number;
}

async function identity(path: string): Promise<Identity | undefined> {
  try {
    const s = await stat(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

async function real(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    // Not there yet: its folder may be (a symlinked folder still counts).
    try {
      return resolve(await realpath(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

function refuse(output: string, input: string): never {
  throw usageError(
    output === input
      ? `Output ${output} is also an input; write to another path`
      : `Output ${output} is also an input (the same file as ${input}); write to another path`,
  );
}

/**
 * Throws a usage error (exit 2) if any output of `spec` is one of its inputs:
 * `Output v.tfrecord is also an input; write to another path`, or, for another
 * name of the same file, `Output d-00000-of-00002.tfrecord is also an input (the
 * same file as ./d-00000-of-00002.tfrecord); write to another path`, or
 * `Output imgdir/c/gray.png is a file in the input folder imgdir; write to another path`.
 * Nothing is written by the guard; outputs that do not exist yet pass unless
 * a pattern matches an input.
 */
export async function guardOutputs(spec: GuardSpec): Promise<void> {
  const inputs = (spec.inputs ?? []).filter((p) => !isStdin(p));
  const known: Array<{ shown: string; id: Identity }> = [];
  for (const shown of inputs) {
    const id = await identity(resolve(spec.cwd, shown));
    if (id !== undefined) known.push({ shown, id });
  }
  // Two outputs of one run naming the same file would overwrite each other too.
  const outs: Array<{ shown: string; id: Identity }> = [];
  for (const shown of spec.outputs) {
    const id = await identity(resolve(spec.cwd, shown));
    if (id === undefined) continue;
    const input = known.find((k) => k.id.dev === id.dev && k.id.ino === id.ino);
    if (input !== undefined) refuse(shown, input.shown);
    outs.push({ shown, id });
  }
  for (const folder of spec.inputFolders ?? []) {
    const root = await real(resolve(spec.cwd, folder));
    for (const o of outs) {
      const at = await real(resolve(spec.cwd, o.shown));
      if (at.startsWith(root + sep)) {
        throw usageError(`Output ${o.shown} is a file in the input folder ${folder}; write to another path`);
      }
    }
  }
  for (const p of spec.patterns ?? []) {
    const dir = await real(resolve(spec.cwd, p.dir));
    for (const input of inputs) {
      const at = await real(resolve(spec.cwd, input));
      if (dirname(at) === dir && p.name.test(basename(at))) {
        throw usageError(`Output ${p.shown} may be written over input ${input}; write to another path`);
      }
    }
  }
}

/** A RegExp matching `text` literally. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
