/** The shared Int32 words of the verify worker (see verify.ts), apart so the worker's entry loads nothing else. */

/** Word: bytes of the stream verified so far (end of the last good record). */
export const PROGRESS = 0;
/** Word: RUNNING, OK (every record verified) or FAILED (the error is on the port). */
export const STATE = 1;
/** Word: set by the main thread when it stops reading. */
export const STOP = 2;
/**
 * Word: bumped by the worker after every change it wants seen, and waited on
 * by the main thread, so no wake-up is lost between its look and its wait.
 */
export const EPOCH = 3;
/** Words in all. */
export const WORDS = 4;

export const RUNNING = 0;
export const OK = 1;
export const FAILED = 2;
