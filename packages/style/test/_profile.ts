import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { buildTrainingGraph, buildFeatureGraph } from '../src/graph/style-graph.js';
import { CS20_LOSS } from '../src/losses/spec.js';
import { VGG_ARCHITECTURES } from '../src/network/vgg.js';
import { randomArray, randomWeights, rng } from './graph-fixtures.js';
const size = Number(process.argv[2] ?? 256);
const backwardConv = (process.argv[3] ?? 'auto') as 'conv' | 'convTranspose' | 'auto';
const reluBackward = (process.argv[4] ?? 'where') as 'where' | 'sign';
const arch = VGG_ARCHITECTURES.vgg19;
const weights = randomWeights(arch, 1);
const loss = { ...CS20_LOSS };
const g = buildTrainingGraph({ arch, weights, height: size, width: size, loss, backwardConv, reluBackward });
const session = await ort.InferenceSession.create(g.model, { graphOptimizationLevel: 'all', intraOpNumThreads: Number(process.env.THREADS ?? 2), executionMode: 'sequential', enableProfiling: true, profileFilePrefix: '/tmp/ortprof' , optimizedModelFilePath: '/tmp/opt.onnx'});
const r = rng(2);
const feeds: Record<string, ort.Tensor> = {};
for (const [name, dims] of g.inputs) feeds[name] = new ort.Tensor('float32', randomArray(dims.reduce((a, b) => a * b, 1), r, 10), dims);
for (let i = 0; i < Number(process.env.RUNS ?? 5); i++) await session.run(feeds);
session.endProfiling();
const { readdirSync } = await import('node:fs');
const file = '/tmp/' + readdirSync('/tmp').filter((f) => f.startsWith('ortprof')).sort().pop()!;
const ev = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args: { op_name?: string } }[];
const perNode = new Map<string, { op: string; shape: string; d: number[] }>();
for (const e of ev) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const rec = perNode.get(e.name) ?? { op: e.args.op_name!, shape: JSON.stringify((e.args as any).output_type_shape ?? ''), d: [] };
  rec.d.push(e.dur / 1000);
  perNode.set(e.name, rec);
}
const byOp = new Map<string, number>();
let total = 0;
const nodes: [string, number][] = [];
for (const [name, r] of perNode) {
  const m = Math.min(...r.d.slice(1));
  total += m;
  byOp.set(r.op, (byOp.get(r.op) ?? 0) + m);
  nodes.push([`${name} ${r.op} ${r.shape}`, m]);
}
console.log(backwardConv, reluBackward, size, 'sum of per-node min ms', Math.round(total));
for (const [k, v] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(k.padEnd(24), v.toFixed(1));
if (process.env.NODES) for (const [k, v] of nodes.sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.NODES))) console.log(v.toFixed(1).padStart(7), k.slice(0, 140));
