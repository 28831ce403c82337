#!/usr/bin/env node
// Runs every compiled test file with Node's own test runner. Node 20's `--test`
// takes no globs, so the files are listed here; extra arguments filter by path.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'dist', 'test'), files);
const chosen = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (chosen.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
// TAP goes to the terminal as before; a second reporter collects counts and skip reasons.
const dir = mkdtempSync(join(tmpdir(), 'pastiche-test-'));
const summaryFile = join(dir, 'summary.json');
const reporter = new URL('./test-summary.mjs', import.meta.url).href;
const r = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    '--test-reporter=tap',
    '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`,
    `--test-reporter-destination=${summaryFile}`,
    ...chosen,
  ],
  { cwd: root, stdio: 'inherit' },
);
let summary;
try {
  summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
} catch {
  summary = undefined;
}
rmSync(dir, { recursive: true, force: true });
if (summary !== undefined) {
  console.log('');
  for (const [reason, n] of Object.entries(summary.reasons)) console.log(`${n} skipped: ${reason}`);
  if (summary.skipped === 0) console.log('nothing skipped');
  console.log(`tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
}
process.exit(r.status ?? 1);
