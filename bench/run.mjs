#!/usr/bin/env node
// Runs every bench/*.mjs script except this one (and _*.mjs helpers), one after
// another; each prints JSON lines on stdout. Arguments filter scripts by name:
//   node bench/run.mjs            # all
//   node bench/run.mjs tfrecord   # bench/tfrecord.mjs only
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const self = fileURLToPath(import.meta.url);
const filters = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && !f.startsWith('_'))
  .map((f) => join(dir, f))
  .filter((f) => f !== self)
  .filter((f) => filters.length === 0 || filters.some((s) => basename(f).includes(s)))
  .sort();
if (scripts.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ')}`);
  process.exit(1);
}
let failed = 0;
for (const script of scripts) {
  console.error(`# ${basename(script)}`);
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`# ${basename(script)} failed with ${r.status ?? r.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
