#!/usr/bin/env node
// Thin launcher: the command lives in the compiled TypeScript (npm ci runs the build via `prepare`).
import { main } from '../dist/src/main.js';

process.exitCode = await main(process.argv.slice(2));
