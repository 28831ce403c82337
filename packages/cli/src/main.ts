/**
 * Entry point of the `pastiche` command: walks the command tree in
 * commands/index.ts, parses options, runs the command and turns every error
 * into `pastiche: <message>` on stderr plus an exit code (0 ok, 1 data, 2 usage).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandGroup, CommandNode } from './command.js';
import { rootGroup } from './commands/index.js';
import { CliError, ExitCode, OutputClosedError, usageError } from './errors.js';
import { commandHelp, groupHelp } from './help.js';
import type { Context } from './io.js';
import { MemoryOutput, processContext } from './io.js';
import { parseCommandArgs } from './options.js';

/**
 * Runs `pastiche` with `argv` (without node and script) and returns the exit code.
 * `io` replaces parts of the process context (stdout, stderr, env, ...), so tests
 * can run commands in-process and capture their output.
 */
export async function main(argv: string[], io: Partial<Context> = {}): Promise<number> {
  const controller = new AbortController();
  const ownsProcess = io.stdout === undefined;
  // First Ctrl-C: abort gracefully (writers delete their temporary files); second: exit now.
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.INTERRUPTED);
    controller.abort(new CliError('interrupted', { exitCode: ExitCode.INTERRUPTED }));
  };
  const ctx: Context = ownsProcess
    ? { ...processContext(io.signal ?? controller.signal), ...io }
    : { ...testDefaults(controller.signal), ...io };
  if (ownsProcess) process.on('SIGINT', onSigint);
  try {
    const code = await dispatch(argv, ctx, rootGroup);
    await ctx.stdout.flush();
    return code;
  } catch (e) {
    return await report(e, ctx);
  } finally {
    if (ownsProcess) process.off('SIGINT', onSigint);
  }
}

function testDefaults(signal: AbortSignal): Context {
  return {
    stdout: new MemoryOutput(),
    stderr: new MemoryOutput(),
    env: {},
    cwd: process.cwd(),
    signal,
    now: () => performance.now(),
  };
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

async function dispatch(argv: string[], ctx: Context, root: CommandGroup): Promise<number> {
  let node: CommandNode = root;
  let path = root.name;
  let i = 0;
  const isRoot = (): boolean => node === root;
  while (node.kind === 'group') {
    const group: CommandGroup = node;
    const arg = argv[i];
    const extra: Array<[string, string]> = isRoot() ? [['-V, --version', 'Print the version']] : [];
    if (arg === undefined) {
      await ctx.stderr.write(groupHelp(group, path, extra));
      return ExitCode.USAGE;
    }
    if (arg === '-h' || arg === '--help') {
      await ctx.stdout.write(groupHelp(group, path, extra));
      return ExitCode.OK;
    }
    if (isRoot() && (arg === '-V' || arg === '--version')) {
      await ctx.stdout.write(`${version()}\n`);
      return ExitCode.OK;
    }
    const hint = `See '${path} --help'.`;
    if (arg.startsWith('-')) throw usageError(`Unknown option ${arg} for ${path}`, hint);
    const child: CommandNode | undefined = group.commands.find((c) => c.name === arg);
    if (child === undefined) {
      const names = group.commands.map((c) => c.name);
      const near = names.filter((n) => editDistance(n, arg) <= 2 || n.startsWith(arg));
      const suggestion = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
      throw usageError(`Unknown command ${arg} for ${path}${suggestion}; expected one of: ${names.join(', ')}`, hint);
    }
    node = child;
    path = `${path} ${arg}`;
    i++;
  }
  const parsed = parseCommandArgs(node, argv.slice(i), path);
  if (parsed.help) {
    await ctx.stdout.write(commandHelp(node, path));
    return ExitCode.OK;
  }
  return await node.run(parsed, ctx);
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

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
