/** map with bounded concurrency; output order equals input order. */

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

function isPromiseLike<U>(v: U | PromiseLike<U>): v is PromiseLike<U> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<U>).then === 'function';
}

/**
 * Applies `fn` to each element. With `concurrency` > 1, up to that many calls
 * run at once, results are yielded in input order, and at most `concurrency`
 * elements are pulled ahead of the consumer. On early exit every call still in
 * flight is awaited (its result dropped) before the upstream is closed, so no
 * work outlives the iteration.
 */
export async function* mapOp<T, U>(
  open: Upstream<T>,
  fn: (x: T, index: number) => U | Promise<U>,
  concurrency: number,
): AsyncGenerator<U, void, undefined> {
  let index = 0;
  if (concurrency === 1) {
    for await (const x of open()) {
      const v = fn(x, index++);
      yield isPromiseLike(v) ? await v : v;
    }
    return;
  }
  const src = open();
  const inFlight: Promise<U>[] = [];
  let ended = false;
  try {
    for (;;) {
      while (!ended && inFlight.length < concurrency) {
        let r: IteratorResult<T, void>;
        try {
          r = await src.next();
        } catch (e) {
          // The upstream failed after the elements in flight: they come first, then the error.
          ended = true;
          const failed = Promise.reject(e);
          failed.catch(() => undefined);
          inFlight.push(failed as Promise<U>);
          break;
        }
        if (r.done === true) {
          ended = true;
          break;
        }
        const i = index++;
        const value = r.value;
        const p = (async () => fn(value, i))();
        // Observed later by the consumer; this only prevents an unhandled rejection meanwhile.
        p.catch(() => undefined);
        inFlight.push(p);
      }
      const head = inFlight.shift();
      if (head === undefined) return;
      yield await head;
    }
  } finally {
    await Promise.allSettled(inFlight);
    await src.return(undefined);
  }
}
