#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/main.js) with the workspace packages and
// the small libraries it starts with (commander, picomatch, tinyglobby) into
// dist/bundle/, which bin/pastiche.js runs. Loading ~110 ES modules one by one
// was most of the start-up time; one file plus lazily loaded chunks (style,
// studio: code splitting at every `await import(...)`) is about half of it.
// Run by `npm run build`, after tsc.
//
// Kept external (loaded from node_modules when a command needs them): native
// packages and the large libraries of the heavy commands. Everything from the
// workspace is bundled, so that there is one instance of each module: the
// registry of temporary files in @pastiche/tfrecord/node must be the one that
// the interruption policy empties, whichever package registered a file.
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'bundle');

const EXTERNAL = [
  'onnxruntime-node',
  'onnxruntime-web',
  'sharp',
  'h5wasm',
  'h5wasm/node',
  'env-paths',
  'fastify',
  '@fastify/*',
];

/**
 * A bundled workspace module that finds files next to itself (the studio's
 * dist/web assets, `createRequire(import.meta.url)`) must keep seeing its own
 * location, not the bundle's: its `import.meta.url` becomes the URL of the
 * original file, computed at run time from where its package resolves, so the
 * bundle keeps working wherever the tree is moved.
 */
const originalImportMetaUrl = {
  name: 'original-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /[/\\]packages[/\\][^/\\]+[/\\]dist[/\\].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const pkgDir = args.path.slice(0, args.path.lastIndexOf(`${sep}dist${sep}`));
      const { name } = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
      if (name === '@pastiche/cli') return undefined; // its own modules look up package.json: any depth works
      const entry = await build.resolve(name, { kind: 'import-statement', resolveDir: root });
      if (entry.errors.length > 0) throw new Error(`cannot resolve ${name} for ${args.path}`);
      const rel = relative(dirname(entry.path), args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(rel)}, import.meta.resolve(${JSON.stringify(name)})).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

await rm(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { main: join(root, 'dist', 'src', 'main.js') },
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // commander is CommonJS and calls require() for node: modules; an ES module has no require.
  banner: {
    js: "import { createRequire as __pasticheCreateRequire } from 'node:module'; const require = __pasticheCreateRequire(import.meta.url);",
  },
  // Less text to parse at every start; names are kept for stack traces (PASTICHE_DEBUG=1).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  plugins: [originalImportMetaUrl],
  logLevel: 'warning',
});
