#!/usr/bin/env node
// Dataset pipeline and index throughput on a seed-shaped file (1 KiB image
// bytes, int64 label, 12-byte shape, 10 floats per record). Run after
//   npx tsc -b packages/tfrecord/tsconfig.node.json
//   node bench/dataset.mjs [--records N] [--runs R]
// Prints one JSON line per figure: {"name", "mb_per_s", "records_per_s", ...}.
// MB/s = file bytes (10^6 B) / seconds; each case is warmed up once, then run
// R times (default 5), round-robin over the cases, and the figure is the median run.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildIndex,
  countRecords,
  decodeExample,
  decodeRecords,
  encodeExample,
  encodeRecord,
  fixedLen,
  readRecordFiles,
} from '@pastiche/tfrecord/node';
import { benchArgs, median, seedExample, seedInput } from './_seed.mjs';

const { RECORDS, RUNS } = benchArgs();

const spec = {
  label: fixedLen({ shape: [], dtype: 'int64' }),
  shape: fixedLen({ shape: [], dtype: 'string' }),
  image: fixedLen({ shape: [], dtype: 'string' }),
  floats: fixedLen({ shape: [10], dtype: 'float32' }),
};

// Cases run round-robin (one run of each, R times over), so a change in the
// machine's load during the benchmark affects every case alike.
const cases = [];
function measure(name, fileBytes, fn, extra = {}) {
  cases.push({ name, fileBytes, fn, extra, times: [] });
}

async function runAll() {
  for (const c of cases) {
    const warm = await c.fn();
    const want = c.records ?? RECORDS;
    if (warm !== want) throw new Error(`${c.name}: saw ${warm} records, expected ${want}`);
  }
  for (let r = 0; r < RUNS; r++) {
    for (const c of cases) {
      const t0 = performance.now();
      await c.fn();
      c.times.push((performance.now() - t0) / 1000);
    }
  }
  for (const c of cases) {
    const s = median(c.times);
    console.log(
      JSON.stringify({
        name: c.name,
        mb_per_s: Math.round(c.fileBytes / 1e6 / s),
        records_per_s: Math.round((c.records ?? RECORDS) / s),
        stat: `median of ${RUNS}, cases interleaved`,
        ...c.extra,
      }),
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pastiche-bench-dataset-'));
try {
  const file = join(dir, 'bench.tfrecord');
  const framed = [];
  for (let i = 0; i < RECORDS; i++) {
    const ex = seedExample(seedInput(i));
    framed.push(encodeRecord(encodeExample(ex)));
  }
  writeFileSync(file, Buffer.concat(framed));
  const size = statSync(file).size;
  const buf = new Uint8Array(readFileSync(file));
  console.error(
    `# ${RECORDS} records, ${size} bytes (${(size / RECORDS).toFixed(0)} B/record), node ${process.version}`,
  );

  // Reference: the core's full decode, in memory (no I/O, no pipeline).
  measure('reference: decodeRecords + decodeExample (memory)', size, () => {
    let n = 0;
    for (const r of decodeRecords(buf)) {
      decodeExample(r);
      n++;
    }
    return n;
  });

  const records = await readRecordFiles(file);
  measure('dataset: file -> records', size, async () => {
    let n = 0;
    for await (const r of records) n += r.length > 0 ? 1 : 0;
    return n;
  });

  const parsed = records.parseBatch(32, spec);
  measure(
    'dataset: file -> records -> parseBatch(32) FixedLen label/shape/image/floats',
    size,
    async () => {
      let n = 0;
      for await (const b of parsed) n += b.label.shape[0];
      return n;
    },
    { chain: parsed.toString() },
  );

  const perRecord = records.parse(spec).stackedBatch(32);
  measure(
    'dataset: file -> records -> parse -> stackedBatch(32)',
    size,
    async () => {
      let n = 0;
      for await (const b of perRecord) n += b.label.shape[0];
      return n;
    },
    { chain: perRecord.toString() },
  );

  const shuffled = records.shuffle(1000, { seed: 1 }).parseBatch(32, spec).prefetch(4);
  measure(
    'dataset: file -> records -> shuffle(1000) -> parseBatch(32) -> prefetch(4)',
    size,
    async () => {
      let n = 0;
      for await (const b of shuffled) n += b.label.shape[0];
      return n;
    },
    { chain: shuffled.toString() },
  );

  measure('index: buildIndex (headers only, file)', size, async () => (await buildIndex(file)).count);
  measure('count: countRecords (file)', size, async () => countRecords(file));

  // Records of 256 KiB (images, say): count reads one 12-byte header per record
  // and seeks past the data, so its MB/s is the file size over a few hundred reads.
  const big = join(dir, 'big.tfrecord');
  const bigRecord = encodeRecord(new Uint8Array(256 * 1024).fill(7));
  writeFileSync(big, Buffer.concat(Array.from({ length: 400 }, () => bigRecord)));
  const bigSize = statSync(big).size;
  cases.push({
    name: 'count: countRecords, 400 records of 256 KiB (file, headers only)',
    fileBytes: bigSize,
    fn: () => countRecords(big),
    records: 400,
    extra: {},
    times: [],
  });
  const shards = [0, 1, 2, 3].map((i) => join(dir, `shard-${i}.tfrecord`));
  const quarter = Buffer.concat(framed.slice(0, RECORDS / 4));
  for (const p of shards) writeFileSync(p, quarter);
  const interleaved = await readRecordFiles(shards, { cycleLength: 4, numParallelCalls: 4 });
  measure('dataset: 4 files -> records(interleave 4, parallel) (file)', size, async () => {
    let n = 0;
    for await (const r of interleaved) n += r.length > 0 ? 1 : 0;
    return n;
  });
  await runAll();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
