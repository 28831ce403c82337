/** Element-wise operators that keep no buffers: filter, take, skip, shard, repeat, enumerate, concatenate. */

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

/** Elements for which `predicate` holds (sync or async), in order. */
export async function* filterOp<T>(
  open: Upstream<T>,
  predicate: (x: T, index: number) => boolean | Promise<boolean>,
): AsyncGenerator<T, void, undefined> {
  let i = 0;
  for await (const x of open()) {
    const keep = predicate(x, i++);
    if (typeof keep === 'boolean' ? keep : await keep) yield x;
  }
}

/** The first `n` elements; pulls no element beyond them. */
export async function* takeOp<T>(open: Upstream<T>, n: number): AsyncGenerator<T, void, undefined> {
  if (n <= 0) return;
  let left = n;
  for await (const x of open()) {
    yield x;
    if (--left === 0) return;
  }
}

/** All but the first `n` elements. */
export async function* skipOp<T>(open: Upstream<T>, n: number): AsyncGenerator<T, void, undefined> {
  let left = n;
  for await (const x of open()) {
    if (left > 0) left--;
    else yield x;
  }
}

/** Elements whose position modulo `numShards` is `index` (tf.data's shard). */
export async function* shardOp<T>(
  open: Upstream<T>,
  numShards: number,
  index: number,
): AsyncGenerator<T, void, undefined> {
  let i = 0;
  for await (const x of open()) {
    if (i === index) yield x;
    if (++i === numShards) i = 0;
  }
}

/**
 * The stream `count` times over (forever when `count` is undefined). Each pass
 * re-opens the upstream, so a shuffle upstream reshuffles. An epoch that yields
 * nothing ends the repetition (as in tf.data), so `repeat()` of an empty dataset is empty.
 */
export async function* repeatOp<T>(open: Upstream<T>, count: number | undefined): AsyncGenerator<T, void, undefined> {
  for (let epoch = 0; count === undefined || epoch < count; epoch++) {
    let any = false;
    for await (const x of open()) {
      any = true;
      yield x;
    }
    if (!any) return;
  }
}

/** `[index, element]` pairs, index from `start`. */
export async function* enumerateOp<T>(open: Upstream<T>, start: number): AsyncGenerator<[number, T], void, undefined> {
  let i = start;
  for await (const x of open()) yield [i++, x];
}

/** Every element of each upstream, one after the other. */
export async function* concatOp<T>(opens: readonly Upstream<T>[]): AsyncGenerator<T, void, undefined> {
  for (const open of opens) yield* open();
}
