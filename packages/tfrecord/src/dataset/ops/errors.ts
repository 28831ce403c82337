/** ignoreErrors: ends a stream quietly (but counted) at an error it cannot get past. */
import type { SkipKind } from '../skip.js';

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

/**
 * Yields the upstream's elements; when it throws an error accepted by `accept`,
 * counts it as `rest` and ends instead of failing. A generator that has thrown
 * cannot continue, so this ends the stream: put it on each file's stream
 * (inside interleave) to skip the rest of a bad file and go on with the others.
 */
export async function* ignoreErrorsOp<T>(
  open: Upstream<T>,
  accept: (e: unknown) => boolean,
  report: (kind: SkipKind, error: unknown) => void,
): AsyncGenerator<T, void, undefined> {
  const src = open();
  try {
    for (;;) {
      let r: IteratorResult<T, void>;
      try {
        r = await src.next();
      } catch (e) {
        if (!accept(e)) throw e;
        report('rest', e);
        return;
      }
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    await src.return(undefined);
  }
}
