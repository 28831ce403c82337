#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/main.js) with the workspace packages and
// the small libraries it needs (commander, picomatch, tinyglobby, env-paths)
// into one script, dist/bundle/main.cjs, and records V8's code cache for it
// (main.cjs.cache). bin/pastiche.js compiles the script with that cache.
// Loading ~110 ES modules one by one, each parsed and compiled at every start,
// was most of the start-up time; Node 20 has no compile cache for ES modules
// (module.enableCompileCache is 22.1+), hence a script. Run by `npm run build`,
// after tsc.
//
// Everything from the workspace is bundled, so there is one instance of each
// module (the registry of temporary files in @pastiche/tfrecord/node must be
// the one the interruption policy empties, whichever package registered a
// file); modules that only some commands need (style, studio) run their
// top-level code only when the command imports them (esbuild's lazy module
// wrappers). Native packages and the heavy commands' large libraries stay
// external: `require`d from node_modules when a command first needs them, or,
// for `await import(...)`, imported through the launcher (a script cannot
// import() by itself without an experimental flag).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExample, encodeExample, encodeRecord } from '@pastiche/tfrecord/node';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bundle');
const bundle = join(out, 'main.cjs');
const bin = join(root, 'bin', 'pastiche.js');
/** File name of the read worker's bundle, next to main.cjs. */
const READ_WORKER = 'tfrecord-read-worker.cjs';
/** Where `specifier` resolves from this package (a file path). */
const build_resolve = (specifier) => fileURLToPath(import.meta.resolve(specifier));

/**
 * Kept out of the bundle: native packages and the large libraries of the heavy
 * commands. A static import of one becomes require(), so it must be CommonJS
 * (all of these are CommonJS except h5wasm, which is only imported dynamically).
 */
const EXTERNAL = ['onnxruntime-node', 'onnxruntime-web', 'sharp', 'h5wasm', 'h5wasm/node', 'fastify', '@fastify/*'];

/**
 * A bundled workspace module that finds files next to itself (the studio's
 * dist/web assets, `createRequire(import.meta.url)`) must keep seeing its own
 * location, not the bundle's: its `import.meta.url` becomes the URL of the
 * original file, computed at run time from where its package resolves, so the
 * bundle keeps working wherever the tree is moved. The CLI's own modules only
 * look up package.json above them, which the bundle's URL gives as well.
 */
const originalImportMetaUrl = {
  name: 'original-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /[/\\]packages[/\\][^/\\]+[/\\]dist[/\\].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const pkgDir = args.path.slice(0, args.path.lastIndexOf(`${sep}dist${sep}`));
      const { name } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      if (name === '@pastiche/cli') return undefined;
      return build.resolve(name, { kind: 'import-statement', resolveDir: root }).then((entry) => {
        if (entry.errors.length > 0) throw new Error(`cannot resolve ${name} for ${args.path}`);
        const rel = relative(dirname(entry.path), args.path).split(sep).join('/');
        const resolved = `require('node:module').createRequire(__filename).resolve(${JSON.stringify(name)})`;
        const url = `new URL(${JSON.stringify(rel)}, require('node:url').pathToFileURL(${resolved})).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
      });
    });
  },
};

/**
 * Two loads at every start that nothing on the way needs, removed from the
 * dependencies' text at build time (the build fails if the text changed):
 * commander requires node:child_process (and with it net, dgram, ...) for
 * stand-alone executable sub-commands, which pastiche has none of; fdir
 * require()s picomatch from node_modules (six CommonJS files compiled
 * uncached) although the same picomatch is in the bundle.
 */
const PATCHES = [
  {
    file: /[/\\]commander[/\\]lib[/\\]command\.js$/,
    from: "const childProcess = require('node:child_process');",
    to: "const childProcess = { get spawn() { return require('node:child_process').spawn; } };",
  },
  {
    file: /[/\\]fdir[/\\]dist[/\\]index\.mjs$/,
    from: '\t__require.resolve("picomatch");\n\tpm = __require("picomatch");',
    to: '\tpm = __pasticheFdirPicomatch;',
    prefix: 'import __pasticheFdirPicomatch from "picomatch";\n',
  },
];
const patchDependencies = {
  name: 'patch-dependencies',
  setup(build) {
    for (const p of PATCHES) {
      build.onLoad({ filter: p.file }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(p.from)) throw new Error(`bundle: ${args.path} no longer contains ${p.from}`);
        return { contents: (p.prefix ?? '') + text.replace(p.from, p.to), loader: 'js', resolveDir: dirname(args.path) };
      });
    }
  },
};

rmSync(out, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: [join(root, 'dist', 'src', 'main.js')],
  absWorkingDir: root,
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // The sources are ES modules: keep their strict mode. The launcher gives the script its URL.
  // The TFRecord read worker runs from its own bundle next to this one (see below).
  banner: { js: `"use strict";var __pasticheReadWorker=require("node:path").join(__dirname,${JSON.stringify(READ_WORKER)});` },
  define: { 'import.meta.url': '__pasticheUrl', __PASTICHE_READ_WORKER__: '__pasticheReadWorker' },
  // Less text to parse when the cache cannot be used; names are kept for stack traces (PASTICHE_DEBUG=1).
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  plugins: [originalImportMetaUrl, patchDependencies],
  logLevel: 'warning',
});

// The script of @pastiche/tfrecord's read worker (files framed and checked on
// a second thread), bundled by itself: a worker thread starts with an empty
// module cache, and loading its ~20 ES modules one by one took longer than
// starting the thread. The main bundle finds it next to itself
// (__PASTICHE_READ_WORKER__, read by node/worker/client.ts).
await esbuild.build({
  entryPoints: [
    build_resolve('@pastiche/tfrecord/node').replace(/index\.js$/, 'worker/read-worker.js'),
  ],
  absWorkingDir: root,
  outfile: join(out, READ_WORKER),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  banner: { js: '"use strict";' },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// `import("x")` of an external package stays as it is in the output; inside a
// vm script it must go through the launcher's import function instead.
let text = readFileSync(bundle, 'utf8');
const dynamic = new Set(
  Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.kind === 'dynamic-import' && i.external)
    .map((i) => i.path),
);
for (const spec of dynamic) {
  const call = `import(${JSON.stringify(spec)})`;
  if (!text.includes(call)) throw new Error(`bundle: expected ${call} in ${bundle}`);
  text = text.replaceAll(call, `__pasticheImport(${JSON.stringify(spec)})`);
}
writeFileSync(bundle, text);

// The code cache: compiled by running commands that start often, so that the
// functions they call are in it too (each run adds to the previous cache).
const dir = mkdtempSync(join(tmpdir(), 'pastiche-bundle-'));
try {
  const one = join(dir, 'one.tfrecord');
  writeFileSync(one, encodeRecord(encodeExample(buildExample({ label: [1] }))));
  for (const args of [['tfrecord', 'count', one], ['--help'], ['tfrecord', '--help']]) {
    const r = spawnSync(process.execPath, [bin, ...args], {
      env: { ...process.env, PASTICHE_WRITE_CODE_CACHE: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`bundle: pastiche ${args.join(' ')} failed: ${r.stderr}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
