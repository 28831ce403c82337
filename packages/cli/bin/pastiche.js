#!/usr/bin/env node
// Thin launcher. It runs the bundle of the compiled TypeScript (scripts/bundle.mjs; `npm run build`,
// which npm ci runs via `prepare`, makes both): one file starts much faster than ~110 modules.
import { main } from '../dist/bundle/main.js';

const code = await main(process.argv.slice(2));
// An interrupted command may leave handles open (a pipe it was reading): end now, as the policy says.
if (code === 130) process.exit(code);
process.exitCode = code;
