#!/usr/bin/env node
// Start-up of the pastiche command: `pastiche --version`, `pastiche --help` and
// `pastiche tfrecord count` on a one-record file against a bare `node -e 0`,
// whole process against whole process, interleaved in one run so that every
// case sees the same machine load. Prints one JSON line per case and one with
// the ratio of the medians to `node -e 0` (target for tfrecord count: <= 1.5),
// of the fastest runs, and of the mean CPU time.
//   node bench/startup.mjs [--runs N] [--bin PATH]...   (default 30 runs)
// Each --bin is a launcher to compare (e.g. a saved copy of an older build);
// default: packages/cli/bin/pastiche.js. With several, case names end in [PATH].
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildExample, encodeExample, encodeRecord } from '@pastiche/tfrecord/node';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, bin: { type: 'string', multiple: true } },
});
const RUNS = Number(values.runs);
const bins = values.bin?.map((b) => resolve(b)) ?? [
  fileURLToPath(new URL('../packages/cli/bin/pastiche.js', import.meta.url)),
];
const dir = mkdtempSync(join(tmpdir(), 'pastiche-startup-'));
const file = join(dir, 'one.tfrecord');
writeFileSync(file, encodeRecord(encodeExample(buildExample({ label: [1] }))));

const BASE = 'node -e 0';
const cases = { [BASE]: ['-e', '0'] };
const pastiche = (bin) => (bins.length > 1 ? ` [${bin}]` : '');
for (const bin of bins) {
  cases[`pastiche --version${pastiche(bin)}`] = [bin, '--version'];
  cases[`pastiche tfrecord count${pastiche(bin)}`] = [bin, 'tfrecord', 'count', file];
  cases[`pastiche --help${pastiche(bin)}`] = [bin, '--help'];
}
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));

// CPU time of the finished children (user + system, from /proc on Linux): less
// sensitive to other processes on a shared machine than wall-clock time.
const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100);
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * TICK_MS; // cutime, cstime
  } catch {
    return Number.NaN;
  }
}
const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, 0]));

function once(name, args) {
  const c = childrenCpuMs();
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t;
  cpu[name] += childrenCpuMs() - c;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

// One warm-up of each (file cache), then the runs interleaved.
for (const [name, args] of Object.entries(cases)) once(name, args);
for (const name of Object.keys(cases)) cpu[name] = 0;
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(cases)) times[name].push(once(name, args));
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
for (const [name, xs] of Object.entries(times)) {
  console.log(
    JSON.stringify({
      bench: 'startup',
      case: name,
      runs: RUNS,
      median_ms: round(median(xs)),
      min_ms: round(Math.min(...xs)),
      cpu_mean_ms: round(cpu[name] / RUNS),
    }),
  );
}
const base = median(times[BASE]);
for (const name of Object.keys(cases)) {
  if (name === BASE) continue;
  console.log(
    JSON.stringify({
      bench: 'startup',
      case: `${name} / ${BASE}`,
      ratio_median: Math.round((median(times[name]) / base) * 100) / 100,
      ratio_min: Math.round((Math.min(...times[name]) / Math.min(...times[BASE])) * 100) / 100,
      ratio_cpu: Math.round((cpu[name] / cpu[BASE]) * 100) / 100,
      ...(name.startsWith('pastiche tfrecord count') ? { target: 1.5 } : {}),
    }),
  );
}
