/**
 * Entry point of the `pastiche` command: builds the commander program from the
 * command tree in commands/index.ts, runs the command and turns every error
 * into `pastiche: <message>` on stderr plus an exit code (0 ok, 1 data, 2
 * usage, 130 interrupted).
 *
 * Interruption policy, one for every command: SIGINT, SIGTERM and SIGHUP all
 * abort `ctx.signal`; writers then delete their temporary files and leave
 * every final name as it was, and the command exits with 130. Whatever
 * temporary is still registered when the command ends (or on a second signal,
 * or when the command has not stopped within INTERRUPT_GRACE_MS) is removed
 * synchronously with `removeRegisteredTemps()` before exiting.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from '@commander-js/extra-typings';
import { removeRegisteredTemps } from '@pastiche/tfrecord/node';
import { rootGroup } from './commands/index.js';
import { CliError, ExitCode, INTERRUPT_GRACE_MS, OutputClosedError } from './errors.js';
import type { Context } from './io.js';
import { MemoryOutput, processContext } from './io.js';
import { buildProgram, commanderExit, wantsHelp } from './program.js';
import type { ProgramState } from './program.js';

/** The signals that interrupt a command (exit code 130 for each). */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `pastiche` with `argv` (without node and script) and returns the exit code.
 * `io` replaces parts of the process context (stdout, stderr, env, ...), so tests
 * can run commands in-process and capture their output; only a run over the
 * real process (no `io.stdout`) installs the signal handlers.
 */
export async function main(argv: string[], io: Partial<Context> = {}): Promise<number> {
  const controller = new AbortController();
  const ownsProcess = io.stdout === undefined;
  let timer: NodeJS.Timeout | undefined;
  const forceExit = (): never => {
    removeRegisteredTemps();
    process.exit(ExitCode.INTERRUPTED);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) forceExit();
    controller.abort(new CliError(`interrupted (${signal})`, { exitCode: ExitCode.INTERRUPTED }));
    timer = setTimeout(forceExit, INTERRUPT_GRACE_MS);
    timer.unref();
  };
  const ctx: Context = ownsProcess
    ? { ...processContext(io.signal ?? controller.signal), ...io }
    : { ...testDefaults(controller.signal), ...io };
  if (ownsProcess) for (const s of INTERRUPT_SIGNALS) process.on(s, onSignal);
  try {
    const code = await dispatch(argv, ctx);
    await ctx.stdout.flush();
    return ctx.signal.aborted ? ExitCode.INTERRUPTED : code;
  } catch (e) {
    const code = await report(e, ctx);
    return ctx.signal.aborted && code !== ExitCode.OK ? ExitCode.INTERRUPTED : code;
  } finally {
    if (ownsProcess) {
      for (const s of INTERRUPT_SIGNALS) process.off(s, onSignal);
      if (timer !== undefined) clearTimeout(timer);
      if (controller.signal.aborted) removeRegisteredTemps();
    }
  }
}

function testDefaults(signal: AbortSignal): Context {
  return {
    stdout: new MemoryOutput(),
    stderr: new MemoryOutput(),
    env: {},
    cwd: process.cwd(),
    signal,
    stdin: emptyInput(),
    now: () => performance.now(),
  };
}

async function* emptyInput(): AsyncGenerator<Uint8Array, void, undefined> {
  // In-process runs read no standard input unless a test gives one.
}

/** The version of @pastiche/cli, from its package.json (found from src/ or dist/src/). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@pastiche/cli' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  const state: ProgramState = { code: undefined, help: wantsHelp(argv) };
  // The version is read only when asked for: it is a file read on every start otherwise.
  const wantsVersion = argv[0] === '-V' || argv[0] === '--version';
  // commander prints the version as soon as it meets -V, before it looks at any command: build none.
  const program = wantsVersion
    ? buildProgram({ ...rootGroup, commands: [] }, ctx, state, version())
    : buildProgram(rootGroup, ctx, state, '', argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const code = commanderExit(e.code);
      if (code !== undefined) return code;
      throw new CliError(e.message.replace(/^error: /, ''), { exitCode: ExitCode.USAGE, cause: e });
    }
    throw e;
  }
  return state.code ?? ExitCode.OK;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  path?: unknown;
  syscall?: unknown;
  stack?: unknown;
  cause?: unknown;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  EMFILE: 'too many open files',
  EEXIST: 'already exists',
};

/** Exit code and message for any thrown value. */
function classify(e: unknown): { code: number; message: string; hint?: string | undefined; internal: boolean } {
  if (e instanceof CliError) return { code: e.exitCode, message: e.message, hint: e.hint, internal: false };
  const x = (e ?? {}) as ErrorLike;
  const message = typeof x.message === 'string' ? x.message : String(e);
  if (x.name === 'TFRecordError' || x.name === 'StyleError') {
    const code =
      x.code === 'INVALID_ARGUMENT' || x.code === 'INVALID_OPTION'
        ? ExitCode.USAGE
        : x.code === 'ABORTED'
          ? ExitCode.INTERRUPTED
          : ExitCode.DATA;
    // A library error wrapping an errno error reads better as the errno text.
    const errno = errnoMessage(x.cause as ErrorLike | undefined);
    return {
      code,
      message: errno !== undefined && !message.includes(errno) ? `${message} (${errno})` : message,
      internal: false,
    };
  }
  if (x.name === 'AbortError') return { code: ExitCode.INTERRUPTED, message: 'interrupted', internal: false };
  const errno = errnoMessage(x);
  if (errno !== undefined) return { code: ExitCode.DATA, message: errno, internal: false };
  return {
    code: ExitCode.DATA,
    message: `internal error: ${message}`,
    hint: 'Set PASTICHE_DEBUG=1 to see the stack trace.',
    internal: true,
  };
}

function errnoMessage(x: ErrorLike | undefined): string | undefined {
  if (x === undefined || x === null || typeof x.code !== 'string' || !/^E[A-Z]+$/.test(x.code)) return undefined;
  const text = ERRNO_TEXT[x.code] ?? (typeof x.message === 'string' ? x.message : x.code);
  return typeof x.path === 'string' ? `${x.path}: ${text}` : text;
}

async function report(e: unknown, ctx: Context): Promise<number> {
  if (e instanceof OutputClosedError) return ExitCode.OK; // reader went away (`| head`): not an error
  const { code, message, hint, internal } = classify(e);
  const debug = ctx.env['PASTICHE_DEBUG'] === '1';
  let text = `pastiche: ${message}\n`;
  if (hint !== undefined && !(internal && debug)) text += `${hint}\n`;
  if (debug) text += `${describeStack(e)}\n`;
  try {
    await ctx.stdout.flush().catch(() => undefined);
    await ctx.stderr.write(text);
    await ctx.stderr.flush();
  } catch {
    // stderr closed too: nothing more to say
  }
  return code;
}

function describeStack(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const x = cur as ErrorLike;
    parts.push(typeof x.stack === 'string' ? x.stack : String(cur));
    cur = x.cause;
    if (cur !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}
