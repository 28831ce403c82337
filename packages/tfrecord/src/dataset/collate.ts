/**
 * Turning a batch of elements into dense arrays: `stack` (equal shapes) and
 * `padBatch` (sequences of different lengths, padded).
 */
import { TFRecordError } from '../errors.js';
import type { DenseArray, TypedArray } from './types.js';

/** What {@link stack} makes of a batch of `T`. */
export type Stacked<T> = T extends TypedArray
  ? DenseArray<T>
  : T extends DenseArray<infer A>
    ? DenseArray<A>
    : T extends number
      ? DenseArray<Float64Array>
      : T extends bigint
        ? DenseArray<BigInt64Array>
        : T extends readonly unknown[]
          ? T[]
          : T extends Record<string, unknown>
            ? { -readonly [K in keyof T]: Stacked<T[K]> }
            : T[];

type TypedArrayCtor = new (length: number) => TypedArray;

/** True for any typed array (not DataView). */
export function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function isDense(x: unknown): x is DenseArray {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as DenseArray).kind === 'dense' &&
    Array.isArray((x as DenseArray).shape) &&
    (isTypedArray((x as DenseArray).values) || Array.isArray((x as DenseArray).values))
  );
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function where(path: string): string {
  return path === '' ? '' : ` for '${path}'`;
}

function concatValues(parts: readonly (TypedArray | readonly unknown[])[], path: string): TypedArray | unknown[] {
  const first = parts[0]!;
  if (Array.isArray(first)) return (parts as readonly unknown[][]).flat();
  const ctor = first.constructor as TypedArrayCtor;
  let total = 0;
  for (const p of parts) {
    if (p.constructor !== ctor) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `cannot stack ${ctor.name} with ${p.constructor.name}${where(path)}: every element needs the same type`,
      );
    }
    total += p.length;
  }
  const out = new ctor(total);
  let at = 0;
  for (const p of parts as readonly TypedArray[]) {
    (out as { set(a: ArrayLike<unknown>, o: number): void }).set(p, at);
    at += p.length;
  }
  return out;
}

function stackAt(items: readonly unknown[], path: string): unknown {
  const first = items[0];
  if (isTypedArray(first) || isDense(first)) {
    const shapeOf = (x: unknown): readonly number[] => (isDense(x) ? x.shape : [(x as TypedArray).length]);
    const shape = shapeOf(first);
    const parts: (TypedArray | readonly unknown[])[] = [];
    items.forEach((x, i) => {
      if (!isTypedArray(x) && !isDense(x)) {
        throw new TFRecordError(
          'INVALID_ARGUMENT',
          `cannot stack batch element ${i}${where(path)}: not an array like element 0`,
        );
      }
      const s = shapeOf(x);
      if (s.length !== shape.length || s.some((d, k) => d !== shape[k])) {
        throw new TFRecordError(
          'INVALID_ARGUMENT',
          `cannot stack batch element ${i}${where(path)}: shape ${shapeText(s)} differs from ${shapeText(shape)} of element 0 (use paddedBatch for sequences of different lengths)`,
        );
      }
      parts.push(isDense(x) ? x.values : x);
    });
    return { kind: 'dense', values: concatValues(parts, path), shape: [items.length, ...shape] };
  }
  if (typeof first === 'number' || typeof first === 'bigint') {
    const out = typeof first === 'number' ? new Float64Array(items.length) : new BigInt64Array(items.length);
    items.forEach((x, i) => {
      if (typeof x !== typeof first) {
        throw new TFRecordError(
          'INVALID_ARGUMENT',
          `cannot stack batch element ${i}${where(path)}: ${typeof x} among ${typeof first} values`,
        );
      }
      (out as unknown as unknown[])[i] = x;
    });
    return { kind: 'dense', values: out, shape: [items.length] };
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      const column = items.map((x, i) => {
        if (!isPlainObject(x) || !(key in x)) {
          throw new TFRecordError(
            'INVALID_ARGUMENT',
            `cannot stack batch element ${i}: it has no key '${path === '' ? key : `${path}.${key}`}'`,
          );
        }
        return x[key];
      });
      out[key] = stackAt(column, path === '' ? key : `${path}.${key}`);
    }
    return out;
  }
  return [...items];
}

/**
 * Collates a batch: typed arrays and dense arrays of equal shape become one
 * {@link DenseArray} of shape `[batch, ...shape]` (values concatenated, same
 * type; byte-string lists concatenated); numbers become a Float64Array and
 * bigints a BigInt64Array of shape `[batch]`; plain objects are collated key
 * by key (e.g. parse results); anything else is kept as an array.
 * Unequal shapes throw INVALID_ARGUMENT naming the element and key.
 */
export function stack<T>(items: readonly T[]): Stacked<T> {
  if (items.length === 0) return [] as unknown as Stacked<T>;
  return stackAt(items, '') as Stacked<T>;
}

/** A padded dimension: a fixed size, or `undefined`/-1 for the longest in the batch. */
export type PaddedShape = readonly (number | undefined)[];

/** Options for {@link padBatch} and `Dataset.paddedBatch`. */
export interface PadOptions {
  /** Target shape per element (without the batch dimension), or per key for objects. Default: the longest in each dimension. */
  paddedShapes?: PaddedShape | Readonly<Record<string, PaddedShape>>;
  /** Fill value (default 0 / 0n), or per key for objects. */
  paddingValues?: number | bigint | Readonly<Record<string, number | bigint>>;
}

/** What {@link padBatch} makes of a batch of `T`. */
export type Padded<T> = T extends TypedArray
  ? DenseArray<T>
  : T extends DenseArray<infer A>
    ? DenseArray<A>
    : T extends readonly number[]
      ? DenseArray<Float64Array>
      : T extends Record<string, unknown>
        ? { -readonly [K in keyof T]: Padded<T[K]> }
        : never;

function padComponent(
  items: readonly unknown[],
  path: string,
  padded: PaddedShape | undefined,
  fill: number | bigint | undefined,
): DenseArray<TypedArray> {
  const shapes: (readonly number[])[] = [];
  const values: TypedArray[] = [];
  items.forEach((x, i) => {
    if (isTypedArray(x)) {
      shapes.push([x.length]);
      values.push(x);
    } else if (isDense(x) && isTypedArray(x.values)) {
      shapes.push(x.shape);
      values.push(x.values);
    } else if (Array.isArray(x) && x.every((v) => typeof v === 'number')) {
      shapes.push([x.length]);
      values.push(Float64Array.from(x as number[]));
    } else {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `cannot pad batch element ${i}${where(path)}: expected a typed array, a number array or a dense array of a typed array`,
      );
    }
  });
  const rank = shapes[0]!.length;
  const ctor = values[0]!.constructor as TypedArrayCtor;
  const target: number[] = new Array<number>(rank).fill(0);
  shapes.forEach((s, i) => {
    if (s.length !== rank) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `cannot pad batch element ${i}${where(path)}: rank ${s.length} differs from rank ${rank} of element 0`,
      );
    }
    if (values[i]!.constructor !== ctor) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `cannot pad batch element ${i}${where(path)}: ${values[i]!.constructor.name} among ${ctor.name} values`,
      );
    }
    s.forEach((d, k) => (target[k] = Math.max(target[k]!, d)));
  });
  if (padded !== undefined) {
    if (padded.length !== rank) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `paddedShapes${where(path)} has rank ${padded.length} but the elements have rank ${rank}`,
      );
    }
    padded.forEach((d, k) => {
      if (d === undefined || d === -1) return;
      shapes.forEach((s, i) => {
        if (s[k]! > d) {
          throw new TFRecordError(
            'INVALID_ARGUMENT',
            `cannot pad batch element ${i}${where(path)}: shape ${shapeText(s)} exceeds paddedShapes ${shapeText(padded.map((v) => v ?? -1))}`,
          );
        }
      });
      target[k] = d;
    });
  }
  const per = target.reduce((a, b) => a * b, 1);
  const out = new ctor(items.length * per);
  const isBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const pad = fill ?? (isBig ? 0n : 0);
  if (typeof pad === 'bigint' ? !isBig : isBig) {
    throw new TFRecordError(
      'INVALID_ARGUMENT',
      `paddingValues${where(path)} must be a ${isBig ? 'bigint' : 'number'} for ${ctor.name} elements`,
    );
  }
  if (pad !== 0 && pad !== 0n) (out as { fill(v: unknown): void }).fill(pad);
  const dst = out as { set(a: ArrayLike<unknown>, o: number): void };
  // Strides of the padded element, to place each innermost row of the source.
  const strides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1]! * target[k + 1]!;
  shapes.forEach((s, i) => {
    const src = values[i]!;
    const base = i * per;
    if (rank === 0) {
      dst.set(src, base);
      return;
    }
    const row = s[rank - 1]!;
    const rows = row === 0 ? 0 : src.length / row;
    const idx = new Array<number>(rank - 1).fill(0);
    for (let r = 0; r < rows; r++) {
      let at = base;
      for (let k = 0; k < rank - 1; k++) at += idx[k]! * strides[k]!;
      dst.set(src.subarray(r * row, (r + 1) * row), at);
      for (let k = rank - 2; k >= 0; k--) {
        if (++idx[k]! < s[k]!) break;
        idx[k] = 0;
      }
    }
  });
  return { kind: 'dense', values: out, shape: [items.length, ...target] };
}

/**
 * Pads a batch of sequences to a common shape and stacks them into
 * {@link DenseArray}s of shape `[batch, ...paddedShape]`. Elements are typed
 * arrays (shape `[length]`), number arrays (to Float64Array), dense arrays of
 * any rank, or plain objects of those (padded key by key).
 */
export function padBatch<T>(items: readonly T[], options: PadOptions = {}): Padded<T> {
  if (items.length === 0) return [] as unknown as Padded<T>;
  const first = items[0];
  const keyed = isPlainObject(first) && !isDense(first);
  if (!keyed) {
    if (options.paddedShapes !== undefined && !Array.isArray(options.paddedShapes)) {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        'paddedShapes must be an array of dimensions for elements that are not objects',
      );
    }
    if (options.paddingValues !== undefined && typeof options.paddingValues === 'object') {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        'paddingValues must be a number or bigint for elements that are not objects',
      );
    }
    return padComponent(
      items,
      '',
      options.paddedShapes as PaddedShape | undefined,
      options.paddingValues as number | bigint | undefined,
    ) as Padded<T>;
  }
  const shapes = options.paddedShapes;
  const fills = options.paddingValues;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first as object)) {
    const column = items.map((x, i) => {
      if (!isPlainObject(x) || !(key in x)) {
        throw new TFRecordError('INVALID_ARGUMENT', `cannot pad batch element ${i}: it has no key '${key}'`);
      }
      return x[key];
    });
    const shape =
      shapes === undefined || Array.isArray(shapes) ? undefined : (shapes as Record<string, PaddedShape>)[key];
    const fill = typeof fills === 'object' ? fills[key] : fills;
    out[key] = padComponent(column, key, shape, fill);
  }
  return out as Padded<T>;
}
