import { GraphBuilder } from '../src/graph/builder.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { randomArray, rng } from './graph-fixtures.js';
const dims = [1, 64, 512, 512];
const n = 64 * 512 * 512;
const f32 = (b: GraphBuilder, v: any) => v;
const variants: Record<string, (b: GraphBuilder, g: any, y: any) => any> = {
  where: (b, g, y) => b.where(b.greater(y, b.scalar(0)), g, b.scalar(0)),
  sign: (b, g, y) => b.mul(g, b.sign(y)),
  cast: (b, g, y) => b.mul(g, b.node('Cast', [b.greater(y, b.scalar(0))], [{ name: 'to', kind: 'int', value: 1 }], [{ dims: y.dims, type: 'float' }])[0]),
  clipceil: (b, g, y) => b.mul(g, b.node('Ceil', [b.node('Min', [y, b.scalar(1)], [], [{ dims: y.dims, type: 'float' }])[0]!], [], [{ dims: y.dims, type: 'float' }])[0]),
  mulOnly: (b, g, y) => b.mul(g, y),
};
void f32;
const K = 4;
const sessions: Record<string, any> = {};
for (const [k, f] of Object.entries(variants)) {
  const b = new GraphBuilder();
  const g = b.input('g', dims);
  let o = g;
  for (let i = 0; i < K; i++) o = f(b, o, b.input('y' + i, dims));
  b.output(b.sumSquares(o), 'out');
  sessions[k] = await nodeRuntime.createSession(b.encode());
}
const feeds: any = { g: { data: randomArray(n, rng(1)), dims } };
for (let i = 0; i < K; i++) feeds['y' + i] = { data: randomArray(n, rng(2 + i)).map((v) => Math.max(0, v)), dims };
const best: Record<string, number> = {};
for (let i = 0; i < 6; i++) for (const k of Object.keys(sessions)) {
  const t = performance.now();
  await sessions[k].run(feeds);
  best[k] = Math.min(best[k] ?? 1e9, performance.now() - t);
}
console.log(JSON.stringify(Object.fromEntries(Object.entries(best).map(([k, v]) => [k, +(v / K).toFixed(1)]))));
