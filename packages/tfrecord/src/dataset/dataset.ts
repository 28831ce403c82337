/**
 * Dataset<T>: a reusable recipe for an async stream, after tf.data and tfjs-data.
 * Each iteration opens a fresh stream from the source through every operator;
 * breaking out of `for await` (or aborting) closes every operator and source.
 */
import { TFRecordError } from '../errors.js';
import { abortError, anySignal, raceAbort } from './abort.js';
import { padBatch, stack } from './collate.js';
import type { PadOptions, Padded, Stacked } from './collate.js';
import { concatOp, enumerateOp, filterOp, repeatOp, shardOp, skipOp, takeOp } from './ops/basic.js';
import { batchOp, unbatchOp } from './ops/batch.js';
import { ignoreErrorsOp } from './ops/errors.js';
import { interleaveOp } from './ops/interleave.js';
import { mapOp } from './ops/map.js';
import { prefetchOp } from './ops/prefetch.js';
import { shuffleOp } from './ops/shuffle.js';
import { SeededRandom, randomSeed } from './random.js';
import { SkipCounter, isDataError } from './skip.js';
import type { SkipEvent, SkipKind } from './skip.js';
import type { DatasetSize, IterateOptions, IterationContext, Opener } from './types.js';
import { compileSpec } from '../parse/example.js';
import type { ExampleRecord } from '../parse/example.js';
import type { ParseSpec, ParsedFeatures } from '../parse/spec.js';
import { checkBool, checkFn, checkInt, invalid } from './validate.js';

/** Options for {@link Dataset.map}. */
export interface MapOptions {
  /** Calls of `fn` in flight at once (default 1); output order is always input order. */
  concurrency?: number;
}

/** Options for {@link Dataset.shuffle}. */
export interface ShuffleOptions {
  /** Seed (a safe integer) for a reproducible order; default random. */
  seed?: number;
  /**
   * Draw a new order for every iteration (default true). The sequence of orders
   * is itself fixed by `seed`: the first iteration uses `seed`, later ones seeds derived from it.
   */
  reshuffleEachIteration?: boolean;
}

/** Options for {@link Dataset.batch}. */
export interface BatchOptions<T, U> {
  /** Drop a last batch shorter than the batch size (default false). */
  dropRemainder?: boolean;
  /** Turns the array of elements into the batch (default: keep the array). See {@link stack}. */
  collate?: (items: T[]) => U | Promise<U>;
}

/** Options for {@link Dataset.paddedBatch}. */
export interface PaddedBatchOptions extends PadOptions {
  /** Drop a last batch shorter than the batch size (default false). */
  dropRemainder?: boolean;
}

/** Options for {@link Dataset.interleave}. */
export interface InterleaveOptions {
  /** Inner streams open at once (default 4). */
  cycleLength?: number;
  /** Consecutive elements taken from one inner stream before moving on (default 1). */
  blockLength?: number;
  /**
   * 1 (default): inner streams are read only when their turn comes. Greater:
   * every open inner stream reads ahead `blockLength` elements concurrently; the
   * output order is the same as with 1 (tf.data's `deterministic=True`).
   */
  numParallelCalls?: number;
}

/** Options for {@link Dataset.ignoreErrors}. */
export interface IgnoreErrorsOptions {
  /** Counter to add skips to (share one across files for a total); default a fresh one per call. */
  counter?: SkipCounter;
  /** Called for every skip (in addition to the counter's own callback). */
  onSkip?: (event: SkipEvent) => void;
  /** Which errors end the stream quietly (default: data errors, see {@link isDataError}). */
  accept?: (error: unknown) => boolean;
}

/** Options for {@link Dataset.fromIterable}. */
export interface SourceOptions {
  /** Known size (default 'unknown'). */
  size?: DatasetSize;
  /** Name in {@link Dataset.toString} (default 'generator'). */
  name?: string;
}

function checkSize(name: string, size: unknown): DatasetSize {
  if (size === 'unknown' || size === 'infinite') return size;
  return checkInt(name, size, 0);
}

function scaleSize(size: DatasetSize, f: (n: number) => number): DatasetSize {
  return typeof size === 'number' ? f(size) : size;
}

/**
 * Iterates `open` under `signal`: a pending `next()` rejects with ABORTED as soon
 * as the signal fires, and the stream is then closed (files released) before
 * the rejection reaches the caller.
 */
async function* guarded<T>(open: Opener<T>, signal: AbortSignal): AsyncGenerator<T, void, undefined> {
  if (signal.aborted) throw abortError(signal);
  const it = open({ signal });
  try {
    for (;;) {
      const r = await raceAbort(it.next(), signal);
      if (r.done === true) return;
      yield r.value;
      if (signal.aborted) throw abortError(signal);
    }
  } finally {
    // An async generator serves return() after the pending next() settles;
    // sources watch the signal, so that is prompt.
    await it.return(undefined).catch(() => undefined);
  }
}

/**
 * A reusable, lazily evaluated stream recipe. Build one from a source
 * ({@link Dataset.from}, {@link Dataset.fromIterable}, {@link Dataset.range}, or
 * the file sources of the Node entry), chain operators, then iterate with
 * `for await` or {@link Dataset.iterate}. Iterating again starts afresh.
 */
export class Dataset<T> implements AsyncIterable<T> {
  /** Number of elements if known without iterating; see {@link DatasetSize}. */
  readonly size: DatasetSize;
  readonly #open: Opener<T>;
  readonly #chain: readonly string[];

  private constructor(open: Opener<T>, size: DatasetSize, chain: readonly string[]) {
    this.#open = open;
    this.size = size;
    this.#chain = chain;
  }

  /**
   * A source dataset from a function that opens a fresh stream per iteration
   * (an async generator function is typical). Generic extension point: file
   * sources are built this way. The context carries the iteration's AbortSignal.
   */
  static fromIterable<T>(
    factory: (ctx: IterationContext) => AsyncIterable<T> | Iterable<T>,
    options: SourceOptions = {},
  ): Dataset<T> {
    checkFn('factory', factory);
    const size = checkSize('size', options.size ?? 'unknown');
    const name = options.name ?? 'generator';
    return new Dataset(
      async function* (ctx) {
        yield* factory(ctx);
      },
      size,
      [name],
    );
  }

  /** The elements of an array or iterable (copied once, so later changes do not show); size known. */
  static from<T>(items: Iterable<T> | ArrayLike<T>): Dataset<T> {
    if (typeof items !== 'object' || items === null) invalid('items', 'array or iterable', items);
    const copy = Array.from(items);
    return new Dataset(
      async function* () {
        yield* copy;
      },
      copy.length,
      [`from(${copy.length})`],
    );
  }

  /** Integers `start, start + step, ...` below `end` (above it for a negative step); `range(n)` is 0..n-1. */
  static range(start: number, end?: number, step = 1): Dataset<number> {
    let lo = start;
    let hi = end;
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    checkInt('start', lo, Number.MIN_SAFE_INTEGER);
    checkInt('end', hi, Number.MIN_SAFE_INTEGER);
    checkInt('step', step, Number.MIN_SAFE_INTEGER);
    if (step === 0) invalid('step', 'non-zero integer', step);
    const a = lo;
    const b = hi;
    const n = Math.max(0, Math.ceil((b - a) / step));
    return new Dataset(
      async function* () {
        for (let i = 0; i < n; i++) yield a + i * step;
      },
      n,
      [`range(${n})`],
    );
  }

  /** Adds an operator: `op` turns the upstream stream into the new one. Generic extension point. */
  apply<U>(
    name: string,
    op: (
      upstream: () => AsyncGenerator<T, void, undefined>,
      ctx: IterationContext,
    ) => AsyncGenerator<U, void, undefined>,
    size: DatasetSize | ((upstream: DatasetSize) => DatasetSize) = 'unknown',
  ): Dataset<U> {
    const open = this.#open;
    return new Dataset<U>((ctx) => op(() => open(ctx), ctx), typeof size === 'function' ? size(this.size) : size, [
      ...this.#chain,
      name,
    ]);
  }

  /** Opens one fresh stream; with a `signal`, aborting rejects with TFRecordError ABORTED and closes every source. */
  iterate(options: IterateOptions = {}): AsyncGenerator<T, void, undefined> {
    const signal = options.signal;
    if (signal === undefined) return this.#open({ signal: undefined });
    if (!(signal instanceof AbortSignal)) invalid('signal', 'AbortSignal', signal);
    return guarded(this.#open, signal);
  }

  /** Same as `iterate()`: `for await (const x of dataset)`. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this.iterate();
  }

  /** This dataset, with every iteration also aborted by `signal` (see {@link Dataset.iterate}). */
  withSignal(signal: AbortSignal): Dataset<T> {
    if (!(signal instanceof AbortSignal)) invalid('signal', 'AbortSignal', signal);
    const open = this.#open;
    return new Dataset((ctx) => guarded(open, anySignal(ctx.signal, signal)!), this.size, this.#chain);
  }

  /** `fn` applied to each element (sync or async), in order, with up to `concurrency` calls in flight. */
  map<U>(fn: (x: T, index: number) => U | Promise<U>, options: MapOptions = {}): Dataset<U> {
    checkFn('fn', fn);
    const concurrency = checkInt('concurrency', options.concurrency ?? 1, 1);
    return this.apply(
      concurrency === 1 ? 'map' : `map(concurrency=${concurrency})`,
      (up) => mapOp(up, fn, concurrency),
      this.size,
    );
  }

  /** Elements for which `predicate` is true; size becomes unknown. */
  filter(predicate: (x: T, index: number) => boolean | Promise<boolean>): Dataset<T> {
    checkFn('predicate', predicate);
    return this.apply('filter', (up) => filterOp(up, predicate), this.size === 'infinite' ? 'infinite' : 'unknown');
  }

  /**
   * Randomly shuffled with a buffer of `bufferSize` elements (tf.data's
   * algorithm: uniform when the buffer holds the whole dataset). Memory: the buffer.
   */
  shuffle(bufferSize: number, options: ShuffleOptions = {}): Dataset<T> {
    checkInt('bufferSize', bufferSize, 1);
    const seed = options.seed ?? randomSeed();
    checkInt('seed', seed, 0);
    const reshuffle = checkBool('reshuffleEachIteration', options.reshuffleEachIteration ?? true);
    const seeds = new SeededRandom(seed);
    let epoch = 0;
    return this.apply(
      `shuffle(${bufferSize})`,
      (up) => shuffleOp(up, bufferSize, !reshuffle || epoch++ === 0 ? seed : seeds.nextSeed()),
      this.size,
    );
  }

  /**
   * Consecutive elements in groups of `size`: arrays by default, or whatever
   * `collate` makes of each array (e.g. {@link stack} for dense typed arrays).
   */
  batch(size: number, options?: { dropRemainder?: boolean }): Dataset<T[]>;
  batch<U>(size: number, options: BatchOptions<T, U> & { collate: (items: T[]) => U | Promise<U> }): Dataset<U>;
  batch<U>(size: number, options: BatchOptions<T, U> = {}): Dataset<U | T[]> {
    checkInt('batchSize', size, 1);
    const drop = checkBool('dropRemainder', options.dropRemainder ?? false);
    if (options.collate !== undefined) checkFn('collate', options.collate);
    return this.apply(
      `batch(${size})`,
      (up) => batchOp(up, size, drop, options.collate),
      scaleSize(this.size, (n) => (drop ? Math.floor(n / size) : Math.ceil(n / size))),
    );
  }

  /** Batches of `size` collated with {@link stack}: typed arrays and parse results become `[batch, ...]` dense arrays. */
  stackedBatch(size: number, options: { dropRemainder?: boolean } = {}): Dataset<Stacked<T>> {
    return this.batch(size, { ...options, collate: (items: T[]) => stack(items) });
  }

  /**
   * Batches of `size` sequences padded to a common shape (see {@link padBatch}):
   * typed arrays, number arrays, dense arrays or objects of them.
   */
  paddedBatch(size: number, options: PaddedBatchOptions = {}): Dataset<Padded<T>> {
    checkInt('batchSize', size, 1);
    const drop = checkBool('dropRemainder', options.dropRemainder ?? false);
    const pad: PadOptions = {
      ...(options.paddedShapes === undefined ? {} : { paddedShapes: options.paddedShapes }),
      ...(options.paddingValues === undefined ? {} : { paddingValues: options.paddingValues }),
    };
    return this.apply(
      `paddedBatch(${size})`,
      (up) => batchOp(up, size, drop, (items: T[]) => padBatch(items, pad)),
      scaleSize(this.size, (n) => (drop ? Math.floor(n / size) : Math.ceil(n / size))),
    ) as Dataset<Padded<T>>;
  }

  /**
   * Each record (Example bytes or a decoded Example) parsed with `spec`, as
   * tf.io.parse_single_example; errors name the record number in the stream.
   * For batches, {@link Dataset.parseBatch} is faster.
   */
  parse<S extends ParseSpec>(this: Dataset<ExampleRecord>, spec: S): Dataset<ParsedFeatures<S>> {
    const parser = compileSpec(spec);
    return this.apply('parse', (up) => mapOp(up, (r: ExampleRecord, i) => parser.parse(r, i), 1), this.size);
  }

  /**
   * Records in batches of `batchSize`, each batch parsed at once with `spec` as
   * tf.io.parse_example: dense features become `[batch, ...shape]` tensors.
   * Errors name the record's position in its batch.
   */
  parseBatch<S extends ParseSpec>(
    this: Dataset<ExampleRecord>,
    batchSize: number,
    spec: S,
    options: { dropRemainder?: boolean } = {},
  ): Dataset<ParsedFeatures<S>> {
    checkInt('batchSize', batchSize, 1);
    const drop = checkBool('dropRemainder', options.dropRemainder ?? false);
    const parser = compileSpec(spec);
    return this.apply(
      `parseBatch(${batchSize})`,
      (up) => batchOp(up, batchSize, drop, (items: ExampleRecord[]) => parser.parseBatch(items)),
      scaleSize(this.size, (n) => (drop ? Math.floor(n / batchSize) : Math.ceil(n / batchSize))),
    ) as Dataset<ParsedFeatures<S>>;
  }

  /** The elements of each element (arrays, typed arrays, iterables), one level flattened. */
  unbatch<U>(this: Dataset<Iterable<U> | ArrayLike<U>>): Dataset<U> {
    return this.apply('unbatch', (up) => unbatchOp(up), this.size === 'infinite' ? 'infinite' : 'unknown');
  }

  /**
   * Maps each element to a dataset (or async iterable) and interleaves them in
   * tf.data's order: `cycleLength` open at once, `blockLength` elements each in turn.
   */
  interleave<U>(
    fn: (x: T) => Dataset<U> | AsyncIterable<U> | Iterable<U>,
    options: InterleaveOptions = {},
  ): Dataset<U> {
    checkFn('fn', fn);
    const cycleLength = checkInt('cycleLength', options.cycleLength ?? 4, 1);
    const blockLength = checkInt('blockLength', options.blockLength ?? 1, 1);
    const numParallelCalls = checkInt('numParallelCalls', options.numParallelCalls ?? 1, 1);
    return this.apply(
      cycleLength === 1 ? 'flatMap' : `interleave(${cycleLength})`,
      (up, ctx) => interleaveOp(up, (x) => openInner(fn(x), ctx), { cycleLength, blockLength, numParallelCalls }),
      'unknown',
    );
  }

  /** Each element mapped to a dataset or iterable, concatenated in order (interleave with cycleLength 1). */
  flatMap<U>(fn: (x: T) => Dataset<U> | AsyncIterable<U> | Iterable<U>): Dataset<U> {
    return this.interleave(fn, { cycleLength: 1 });
  }

  /** Reads up to `bufferSize` elements ahead of the consumer. Memory: that many elements. */
  prefetch(bufferSize: number): Dataset<T> {
    checkInt('bufferSize', bufferSize, 1);
    return this.apply(`prefetch(${bufferSize})`, (up) => prefetchOp(up, bufferSize), this.size);
  }

  /** Every `numShards`-th element starting at `index` (tf.data's shard: element i goes to shard i mod numShards). */
  shard(numShards: number, index: number): Dataset<T> {
    checkInt('numShards', numShards, 1);
    checkInt('index', index, 0, numShards - 1);
    return this.apply(
      `shard(${numShards}, ${index})`,
      (up) => shardOp(up, numShards, index),
      scaleSize(this.size, (n) => Math.floor(n / numShards) + (index < n % numShards ? 1 : 0)),
    );
  }

  /** The dataset `count` times over, or forever without a count; each pass is a fresh iteration. */
  repeat(count?: number): Dataset<T> {
    if (count !== undefined) checkInt('count', count, 0);
    const size: DatasetSize =
      count === undefined
        ? this.size === 0
          ? 0
          : 'infinite'
        : count === 0
          ? 0
          : scaleSize(this.size, (n) => n * count);
    return this.apply(count === undefined ? 'repeat' : `repeat(${count})`, (up) => repeatOp(up, count), size);
  }

  /** The first `count` elements (pulls nothing more). */
  take(count: number): Dataset<T> {
    checkInt('count', count, 0);
    const size: DatasetSize = this.size === 'infinite' ? count : scaleSize(this.size, (n) => Math.min(n, count));
    return this.apply(`take(${count})`, (up) => takeOp(up, count), size);
  }

  /** All but the first `count` elements. */
  skip(count: number): Dataset<T> {
    checkInt('count', count, 0);
    return this.apply(
      `skip(${count})`,
      (up) => skipOp(up, count),
      scaleSize(this.size, (n) => Math.max(0, n - count)),
    );
  }

  /** `[index, element]` pairs, counting from `start` (default 0). */
  enumerate(start = 0): Dataset<[number, T]> {
    checkInt('start', start, Number.MIN_SAFE_INTEGER);
    return this.apply('enumerate', (up) => enumerateOp(up, start), this.size);
  }

  /** This dataset's elements, then `other`'s. */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) invalid('other', 'Dataset', other);
    const open = this.#open;
    const openOther = other.#open;
    const a = this.size;
    const b = other.size;
    const size: DatasetSize =
      a === 'infinite' || b === 'infinite'
        ? 'infinite'
        : typeof a === 'number' && typeof b === 'number'
          ? a + b
          : 'unknown';
    return new Dataset((ctx) => concatOp([() => open(ctx), () => openOther(ctx)]), size, [
      ...this.#chain,
      `concatenate(${other.toString()})`,
    ]);
  }

  /**
   * Ends the stream quietly, counting the error, when the upstream throws a
   * data error (or one `accept`ed). A failed stream cannot resume, so apply it
   * per file (inside `interleave`/`flatMap`) to skip the rest of a bad file and
   * continue with the next; for per-record skipping use the file sources'
   * `skipCorrupt` option.
   */
  ignoreErrors(options: IgnoreErrorsOptions = {}): Dataset<T> {
    const accept = options.accept ?? isDataError;
    checkFn('accept', accept);
    const onSkip = options.onSkip;
    const counter = options.counter ?? new SkipCounter();
    const report = (kind: SkipKind, error: unknown): void => {
      counter.add(kind, error);
      onSkip?.({ kind, error });
    };
    return this.apply(
      'ignoreErrors',
      (up) => ignoreErrorsOp(up, accept, report),
      this.size === 'infinite' ? 'infinite' : 'unknown',
    );
  }

  /** Every element, in an array (do not call on an infinite dataset). */
  async toArray(options: IterateOptions = {}): Promise<T[]> {
    if (this.size === 'infinite') {
      throw new TFRecordError(
        'INVALID_ARGUMENT',
        `cannot collect an infinite dataset into an array: ${this.toString()}`,
      );
    }
    const out: T[] = [];
    for await (const x of this.iterate(options)) out.push(x);
    return out;
  }

  /** Calls `fn` on each element in order, awaiting it; resolves with the number of elements. */
  async forEach(fn: (x: T, index: number) => void | Promise<void>, options: IterateOptions = {}): Promise<number> {
    checkFn('fn', fn);
    let i = 0;
    for await (const x of this.iterate(options)) await fn(x, i++);
    return i;
  }

  /** The chain of source and operators: `files(3) -> records -> map -> shuffle(1000) -> batch(32)`. */
  toString(): string {
    return this.#chain.join(' -> ');
  }
}

function openInner<U>(
  inner: Dataset<U> | AsyncIterable<U> | Iterable<U>,
  ctx: IterationContext,
): AsyncGenerator<U, void, undefined> {
  if (inner instanceof Dataset) return inner.iterate(ctx.signal === undefined ? {} : { signal: ctx.signal });
  if (
    typeof inner !== 'object' ||
    inner === null ||
    (typeof (inner as AsyncIterable<U>)[Symbol.asyncIterator] !== 'function' &&
      typeof (inner as Iterable<U>)[Symbol.iterator] !== 'function')
  ) {
    invalid('interleave result', 'Dataset or iterable', inner);
  }
  return (async function* () {
    yield* inner;
  })();
}
