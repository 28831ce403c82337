/** AbortSignal plumbing for iterations. */
import { TFRecordError } from '../errors.js';

/** The TFRecordError ABORTED for `signal`, with its reason as `cause`. */
export function abortError(signal: AbortSignal): TFRecordError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? `: ${reason.message}` : '';
  return new TFRecordError('ABORTED', `iteration aborted${why}`, { cause: reason });
}

/** Throws ABORTED if `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortError(signal);
}

/** `promise`, or a rejection with ABORTED as soon as `signal` fires. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** A signal that fires when either fires (either may be undefined). */
export function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (any !== undefined) return any([a, b]);
  const c = new AbortController();
  const fire = (s: AbortSignal) => () => c.abort(s.reason);
  if (a.aborted) c.abort(a.reason);
  else if (b.aborted) c.abort(b.reason);
  else {
    a.addEventListener('abort', fire(a), { once: true });
    b.addEventListener('abort', fire(b), { once: true });
  }
  return c.signal;
}
