import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Dataset } from '../src/dataset/dataset.js';
import { SkipCounter } from '../src/dataset/skip.js';
import { encodeRecord } from '../src/framing/encode.js';
import { isTFRecordError } from '../src/errors.js';
import {
  activeFileCount,
  files,
  listFiles,
  readExampleFiles,
  readRecordFiles,
  recordsOfFiles,
} from '../src/node/dataset.js';
import { absent, sharedPath } from '@pastiche/testing';

let dir: string;
const enc = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function frame(recs: readonly string[]): Uint8Array {
  const parts = recs.map((r) => encodeRecord(enc.encode(r)));
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

const names = (shard: number, n: number): string[] => Array.from({ length: n }, (_, i) => `s${shard}r${i}`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pastiche-dataset-'));
  for (let s = 0; s < 3; s++) await writeFile(join(dir, `train-0000${s}-of-00003`), frame(names(s, 4)));
  await writeFile(join(dir, 'partial-00000-of-00002'), frame(['a']));
  await writeFile(
    join(dir, 'big.tfrecord'),
    frame(Array.from({ length: 3000 }, (_, i) => `big ${i} ${'x'.repeat(i % 700)}`)),
  );
  await writeFile(join(dir, 'zipped.tfrecord.gz'), gzipSync(frame(['z0', 'z1', 'z2'])));
  await writeFile(join(dir, 'big.tfrecord.gz'), gzipSync(await readFile(join(dir, 'big.tfrecord'))));
  await writeFile(join(dir, 'notes.txt'), 'hello');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTFRecordError(e, code as never), `expected ${code}, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else if (message !== undefined) assert.match((e as Error).message, message);
    return true;
  });
}

test('listFiles expands globs and shard specs, sorted', async () => {
  const train = [0, 1, 2].map((s) => join(dir, `train-0000${s}-of-00003`));
  assert.deepEqual(await listFiles(join(dir, 'train-*')), train);
  assert.deepEqual(await listFiles(join(dir, 'train@3')), train);
  assert.deepEqual(await listFiles(join(dir, 'train-0000[12]-of-*')), train.slice(1));
  assert.deepEqual(await listFiles([join(dir, 'train-00002-of-00003'), join(dir, 'train-*')]), [
    train[2],
    train[0],
    train[1],
  ]);
  assert.deepEqual(await listFiles(join(dir, '*.gz')), [join(dir, 'big.tfrecord.gz'), join(dir, 'zipped.tfrecord.gz')]);
});

test('listFiles reports missing shards and empty matches clearly', async () => {
  await rejectsWith(
    listFiles(join(dir, 'partial-*')),
    'IO',
    `shard set ${join(dir, 'partial-?????-of-00002')} matched by ${JSON.stringify(join(dir, 'partial-*'))} is incomplete: missing shard 00001 of 2`,
  );
  await rejectsWith(
    listFiles(join(dir, 'partial-0000?-of-00002')),
    'IO',
    `shard set ${join(dir, 'partial-?????-of-00002')} matched by ${JSON.stringify(join(dir, 'partial-0000?-of-00002'))} is incomplete: missing shard 00001 of 2`,
  );
  assert.deepEqual(await listFiles(join(dir, 'partial-00000-*')), [join(dir, 'partial-00000-of-00002')]);
  await rejectsWith(
    listFiles(join(dir, 'train@4')),
    'IO',
    `shard set ${JSON.stringify(join(dir, 'train@4'))} is incomplete: missing train-00000-of-00004, train-00001-of-00004, train-00002-of-00004, train-00003-of-00004 in ${dir}`,
  );
  await rejectsWith(
    listFiles(join(dir, 'nothing-*')),
    'IO',
    `no files match ${JSON.stringify(join(dir, 'nothing-*'))}`,
  );
  await rejectsWith(listFiles(join(dir, 'missing.tfrecord')), 'IO', /ENOENT/);
});

test('records of a shard set, in file order; chain and size', async () => {
  const ds = await readRecordFiles(join(dir, 'train-*'));
  assert.equal(ds.toString(), 'files(3) -> records');
  assert.equal(ds.size, 'unknown');
  assert.equal((await files(join(dir, 'train@3'))).size, 3);
  const counted = await readRecordFiles([join(dir, 'train-*'), join(dir, 'zipped.tfrecord.gz')], { count: true });
  assert.equal(counted.size, 15);
  assert.equal(counted.batch(4).size, 4);
  assert.equal((await counted.toArray()).length, 15);
  assert.deepEqual((await ds.toArray()).map(text), [...names(0, 4), ...names(1, 4), ...names(2, 4)]);
  const chained = ds.map(text).shuffle(1000, { seed: 1 }).batch(32);
  assert.equal(chained.toString(), 'files(3) -> records -> map -> shuffle(1000) -> batch(32)');
  const [batch] = await chained.toArray();
  assert.deepEqual([...batch!].sort(), [...names(0, 4), ...names(1, 4), ...names(2, 4)].sort());
});

test('interleaving files follows tf.data order, with parallel reads too', async () => {
  const want: string[] = [];
  for (let b = 0; b < 2; b++) for (let s = 0; s < 3; s++) for (let k = 0; k < 2; k++) want.push(`s${s}r${b * 2 + k}`);
  for (const numParallelCalls of [1, 3]) {
    const ds = await readRecordFiles(join(dir, 'train-*'), { cycleLength: 3, blockLength: 2, numParallelCalls });
    assert.equal(ds.toString(), 'files(3) -> records(interleave 3)');
    assert.deepEqual((await ds.toArray()).map(text), want);
  }
  // The usual tf.data idiom: shuffle the file list, then interleave.
  const shuffled = (await files(join(dir, 'train-*'))).shuffle(3, { seed: 9 });
  const recs = await recordsOfFiles(shuffled, { cycleLength: 2 }).toArray();
  assert.equal(recs.length, 12);
});

test('compression is detected per file', async () => {
  const ds = await readRecordFiles([join(dir, 'zipped.tfrecord.gz'), join(dir, 'train-00000-of-00003')]);
  assert.deepEqual((await ds.toArray()).map(text), ['z0', 'z1', 'z2', ...names(0, 4)]);
  const wrong = await readRecordFiles(join(dir, 'zipped.tfrecord.gz'), { compression: 'none' });
  await rejectsWith(wrong.toArray(), 'CORRUPTED_LENGTH', /zipped\.tfrecord\.gz: corrupted record at byte 0/);
});

test('breaking out of a loop closes every file', async () => {
  const ds = (
    await readRecordFiles([join(dir, 'big.tfrecord'), join(dir, 'train-*')], { cycleLength: 3, numParallelCalls: 2 })
  )
    .map(async (r) => r.length, { concurrency: 3 })
    .prefetch(4)
    .shuffle(50, { seed: 1 });
  let n = 0;
  let during = 0;
  for await (const len of ds) {
    assert.equal(typeof len, 'number');
    during = Math.max(during, activeFileCount());
    if (++n === 20) break;
  }
  assert.ok(during >= 1, 'files were open during iteration');
  assert.equal(activeFileCount(), 0);
  // Compressed files too (node:zlib between the file and the records).
  let m = 0;
  for await (const r of await readRecordFiles(join(dir, 'big.tfrecord.gz'))) {
    assert.match(text(r), /^big \d+ /);
    if (++m === 100) break;
  }
  assert.equal(activeFileCount(), 0);
  assert.equal((await (await readRecordFiles(join(dir, 'big.tfrecord.gz'))).toArray()).length, 3000);
  // Errors close files too.
  const failing = (await readRecordFiles(join(dir, 'big.tfrecord'))).map((_, i) => {
    if (i === 10) throw new Error('stop here');
    return i;
  });
  await assert.rejects(failing.toArray(), /stop here/);
  assert.equal(activeFileCount(), 0);
});

test('aborting rejects with ABORTED and closes every file', async () => {
  const ds = (
    await readRecordFiles([join(dir, 'big.tfrecord'), join(dir, 'big.tfrecord')], { cycleLength: 2 })
  ).prefetch(8);
  const ac = new AbortController();
  let n = 0;
  await rejectsWith(
    (async () => {
      for await (const r of ds.iterate({ signal: ac.signal })) {
        assert.ok(r.length > 0);
        if (++n === 100) ac.abort();
      }
    })(),
    'ABORTED',
  );
  assert.equal(n, 100);
  assert.equal(activeFileCount(), 0);
  const ac2 = new AbortController();
  const it = ds
    .withSignal(ac2.signal)
    .map((r) => r.length)
    [Symbol.asyncIterator]();
  await it.next();
  ac2.abort();
  await rejectsWith(it.next(), 'ABORTED');
  assert.equal(activeFileCount(), 0);
});

test('skipCorrupt: a bad data checksum skips one record, a bad length ends that file, the next file is read', async () => {
  const good = frame(['g0', 'g1', 'g2']);
  const badData = frame(['d0', 'd1', 'd2']);
  const rec = 2 + 16;
  badData[rec + 12] ^= 0xff; // body of d1
  const badLen = frame(['l0', 'l1', 'l2']);
  badLen[rec + 3] ^= 0xff; // length of l1
  await writeFile(join(dir, 'c-bad-data'), badData);
  await writeFile(join(dir, 'c-bad-len'), badLen);
  await writeFile(join(dir, 'c-good'), good);
  const counter = new SkipCounter();
  const ds = await readRecordFiles([join(dir, 'c-bad-data'), join(dir, 'c-bad-len'), join(dir, 'c-good')], {
    skipCorrupt: counter,
  });
  assert.deepEqual((await ds.toArray()).map(text), ['d0', 'd2', 'l0', 'g0', 'g1', 'g2']);
  assert.equal(counter.records, 1);
  assert.equal(counter.streams, 1);
  const [e1, e2] = counter.errors;
  assert.ok(isTFRecordError(e1, 'CORRUPTED_DATA'));
  assert.equal(e1.file, join(dir, 'c-bad-data'));
  assert.equal(e1.offset, rec);
  assert.equal(e1.message, `${join(dir, 'c-bad-data')}: corrupted record at byte ${rec}: data checksum mismatch`);
  assert.ok(isTFRecordError(e2, 'CORRUPTED_LENGTH'));
  assert.equal(e2.file, join(dir, 'c-bad-len'));
  // Strict by default: the first error fails, naming the file.
  const strict = await readRecordFiles([join(dir, 'c-bad-data')]);
  await rejectsWith(
    strict.toArray(),
    'CORRUPTED_DATA',
    `${join(dir, 'c-bad-data')}: corrupted record at byte ${rec}: data checksum mismatch`,
  );
  assert.equal(activeFileCount(), 0);
});

test('Examples from the shared TensorFlow files', async (t) => {
  const ex = sharedPath('data', 'tfrecord', 'pytorch-data-example.tfrecord');
  const gz = sharedPath('data', 'tfrecord', 'tfx-penguin-train.tfrecord.gz');
  if (ex === undefined || gz === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  const examples = await readExampleFiles(ex);
  assert.equal(examples.toString(), 'files(1) -> records -> examples');
  const all = await examples.toArray();
  assert.equal(all.length, 4);
  const lines = (await readFile(`${ex}.jsonl`, 'utf8')).trim().split('\n');
  assert.equal(lines.length, 4);
  const first = JSON.parse(lines[0]!) as { features: Record<string, { float?: number[] }> };
  const xf = all[0]!.features['x_float'];
  assert.ok(xf !== undefined && xf.kind === 'float');
  assert.deepEqual(Array.from(xf.values), first.features['x_float']!.float);
  const penguins = await readRecordFiles(gz);
  assert.equal((await penguins.toArray()).length, 234);
  assert.equal((await penguins.shard(4, 1).toArray()).length, 59);
});

test('Dataset pipeline over a file: parse-like map + stacked batch', async () => {
  const ds = (await readRecordFiles(join(dir, 'train-*')))
    .map((r) => ({ len: r.length, bytes: r.subarray(0, 2) }))
    .stackedBatch(5, { dropRemainder: true });
  const out = await ds.toArray();
  assert.equal(out.length, 2);
  assert.deepEqual(out[0]!.bytes.shape, [5, 2]);
  assert.deepEqual(out[0]!.len.values, new Float64Array([4, 4, 4, 4, 4]));
  void Dataset;
});

test('parallel interleave opens its upcoming inputs early; one-at-a-time interleave opens each when reached', async () => {
  let opens = 0;
  const order: number[] = [];
  const inner = (x: number): Dataset<number> =>
    Dataset.fromIterable(async function* () {
      opens++;
      // Answers late, so an input opened early is visibly open before its turn.
      await new Promise((r) => setTimeout(r, 2));
      for (let i = 0; i < 3; i++) yield x * 10 + i;
    });
  for (const numParallelCalls of [1, 4]) {
    opens = 0;
    const it = Dataset.range(6).interleave(inner, { cycleLength: 3, numParallelCalls })[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.value, 0);
    assert.equal(
      opens,
      numParallelCalls === 1 ? 1 : 3,
      `opens after the first element, numParallelCalls ${numParallelCalls}`,
    );
    const rest: number[] = [];
    for (let r = await it.next(); r.done !== true; r = await it.next()) rest.push(r.value);
    const all = [0, ...rest];
    if (numParallelCalls === 1) order.push(...all);
    else assert.deepEqual(all, order, 'the same order either way');
    assert.equal(opens, 6);
  }
  // Files: every file of the cycle is open once the first record is out.
  const paths = [0, 1, 2].map((s) => join(dir, `train-0000${s}-of-00003`));
  const ds = await readRecordFiles(paths, { cycleLength: 3, numParallelCalls: 2 });
  const it = ds[Symbol.asyncIterator]();
  assert.equal(text((await it.next()).value as Uint8Array), 's0r0');
  assert.equal(activeFileCount(), 3);
  await it.return?.(undefined);
  assert.equal(activeFileCount(), 0);
});
