/** Grouping operators: batch and unbatch. */

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

/**
 * Groups consecutive elements into arrays of `size` (the last may be shorter
 * unless `dropRemainder`), passed through `collate` when given.
 */
export async function* batchOp<T, U>(
  open: Upstream<T>,
  size: number,
  dropRemainder: boolean,
  collate: ((items: T[]) => U | Promise<U>) | undefined,
): AsyncGenerator<U | T[], void, undefined> {
  let items: T[] = [];
  for await (const x of open()) {
    items.push(x);
    if (items.length === size) {
      const full = items;
      items = [];
      yield collate === undefined ? full : await collate(full);
    }
  }
  if (items.length > 0 && !dropRemainder) yield collate === undefined ? items : await collate(items);
}

/** The elements of each upstream element (an iterable or array-like), flattened one level. */
export async function* unbatchOp<U>(open: Upstream<Iterable<U> | ArrayLike<U>>): AsyncGenerator<U, void, undefined> {
  for await (const batch of open()) {
    if (typeof (batch as Iterable<U>)[Symbol.iterator] === 'function') {
      yield* batch as Iterable<U>;
    } else {
      const a = batch as ArrayLike<U>;
      for (let i = 0; i < a.length; i++) yield a[i] as U;
    }
  }
}
