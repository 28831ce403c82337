#!/usr/bin/env node
// Thin launcher: the command lives in the compiled TypeScript (npm ci runs the build via `prepare`).
import { main } from '../dist/src/main.js';

const code = await main(process.argv.slice(2));
// An interrupted command may leave handles open (a pipe it was reading): end now, as the policy says.
if (code === 130) process.exit(code);
process.exitCode = code;
