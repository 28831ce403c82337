import { GraphBuilder } from '../src/graph/builder.js';
import { convBackward, flipKernel, reluBackward } from '../src/graph/rules.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { randomArray, rng } from './graph-fixtures.js';
const cases: [number, number, number][] = (process.env.CASES ? JSON.parse(process.env.CASES) : [[64, 64, 256], [128, 128, 128], [256, 256, 64], [512, 512, 32], [512, 256, 32]]);
for (const [cout, cin, s] of cases) {
  const sessions: Record<string, Awaited<ReturnType<typeof nodeRuntime.createSession>>> = {};
  const k = randomArray(cout * cin * 9, rng(1), 0.05);
  for (const variant of ['conv', 'convTranspose', 'forward'] as const) {
    const b = new GraphBuilder();
    const kv = b.constant('k', [cout, cin, 3, 3], k);
    if (variant === 'forward') {
      const x = b.input('x', [1, cin, s, s]);
      b.output(b.relu(b.conv(x, kv, b.constant('bias', [cout], new Float32Array(cout)), 1)), 'y');
    } else {
      const dy = b.input('x', [1, cout, s, s]);
      const fl = b.constant('kf', [cin, cout, 3, 3], flipKernel(k, cout, cin, 3, 3));
      b.output(convBackward(b, dy, 1, variant, kv, fl), 'y');
    }
    sessions[variant] = await nodeRuntime.createSession(b.encode());
  }
  const best: Record<string, number> = { conv: 1e9, convTranspose: 1e9, forward: 1e9 };
  const xin = randomArray(Math.max(cin, cout) * s * s, rng(2));
  for (let i = 0; i < 12; i++) for (const v of Object.keys(sessions)) {
    const c = v === 'forward' ? cin : cout;
    const t = performance.now();
    await sessions[v]!.run({ x: { data: xin.subarray(0, c * s * s), dims: [1, c, s, s] } });
    best[v] = Math.min(best[v]!, performance.now() - t);
  }
  console.log(JSON.stringify({ cout, cin, s, ...Object.fromEntries(Object.entries(best).map(([k, v]) => [k, +v.toFixed(1)])) }));
  for (const s of Object.values(sessions)) await s.release();
}
