/**
 * Typed options for commander, and the one validation message of the CLI, as
 * sharp's: `Expected integer between 1 and 10000 for --limit but received -1 of
 * type string`. Every option that takes a value is declared with a factory
 * below, which parses the text into its type (a number, a choice, a byte size)
 * while commander reads the command line, so a command's `run` only ever sees
 * typed values. All failures are usage errors (exit code 2); the framework adds
 * the `See '... --help'.` hint.
 */
import { Option } from '@commander-js/extra-typings';
import { usageError } from './errors.js';

/**
 * How a received value is shown in messages: `-1 of type string`. Command-line
 * values are always strings; the type is still named so that the message
 * reads the same as the libraries' for values given in code.
 */
export function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Uint8Array) return `${value.length} bytes of type Uint8Array`;
  return `${Array.isArray(value) ? value.join(',') : String(value)} of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** The standard validation error: `Expected <what> for --<flag> but received <value> of type <type>` (exit 2). */
export function invalidOption(flag: string, expected: string, value: unknown, hint?: string): Error {
  return usageError(`Expected ${expected} for --${flag} but received ${received(value)}`, hint);
}

/** The long name (without dashes) of commander flags such as `-n, --limit <N>`. */
export function longName(flags: string): string {
  const m = /--([A-Za-z0-9][\w-]*)/.exec(flags);
  if (m === null) throw new Error(`option flags without a long name: ${flags}`);
  return m[1]!;
}

/** Bounds for {@link parseInteger}; `min` default 0, `max` default Number.MAX_SAFE_INTEGER. */
export interface IntegerBounds {
  min?: number;
  max?: number;
}

const INTEGER_TEXT = /^[+-]?\d+$/;

/** Parses decimal integer text within [min, max] for option `--flag`, or throws the standard usage error. */
export function parseInteger(flag: string, text: string, bounds: IntegerBounds = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const n = INTEGER_TEXT.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `integer of at least ${min}` : `integer between ${min} and ${max}`;
    throw invalidOption(flag, range, text);
  }
  return n;
}

/** Bounds for {@link parseNumber}: inclusive `min`/`max` (default unbounded), or `above` (exclusive lower bound). */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** The value must be greater than this (e.g. 0 for a learning rate). */
  above?: number;
}

/** Parses finite decimal number text within the bounds for option `--flag`, or throws the standard usage error. */
export function parseNumber(flag: string, text: string, bounds: NumberBounds = {}): number {
  const min = bounds.min ?? Number.NEGATIVE_INFINITY;
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  const n = text.trim() !== '' ? Number(text) : Number.NaN;
  if (bounds.above !== undefined && !(n > bounds.above)) {
    throw invalidOption(flag, `number greater than ${bounds.above}`, text);
  }
  if (!Number.isFinite(n) || n < min || n > max) {
    const range =
      Number.isFinite(min) && Number.isFinite(max)
        ? `number between ${min} and ${max}`
        : Number.isFinite(min)
          ? `number of at least ${min}`
          : Number.isFinite(max)
            ? `number of at most ${max}`
            : 'finite number';
    throw invalidOption(flag, range, text);
  }
  return n;
}

/** Returns `text` if it is one of `choices`, or throws `Expected one of: a, b for --flag but received ...`. */
export function parseChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw invalidOption(flag, `one of: ${choices.join(', ')}`, text);
  return text as T;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses a byte size such as `1048576`, `64MB`, `1.5GiB` (decimal k/M/G = 1000^n,
 * KiB/MiB/GiB = 1024^n) within [min, max] bytes.
 */
export function parseByteSize(flag: string, text: string, bounds: IntegerBounds = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m === null ? undefined : SIZE_UNITS[m[2]!.toLowerCase()];
  const n = m === null || unit === undefined ? Number.NaN : Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? `size of at least ${min} bytes (e.g. 64MB, 1GiB)`
        : `size between ${min} and ${max} bytes`;
    throw invalidOption(flag, range, text);
  }
  return n;
}

/** Returns non-empty `text`, or throws `Expected non-empty <what> for --flag but received  of type string`. */
export function parseNonEmpty(flag: string, text: string, what = 'value'): string {
  if (text === '') throw invalidOption(flag, `non-empty ${what}`, text);
  return text;
}

/** A string option (`-o, --output <OUT>`): typed as string. */
export function stringOption<F extends string>(flags: F, description: string) {
  return new Option(flags, description);
}

/** A flag (`--json`): typed as `true` when given. */
export function flagOption<F extends string>(flags: F, description: string) {
  return new Option(flags, description);
}

/** An integer option within `bounds` (see {@link parseInteger}). */
export function integerOption<F extends string>(flags: F, description: string, bounds: IntegerBounds = {}) {
  const flag = longName(flags);
  return new Option(flags, description).argParser((text: string) => parseInteger(flag, text, bounds));
}

/** A finite number option within `bounds` (see {@link parseNumber}). */
export function numberOption<F extends string>(flags: F, description: string, bounds: NumberBounds = {}) {
  const flag = longName(flags);
  return new Option(flags, description).argParser((text: string) => parseNumber(flag, text, bounds));
}

/** An option whose value is one of `choices` (see {@link parseChoice}). */
export function choiceOption<F extends string, const T extends string>(
  flags: F,
  description: string,
  choices: readonly T[],
) {
  const flag = longName(flags);
  return new Option(flags, description).argParser((text: string): T => parseChoice(flag, text, choices));
}

/** A byte-size option (`64MB`, `1GiB`; see {@link parseByteSize}). */
export function byteSizeOption<F extends string>(flags: F, description: string, bounds: IntegerBounds = {}) {
  const flag = longName(flags);
  return new Option(flags, description).argParser((text: string) => parseByteSize(flag, text, bounds));
}

/** An option parsed by `parse(text, flag)`, which throws {@link invalidOption} errors for bad text. */
export function customOption<F extends string, T>(
  flags: F,
  description: string,
  parse: (text: string, flag: string) => T,
) {
  const flag = longName(flags);
  return new Option(flags, description).argParser((text: string) => parse(text, flag));
}

/** Options that may be given more than once (the framework refuses repeats of any other). */
export const REPEATABLE: WeakSet<object> = new WeakSet();

/** A repeatable string option (`--tag a --tag b`): typed as the list of values, in order. */
export function repeatableOption<F extends string>(flags: F, description: string) {
  const o = new Option(flags, description).argParser((text: string, previous: string[] | undefined) => [
    ...(previous ?? []),
    text,
  ]);
  REPEATABLE.add(o);
  return o;
}
