import { StyleModel } from '../src/runtime/style-model.js';
import { CS20_LOSS } from '../src/losses/spec.js';
import { VGG_ARCHITECTURES } from '../src/network/vgg.js';
import { randomArray, randomWeights, rng } from './graph-fixtures.js';
const size = Number(process.argv[2] ?? 256);
const iters = Number(process.argv[3] ?? 4);
const configs = JSON.parse(process.argv[4] ?? '[{"backward":{"backwardConv":"auto","reluBackward":"sign"}},{"backward":{"backwardConv":"convTranspose","reluBackward":"sign"}}]') as any[];
const weights = randomWeights(VGG_ARCHITECTURES.vgg19, 1);
const r = rng(2);
const img = randomArray(3 * size * size, r, 50);
const models = [];
for (const c of configs) {
  const m = await StyleModel.create({ weights, height: size, width: size, loss: { ...CS20_LOSS }, ...c });
  const ct = await m.contentTargets(randomArray(3 * size * size, rng(3), 50));
  const st = await m.styleTargets(randomArray(3 * size * size, rng(4), 50), size, size);
  await m.evaluate(img, ct, st);
  models.push({ c, m, ct, st, best: 1e9, all: [] as number[] });
}
for (let i = 0; i < iters; i++) for (const x of models) {
  const t = performance.now();
  const u = process.cpuUsage();
  await x.m.evaluate(img, x.ct, x.st);
  const cu = process.cpuUsage(u);
  const d = process.env.CPU ? (cu.user + cu.system) / 1000 : performance.now() - t;
  x.best = Math.min(x.best, d);
  x.all.push(Math.round(d));
}
for (const x of models) { console.log(JSON.stringify({ size, ...x.c, bestMs: Math.round(x.best), all: x.all })); await x.m.release(); }
