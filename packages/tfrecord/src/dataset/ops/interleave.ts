/** tf.data's interleave: a cycle of open inner streams read in blocks, round robin. */
import { prefetchOp } from './prefetch.js';

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

/** Options resolved by the Dataset method. */
export interface InterleaveParams {
  cycleLength: number;
  blockLength: number;
  /** > 1: each open inner stream reads ahead `blockLength` elements concurrently. */
  numParallelCalls: number;
}

/**
 * Order, exactly as tf.data's InterleaveDataset: slot `c` of the cycle yields
 * up to `blockLength` elements, then slot `c + 1`; an empty slot is filled from
 * the next outer element when it is reached; an exhausted inner stream frees
 * its slot and the cycle moves on. Parallel reads change timing only: each open
 * inner stream is prefetched, the order is the same. Closing the interleave
 * closes every open inner stream and the outer one.
 */
export async function* interleaveOp<T, U>(
  openOuter: Upstream<T>,
  openInner: (x: T) => AsyncGenerator<U, void, undefined>,
  p: InterleaveParams,
): AsyncGenerator<U, void, undefined> {
  const outer = openOuter();
  const slots: (AsyncGenerator<U, void, undefined> | undefined)[] = new Array(p.cycleLength).fill(undefined);
  let numOpen = 0;
  let outerEnded = false;
  let cycle = 0;
  let block = 0;
  const advance = (): void => {
    block = 0;
    cycle = (cycle + 1) % p.cycleLength;
  };
  try {
    while (!outerEnded || numOpen > 0) {
      const it = slots[cycle];
      if (it !== undefined) {
        const r = await it.next();
        if (r.done !== true) {
          if (++block === p.blockLength) advance();
          yield r.value;
          continue;
        }
        slots[cycle] = undefined;
        numOpen--;
        advance();
      } else if (!outerEnded) {
        const r = await outer.next();
        if (r.done === true) {
          outerEnded = true;
        } else {
          const inner = openInner(r.value);
          slots[cycle] = p.numParallelCalls > 1 ? prefetchOp(() => inner, p.blockLength) : inner;
          numOpen++;
        }
      } else {
        advance();
      }
    }
  } finally {
    const open = slots.filter((s): s is AsyncGenerator<U, void, undefined> => s !== undefined);
    slots.fill(undefined);
    await Promise.allSettled(open.map((s) => s.return(undefined)));
    await outer.return(undefined);
  }
}
