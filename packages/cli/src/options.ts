/**
 * Argument parsing (over `node:util` parseArgs) and option validation with one
 * message shape, as sharp's: `Expected integer between 1 and 10000 for --limit
 * but received -1 of type string`. All failures are usage errors (exit code 2).
 */
import { parseArgs } from 'node:util';
import type { Command, OptionSpec, OptionValues, ParsedArgs } from './command.js';
import { usageError } from './errors.js';

/** The help options every command and group accepts. */
export const HELP_OPTION = { type: 'boolean', short: 'h', description: 'Show this help' } as const;

function hintFor(commandPath: string): string {
  return `See '${commandPath} --help'.`;
}

/** Formats the received value and its type for a message (strings unquoted, as sharp). */
function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  const shown = Array.isArray(value) ? value.join(',') : String(value);
  return `${shown} of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** The standard validation message: `Expected <what> for --<flag> but received <value> of type <type>`. */
export function invalidOption(flag: string, expected: string, value: unknown, commandPath?: string): Error {
  const message = `Expected ${expected} for --${flag} but received ${received(value)}`;
  return usageError(message, commandPath === undefined ? undefined : hintFor(commandPath));
}

/**
 * Parses `argv` against `command`'s options. Unknown options, missing values,
 * values given to flags and wrong positional counts are usage errors whose
 * message names the option. `--help` is reported as `help: true` and skips the
 * positional check.
 */
export function parseCommandArgs(
  command: Command,
  argv: string[],
  commandPath: string,
): ParsedArgs & { help: boolean } {
  const spec: Record<string, OptionSpec> = { ...command.options, help: HELP_OPTION };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec)) {
    options[name] = {
      type: o.type,
      ...(o.short === undefined ? {} : { short: o.short }),
      ...(o.multiple === true ? { multiple: true } : {}),
    };
  }
  // Non-strict parsing with tokens, so that every problem gets our own message.
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const help = values['help'] === true;
  const hint = hintFor(commandPath);
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const o = spec[t.name];
    if (o === undefined) {
      if (help) continue;
      throw usageError(`Unknown option ${t.rawName} for ${commandPath}`, hint);
    }
    if (o.type === 'boolean' && t.value !== undefined) {
      throw usageError(`Option --${t.name} takes no value but received ${t.value}`, hint);
    }
    if (o.type === 'string') {
      // parseArgs (non-strict) takes `--limit --json` as limit="--json"; a value
      // starting with "--" is almost always a forgotten argument.
      const missing = t.value === undefined || (!t.inlineValue && t.value.startsWith('--') && t.value.length > 2);
      if (missing) {
        const name = o.valueName ?? 'VALUE';
        throw usageError(`Missing ${name} for --${t.name}`, hint);
      }
    }
  }
  if (!help) {
    // parseArgs keeps the last of repeated options; a repeat is more likely a mistake.
    const seen = new Set<string>();
    for (const t of tokens) {
      if (t.kind !== 'option' || spec[t.name]?.multiple === true) continue;
      if (seen.has(t.name)) throw usageError(`Option --${t.name} given more than once`, hint);
      seen.add(t.name);
    }
    const p = command.positionals;
    const min = p?.min ?? 0;
    const max = p?.max ?? (p === undefined ? 0 : Number.POSITIVE_INFINITY);
    if (positionals.length < min) {
      const what = min === 1 ? p!.name : `${min} ${p!.name} arguments`;
      throw usageError(`Missing ${what} for ${commandPath}`, hint);
    }
    if (positionals.some((x) => x === '')) {
      throw usageError(
        `Expected non-empty ${p?.name ?? 'argument'} for ${commandPath} but received an empty string`,
        hint,
      );
    }
    if (positionals.length > max) {
      const extra = positionals[max]!;
      throw usageError(
        max === 0
          ? `Unexpected argument ${extra} for ${commandPath}`
          : `Too many arguments for ${commandPath}: expected at most ${max} ${p!.name} but received ${positionals.length}`,
        hint,
      );
    }
  }
  return { values: values as OptionValues, positionals, commandPath, help };
}

/** The string value of option `name`, or undefined when absent. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidOption(name, 'a value', v, args.commandPath);
  return v;
}

/** All values of a repeatable string option (empty when absent). */
export function stringsOption(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x !== 'string') throw invalidOption(name, 'a value', x, args.commandPath);
    return x;
  });
}

/** True if boolean option `name` was given. */
export function flagOption(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Bounds for {@link integerOption}; `min` default 0, `max` default Number.MAX_SAFE_INTEGER. */
export interface IntegerBounds {
  min?: number;
  max?: number;
}

const INTEGER_TEXT = /^[+-]?\d+$/;

/**
 * Parses a decimal integer option within [min, max], or returns `fallback`
 * when absent. Message: `Expected integer between 1 and 10000 for --limit but
 * received -1 of type string`.
 */
export function integerOption(args: ParsedArgs, name: string, bounds: IntegerBounds, fallback: number): number;
export function integerOption(args: ParsedArgs, name: string, bounds: IntegerBounds): number | undefined;
export function integerOption(
  args: ParsedArgs,
  name: string,
  bounds: IntegerBounds,
  fallback?: number,
): number | undefined {
  const v = args.values[name];
  if (v === undefined) return fallback;
  return parseIntegerValue(name, v, bounds, args.commandPath);
}

/** Validates one raw value as an integer in bounds (see {@link integerOption}). */
export function parseIntegerValue(name: string, v: unknown, bounds: IntegerBounds, commandPath?: string): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const n = typeof v === 'string' && INTEGER_TEXT.test(v.trim()) ? Number(v.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `integer of at least ${min}` : `integer between ${min} and ${max}`;
    throw invalidOption(name, range, v, commandPath);
  }
  return n;
}

/** Bounds for {@link numberOption}; defaults -Infinity and Infinity (values must be finite). */
export interface NumberBounds {
  min?: number;
  max?: number;
}

/** Parses a finite decimal number option within [min, max], or returns `fallback` when absent. */
export function numberOption(args: ParsedArgs, name: string, bounds: NumberBounds, fallback: number): number;
export function numberOption(args: ParsedArgs, name: string, bounds: NumberBounds): number | undefined;
export function numberOption(
  args: ParsedArgs,
  name: string,
  bounds: NumberBounds,
  fallback?: number,
): number | undefined {
  const v = args.values[name];
  if (v === undefined) return fallback;
  const min = bounds.min ?? Number.NEGATIVE_INFINITY;
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    const range =
      Number.isFinite(min) && Number.isFinite(max)
        ? `number between ${min} and ${max}`
        : Number.isFinite(min)
          ? `number of at least ${min}`
          : Number.isFinite(max)
            ? `number of at most ${max}`
            : 'finite number';
    throw invalidOption(name, range, v, args.commandPath);
  }
  return n;
}

/**
 * Returns the option's value if it is one of `choices`, `fallback` when absent.
 * Message: `Expected one of: example, sequence, raw for --kind but received foo of type string`.
 */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T;
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined;
export function choiceOption<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback?: T,
): T | undefined {
  const v = args.values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw invalidOption(name, `one of: ${choices.join(', ')}`, v, args.commandPath);
  }
  return v as T;
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
 * KiB/MiB/GiB = 1024^n) within [min, max] bytes, or returns `fallback` when absent.
 */
export function byteSizeOption(
  args: ParsedArgs,
  name: string,
  bounds: IntegerBounds,
  fallback?: number,
): number | undefined {
  const v = args.values[name];
  if (v === undefined) return fallback;
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v) : null;
  const unit = m === null ? undefined : SIZE_UNITS[m[2]!.toLowerCase()];
  const n = m === null || unit === undefined ? Number.NaN : Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? `size of at least ${min} bytes (e.g. 64MB, 1GiB)`
        : `size between ${min} and ${max} bytes`;
    throw invalidOption(name, range, v, args.commandPath);
  }
  return n;
}
