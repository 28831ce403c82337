#!/usr/bin/env node
// TFRecord throughput: framing, read + decode, writing, and the `tfrecord` npm
// package (0.2.0) reading the same file; then whole processes: `pastiche
// tfrecord verify` against a node process reading with the npm package, on a
// seed-shaped file of 232 MB written to a temporary folder. Run after `npm run build`:
//   node bench/tfrecord.mjs [--records N] [--runs R] [--verify-records N] [--process-runs R]
// (--verify-records 0 skips the whole-process figures, which take minutes.)
// Prints one JSON line per figure: {"name", "mb_per_s", "records_per_s", ...}.
// MB/s = file bytes (1 MB = 10^6 B) / seconds. Each case is warmed up once,
// then run R times (default 5); mb_per_s and records_per_s are the MEDIAN run,
// best_* the fastest run, cpu_* per CPU-second used by this process (median run),
// which varies least when other processes share the machine.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  TFRecordWriter,
  crc32c,
  decodeExample,
  decodeRecords,
  encodeExample,
  encodeRecord,
  openRecordStream,
  readExamples,
} from '@pastiche/tfrecord/node';
import { measureThroughput, median, seedExample, seedInput } from './_seed.mjs';
// Not in the package's exports: the decoder without its fast path, for the A/B below.
import { decodeExampleGeneral } from '../packages/tfrecord/dist/src/example/decode.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '5' },
    // 200,000 seed records are 232 MB, the file size of the comparison.
    'verify-records': { type: 'string', default: '200000' },
    'process-runs': { type: 'string', default: '3' },
  },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const VERIFY_RECORDS = Number(args['verify-records']);
const PROCESS_RUNS = Number(args['process-runs']);
const inputs = Array.from({ length: RECORDS }, (_, i) => seedInput(i));
const buildOne = seedExample;

const dir = mkdtempSync(join(tmpdir(), 'pastiche-bench-'));
const file = join(dir, 'bench.tfrecord');

async function writeFile(path) {
  const w = await TFRecordWriter.open(path, { compression: 'none' });
  for (const input of inputs) await w.writeExample(buildOne(input));
  await w.close();
}

function measure(name, fileBytes, fn, extra = {}) {
  current = name;
  return measureThroughput({ name, bytes: fileBytes, count: RECORDS, unit: 'records', runs: RUNS, fn, extra });
}

// Fails loudly (instead of Node's silent exit 13) if a promise never settles.
let current = 'setup';
process.on('exit', (code) => {
  if (code === 13) console.error(`# ${current}: a promise never settled (unsettled top-level await)`);
});

try {
  // The file for the read cases is framed in memory, so that they do not depend on the writer.
  writeFileSync(file, Buffer.concat(inputs.map((input) => encodeRecord(encodeExample(buildOne(input))))));
  const size = statSync(file).size;
  const buf = new Uint8Array(readFileSync(file));
  console.error(
    `# ${RECORDS} records, ${size} bytes (${(size / RECORDS).toFixed(0)} B/record), node ${process.version}`,
  );

  // (a) framing with checksums, in memory.
  await measure('framing: decodeRecords, CRC on (memory)', size, () => {
    let n = 0;
    for (const r of decodeRecords(buf)) n += r.length > 0 ? 1 : 1;
    return n;
  });

  // Breakdown of (a): the checksums alone (one CRC32C over the whole buffer),
  // and the framing without them.
  await measure('breakdown: crc32c over the whole buffer only (memory)', size, () => {
    crc32c(buf);
    return RECORDS;
  });
  await measure('breakdown: decodeRecords, CRC off (memory)', size, () => {
    let n = 0;
    for (const r of decodeRecords(buf, { verifyChecksums: false })) n += r.length > 0 ? 1 : 1;
    return n;
  });

  // (b) read + verify + full decode to typed values.
  await measure('read+decode: decodeRecords + decodeExample (memory)', size, () => {
    let n = 0;
    let check = 0;
    for (const r of decodeRecords(buf)) {
      const ex = decodeExample(r);
      check += ex.features.image.values[0].length;
      n++;
    }
    if (check !== RECORDS * 1024) throw new Error('decode check failed');
    return n;
  });
  // The bound of verifying the checksums on another thread: what would be left
  // to this one (framing without CRCs, and decoding).
  await measure('bound: decodeRecords CRC off + decodeExample (memory, CRCs left to another thread)', size, () => {
    let n = 0;
    for (const r of decodeRecords(buf, { verifyChecksums: false })) {
      decodeExample(r);
      n++;
    }
    return n;
  });
  // Breakdown of (b): the decode alone, on records framed beforehand.
  const records = [...decodeRecords(buf)];
  // With the fast path for records laid out as writers lay them out
  // (src/example/fast.ts), and the general decoder alone, alternating.
  await alternating('breakdown: decodeExample only (memory, no framing)', size, [
    { label: 'fast path on (decodeExample)', run: () => decodeAll(records, decodeExample) },
    { label: 'general decoder only', run: () => decodeAll(records, decodeExampleGeneral) },
  ]);
  await measure('read+decode: openRecordStream + decodeExample (file)', size, async () => {
    let n = 0;
    for await (const r of openRecordStream(file)) {
      decodeExample(r);
      n++;
    }
    return n;
  });
  await measure('read+decode: readExamples (file)', size, async () => {
    let n = 0;
    let check = 0;
    for await (const ex of readExamples(file)) {
      check += ex.features.image.values[0].length;
      n++;
    }
    if (check !== RECORDS * 1024) throw new Error('decode check failed');
    return n;
  });

  // Reading on a worker thread (FileReadOptions.worker), A/B against this
  // thread, alternating run by run in one process; main_cpu_* is this
  // thread's CPU time alone (Linux), the figure that bounds the throughput
  // once the worker has a core of its own.
  await workerAB('read: openRecordStream (file, framing + CRC)', size, file, (o) =>
    countRecords(openRecordStream(file, o)),
  );
  await workerAB('read+decode: readExamples (file)', size, file, async (o) => {
    let n = 0;
    let check = 0;
    for await (const ex of readExamples(file, o)) {
      check += ex.features.image.values[0].length;
      n++;
    }
    if (check !== RECORDS * 1024) throw new Error('decode check failed');
    return n;
  });
  await workerFreshProcess();

  // (d) the `tfrecord` npm package 0.2.0 on the same file: its Reader reads each
  // record with two fs.read calls, checks both CRCs (fast-crc32c: native SSE4.2
  // when sse4_crc32 is built, else JavaScript) and decodes with protobufjs.
  const require = createRequire(import.meta.url);
  const tfrecord = require('tfrecord');
  let crcImpl = 'javascript';
  try {
    require('sse4_crc32');
    crcImpl = 'native sse4_crc32';
  } catch {
    // not built: fast-crc32c falls back to its JavaScript table
  }
  await measure(
    'npm tfrecord 0.2.0: Reader.readExample (file, CRC on, protobufjs)',
    size,
    async () => {
      const reader = await tfrecord.createReader(file);
      let n = 0;
      while ((await reader.readExample()) !== null) n++;
      await reader.close();
      return n;
    },
    { crc: crcImpl },
  );
  await measure(
    'npm tfrecord 0.2.0: RecordReader.readRecord (file, CRC on, framing only)',
    size,
    async () => {
      const reader = await tfrecord.RecordReader.create(file);
      let n = 0;
      while ((await reader.readRecord()) !== null) n++;
      await reader.close();
      return n;
    },
    { crc: crcImpl },
  );
  await measure('npm tfrecord 0.2.0: protos.Example.decode only (memory, no CRC)', size, () => {
    let n = 0;
    for (const r of decodeRecords(buf, { verifyChecksums: false })) {
      tfrecord.protos.Example.decode(r);
      n++;
    }
    return n;
  });
  // (c) writing: build -> encode -> frame -> TFRecordWriter to disk (fsync + rename in close).
  // Breakdown of (c): building and encoding alone, no framing or I/O.
  await measure('breakdown: buildExample + encodeExample only (memory)', size, () => {
    for (const input of inputs) encodeExample(buildOne(input));
    return RECORDS;
  });
  const out = join(dir, 'written.tfrecord');
  await measure('breakdown: TFRecordWriter.write of pre-encoded records (file, fsync in close)', size, async () => {
    const w = await TFRecordWriter.open(out, { compression: 'none' });
    for (const r of records) await w.write(r);
    await w.close();
    return records.length;
  });
  await measure('write: buildExample + TFRecordWriter.writeExample (file)', size, async () => {
    await writeFile(out);
    return RECORDS;
  });
  const written = readFileSync(out);
  if (!written.equals(readFileSync(file))) throw new Error('TFRecordWriter output differs from encodeRecord framing');
  rmSync(out);

  if (VERIFY_RECORDS > 0) await wholeProcess(join(dir, 'verify.tfrecord'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function decodeAll(records, decode) {
  for (const r of records) decode(r);
  return records.length;
}

async function countRecords(it) {
  let n = 0;
  for await (const r of it) n += r.length >= 0 ? 1 : 0;
  return n;
}

/** CPU time of the calling thread in seconds (Linux: /proc/thread-self/schedstat), or NaN. */
function threadCpu() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

/**
 * An A/B in one process: each of `sides` ({ label, run }) warmed up once,
 * then run RUNS times, taking turns (the order reversed every other run), so
 * both see the same machine; one line per side. main_cpu_* is this thread's
 * CPU time alone (Linux).
 */
async function alternating(name, bytes, sides, extra = {}) {
  current = name;
  const stats = sides.map((side) => ({ ...side, wall: [], cpu: [], main: [] }));
  for (const side of stats) {
    const n = await side.run();
    if (n !== RECORDS) throw new Error(`${name}, ${side.label}: saw ${n} records, expected ${RECORDS}`);
  }
  for (let r = 0; r < RUNS; r++) {
    for (const side of r % 2 === 0 ? stats : [...stats].reverse()) {
      const c0 = process.cpuUsage();
      const m0 = threadCpu();
      const t0 = performance.now();
      await side.run();
      side.wall.push((performance.now() - t0) / 1000);
      side.main.push(threadCpu() - m0);
      const c = process.cpuUsage(c0);
      side.cpu.push((c.user + c.system) / 1e6);
    }
  }
  for (const side of stats) {
    const mb = bytes / 1e6;
    console.log(
      JSON.stringify({
        name: `${name}, ${side.label}`,
        mb_per_s: Math.round(mb / median(side.wall)),
        records_per_s: Math.round(RECORDS / median(side.wall)),
        stat: `median of ${RUNS}, alternating ${sides.map((x) => x.label).join(' / ')}`,
        best_mb_per_s: Math.round(mb / Math.min(...side.wall)),
        cpu_mb_per_s: Math.round(mb / median(side.cpu)),
        main_cpu_mb_per_s: Math.round(mb / median(side.main)),
        ...extra,
      }),
    );
  }
}

/** {@link alternating} with FileReadOptions.worker off and on. */
function workerAB(name, bytes, path, fn) {
  const sides = [false, true].map((worker) => ({
    label: `worker ${worker ? 'on' : 'off'}`,
    run: () => fn({ worker }),
  }));
  return alternating(name, bytes, sides, { file: path === file ? 'bench file' : path });
}

/**
 * Where the worker starts to pay: files of 2-64 MiB of seed records, read
 * and decoded by a fresh `node` process with the worker on and off
 * alternately, so its start-up (paid once per process) is included: why
 * the worker is off unless asked for (node/worker/choose.ts).
 */
async function workerFreshProcess() {
  const one = encodeRecord(encodeExample(buildOne(inputs[0])));
  const script = join(dir, 'threshold.mjs');
  writeFileSync(
    script,
    `import { readExamples } from ${JSON.stringify(import.meta.resolve('@pastiche/tfrecord/node'))};
const [path, worker, n] = process.argv.slice(2);
let k = 0;
for await (const ex of readExamples(path, { worker: worker === 'on' })) k += ex.features.label.values.length;
if (k !== Number(n)) throw new Error('saw ' + k + ' records');
`,
  );
  for (const mib of [2, 4, 8, 16, 32, 64]) {
    const n = Math.ceil((mib * 1024 * 1024) / one.length);
    const path = join(dir, `threshold-${mib}.tfrecord`);
    writeFileSync(path, Buffer.concat(Array.from({ length: n }, () => one)));
    current = `worker in a fresh process ${mib} MiB`;
    const wall = { off: [], on: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const side of r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
        const t0 = performance.now();
        const res = spawnSync(process.execPath, [script, path, side, String(n)], { encoding: 'utf8' });
        if (res.status !== 0) throw new Error(`threshold ${mib} MiB ${side}: ${res.stderr}`);
        wall[side].push(performance.now() - t0);
      }
    }
    console.log(
      JSON.stringify({
        name: `worker in a fresh process: node process reading a ${mib} MiB file with readExamples, worker on vs off`,
        off_ms: Number(median(wall.off).toFixed(1)),
        on_ms: Number(median(wall.on).toFixed(1)),
        speedup: Number((median(wall.off) / median(wall.on)).toFixed(2)),
        stat: `median of ${RUNS}, alternating, whole process (worker start-up included)`,
      }),
    );
    rmSync(path);
  }
}

/**
 * (e) Whole processes on one seed-shaped file, start-up included, each run a
 * fresh `node`: `pastiche tfrecord verify` (framing + every CRC; and with
 * --kind example, decoding too) against a script reading the same file with
 * the npm `tfrecord` package (RecordReader.readRecord: framing + CRCs;
 * Reader.readExample: and protobufjs decoding). The pairs run alternately,
 * PROCESS_RUNS times; figures are median wall times.
 */
async function wholeProcess(path) {
  current = 'whole process';
  const fd = openSync(path, 'w');
  try {
    // Written in batches of framed records, so the file never sits in memory whole.
    for (let i = 0; i < VERIFY_RECORDS; ) {
      const batch = [];
      for (const end = Math.min(VERIFY_RECORDS, i + 5000); i < end; i++) {
        batch.push(encodeRecord(encodeExample(seedExample(seedInput(i)))));
      }
      writeSync(fd, Buffer.concat(batch));
    }
  } finally {
    closeSync(fd);
  }
  const bytes = statSync(path).size;
  const pastiche = fileURLToPath(new URL('../packages/cli/bin/pastiche.js', import.meta.url));
  const npmScript = (method) => `const tf = require('tfrecord');
(async () => {
  const r = ${method === 'readExample' ? 'await tf.createReader(process.argv[1])' : 'await tf.RecordReader.create(process.argv[1])'};
  let n = 0;
  while ((await r.${method}()) !== null) n++;
  await r.close();
  if (n !== ${VERIFY_RECORDS}) throw new Error('saw ' + n + ' records');
})();`;
  const run = (argv) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, argv, {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
    return s;
  };
  const pairs = [
    {
      name: 'framing + CRCs',
      ours: [pastiche, 'tfrecord', 'verify', path],
      theirs: ['-e', npmScript('readRecord'), path],
    },
    {
      name: 'framing + CRCs + Example decode',
      ours: [pastiche, 'tfrecord', 'verify', '--kind', 'example', path],
      theirs: ['-e', npmScript('readExample'), path],
    },
  ];
  console.error(`# whole process: ${VERIFY_RECORDS} records, ${bytes} bytes, ${PROCESS_RUNS} runs each`);
  for (const pair of pairs) {
    const ours = [];
    const theirs = [];
    for (let r = 0; r < PROCESS_RUNS; r++) {
      ours.push(run(pair.ours));
      theirs.push(run(pair.theirs));
    }
    const a = median(ours);
    const b = median(theirs);
    console.log(
      JSON.stringify({
        name: `whole process, ${pair.name}: pastiche tfrecord verify vs npm tfrecord 0.2.0 (file of ${Math.round(bytes / 1e6)} MB)`,
        pastiche_s: Number(a.toFixed(3)),
        npm_tfrecord_s: Number(b.toFixed(3)),
        speedup: Number((b / a).toFixed(1)),
        pastiche_mb_per_s: Math.round(bytes / 1e6 / a),
        npm_tfrecord_mb_per_s: Math.round(bytes / 1e6 / b),
        stat: `median of ${PROCESS_RUNS} runs each, alternating, start-up included`,
      }),
    );
  }
  rmSync(path);
}
