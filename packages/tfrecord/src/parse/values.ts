/** Small helpers over the three value containers (BigInt64Array, Float32Array, Uint8Array[]). */
import type { Feature, Features } from '../example/types.js';
import type { AnyValues, DType } from './types.js';

/** Product of a shape's dimensions (1 for a scalar shape `[]`). */
export function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

const EMPTY_BYTES = new Uint8Array(0);

/** A new container of `n` values of `dtype`, filled with `fill` (default 0 / empty bytes). */
export function allocValues(dtype: DType, n: number, fill?: AnyValues): AnyValues {
  if (dtype === 'int64') {
    const a = new BigInt64Array(n);
    const f = fill === undefined ? 0n : (fill as BigInt64Array)[0];
    if (f !== undefined && f !== 0n) a.fill(f);
    return a;
  }
  if (dtype === 'float32') {
    const a = new Float32Array(n);
    const f = fill === undefined ? 0 : (fill as Float32Array)[0];
    if (f !== undefined && f !== 0) a.fill(f);
    return a;
  }
  const f = fill === undefined ? EMPTY_BYTES : ((fill as Uint8Array[])[0] ?? EMPTY_BYTES);
  return new Array<Uint8Array>(n).fill(f);
}

/** Copies all of `src` into `out` at `offset` (same container type). */
export function copyInto(out: AnyValues, src: AnyValues, offset: number): void {
  if (Array.isArray(out)) {
    const s = src as Uint8Array[];
    for (let i = 0; i < s.length; i++) out[offset + i] = s[i] as Uint8Array;
  } else {
    (out as Float32Array).set(src as Float32Array, offset);
  }
}

/** A copy of `src` (a fresh array, so callers may mutate results freely). */
export function cloneValues(src: AnyValues): AnyValues {
  return Array.isArray(src) ? src.slice() : src.slice();
}

/** A zero-length container. */
export function emptyValues(dtype: DType): AnyValues {
  return dtype === 'int64' ? new BigInt64Array(0) : dtype === 'float32' ? new Float32Array(0) : [];
}

/** Concatenates parts (all of `dtype`) into one container. */
export function concatValues(dtype: DType, parts: readonly AnyValues[], total: number): AnyValues {
  if (parts.length === 1 && (parts[0] as AnyValues).length === total) return parts[0] as AnyValues;
  const out = dtype === 'string' ? new Array<Uint8Array>(total) : allocValues(dtype, total);
  let off = 0;
  for (const p of parts) {
    copyInto(out, p, off);
    off += p.length;
  }
  return out;
}

/**
 * A getter for feature `key` of a Features map. Decoded maps have a null
 * prototype; for hand-built plain objects, names such as `constructor` must not
 * resolve to Object.prototype, so only those names pay for an own-property check.
 */
export function featureGetter(key: string): (features: Features) => Feature | undefined {
  if (key in Object.prototype) {
    return (features) => (Object.hasOwn(features, key) ? features[key] : undefined);
  }
  return (features) => features[key];
}

/** Same as {@link featureGetter}, for feature lists. */
export function listGetter(key: string): (lists: Record<string, Feature[]>) => Feature[] | undefined {
  if (key in Object.prototype) {
    return (lists) => (Object.hasOwn(lists, key) ? lists[key] : undefined);
  }
  return (lists) => lists[key];
}
