/** The feature maps the decoders fill (decode.ts, fast.ts). */
import type { Feature } from './types.js';

/** The Feature of a map entry with no value, or an empty one: one frozen object for all. */
export const NONE_FEATURE: Feature = Object.freeze({ kind: 'none' }) as Feature;

/**
 * An empty object without a prototype, for a map from feature names (so any
 * name, `__proto__` too, is an ordinary key). Not `Object.create(null)`: V8
 * makes that a dictionary-mode object, slow to fill; an empty literal whose prototype is then
 * set to null stays a fast object, sharing hidden classes across records
 * (four features: about 75 ns to make and fill instead of about 230 ns).
 */
export function nullPrototypeMap<T>(): Record<string, T> {
  return Object.setPrototypeOf({}, null) as Record<string, T>;
}

/**
 * `out[key] = f` for the `entry`-th map entry of a message, from one store
 * site per position for the first eight: records of one dataset name their
 * features in the same order, so each site sees one key and one hidden
 * class and its inline cache stays monomorphic (a few ns), where a single
 * site sees them all and goes megamorphic (about 30 ns a store).
 */
export function putEntry<T>(out: Record<string, T>, entry: number, key: string, f: T): void {
  switch (entry) {
    case 0:
      out[key] = f;
      return;
    case 1:
      out[key] = f;
      return;
    case 2:
      out[key] = f;
      return;
    case 3:
      out[key] = f;
      return;
    case 4:
      out[key] = f;
      return;
    case 5:
      out[key] = f;
      return;
    case 6:
      out[key] = f;
      return;
    case 7:
      out[key] = f;
      return;
    default:
      out[key] = f;
  }
}
