/**
 * Locates the repository root and the read-only `../shared` folder beside it.
 * Tests run both from TypeScript (tsx) and from dist/test, so the root is found
 * by walking up to package-lock.json rather than by a fixed number of `..`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package-lock.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package-lock.json) not found');
    dir = up;
  }
}

/** Absolute path of the repository root. */
export const repoRoot: string = findRoot();

/** Absolute path of `../shared/<parts>` if it exists, else undefined. */
export function sharedPath(...parts: string[]): string | undefined {
  const p = join(repoRoot, '..', 'shared', ...parts);
  return existsSync(p) ? p : undefined;
}

/** Message used when a test skips because shared data is missing. */
export function absent(what: string): string {
  return `SKIPPED: ../shared/${what} is absent (tests that need shared data or weights skip without it)`;
}
