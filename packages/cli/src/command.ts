/**
 * The shape of a command and of a command group. A command is one object in
 * one module under `commands/`; the registry in `commands/index.ts` lists them,
 * and program.ts turns the tree into commander commands for each run.
 */
import type { Command as Commander, OptionValues } from '@commander-js/extra-typings';
import type { Context } from './io.js';

/** Positional arguments of a command: how many, and their name in messages. */
export interface PositionalSpec {
  /** Name in usage and messages, e.g. `FILE`. */
  readonly name: string;
  /** Minimum count; default 0. */
  readonly min?: number;
  /** Maximum count; default unlimited. */
  readonly max?: number;
}

/** Option values of a command, as commander's typed `opts()` gives them. */
// biome-ignore lint/complexity/noBannedTypes: commander's empty option set is `{}`
export type NoOptions = {};

/** What a command's `run` receives. */
export interface RunArgs<O> {
  /** Typed option values (absent options without a default are undefined). */
  readonly opts: O;
  /** Positional arguments, in order (their count already checked). */
  readonly positionals: string[];
  /** Full command path, e.g. `pastiche tfrecord cat`, for messages. */
  readonly commandPath: string;
  /** `See '<commandPath> --help'.`, the hint of usage errors. */
  readonly hint: string;
}

/** A runnable command (a leaf of the command tree) with option values of type `O`. */
export interface Command<O extends OptionValues = OptionValues> {
  readonly kind: 'command';
  /** Name as typed, e.g. `cat`. */
  readonly name: string;
  /** One line for listings: lower case, no final period. */
  readonly summary: string;
  /** Arguments part of the usage line, e.g. `FILE... [options]`. */
  readonly usage: string;
  /** Paragraphs shown by --help after the usage line. */
  readonly description?: string;
  /**
   * Declares the options on commander's command, with the factories of
   * options.ts (`.addOption(integerOption('-n, --limit <N>', ...))`); the
   * result's type gives `run` its typed option values. `--help` is added by
   * the framework.
   */
  readonly options: (command: Commander<[], NoOptions>) => Commander<[], O>;
  /** Positional arguments; default: none allowed. */
  readonly positionals?: PositionalSpec;
  /** Example invocations shown by --help, each a full command line (with a `# comment` if useful). */
  readonly examples?: readonly string[];
  /**
   * Does the work and returns the exit code. Throw a CliError (or a library
   * error) for failures; `main` prints them. Import heavy modules (anything
   * reaching onnxruntime, sharp or h5wasm) dynamically inside `run` so that
   * `pastiche --help` and the tfrecord commands start fast.
   */
  run(args: RunArgs<O>, ctx: Context): Promise<number>;
}

/** A group of commands, e.g. `tfrecord` or `weights`. Groups may nest. */
export interface CommandGroup {
  readonly kind: 'group';
  /** Name as typed, e.g. `tfrecord`. */
  readonly name: string;
  /** One line for listings. */
  readonly summary: string;
  /** Paragraphs shown by --help. */
  readonly description?: string;
  /** Members, in the order help lists them. */
  readonly commands: ReadonlyArray<AnyCommand | CommandGroup>;
  /** Example invocations shown by --help. */
  readonly examples?: readonly string[];
}

/** A command of any option type (for registries). */
// biome-ignore lint/suspicious/noExplicitAny: registries hold commands of every option type
export type AnyCommand = Command<any>;

/** A node of the command tree. */
export type CommandNode = AnyCommand | CommandGroup;

/** Identity helper giving type checking and option-type inference for a command literal. */
export function defineCommand<O extends OptionValues>(command: Omit<Command<O>, 'kind'>): Command<O> {
  return { kind: 'command', ...command };
}

/** Identity helper for a group literal. */
export function defineGroup(group: Omit<CommandGroup, 'kind'>): CommandGroup {
  return { kind: 'group', ...group };
}
