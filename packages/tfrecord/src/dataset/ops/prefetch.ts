/** Read-ahead: keeps up to `n` upstream elements requested while the consumer works. */

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

/**
 * Yields the upstream's elements in order, keeping up to `n` `next()` calls
 * outstanding. The upstream is an async generator, which serves calls one at a
 * time in order, so requesting ahead is safe and order-preserving. At most
 * `n` elements are pulled beyond what the consumer has taken. On early exit the
 * outstanding calls are settled, then the upstream is closed.
 */
export async function* prefetchOp<T>(open: Upstream<T>, n: number): AsyncGenerator<T, void, undefined> {
  const src = open();
  const pending: Promise<IteratorResult<T, void>>[] = [];
  const request = (): void => {
    const p = src.next();
    p.catch(() => undefined);
    pending.push(p);
  };
  try {
    for (;;) {
      if (pending.length === 0) request();
      const r = await (pending.shift() as Promise<IteratorResult<T, void>>);
      if (r.done === true) return;
      // Keep `n` requests outstanding while the consumer works on this element.
      while (pending.length < n) request();
      yield r.value;
    }
  } finally {
    await Promise.allSettled(pending);
    await src.return(undefined);
  }
}
