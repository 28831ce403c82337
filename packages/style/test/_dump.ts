import { readFileSync } from 'node:fs';
import { ProtoReader } from '@pastiche/tfrecord';
const buf = readFileSync(process.argv[2] ?? '/tmp/opt.onnx');
const td = new TextDecoder();
function msg(b: Uint8Array) { const r = new ProtoReader(b); const out: [number, any][] = []; while (!r.done()) { const k = r.uint32(); const f = k >>> 3, wt = k & 7; out.push([f, wt === 0 ? r.int64() : wt === 2 ? r.bytes() : wt === 5 ? r.float() : (r.skip(wt), null)]); } return out; }
const model = msg(buf);
const graph = msg(model.find(([f]) => f === 7)![1]);
const counts = new Map<string, number>();
const lines: string[] = [];
for (const [f, v] of graph) if (f === 1) {
  const n = msg(v);
  const op = td.decode(n.find(([f]) => f === 4)![1]);
  const dom = n.find(([f]) => f === 7); 
  const ins = n.filter(([f]) => f === 1).map(([, v]) => td.decode(v));
  const outs = n.filter(([f]) => f === 2).map(([, v]) => td.decode(v));
  const attrs = n.filter(([f]) => f === 5).map(([, v]) => { const a = msg(v); const name = td.decode(a.find(([f]) => f === 1)![1]); const s = a.find(([f]) => f === 4); return name + (s ? '=' + td.decode(s[1]) : ''); });
  const key = (dom ? td.decode(dom[1]) + ':' : '') + op;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  lines.push(`${key} ${ins.filter(i => !i.includes('kernel') && !i.includes('bias')).join(',')} -> ${outs.join(',')} ${attrs.join(' ')}`);
}
console.log([...counts].map(([k, v]) => `${k}:${v}`).join(' '));
if (process.env.LINES) console.log(lines.join('\n'));
