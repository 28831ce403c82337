#!/usr/bin/env node
// Start-up of the pastiche command: `pastiche --version`, `pastiche --help` and
// `pastiche tfrecord count` on a one-record file against a bare `node -e 0`,
// whole process against whole process, interleaved in one run so that every
// case sees the same machine load. Prints one JSON line per case and one with
// the ratio of the medians to `node -e 0` (target for tfrecord count: <= 1.5).
//   node bench/startup.mjs [--runs N] [--bin PATH]...   (default 30 runs)
// Each --bin is a launcher to compare (e.g. a saved copy of an older build);
// default: packages/cli/bin/pastiche.js. With several, case names end in [PATH].
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

function once(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

// One warm-up of each (file cache), then the runs interleaved.
for (const args of Object.values(cases)) once(args);
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(cases)) times[name].push(once(args));
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
      ...(name.startsWith('pastiche tfrecord count') ? { target: 1.5 } : {}),
    }),
  );
}
