/**
 * The Node side of tiling: the default memory budget from the free memory.
 * Kept apart so the portable tile code imports no `node:*` module.
 */
import { freemem } from 'node:os';

/** Share of the free memory a tiled run budgets for by default. */
export const DEFAULT_MEMORY_FRACTION = 0.5;

/** The default `maxMemory`: `fraction` (default 0.5) of os.freemem(), bytes. */
export function defaultMaxMemory(fraction = DEFAULT_MEMORY_FRACTION): number {
  return Math.floor(freemem() * fraction);
}
