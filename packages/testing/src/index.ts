/**
 * What the tests of every package share, once: the repository root, the
 * read-only `../shared` folder beside it, and skip reasons that turn into
 * failures under CI. The root is found by walking up to package-lock.json
 * (tests run from each package's dist/test, this module from its own dist).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

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

/**
 * True under CI (`CI=true`): CI always has ../shared and Chromium, so a missing one is a
 * broken set-up that must fail the run rather than quietly turn tests into skips.
 */
export const underCi: boolean = process.env['CI'] === 'true' || process.env['CI'] === '1';

/**
 * The skip reason for a missing prerequisite, e.g. `missing('/usr/bin/chromium not found')`.
 * Under CI it throws instead, failing the test (or the file, at top level).
 */
export function missing(what: string): string {
  if (underCi) throw new Error(`${what}, and CI=true: under CI this is a failure, not a skip`);
  return `SKIPPED: ${what}`;
}

/** Skip reason used when a test needs shared data or weights that are absent (throws under CI). */
export function absent(what: string): string {
  return missing(`../shared/${what} is absent (tests that need shared data or weights skip without it)`);
}

/** Chromium used by the browser tests: `PASTICHE_CHROMIUM`, default Debian's `/usr/bin/chromium`. */
export const chromiumPath: string = process.env['PASTICHE_CHROMIUM'] ?? '/usr/bin/chromium';

/** True when {@link chromiumPath} exists. */
export const haveChromium: boolean = existsSync(chromiumPath);

/**
 * `false` when Chromium is there, else the skip reason for a browser suite's
 * `skip` option; under CI it throws instead (see {@link missing}).
 */
export function chromiumSkip(): false | string {
  return haveChromium ? false : missing(`${chromiumPath} not found (apt-get install chromium)`);
}

/**
 * Launches headless Chromium with playwright-core and the flags this machine needs
 * (no sandbox as root, no GPU, no background traffic). `webgpu` adds Chromium's
 * software WebGPU adapter (SwiftShader), which works alongside --disable-gpu.
 */
export async function launchChromium(o: { webgpu?: boolean } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      ...(o.webgpu === true ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : []),
    ],
  });
}
