#!/usr/bin/env node
// Times a full style transfer with the shared VGG-19 weights and prints JSON lines:
// a line every 10 iterations, then a summary. Not a test.
//
//   node bench/cs20.mjs                       # the cs20 preset: 333x250, Adam lr 2, 300 steps
//   node bench/cs20.mjs --preset default      # the default preset
//   node bench/cs20.mjs --iterations 30 --optimizer lbfgs --out /tmp/cs20.png
//
// Iterations count optimiser steps over all scales; lines name the scale and its size;
// work = evaluation-equivalents (sum over evaluations of pixels / output pixels).
// Options: --preset NAME, --iterations N, --optimizer adam|lbfgs, --size PX,
// --content FILE, --style FILE (default tubingen.jpg and starry_night.jpg from
// ../shared/data/images), --out FILE (writes the best image), --every N (progress lines).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadWeights, saveImage, stylize } from '@pastiche/style';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const shared = join(root, '..', 'shared');
const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'cs20' },
    iterations: { type: 'string' },
    optimizer: { type: 'string' },
    size: { type: 'string' },
    content: { type: 'string', default: join(shared, 'data/images/content/tubingen.jpg') },
    style: { type: 'string', default: join(shared, 'data/images/style/starry_night.jpg') },
    weights: { type: 'string', default: join(shared, 'weights/vgg19-imagenet-uint8/model.json') },
    out: { type: 'string' },
    every: { type: 'string', default: '10' },
  },
});
if (!existsSync(values.weights)) {
  console.log(JSON.stringify({ skipped: `weights absent: ${values.weights}` }));
  process.exit(0);
}
const every = Number(values.every);
const t0 = performance.now();
const weights = await loadWeights(values.weights);
const tWeights = (performance.now() - t0) / 1000;
let setup;
const result = await stylize({
  content: values.content,
  style: values.style,
  weights,
  preset: values.preset,
  ...(values.iterations === undefined ? {} : { iterations: Number(values.iterations) }),
  ...(values.optimizer === undefined ? {} : { optimizer: values.optimizer }),
  ...(values.size === undefined ? {} : { size: Number(values.size) }),
  onProgress: (e) => {
    if (e.iteration === 0) setup = (performance.now() - t0) / 1000 - tWeights - e.seconds;
    if (e.iteration % every === 0 || e.iteration === e.iterations) {
      console.log(
        JSON.stringify({
          iteration: e.iteration,
          content: e.content,
          style: e.style,
          tv: e.tv,
          total: e.total,
          seconds: +e.seconds.toFixed(2),
          evaluations: e.evaluations,
          scale: e.scale,
          width: e.width,
          height: e.height,
          work: +e.work.toFixed(2),
        }),
      );
    }
  },
});
const last = result.history[result.history.length - 1];
if (values.out !== undefined) await saveImage(values.out, result.best.data, result.best.width, result.best.height);
console.log(
  JSON.stringify({
    bench: 'stylize',
    preset: result.settings.preset,
    optimizer: result.settings.optimizer,
    width: result.settings.width,
    height: result.settings.height,
    iterations: last.iteration,
    evaluations: result.evaluations,
    weightsSeconds: +tWeights.toFixed(2),
    setupSeconds: +(setup ?? 0).toFixed(2),
    optimiseSeconds: +last.seconds.toFixed(2),
    secondsPerEvaluation: +(last.seconds / result.evaluations).toFixed(3),
    wallSeconds: +((performance.now() - t0) / 1000).toFixed(2),
    content: last.content,
    style: last.style,
    tv: last.tv,
    total: last.total,
    work: +result.work.toFixed(2),
    schedule: result.settings.schedule,
    // The loss of the written (8-bit) image, evaluated once at the end.
    final: result.final,
    best: { iteration: result.best.iteration, total: result.best.total },
  }),
);
