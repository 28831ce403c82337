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

/** An open inner stream, with its first request already made when it was opened early. */
interface Slot<U> {
  it: AsyncGenerator<U, void, undefined>;
  head: Promise<IteratorResult<U, void>> | undefined;
}

/**
 * Order, exactly as tf.data's InterleaveDataset: slot `c` of the cycle yields
 * up to `blockLength` elements, then slot `c + 1`; an empty slot is filled from
 * the next outer element when it is reached; an exhausted inner stream frees
 * its slot and the cycle moves on. Parallel reads change timing only: each open
 * inner stream is prefetched, and upcoming inner streams are opened early
 * (every empty slot is filled, and starts reading, as soon as it is free
 * rather than when it is reached; slots are reached in the order they are
 * freed, so the order is the same). Closing the interleave closes every open
 * inner stream and the outer one.
 */
export async function* interleaveOp<T, U>(
  openOuter: Upstream<T>,
  openInner: (x: T) => AsyncGenerator<U, void, undefined>,
  p: InterleaveParams,
): AsyncGenerator<U, void, undefined> {
  const outer = openOuter();
  const slots: (Slot<U> | undefined)[] = new Array(p.cycleLength).fill(undefined);
  const parallel = p.numParallelCalls > 1;
  let numOpen = 0;
  let outerEnded = false;
  let cycle = 0;
  let block = 0;
  const advance = (): void => {
    block = 0;
    cycle = (cycle + 1) % p.cycleLength;
  };
  /** Fills slot `c` from the next outer element (false when the outer stream has ended). */
  const fill = async (c: number, early: boolean): Promise<boolean> => {
    const r = await outer.next();
    if (r.done === true) {
      outerEnded = true;
      return false;
    }
    const inner = openInner(r.value);
    const it = parallel ? prefetchOp(() => inner, p.blockLength) : inner;
    let head: Promise<IteratorResult<U, void>> | undefined;
    if (early) {
      // Start reading now; an error waits (handled) until the slot is reached.
      head = it.next();
      head.catch(() => undefined);
    }
    slots[c] = { it, head };
    numOpen++;
    return true;
  };
  /** Parallel: opens every empty slot, in the order they will be reached from `from`. */
  const fillAhead = async (from: number): Promise<void> => {
    for (let k = 0; k < p.cycleLength && !outerEnded; k++) {
      const c = (from + k) % p.cycleLength;
      if (slots[c] === undefined) await fill(c, true);
    }
  };
  try {
    if (parallel) await fillAhead(0);
    while (!outerEnded || numOpen > 0) {
      const slot = slots[cycle];
      if (slot !== undefined) {
        const pending = slot.head;
        slot.head = undefined;
        const r = await (pending ?? slot.it.next());
        if (r.done !== true) {
          if (++block === p.blockLength) advance();
          yield r.value;
          continue;
        }
        slots[cycle] = undefined;
        numOpen--;
        if (parallel) {
          // This slot is reached again only after every other: fill it now, last in line.
          const freed = cycle;
          advance();
          if (!outerEnded) await fill(freed, true);
        } else advance();
      } else if (!outerEnded) {
        await fill(cycle, false);
      } else {
        advance();
      }
    }
  } finally {
    const open = slots.filter((s): s is Slot<U> => s !== undefined);
    slots.fill(undefined);
    await Promise.allSettled(open.map((s) => s.head));
    await Promise.allSettled(open.map((s) => s.it.return(undefined)));
    await outer.return(undefined);
  }
}
