/**
 * Runs as folders: `runs/<id>/run.json` (what was asked, the status, times,
 * the error if any), `settings.json` (the resolved settings), `losses.jsonl`
 * (one LossRecord per line), `preview.png` (the latest image while running),
 * `result.png` (the best image), and `inputs/` (copies of the images used), so
 * a run is complete on its own and survives the studio.
 *
 * run.json is rewritten atomically at every status change. When the studio
 * starts, runs still marked queued or running were cut off by a stop (a kill,
 * a crash, a power cut): they are marked `interrupted`, keeping their files.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { RUNS, type Workspace, writeJsonAtomic } from './workspace.js';

/** The life of a run. */
export type RunStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';

/** The kinds of job a run can be. */
export type RunKind = 'stylise' | 'stylize-dataset';

/** What run.json holds. */
export interface RunRecord {
  id: string;
  kind: RunKind;
  status: RunStatus;
  /** The request as accepted (inputs rewritten to the run's own copies). */
  request: Record<string, unknown>;
  /** ISO times. */
  created: string;
  started?: string;
  finished?: string;
  /** For failed runs: the message and code of the error. */
  error?: { message: string; code: string };
  /** Notes from the engine (alpha dropped, converged early, ...) or the studio. */
  notes: string[];
  /** Latest progress: iteration and iterations (stylise) or records done and total (datasets). */
  progress?: { done: number; total: number; remaining: number };
  /** Workspace-relative paths of the run's files that exist. */
  files: { result?: string; preview?: string; output?: string };
}

const ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

/** A new run id: UTC time (sorts by creation) plus 6 random hex digits. */
export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/** True for a well-formed run id (the only names used as run folders). */
export function isRunId(id: string): boolean {
  return ID.test(id);
}

/** Absolute folder of run `id`. */
export function runDir(ws: Workspace, id: string): string {
  if (!isRunId(id)) throw new StudioError('NOT_FOUND', `No run '${id.slice(0, 40)}'`);
  return join(ws.root, RUNS, id);
}

/** Writes run.json atomically. */
export async function saveRun(ws: Workspace, run: RunRecord): Promise<void> {
  await writeJsonAtomic(join(runDir(ws, run.id), 'run.json'), run);
}

/** Creates the folder of a new run and its run.json. */
export async function createRun(ws: Workspace, run: RunRecord): Promise<void> {
  await mkdir(join(runDir(ws, run.id), 'inputs'), { recursive: true });
  await saveRun(ws, run);
}

/** Reads run.json of `id`. Throws NOT_FOUND. */
export async function loadRun(ws: Workspace, id: string): Promise<RunRecord> {
  let text: string;
  try {
    text = await readFile(join(runDir(ws, id), 'run.json'), 'utf8');
  } catch {
    throw new StudioError('NOT_FOUND', `No run '${id}' in the workspace`);
  }
  try {
    return JSON.parse(text) as RunRecord;
  } catch (e) {
    throw new StudioError('WORKSPACE', `runs/${id}/run.json is not valid JSON`, { cause: e });
  }
}

/** Every run in the workspace, newest first; folders without a readable run.json are skipped. */
export async function listRuns(ws: Workspace): Promise<RunRecord[]> {
  const names = (await readdir(join(ws.root, RUNS)).catch(() => [] as string[])).filter(isRunId).sort().reverse();
  const out: RunRecord[] = [];
  for (const id of names) {
    const run = await loadRun(ws, id).catch(() => undefined);
    if (run !== undefined) out.push(run);
  }
  return out;
}

/** Marks runs left queued or running by a previous studio as interrupted; returns their ids. */
export async function recoverRuns(ws: Workspace): Promise<string[]> {
  const marked: string[] = [];
  for (const run of await listRuns(ws)) {
    if (run.status !== 'queued' && run.status !== 'running') continue;
    const was = run.status;
    run.status = 'interrupted';
    run.notes = [...run.notes, `The studio stopped while this run was ${was}; its files so far are kept`];
    await saveRun(ws, run);
    marked.push(run.id);
  }
  return marked;
}

/** Appends one JSON line to a run's log file (torn last lines are skipped when read). */
export async function appendLine(ws: Workspace, id: string, file: string, value: unknown): Promise<void> {
  await appendFile(join(runDir(ws, id), file), `${JSON.stringify(value)}\n`);
}

/** The parsed lines of a run's JSONL file; an unparsable line (a torn write) is skipped. */
export async function readLines(ws: Workspace, id: string, file: string): Promise<unknown[]> {
  const text = await readFile(join(runDir(ws, id), file), 'utf8').catch(() => '');
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A kill during an append leaves half a line; the rest is still good.
    }
  }
  return out;
}
