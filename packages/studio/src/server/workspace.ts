/**
 * The workspace: one folder holding everything the studio keeps, as plain
 * files (`uploads/`, `runs/<id>/`, and any TFRecord files the user puts
 * there), so it survives restarts and can be read without the studio.
 *
 * Paths from requests are workspace-relative and checked twice: by their text
 * (no `..` segment, no absolute path, no backslash or NUL, no hidden segment),
 * then by where they really lead (the real path, symlinks followed, must stay
 * inside the workspace's real path).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { StudioError } from '../errors.js';

/** Folder of uploaded images, inside the workspace. */
export const UPLOADS = 'uploads';
/** Folder of run folders, inside the workspace. */
export const RUNS = 'runs';
/** Hidden folder for the studio's own derived files (record indexes). */
export const PRIVATE = '.pastiche';

/** An opened workspace: its real absolute path. */
export interface Workspace {
  /** Real absolute path of the workspace folder. */
  readonly root: string;
}

/** Creates (if needed) and opens the workspace folder at `dir`. */
export async function openWorkspace(dir: string): Promise<Workspace> {
  const abs = resolve(dir);
  try {
    await mkdir(abs, { recursive: true });
    await mkdir(join(abs, UPLOADS), { recursive: true });
    await mkdir(join(abs, RUNS), { recursive: true });
    await mkdir(join(abs, PRIVATE), { recursive: true });
    return { root: await realpath(abs) };
  } catch (e) {
    throw new StudioError('WORKSPACE', `Cannot use '${abs}' as the workspace: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Checks the text of a workspace-relative path and returns its normalised
 * segments. Throws StudioError FORBIDDEN naming the rule broken.
 */
export function checkRelative(rel: string): string[] {
  const refuse = (why: string): never => {
    throw new StudioError('FORBIDDEN', `Path '${rel.slice(0, 200)}' is refused: ${why}`, { path: rel });
  };
  if (typeof rel !== 'string' || rel === '') refuse('it is empty');
  if (rel.includes('\0')) refuse('it contains a NUL byte');
  if (rel.includes('\\')) refuse('it contains a backslash');
  if (rel.startsWith('/') || /^[a-zA-Z]:/.test(rel)) refuse('absolute paths are not served');
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) refuse('it names the workspace itself');
  for (const p of parts) {
    if (p === '..') refuse("'..' leaves the workspace");
    if (p.startsWith('.')) refuse('hidden files are not served');
  }
  return parts;
}

/**
 * The real absolute path of workspace-relative `rel`, which must exist and
 * lie inside the workspace once symlinks are followed. Throws FORBIDDEN
 * (text rules, or a link out of the workspace) or NOT_FOUND.
 */
export async function resolveExisting(ws: Workspace, rel: string): Promise<string> {
  const parts = checkRelative(rel);
  const joined = join(ws.root, ...parts);
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    throw new StudioError('NOT_FOUND', `No file '${parts.join('/')}' in the workspace`, { path: rel });
  }
  if (!isInside(ws.root, real)) {
    throw new StudioError('FORBIDDEN', `Path '${parts.join('/')}' is refused: it links outside the workspace`, {
      path: rel,
    });
  }
  return real;
}

/** True when `path` is `root` or below it (both absolute, normalised). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Workspace-relative form (with `/`) of an absolute path inside the workspace. */
export function toRelative(ws: Workspace, abs: string): string {
  return relative(ws.root, abs).split(sep).join('/');
}

/** Writes bytes to a temporary name beside `path`, then renames it over `path`. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new StudioError('WORKSPACE', `Cannot write '${path}': ${(e as Error).message}`, { cause: e });
  }
}

/** Writes a value as pretty JSON, atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Files (not folders) under `dir`, recursively, skipping hidden names; at most `limit`. */
export async function walkFiles(dir: string, limit = 10000): Promise<string[]> {
  const out: string[] = [];
  const root = await realpath(dir);
  const visit = async (d: string, depth: number): Promise<void> => {
    if (depth > 8 || out.length >= limit) return;
    let names: string[];
    try {
      names = (await readdir(d)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || out.length >= limit) continue;
      const p = join(d, name);
      // Links that lead out of the workspace are not listed (nor served).
      const real = await realpath(p).catch(() => undefined);
      if (real === undefined || !isInside(root, real)) continue;
      const s = await stat(p).catch(() => undefined);
      if (s?.isDirectory()) await visit(p, depth + 1);
      else if (s?.isFile()) out.push(p);
    }
  };
  await visit(dir, 0);
  return out;
}
