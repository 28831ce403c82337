/** Buffered shuffle, tf.data's algorithm. */
import { SeededRandom } from '../random.js';

type Upstream<T> = () => AsyncGenerator<T, void, undefined>;

/**
 * Fills a buffer of `bufferSize` elements, then repeatedly yields a uniformly
 * chosen buffered element and refills its place from the upstream; when the
 * upstream ends the buffer drains in random order. The refill happens after the
 * consumer asks for the next element, so at most `bufferSize` elements are held.
 */
export async function* shuffleOp<T>(
  open: Upstream<T>,
  bufferSize: number,
  seed: number,
): AsyncGenerator<T, void, undefined> {
  const rng = new SeededRandom(seed);
  const buffer: T[] = [];
  const src = open();
  let ended = false;
  try {
    while (!ended && buffer.length < bufferSize) {
      const r = await src.next();
      if (r.done === true) ended = true;
      else buffer.push(r.value);
    }
    while (buffer.length > 0) {
      const i = rng.nextInt(buffer.length);
      const out = buffer[i] as T;
      if (!ended) {
        // Free the slot before yielding so the buffer never exceeds bufferSize.
        buffer[i] = buffer[buffer.length - 1] as T;
        buffer.pop();
        yield out;
        const r = await src.next();
        if (r.done === true) ended = true;
        else buffer.push(r.value);
      } else {
        buffer[i] = buffer[buffer.length - 1] as T;
        buffer.pop();
        yield out;
      }
    }
  } finally {
    buffer.length = 0;
    await src.return(undefined);
  }
}
