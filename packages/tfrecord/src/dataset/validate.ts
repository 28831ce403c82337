/** Option checks for the Dataset API, with the package's one message shape. */
import { TFRecordError } from '../errors.js';
import { describe } from '../framing/options.js';

/** Throws INVALID_ARGUMENT: `Expected <expected> for <name> but received <value> of type <type>`. */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new TFRecordError('INVALID_ARGUMENT', `Expected ${expected} for ${name} but received ${describe(value)}`);
}

/** Checks an integer in [min, max]; returns it. */
export function checkInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const expected =
      max === Number.MAX_SAFE_INTEGER
        ? min === 0
          ? 'non-negative integer'
          : min === 1
            ? 'positive integer'
            : `integer of at least ${min}`
        : `integer between ${min} and ${max}`;
    invalid(name, expected, value);
  }
  return value;
}

/** Checks a boolean; returns it. */
export function checkBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalid(name, 'boolean', value);
  return value;
}

/** Checks a function; returns it. */
export function checkFn<F>(name: string, value: F): F {
  if (typeof value !== 'function') invalid(name, 'function', value);
  return value;
}
