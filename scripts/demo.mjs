#!/usr/bin/env node
// `npm run demo [-- options]`: the main job, `pastiche demo`. In this project's
// workspace the VGG-19 weights sit in ../shared/weights, so they are passed on;
// anywhere else pastiche finds weights as it always does (--weights,
// PASTICHE_WEIGHTS, the cache, else a checksum-verified download).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../packages/cli/dist/src/main.js';

const args = process.argv.slice(2);
const shared = fileURLToPath(new URL('../../shared/weights/vgg19-imagenet-uint8', import.meta.url));
const given = args.includes('--weights') || process.env['PASTICHE_WEIGHTS'] !== undefined;
if (!given && existsSync(shared)) args.push('--weights', shared);
process.exitCode = await main(['demo', ...args]);
