#!/usr/bin/env node
// Bundles the studio's front end (src/web) for browsers into dist/web: app.js,
// app.css (uPlot's styles included) and index.html. Run by `npm run build`.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;
await mkdir(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: `${root}src/web/main.tsx` },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: out,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(`${root}src/web/index.html`, `${out}/index.html`);
// The in-page engine: onnxruntime-web's glue is large, so only the page that runs it loads it.
await esbuild.build({
  entryPoints: { engine: `${root}src/web/engine.ts` },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: out,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
