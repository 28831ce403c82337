/**
 * The one mechanism for safe writes on Node: nothing a user owns is ever
 * overwritten by a half-written file.
 *
 * - Bytes go to a hidden temporary name beside the final one,
 *   `.<base>.<pid>.<random>.tmp` ({@link tempPathFor}), and are renamed over
 *   the final name only once complete and fsynced. A crash, `kill -9` or an
 *   error leaves the final name as it was.
 * - Open temporaries are registered ({@link registerTemp}) so that a signal
 *   handler can remove them synchronously ({@link removeRegisteredTemps}).
 * - Temporaries left by a process that died without cleaning up (`kill -9`,
 *   power loss) carry its PID, so a later writer to the same name removes
 *   them once that PID is gone ({@link cleanStaleTemps}).
 * - Long or resumable runs hold an exclusive `<output>.lock`
 *   ({@link acquireLock}); a lock whose process is dead is taken over.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { link, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TFRecordError } from '../errors.js';

/** Paths to remove if the process is interrupted: open temporaries and held locks. */
const registered = new Set<string>();

/**
 * A fresh hidden temporary path beside `finalPath`:
 * `<dir>/.<base>.<pid>.<12 hex digits>.tmp`. The PID lets a later writer tell
 * a dead process's leftovers from a live writer's ({@link cleanStaleTemps}).
 */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Records `path` as a temporary (or lock) that {@link removeRegisteredTemps} must remove. */
export function registerTemp(path: string): void {
  registered.add(path);
}

/** Forgets `path` (it was renamed into place or removed). Unknown paths are ignored. */
export function unregisterTemp(path: string): void {
  registered.delete(path);
}

/**
 * Removes every registered temporary and lock file that still exists and
 * returns their paths. Synchronous and exception-free, so a SIGINT, SIGTERM or
 * SIGHUP handler can call it just before exiting. Final names are never
 * touched: only registered paths are removed.
 */
export function removeRegisteredTemps(): string[] {
  const removed: string[] = [];
  for (const path of registered) {
    try {
      unlinkSync(path);
      removed.push(path);
    } catch {
      // Already renamed into place or removed: nothing left to clean.
    }
  }
  registered.clear();
  return removed;
}

/** True unless `pid` is certainly not running on this host (ESRCH). EPERM means it runs as another user. */
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code !== 'ESRCH';
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the temporaries of `finalPath` ({@link tempPathFor} names) whose
 * process is no longer running, and resolves with the removed paths (so the
 * caller can say so). Temporaries of live processes, including this one, are
 * kept. A missing folder yields `[]`.
 */
export async function cleanStaleTemps(finalPath: string): Promise<string[]> {
  const dir = dirname(finalPath);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(finalPath))}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pidAlive(pid)) continue;
    const path = join(dir, name);
    try {
      await unlink(path);
      removed.push(path);
    } catch {
      // Removed by another writer meanwhile, or not ours to remove.
    }
  }
  return removed;
}

function ioError(path: string, what: string, e: unknown): TFRecordError {
  return new TFRecordError('IO', `${path}: ${what}: ${e instanceof Error ? e.message : String(e)}`, {
    file: path,
    cause: e,
  });
}

/** fsyncs a folder so a rename in it survives a crash; not possible everywhere (Windows), so best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Windows and some file systems cannot fsync a directory.
  }
}

/** Options for {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permission bits of a new file, before the umask (default 0o666). */
  mode?: number;
}

/**
 * Writes `bytes` to `path` atomically: a registered temporary beside it
 * ({@link tempPathFor}), fsync, then rename over `path`. On failure the
 * temporary is removed and `path` is left as it was. Throws TFRecordError
 * 'IO' naming `path`; `cause` is the Node error (with its errno `code`).
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const tmp = tempPathFor(path);
  registerTemp(tmp);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', options.mode ?? 0o666);
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw ioError(path, 'cannot write', e);
  } finally {
    unregisterTemp(tmp);
  }
  await syncDir(dirname(path));
}

/** What a lock file holds. */
export interface LockInfo {
  /** Process holding the lock. */
  pid: number;
  /** `os.hostname()` of that process. */
  host: string;
  /** When it took the lock (ISO 8601). */
  started: string;
  /** What the holder is doing (e.g. 'stylize-dataset'), if it said. */
  what?: string;
}

/** An exclusive lock on an output, from {@link acquireLock}. */
export interface Lock {
  /** The lock file: `<output>.lock`. */
  readonly path: string;
  /** What this lock file records about us. */
  readonly info: LockInfo;
  /** The holder of a stale lock (dead process, same host) that was taken over; undefined if none. */
  readonly tookOverFrom: LockInfo | undefined;
  /** Removes the lock file (only if it is still ours). Calling it again does nothing. */
  release(): Promise<void>;
}

/** Options for {@link acquireLock}. */
export interface AcquireLockOptions {
  /** What the run is doing, recorded in the lock and shown to a run that finds it held. */
  what?: string;
}

type Holder = { info: LockInfo; raw: string } | { unreadable: string; raw: string } | undefined;

async function readHolder(lockPath: string): Promise<Holder> {
  let raw: string;
  try {
    raw = await readFile(lockPath, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    return { unreadable: (e as Error).message, raw: '' };
  }
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (
      typeof v === 'object' &&
      v !== null &&
      Number.isSafeInteger(v.pid) &&
      (v.pid as number) > 0 &&
      typeof v.host === 'string' &&
      typeof v.started === 'string'
    ) {
      const info: LockInfo = { pid: v.pid as number, host: v.host, started: v.started };
      if (typeof v.what === 'string') info.what = v.what;
      return { info, raw };
    }
    return { unreadable: 'it does not hold {pid, host, started}', raw };
  } catch (e) {
    return { unreadable: (e as Error).message, raw };
  }
}

/**
 * Creates `lockPath` holding `content`, or returns false if it exists. The
 * content is complete before the name appears (hard link of a finished
 * temporary), so a reader never sees a half-written lock.
 */
async function createExclusive(lockPath: string, content: string): Promise<boolean> {
  const tmp = tempPathFor(lockPath);
  registerTemp(tmp);
  try {
    let fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, lockPath);
      return true;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') {
        throw e;
      }
    }
    // No hard links here (some FAT or network file systems): plain create-exclusive.
    try {
      fh = await open(lockPath, 'wx');
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EEXIST') return false;
      throw e;
    }
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } finally {
    unregisterTemp(tmp);
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Removes a stale lock whose content was `raw`. Moving it aside first makes
 * the check and the removal one step: if another process took the stale lock
 * over between our read and our move, we moved its fresh lock, which goes back.
 */
async function removeStale(lockPath: string, raw: string): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== raw) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

function lockedError(outputPath: string, lockPath: string, holder: LockInfo, host: string): TFRecordError {
  const where = holder.host === host ? '' : ` on ${holder.host}`;
  const doing = holder.what === undefined ? '' : `${holder.what}, `;
  return new TFRecordError(
    'LOCKED',
    `${outputPath} is locked by process ${holder.pid}${where} (${doing}started ${holder.started}); another run is writing it`,
    { file: lockPath },
  );
}

/**
 * Takes the exclusive lock on `outputPath`: creates `<outputPath>.lock`
 * (create-exclusive) holding JSON {@link LockInfo}. A lock left by a dead
 * process on this host is taken over and reported in `tookOverFrom`. The lock
 * is registered, so {@link removeRegisteredTemps} removes it on a signal.
 *
 * Throws TFRecordError 'LOCKED' when a live process (or any process on another
 * host, whose liveness cannot be checked) holds it:
 * `<output> is locked by process 1234 (started <ISO time>); another run is writing it`
 * (with ` on <host>` after the PID for another host and `<what>, ` before
 * `started` when the holder said what it does), or when the lock file cannot be
 * read: `<output> is locked: <lock> cannot be read (<reason>); remove it if no other run is writing <output>`.
 * Throws 'IO' when the lock file cannot be created (e.g. missing folder).
 */
export async function acquireLock(outputPath: string, options: AcquireLockOptions = {}): Promise<Lock> {
  const lockPath = `${outputPath}.lock`;
  const host = hostname();
  const info: LockInfo = { pid: process.pid, host, started: new Date().toISOString() };
  if (options.what !== undefined) info.what = options.what;
  const content = `${JSON.stringify(info)}\n`;
  let tookOverFrom: LockInfo | undefined;
  // A few rounds: each one either creates the lock, throws, or removes a stale lock (then tries again).
  for (let round = 0; round < 5; round++) {
    let created: boolean;
    try {
      created = await createExclusive(lockPath, content);
    } catch (e) {
      throw ioError(lockPath, 'cannot create the lock file', e);
    }
    if (created) {
      registerTemp(lockPath);
      let released = false;
      return {
        path: lockPath,
        info,
        tookOverFrom,
        async release() {
          if (released) return;
          released = true;
          unregisterTemp(lockPath);
          const now = await readFile(lockPath, 'utf8').catch(() => undefined);
          if (now === content) await unlink(lockPath).catch(() => undefined);
        },
      };
    }
    const holder = await readHolder(lockPath);
    if (holder === undefined) continue;
    if ('unreadable' in holder) {
      throw new TFRecordError(
        'LOCKED',
        `${outputPath} is locked: ${lockPath} cannot be read (${holder.unreadable}); remove it if no other run is writing ${outputPath}`,
        { file: lockPath },
      );
    }
    if (holder.info.host !== host || pidAlive(holder.info.pid)) {
      throw lockedError(outputPath, lockPath, holder.info, host);
    }
    await removeStale(lockPath, holder.raw);
    tookOverFrom = holder.info;
  }
  throw new TFRecordError('LOCKED', `${outputPath} is locked: other runs keep taking ${lockPath}`, { file: lockPath });
}
