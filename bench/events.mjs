#!/usr/bin/env node
// TensorBoard event files: building + encoding, decoding, decoding + printing the
// protobuf JSON form, scalar extraction, and EventFileWriter to a temp file.
// Run after `npm run build`:   node bench/events.mjs [--steps N] [--runs R]
// The run is shaped like a training log: per step 3 TF1 scalars, every 50 steps a
// 1,000-value histogram (TF1, ~600 buckets) and a 4 KiB image. Prints one JSON line
// per figure: MB/s = event-file bytes (1 MB = 10^6 B) / seconds, events_per_s, the
// MEDIAN of R runs (default 5) after one warm-up, best_* the fastest run, and
// cpu_* per CPU-second of this process (median run), which varies least when
// other processes share the machine.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventFileWriter,
  decodeEvent,
  decodeRecords,
  encodeEvent,
  encodeRecord,
  eventToJSONLine,
  extractScalars,
  histogramValue,
  imageValue,
  scalarValue,
  summaryEvent,
} from '@pastiche/tfrecord/node';
import { measureThroughput } from './_seed.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}
const STEPS = arg('steps', 20000);
const RUNS = arg('runs', 5);

const png = new Uint8Array(4096);
png.set([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 64, 0, 0, 0, 48, 8, 2,
]);
const weights = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 2);

function* events() {
  for (let s = 0; s < STEPS; s++) {
    const t = 1700000000 + s * 0.5;
    yield summaryEvent(scalarValue('loss/total', 100 * Math.exp(-s / 1000)), { step: s, wallTime: t });
    yield summaryEvent(scalarValue('loss/content', 10 / (s + 1)), { step: s, wallTime: t + 0.125 });
    yield summaryEvent(scalarValue('loss/style', Math.cos(s)), { step: s, wallTime: t + 0.25 });
    if (s % 50 === 0) {
      yield summaryEvent(histogramValue('weights/conv1_1', weights), { step: s, wallTime: t + 0.375 });
      yield summaryEvent(imageValue('output', png), { step: s, wallTime: t + 0.4375 });
    }
  }
}

function buildFile() {
  const parts = [];
  let n = 0;
  for (const ev of events()) {
    parts.push(encodeRecord(encodeEvent(ev)));
    n++;
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), n };
}

function measure(name, fileBytes, count, fn) {
  return measureThroughput({
    name,
    bytes: fileBytes,
    count,
    unit: 'events',
    runs: RUNS,
    fn,
    extra: { file_bytes: fileBytes, events: count },
  });
}

const { bytes, n } = buildFile();

await measure('events build+encode (TF1 scalars, histograms, images)', bytes.length, n, () => buildFile().n);
await measure('events decode', bytes.length, n, () => {
  let k = 0;
  for (const rec of decodeRecords(bytes)) {
    decodeEvent(rec);
    k++;
  }
  return k;
});
await measure('events decode + protobuf JSON lines', bytes.length, n, () => {
  let k = 0;
  let chars = 0;
  for (const rec of decodeRecords(bytes)) {
    chars += eventToJSONLine(decodeEvent(rec)).length;
    k++;
  }
  if (chars === 0) throw new Error('no output');
  return k;
});
await measure('events scalar extraction', bytes.length, n, async () => {
  let points = 0;
  for await (const _ of extractScalars(decodeRecords(bytes))) points++;
  if (points !== 3 * STEPS) throw new Error(`saw ${points} scalars`);
  return n;
});

const dir = mkdtempSync(join(tmpdir(), 'pastiche-bench-events-'));
try {
  // File size of the scalar-only run, measured by a first write.
  let written = 0;
  const once = await EventFileWriter.open(dir);
  for (let s = 0; s < STEPS; s++) {
    once.addScalar('loss/total', 100 * Math.exp(-s / 1000), s, 1700000000 + s);
    once.addScalar('loss/content', 10 / (s + 1), s, 1700000000 + s);
    once.addScalar('loss/style', Math.cos(s), s, 1700000000 + s);
  }
  await once.close();
  const scalarBytes = statSync(once.path).size;
  await measure('EventFileWriter addScalar + close (file)', scalarBytes, 3 * STEPS, async () => {
    const w = await EventFileWriter.open(dir);
    for (let s = 0; s < STEPS; s++) {
      w.addScalar('loss/total', 100 * Math.exp(-s / 1000), s, 1700000000 + s);
      w.addScalar('loss/content', 10 / (s + 1), s, 1700000000 + s);
      w.addScalar('loss/style', Math.cos(s), s, 1700000000 + s);
    }
    await w.close();
    written = statSync(w.path).size;
    return 3 * STEPS;
  });
  if (written === 0) throw new Error('writer wrote nothing');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
