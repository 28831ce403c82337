/**
 * The shape of a command and of a command group. A command is one object in
 * one module under `commands/`; the registry in `commands/index.ts` lists them.
 */
import type { Context } from './io.js';

/** One option of a command, in the vocabulary of `node:util` parseArgs plus help text. */
export interface OptionSpec {
  /** 'string' takes a value (`--limit 5`, `--limit=5`, `-n5`); 'boolean' is a flag. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias, without the dash. */
  readonly short?: string;
  /** If true the option may repeat; its value is then an array. */
  readonly multiple?: boolean;
  /** Placeholder shown in help for a string option, e.g. `N`, `FILE`; default `VALUE`. */
  readonly valueName?: string;
  /** One-line description for help. */
  readonly description: string;
  /** Default shown in help (the command applies it when validating). */
  readonly defaultText?: string;
}

/** Options of a command, by long name (without `--`). */
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** Positional arguments of a command: how many, and their name in messages. */
export interface PositionalSpec {
  /** Name in usage and messages, e.g. `FILE`. */
  readonly name: string;
  /** Minimum count; default 0. */
  readonly min?: number;
  /** Maximum count; default unlimited. */
  readonly max?: number;
}

/** Raw option values after parsing (validate them with the helpers in options.ts). */
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** What a command's `run` receives. */
export interface ParsedArgs {
  /** Option values by long name; absent options are undefined. */
  readonly values: OptionValues;
  /** Positional arguments, in order. */
  readonly positionals: string[];
  /** Full command path, e.g. `pastiche tfrecord cat`, for messages. */
  readonly commandPath: string;
}

/** A runnable command (a leaf of the command tree). */
export interface Command {
  readonly kind: 'command';
  /** Name as typed, e.g. `cat`. */
  readonly name: string;
  /** One line for listings: lower case, no final period. */
  readonly summary: string;
  /** Arguments part of the usage line, e.g. `FILE... [options]`. */
  readonly usage: string;
  /** Paragraphs shown by --help after the usage line. */
  readonly description?: string;
  /** Options (--help is added automatically). */
  readonly options: OptionsSpec;
  /** Positional arguments; default: none allowed. */
  readonly positionals?: PositionalSpec;
  /** Example invocations shown by --help, each a full command line (with a `# comment` if useful). */
  readonly examples?: readonly string[];
  /**
   * Does the work and returns the exit code. Throw a CliError (or a library
   * error) for failures; `main` prints them. Import heavy modules dynamically
   * inside `run` so that `pastiche --help` stays fast.
   */
  run(args: ParsedArgs, ctx: Context): Promise<number>;
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
  readonly commands: ReadonlyArray<Command | CommandGroup>;
  /** Example invocations shown by --help. */
  readonly examples?: readonly string[];
}

/** A node of the command tree. */
export type CommandNode = Command | CommandGroup;

/** Identity helper giving type checking and inference for a command literal. */
export function defineCommand(command: Omit<Command, 'kind'>): Command {
  return { kind: 'command', ...command };
}

/** Identity helper for a group literal. */
export function defineGroup(group: Omit<CommandGroup, 'kind'>): CommandGroup {
  return { kind: 'group', ...group };
}
