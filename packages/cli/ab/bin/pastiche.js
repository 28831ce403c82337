#!/usr/bin/env node
// Launcher: runs the bundle of the compiled TypeScript, dist/bundle/main.cjs, compiled with
// V8's code cache recorded at build time (scripts/bundle.mjs; `npm run build`, which npm ci
// runs via `prepare`, makes both). Parsing and compiling the CLI's ~110 modules at every
// start was most of its start-up time, and Node 20 caches no compiled ES modules.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const url = new URL('../dist/bundle/main.cjs', import.meta.url);
const file = fileURLToPath(url);
const cacheFile = `${file}.cache`;
const source = readFileSync(file, 'latin1'); // esbuild writes ASCII: no UTF-8 decoding needed
let cachedData;
try {
  // V8 checks the cache against the source's length only: a cache older than the bundle is not used.
  if (statSync(cacheFile).mtimeMs >= statSync(file).mtimeMs) cachedData = readFileSync(cacheFile);
} catch {
  // no cache: compile from source
}
const script = new Script(
  `(function (exports, require, module, __filename, __dirname, __pasticheUrl, __pasticheImport) {${source}\n})`,
  { filename: file, ...(cachedData === undefined ? {} : { cachedData }) },
);
const module = { exports: {} };
script.runInThisContext()(
  module.exports,
  createRequire(url),
  module,
  file,
  dirname(file),
  url.href,
  (specifier) => import(specifier),
);
const code = await module.exports.main(process.argv.slice(2));
if (process.env.PASTICHE_WRITE_CODE_CACHE === '1') {
  // Build time only (scripts/bundle.mjs): the cache now holds the functions this run compiled.
  writeFileSync(`${cacheFile}.${process.pid}.tmp`, script.createCachedData());
  renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile);
}
// An interrupted command may leave handles open (a pipe it was reading): end now, as the policy says.
if (code === 130) process.exit(code);
process.exitCode = code;
