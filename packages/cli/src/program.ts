/**
 * Builds the commander program from the command tree, with the CLI's own
 * messages: commander parses and types the options, while every usage error
 * keeps the wording the tests and users know (`Unknown option --x for pastiche
 * tfrecord cat`, `Missing N for --limit`, ...). The program is built anew for
 * each `main` call, so per-run state (repeated options, the help flag) lives
 * in closures, never in module globals.
 */
import { Command as Commander } from '@commander-js/extra-typings';
import type { AnyCommand, CommandGroup, PositionalSpec } from './command.js';
import { CliError, ExitCode, usageError } from './errors.js';
import { HELP_DESCRIPTION, HELP_FLAGS, commandHelp, groupHelp } from './help.js';
import type { Context } from './io.js';
import { REPEATABLE } from './options.js';

/** What a run of the program reports back to `main`. */
export interface ProgramState {
  /** Exit code returned by the command that ran (undefined until one ran). */
  code: number | undefined;
  /** True when -h/--help was given: values are not validated, so help shows whatever else is wrong. */
  readonly help: boolean;
}

/** commander's internal hooks for its own messages (commander 14), replaced per command instance. */
interface CommanderHooks {
  unknownOption(flag: string): void;
  optionMissingArgument(option: { flags: string; long?: string | undefined }): void;
  unknownCommand(): void;
  args: string[];
}

/** The option rows that commander adds itself (help, version), as help shows them. */
const HELP_ROW = { flags: HELP_FLAGS, short: '-h', description: HELP_DESCRIPTION } as const;
const VERSION_ROW = { flags: '-V, --version', short: '-V', description: 'Print the version' } as const;

/** True if argv asks for help before any `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}

/**
 * The commander program for `root`, writing through `ctx`, reporting into `state`.
 * With `argv`, a group whose next argument names one of its members gets only
 * that member: commander dispatches to it at once and never looks at the
 * others, and building all ~30 commands with their options was a noticeable
 * part of the start-up time. Any other argument (an option, a typo, none)
 * gets the whole group, so help and errors see every member.
 */
export function buildProgram(
  root: CommandGroup,
  ctx: Context,
  state: ProgramState,
  version: string,
  argv?: readonly string[],
): Commander {
  const program = buildGroup(root, root.name, ctx, state, argv);
  program.version(version, VERSION_ROW.flags, VERSION_ROW.description);
  program.configureHelp({ formatHelp: () => groupHelp(root, root.name, [VERSION_ROW, HELP_ROW]) });
  return program;
}

function hintFor(path: string): string {
  return `See '${path} --help'.`;
}

function configure(c: Commander, path: string, ctx: Context): void {
  c.exitOverride();
  c.configureOutput({
    writeOut: (s) => void ctx.stdout.write(s),
    writeErr: (s) => void ctx.stderr.write(s),
    outputError: () => undefined,
  });
  c.helpOption(HELP_FLAGS, HELP_DESCRIPTION);
  c.helpCommand(false);
  c.showSuggestionAfterError(false);
  const hooks = c as unknown as CommanderHooks;
  hooks.unknownOption = (flag) => {
    // `--json=yes` for a flag reaches here as an unknown option.
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 2) {
      const known = c.options.find((o) => o.long === flag.slice(0, eq));
      if (known !== undefined) {
        throw usageError(`Option ${known.long} takes no value but received ${flag.slice(eq + 1)}`, hintFor(path));
      }
    }
    throw usageError(`Unknown option ${flag} for ${path}`, hintFor(path));
  };
  hooks.optionMissingArgument = (option) => {
    throw usageError(`Missing ${valueName(option.flags)} for ${option.long ?? option.flags}`, hintFor(path));
  };
}

function valueName(flags: string): string {
  return /[<[]([^>\]]+)[>\]]/.exec(flags)?.[1] ?? 'VALUE';
}

function buildGroup(
  group: CommandGroup,
  path: string,
  ctx: Context,
  state: ProgramState,
  rest: readonly string[] | undefined,
): Commander {
  const g = new Commander(group.name);
  configure(g, path, ctx);
  // Options of a group apply only before its sub-command (`-V` is the top level's alone).
  g.enablePositionalOptions();
  g.summary(group.summary);
  g.configureHelp({ formatHelp: () => groupHelp(group, path, [HELP_ROW]) });
  (g as unknown as CommanderHooks).unknownCommand = () => {
    const arg = (g as unknown as CommanderHooks).args[0] ?? '';
    const names = group.commands.map((c) => c.name);
    const near = names.filter((n) => editDistance(n, arg) <= 2 || n.startsWith(arg));
    const suggestion = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
    throw usageError(
      `Unknown command ${arg} for ${path}${suggestion}; expected one of: ${names.join(', ')}`,
      hintFor(path),
    );
  };
  const named = rest === undefined ? undefined : group.commands.find((c) => c.name === rest[0]);
  for (const child of named === undefined ? group.commands : [named]) {
    const childPath = `${path} ${child.name}`;
    g.addCommand(
      child.kind === 'group'
        ? buildGroup(child, childPath, ctx, state, named === undefined ? undefined : rest!.slice(1))
        : buildCommand(child, childPath, ctx, state),
    );
  }
  return g;
}

function buildCommand(command: AnyCommand, path: string, ctx: Context, state: ProgramState): Commander {
  const hint = hintFor(path);
  const c = new Commander(command.name);
  command.options(c);
  configure(c, path, ctx);
  c.summary(command.summary);
  c.allowExcessArguments(true); // counted below, with the CLI's messages
  c.configureHelp({ formatHelp: () => commandHelp(command, path, [...c.options, HELP_ROW]) });
  const seen = new Set<string>();
  for (const o of c.options) {
    const name = o.long ?? o.flags;
    const parse = o.parseArg;
    const takesValue = o.required || o.optional;
    if (takesValue) {
      const wrapped = (value: string, previous: unknown): unknown => {
        // commander takes `--limit --json` as limit="--json"; that is almost always a forgotten value.
        if (value.startsWith('--') && value.length > 2) {
          throw usageError(`Missing ${valueName(o.flags)} for ${name}`, hint);
        }
        if (state.help || parse === undefined) return value;
        try {
          return parse.call(o, value, previous);
        } catch (e) {
          throw e instanceof CliError && e.hint === undefined
            ? new CliError(e.message, { exitCode: e.exitCode, hint, cause: e })
            : e;
        }
      };
      o.parseArg = wrapped as NonNullable<typeof o.parseArg>;
    }
    if (!REPEATABLE.has(o)) {
      c.on(`option:${o.name()}`, () => {
        // A repeated option is more likely a mistake than a wish for the last value.
        if (seen.has(name) && !state.help) throw usageError(`Option ${name} given more than once`, hint);
        seen.add(name);
      });
    }
  }
  c.action(async () => {
    const positionals = [...c.args];
    checkPositionals(command.positionals, positionals, path, hint);
    state.code = await command.run({ opts: c.opts(), positionals, commandPath: path, hint }, ctx);
  });
  return c;
}

function checkPositionals(p: PositionalSpec | undefined, positionals: string[], path: string, hint: string): void {
  const min = p?.min ?? 0;
  const max = p?.max ?? (p === undefined ? 0 : Number.POSITIVE_INFINITY);
  if (positionals.length < min) {
    const what = min === 1 ? p!.name : `${min} ${p!.name} arguments`;
    throw usageError(`Missing ${what} for ${path}`, hint);
  }
  if (positionals.some((x) => x === '')) {
    throw usageError(`Expected non-empty ${p?.name ?? 'argument'} for ${path} but received an empty string`, hint);
  }
  if (positionals.length > max) {
    const extra = positionals[max]!;
    throw usageError(
      max === 0
        ? `Unexpected argument ${extra} for ${path}`
        : `Too many arguments for ${path}: expected at most ${max} ${p!.name} but received ${positionals.length}`,
      hint,
    );
  }
}

/** Exit code for commander's own exits: help and version are successes, help for a bare group is bad usage. */
export function commanderExit(code: string): number | undefined {
  if (code === 'commander.helpDisplayed' || code === 'commander.version') return ExitCode.OK;
  if (code === 'commander.help') return ExitCode.USAGE;
  return undefined;
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
