/**
 * Argument checks at the public boundary of `stylize`, `loadImage` and the
 * optimisers, with sharp's message shape:
 * `Expected integer between 1 and 10000 for iterations but received -1 of type number`.
 */
import { StyleError } from './errors.js';

/** The standard INVALID_OPTION error for option `name`. */
export function invalidOption(name: string, expected: string, actual: unknown): StyleError {
  let shown: string;
  try {
    shown = String(actual).slice(0, 100);
  } catch {
    shown = '?';
  }
  return new StyleError(
    'INVALID_OPTION',
    `Expected ${expected} for ${name} but received ${shown} of type ${typeof actual}`,
  );
}

/** Integer in [min, max]; returns it. */
export function checkInteger(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidOption(name, `integer between ${min} and ${max}`, v);
  }
  return v;
}

/** Finite number in [min, max] (or > min when `exclusiveMin`); returns it. */
export function checkNumber(name: string, v: unknown, min: number, max: number, exclusiveMin = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max;
  if (!ok) {
    const range = exclusiveMin
      ? max === Number.MAX_VALUE
        ? `number greater than ${min}`
        : `number greater than ${min} and at most ${max}`
      : max === Number.MAX_VALUE
        ? `number of at least ${min}`
        : `number between ${min} and ${max}`;
    throw invalidOption(name, range, v);
  }
  return v as number;
}

/** One of the listed strings; returns it. */
export function checkChoice<T extends string>(name: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw invalidOption(name, `one of: ${choices.join(', ')}`, v);
  }
  return v as T;
}
