import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dataset } from '../src/dataset/dataset.js';
import { stack, padBatch } from '../src/dataset/collate.js';
import { SeededRandom } from '../src/dataset/random.js';
import { SkipCounter } from '../src/dataset/skip.js';
import { recordDataset, decodeExamples } from '../src/dataset/records.js';
import { encodeRecord } from '../src/framing/encode.js';
import { compressBytes } from '../src/compression/index.js';
import { encodeExample } from '../src/example/encode.js';
import { isTFRecordError } from '../src/errors.js';
import { buildExample, floatList } from '../src/example/build.js';
import { fixedLen } from '../src/parse/spec.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A source that counts opens/closes and, optionally, answers after random delays. */
function tracked<T>(
  items: readonly T[],
  stats: { opened: number; closed: number; pulled: number },
  delayMs = 0,
  seed = 1,
): Dataset<T> {
  return Dataset.fromIterable(async function* () {
    const rng = new SeededRandom(seed + stats.opened);
    stats.opened++;
    try {
      for (const x of items) {
        if (delayMs > 0) await sleep(rng.nextInt(delayMs + 1));
        stats.pulled++;
        yield x;
      }
    } finally {
      stats.closed++;
    }
  });
}

const newStats = () => ({ opened: 0, closed: 0, pulled: 0 });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTFRecordError(e, code as never), `expected ${code}, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else if (message !== undefined) assert.match((e as Error).message, message);
    return true;
  });
}

function throwsWith(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTFRecordError(e, 'INVALID_ARGUMENT'));
    assert.equal((e as Error).message, message);
    return true;
  });
}

test('a dataset is a reusable recipe: iterating again starts afresh', async () => {
  const ds = Dataset.from([1, 2, 3]).map((x) => x * 10);
  assert.deepEqual(await ds.toArray(), [10, 20, 30]);
  assert.deepEqual(await ds.toArray(), [10, 20, 30]);
  const src = [1, 2];
  const copy = Dataset.from(src);
  src.push(3);
  assert.deepEqual(await copy.toArray(), [1, 2]);
});

test('toString describes the chain', () => {
  const ds = Dataset.from(range(10))
    .map((x) => x)
    .shuffle(1000, { seed: 1 })
    .batch(32);
  assert.equal(ds.toString(), 'from(10) -> map -> shuffle(1000) -> batch(32)');
  const gen = Dataset.fromIterable(() => [1], { name: 'files(3)' }).apply('records', (up) => up());
  assert.equal(
    gen
      .map((x) => x, { concurrency: 4 })
      .prefetch(2)
      .toString(),
    'files(3) -> records -> map(concurrency=4) -> prefetch(2)',
  );
});

test('sizes pass through like tf.data cardinality', () => {
  const ds = Dataset.from(range(10));
  assert.equal(ds.size, 10);
  assert.equal(ds.map((x) => x).size, 10);
  assert.equal(ds.filter(() => true).size, 'unknown');
  assert.equal(ds.batch(3).size, 4);
  assert.equal(ds.batch(3, { dropRemainder: true }).size, 3);
  assert.equal(ds.take(4).size, 4);
  assert.equal(ds.take(40).size, 10);
  assert.equal(ds.skip(4).size, 6);
  assert.equal(ds.skip(40).size, 0);
  assert.equal(ds.repeat(3).size, 30);
  assert.equal(ds.repeat().size, 'infinite');
  assert.equal(ds.repeat().take(7).size, 7);
  assert.equal(ds.repeat().batch(2).size, 'infinite');
  assert.equal(Dataset.from([]).repeat().size, 0);
  assert.equal(ds.shard(3, 0).size, 4);
  assert.equal(ds.shard(3, 2).size, 3);
  assert.equal(ds.shuffle(4).size, 10);
  assert.equal(ds.prefetch(4).size, 10);
  assert.equal(ds.concatenate(ds).size, 20);
  assert.equal(ds.concatenate(ds.filter(() => true)).size, 'unknown');
  assert.equal(ds.interleave((x) => [x]).size, 'unknown');
  assert.equal(Dataset.fromIterable(() => [1]).size, 'unknown');
  assert.equal(Dataset.range(2, 11, 3).size, 3);
});

test('range, take, skip, shard, repeat, enumerate, concatenate', async () => {
  assert.deepEqual(await Dataset.range(5).toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(await Dataset.range(2, 11, 3).toArray(), [2, 5, 8]);
  assert.deepEqual(await Dataset.range(3, 0, -1).toArray(), [3, 2, 1]);
  assert.deepEqual(await Dataset.range(10).skip(3).take(2).toArray(), [3, 4]);
  assert.deepEqual(await Dataset.range(10).shard(3, 1).toArray(), [1, 4, 7]);
  assert.deepEqual(await Dataset.range(2).repeat(3).toArray(), [0, 1, 0, 1, 0, 1]);
  assert.deepEqual(await Dataset.range(2).repeat().take(5).toArray(), [0, 1, 0, 1, 0]);
  assert.deepEqual(await Dataset.from([]).repeat().toArray(), []);
  assert.deepEqual(await Dataset.from(['a', 'b']).enumerate(1).toArray(), [
    [1, 'a'],
    [2, 'b'],
  ]);
  assert.deepEqual(await Dataset.range(2).concatenate(Dataset.range(1)).toArray(), [0, 1, 0]);
  assert.deepEqual(
    await Dataset.range(6)
      .filter((x) => x % 2 === 0)
      .toArray(),
    [0, 2, 4],
  );
  assert.deepEqual(
    await Dataset.range(6)
      .filter(async (x) => x > 3)
      .toArray(),
    [4, 5],
  );
});

test('take pulls nothing beyond what it yields', async () => {
  const s = newStats();
  assert.deepEqual(await tracked(range(100), s).take(3).toArray(), [0, 1, 2]);
  assert.equal(s.pulled, 3);
  assert.equal(s.closed, 1);
  const s0 = newStats();
  assert.deepEqual(await tracked(range(100), s0).take(0).toArray(), []);
  assert.equal(s0.opened, 0);
});

test('map with concurrency keeps order under random delays and bounds calls in flight', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const rng = new SeededRandom(7);
  const s = newStats();
  const ds = tracked(range(60), s, 2).map(
    async (x, i) => {
      assert.equal(i, x);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(rng.nextInt(4));
      inFlight--;
      return x * 2;
    },
    { concurrency: 5 },
  );
  assert.deepEqual(
    await ds.toArray(),
    range(60).map((x) => x * 2),
  );
  assert.ok(maxInFlight <= 5, `max in flight ${maxInFlight}`);
  assert.ok(maxInFlight > 1, 'calls overlapped');
  assert.equal(s.closed, 1);
});

test('map errors propagate in order and close the source', async () => {
  const s = newStats();
  const ds = tracked(range(20), s, 1).map(
    async (x) => {
      if (x === 7) throw new Error('boom at 7');
      await sleep(1);
      return x;
    },
    { concurrency: 4 },
  );
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const x of ds) seen.push(x);
    })(),
    /boom at 7/,
  );
  assert.deepEqual(seen, range(7));
  assert.equal(s.closed, 1);
});

test('an upstream error comes after the elements before it, with map concurrency', async () => {
  const failing = Dataset.fromIterable(async function* () {
    for (let i = 0; i < 5; i++) yield i;
    throw new Error('upstream broke');
  });
  for (const concurrency of [1, 4]) {
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const x of failing.map(
          async (v) => {
            await sleep(2);
            return v;
          },
          { concurrency },
        ))
          seen.push(x);
      })(),
      /upstream broke/,
    );
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  }
});

test('shuffle yields a permutation, fixed by the seed, reshuffled each iteration', async () => {
  const ds = Dataset.range(200).shuffle(50, { seed: 42 });
  const a = await ds.toArray();
  const b = await ds.toArray();
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    range(200),
  );
  assert.deepEqual(
    [...b].sort((x, y) => x - y),
    range(200),
  );
  assert.notDeepEqual(a, range(200));
  assert.notDeepEqual(a, b, 'second iteration reshuffles');
  // The same recipe built again gives the same sequence of orders.
  const again = Dataset.range(200).shuffle(50, { seed: 42 });
  assert.deepEqual(await again.toArray(), a);
  assert.deepEqual(await again.toArray(), b);
  const fixed = Dataset.range(200).shuffle(50, { seed: 42, reshuffleEachIteration: false });
  assert.deepEqual(await fixed.toArray(), a);
  assert.deepEqual(await fixed.toArray(), a);
  const other = await Dataset.range(200).shuffle(50, { seed: 43 }).toArray();
  assert.notDeepEqual(other, a);
  // With repeat, each epoch is a permutation of its own.
  const epochs = await Dataset.range(30).shuffle(30, { seed: 5 }).repeat(2).toArray();
  assert.deepEqual(
    [...epochs.slice(0, 30)].sort((x, y) => x - y),
    range(30),
  );
  assert.deepEqual(
    [...epochs.slice(30)].sort((x, y) => x - y),
    range(30),
  );
  assert.notDeepEqual(epochs.slice(0, 30), epochs.slice(30));
});

test('shuffle with a buffer of 1 keeps order; a buffer smaller than the data only moves elements locally', async () => {
  assert.deepEqual(await Dataset.range(20).shuffle(1, { seed: 3 }).toArray(), range(20));
  const out = await Dataset.range(100).shuffle(5, { seed: 3 }).toArray();
  // Element at output position i was among the first i + 5 inputs.
  out.forEach((x, i) => assert.ok(x < i + 5, `element ${x} at ${i}`));
});

test('shuffle memory stays bounded by its buffer on a huge source', async () => {
  let pulled = 0;
  let closed = false;
  const huge = Dataset.fromIterable(async function* () {
    try {
      for (let i = 0; i < 1e6; i++) {
        pulled++;
        yield i;
      }
    } finally {
      closed = true;
    }
  });
  let consumed = 0;
  for await (const x of huge.shuffle(100, { seed: 1 })) {
    assert.equal(typeof x, 'number');
    consumed++;
    assert.ok(pulled - consumed <= 100, `pulled ${pulled} consumed ${consumed}`);
    if (consumed === 5000) break;
  }
  assert.ok(pulled <= 5100);
  assert.ok(closed, 'source closed after break');
});

test('prefetch keeps order, reads ahead at most its buffer, and closes on break', async () => {
  const s = newStats();
  assert.deepEqual(await tracked(range(50), s, 2).prefetch(4).toArray(), range(50));
  let pulled = 0;
  let closed = false;
  const huge = Dataset.fromIterable(async function* () {
    try {
      for (let i = 0; i < 1e6; i++) {
        pulled++;
        if (i % 10 === 0) await sleep(0);
        yield i;
      }
    } finally {
      closed = true;
    }
  });
  let consumed = 0;
  for await (const x of huge.prefetch(8)) {
    assert.equal(x, consumed);
    consumed++;
    if (consumed % 7 === 0) await sleep(1); // let the read-ahead run
    assert.ok(pulled - consumed <= 8 + 1, `pulled ${pulled} consumed ${consumed}`);
    if (consumed === 300) break;
  }
  assert.ok(closed);
});

test('batch groups elements, keeps or drops the remainder, collates', async () => {
  assert.deepEqual(await Dataset.range(7).batch(3).toArray(), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(await Dataset.range(7).batch(3, { dropRemainder: true }).toArray(), [
    [0, 1, 2],
    [3, 4, 5],
  ]);
  const sums = await Dataset.range(6)
    .batch(2, { collate: (xs) => xs.reduce((a, b) => a + b, 0) })
    .toArray();
  assert.deepEqual(sums, [1, 5, 9]);
  assert.deepEqual(await Dataset.range(5).batch(2).unbatch().toArray(), range(5));
  assert.deepEqual(
    await Dataset.from([new Int32Array([1, 2]), new Int32Array([3])])
      .unbatch()
      .toArray(),
    [1, 2, 3],
  );
});

test('stack collates typed arrays, numbers, bigints and objects into [batch, ...] arrays', async () => {
  const rows = [
    { label: 1n, pos: 0.5, image: new Uint8Array([1, 2, 3]), name: 'a' },
    { label: 2n, pos: 1.5, image: new Uint8Array([4, 5, 6]), name: 'b' },
  ];
  const s = stack(rows);
  assert.deepEqual(s.label, { kind: 'dense', values: new BigInt64Array([1n, 2n]), shape: [2] });
  assert.deepEqual(s.pos, { kind: 'dense', values: new Float64Array([0.5, 1.5]), shape: [2] });
  assert.deepEqual(s.image, { kind: 'dense', values: new Uint8Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
  assert.deepEqual(s.name, ['a', 'b']);
  const dense = stack([
    { kind: 'dense' as const, values: new Float32Array([1, 2, 3, 4]), shape: [2, 2] },
    { kind: 'dense' as const, values: new Float32Array([5, 6, 7, 8]), shape: [2, 2] },
  ]);
  assert.deepEqual(dense, { kind: 'dense', values: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), shape: [2, 2, 2] });
  const batched = await Dataset.from(rows).stackedBatch(2).toArray();
  assert.deepEqual(batched[0]!.image.shape, [2, 3]);
  throwsWith(
    () => stack([new Float32Array(2), new Float32Array(3)]),
    'cannot stack batch element 1: shape [3] differs from [2] of element 0 (use paddedBatch for sequences of different lengths)',
  );
  throwsWith(() => stack([{ a: 1 }, { b: 1 }]), "cannot stack batch element 1: it has no key 'a'");
});

test('paddedBatch pads sequences to the longest or to a fixed shape', async () => {
  const seqs = [new Int32Array([1]), new Int32Array([2, 3, 4]), new Int32Array([5, 6])];
  const [b] = await Dataset.from(seqs).paddedBatch(3).toArray();
  assert.deepEqual(b, { kind: 'dense', values: new Int32Array([1, 0, 0, 2, 3, 4, 5, 6, 0]), shape: [3, 3] });
  const fixed = padBatch(seqs, { paddedShapes: [4], paddingValues: -1 });
  assert.deepEqual(fixed, {
    kind: 'dense',
    values: new Int32Array([1, -1, -1, -1, 2, 3, 4, -1, 5, 6, -1, -1]),
    shape: [3, 4],
  });
  const twoD = padBatch([
    { kind: 'dense' as const, values: new Float32Array([1, 2, 3, 4]), shape: [2, 2] },
    { kind: 'dense' as const, values: new Float32Array([5, 6, 7]), shape: [1, 3] },
  ]);
  assert.deepEqual(twoD, {
    kind: 'dense',
    values: new Float32Array([1, 2, 0, 3, 4, 0, 5, 6, 7, 0, 0, 0]),
    shape: [2, 2, 3],
  });
  const keyed = padBatch(
    [
      { tokens: new BigInt64Array([1n]), mask: [1] },
      { tokens: new BigInt64Array([2n, 3n]), mask: [1, 1] },
    ],
    { paddingValues: { tokens: -1n, mask: 0 } },
  );
  assert.deepEqual(keyed.tokens, { kind: 'dense', values: new BigInt64Array([1n, -1n, 2n, 3n]), shape: [2, 2] });
  assert.deepEqual(keyed.mask, { kind: 'dense', values: new Float64Array([1, 0, 1, 1]), shape: [2, 2] });
  throwsWith(
    () => padBatch(seqs, { paddedShapes: [2] }),
    'cannot pad batch element 1: shape [3] exceeds paddedShapes [2]',
  );
  throwsWith(() => padBatch(seqs, { paddingValues: 1n }), 'paddingValues must be a number for Int32Array elements');
});

test("interleave follows tf.data's order (cycle 2, block 4)", async () => {
  // tf.data docs: range(1, 6).interleave(lambda x: from_tensors(x).repeat(6), cycle_length=2, block_length=4)
  const expected = [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5];
  const inner = (x: number) => Dataset.from([x]).repeat(6);
  assert.deepEqual(await Dataset.range(1, 6).interleave(inner, { cycleLength: 2, blockLength: 4 }).toArray(), expected);
  // Inner streams that answer after random delays, read in parallel: same order.
  const s = newStats();
  const slow = (x: number) => tracked(new Array<number>(6).fill(x), s, 3, x);
  for (const numParallelCalls of [1, 3]) {
    assert.deepEqual(
      await Dataset.range(1, 6).interleave(slow, { cycleLength: 2, blockLength: 4, numParallelCalls }).toArray(),
      expected,
    );
  }
  assert.equal(s.opened, 10);
  assert.equal(s.closed, 10);
  // Uneven inner lengths: exhausted slots are refilled in place.
  const uneven = await Dataset.from([3, 1, 2])
    .interleave((n) => Dataset.range(n).map((i) => `${n}:${i}`), { cycleLength: 2 })
    .toArray();
  // tf.data: slot 1 ends after '1:0', the cycle moves to slot 0, then slot 1 opens the next input.
  assert.deepEqual(uneven, ['3:0', '1:0', '3:1', '3:2', '2:0', '2:1']);
  assert.deepEqual(
    await Dataset.range(3)
      .flatMap((x) => [x, x])
      .toArray(),
    [0, 0, 1, 1, 2, 2],
  );
});

test('breaking out of a loop closes every source, including ones read ahead', async () => {
  const outer = newStats();
  const inner = newStats();
  const ds = tracked(range(10), outer, 2)
    .interleave(
      (x) =>
        tracked(
          range(100).map((i) => x * 1000 + i),
          inner,
          2,
          x,
        ),
      {
        cycleLength: 3,
        numParallelCalls: 3,
      },
    )
    .map(
      async (x) => {
        await sleep(1);
        return x;
      },
      { concurrency: 4 },
    )
    .prefetch(5)
    .shuffle(10, { seed: 1 })
    .batch(4);
  let n = 0;
  for await (const b of ds) {
    assert.equal(b.length, 4);
    if (++n === 5) break;
  }
  assert.equal(outer.opened, 1);
  assert.equal(outer.closed, 1);
  assert.ok(inner.opened >= 1);
  assert.equal(inner.closed, inner.opened);
});

test('an AbortSignal rejects with ABORTED and closes the sources', async () => {
  const s = newStats();
  const ds = tracked(range(1000), s, 3)
    .prefetch(3)
    .map((x) => x, { concurrency: 2 });
  const ac = new AbortController();
  const seen: number[] = [];
  const run = (async () => {
    for await (const x of ds.iterate({ signal: ac.signal })) {
      seen.push(x);
      if (x === 10) ac.abort(new Error('user stop'));
    }
  })();
  await rejectsWith(run, 'ABORTED', 'iteration aborted: user stop');
  assert.equal(s.closed, s.opened);
  assert.equal(seen.at(-1), 10);
  // A pending next() rejects once the source has stopped; sources watch ctx.signal to stop at once.
  const s2 = newStats();
  const never = Dataset.fromIterable(async function* (ctx) {
    s2.opened++;
    try {
      yield 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 60_000);
        ctx.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      yield 2;
    } finally {
      s2.closed++;
    }
  });
  const ac2 = new AbortController();
  const it = never.withSignal(ac2.signal)[Symbol.asyncIterator]();
  assert.deepEqual(await it.next(), { value: 1, done: false });
  const pending = it.next();
  ac2.abort();
  await rejectsWith(pending, 'ABORTED');
  assert.equal(s2.closed, 1);
  // An already-aborted signal fails before opening anything.
  const s3 = newStats();
  await rejectsWith(tracked([1], s3).toArray({ signal: AbortSignal.abort() }), 'ABORTED');
  assert.equal(s3.opened, 0);
});

test('ignoreErrors ends a failing stream and counts it; per stream inside flatMap', async () => {
  const counter = new SkipCounter();
  const bad = (n: number) =>
    Dataset.fromIterable(async function* () {
      yield `${n}a`;
      if (n === 1) throw new (await import('../src/errors.js')).TFRecordError('CORRUPTED_LENGTH', 'bad');
      yield `${n}b`;
    });
  const events: string[] = [];
  const out = await Dataset.range(3)
    .flatMap((n) => bad(n).ignoreErrors({ counter, onSkip: (e) => events.push(e.kind) }))
    .toArray();
  assert.deepEqual(out, ['0a', '0b', '1a', '2a', '2b']);
  assert.equal(counter.streams, 1);
  assert.equal(counter.total, 1);
  assert.deepEqual(events, ['rest']);
  // Other errors still fail.
  const boom = Dataset.fromIterable(async function* () {
    yield 1;
    throw new Error('not a data error');
  }).ignoreErrors();
  await assert.rejects(boom.toArray(), /not a data error/);
});

function records(n: number): Uint8Array[] {
  return range(n).map((i) => new TextEncoder().encode(`record ${i}`));
}

function frame(recs: Uint8Array[]): Uint8Array {
  const framed = recs.map(encodeRecord);
  const out = new Uint8Array(framed.reduce((a, b) => a + b.length, 0));
  let p = 0;
  for (const f of framed) {
    out.set(f, p);
    p += f.length;
  }
  return out;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test('recordDataset reads records from bytes and chunked streams, compressed or not', async () => {
  const bytes = frame(records(20));
  const want = range(20).map((i) => `record ${i}`);
  assert.deepEqual((await recordDataset(bytes).toArray()).map(text), want);
  const gz = await compressBytes(bytes, 'gzip');
  const chunked = recordDataset(async function* () {
    for (let i = 0; i < gz.length; i += 7) yield gz.subarray(i, i + 7);
  });
  assert.deepEqual((await chunked.toArray()).map(text), want);
  assert.equal(chunked.toString(), 'records');
});

test('skipCorrupt skips a record with a bad data checksum and ends the stream at a bad length', async () => {
  const recs = records(6);
  const bytes = frame(recs);
  const sizes = recs.map((r) => r.length + 16);
  const startOf = (i: number) => sizes.slice(0, i).reduce((a, b) => a + b, 0);
  const badData = bytes.slice();
  badData[startOf(2) + 12] ^= 1; // body of record 2
  const counter = new SkipCounter();
  for (const step of [1000, 5, 13]) {
    const got = await recordDataset(
      async function* () {
        for (let i = 0; i < badData.length; i += step) yield badData.subarray(i, i + step);
      },
      { skipCorrupt: counter },
    ).toArray();
    assert.deepEqual(got.map(text), ['record 0', 'record 1', 'record 3', 'record 4', 'record 5']);
  }
  assert.equal(counter.records, 3);
  assert.equal(counter.streams, 0);
  const e0 = counter.errors[0];
  assert.ok(isTFRecordError(e0, 'CORRUPTED_DATA'));
  assert.equal(e0.offset, startOf(2));
  assert.equal(e0.message, `corrupted record at byte ${startOf(2)}: data checksum mismatch`);

  const badLen = bytes.slice();
  badLen[startOf(3) + 1] ^= 1; // length of record 3
  const c2 = new SkipCounter();
  const got2 = await recordDataset(badLen, { skipCorrupt: c2 }).toArray();
  assert.deepEqual(got2.map(text), ['record 0', 'record 1', 'record 2']);
  assert.equal(c2.streams, 1);
  assert.ok(isTFRecordError(c2.errors[0], 'CORRUPTED_LENGTH'));
  assert.equal((c2.errors[0] as { offset: number }).offset, startOf(3));

  const truncated = bytes.subarray(0, bytes.length - 3);
  const c3 = new SkipCounter();
  assert.equal((await recordDataset(truncated, { skipCorrupt: c3 }).toArray()).length, 5);
  assert.ok(isTFRecordError(c3.errors[0], 'TRUNCATED_RECORD'));
  assert.equal(c3.streams, 1);
  // Without skipCorrupt the first error fails the iteration.
  await rejectsWith(
    recordDataset(badData).toArray(),
    'CORRUPTED_DATA',
    `corrupted record at byte ${startOf(2)}: data checksum mismatch`,
  );
});

test('decodeExamples decodes records to Examples, naming the bad record', async () => {
  const ex = buildExample({ label: 3n, name: 'x' });
  const ds = decodeExamples(recordDataset(frame([encodeExample(ex), encodeExample(ex)])));
  assert.equal(ds.toString(), 'records -> examples');
  const out = await ds.toArray();
  assert.equal(out.length, 2);
  assert.deepEqual(out[1], ex);
  const bad = decodeExamples(recordDataset(frame([encodeExample(ex), new Uint8Array([0xff, 0xff])])));
  await rejectsWith(bad.toArray(), 'INVALID_PROTO', /^record 1: /);
});

test('options are validated with exact messages', () => {
  const ds = Dataset.range(3);
  throwsWith(() => ds.batch(0), 'Expected positive integer for batchSize but received 0 of type number');
  throwsWith(() => ds.shuffle(-1), 'Expected positive integer for bufferSize but received -1 of type number');
  throwsWith(
    () => ds.map((x) => x, { concurrency: 1.5 }),
    'Expected positive integer for concurrency but received 1.5 of type number',
  );
  throwsWith(() => ds.shard(2, 2), 'Expected integer between 0 and 1 for index but received 2 of type number');
  throwsWith(() => ds.take(-1), 'Expected non-negative integer for count but received -1 of type number');
  throwsWith(() => ds.prefetch(0), 'Expected positive integer for bufferSize but received 0 of type number');
  throwsWith(
    () => ds.interleave((x) => [x], { cycleLength: 0 }),
    'Expected positive integer for cycleLength but received 0 of type number',
  );
  throwsWith(() => ds.map('x' as never), 'Expected function for fn but received "x" of type string');
  throwsWith(
    () => ds.shuffle(2, { reshuffleEachIteration: 1 as never }),
    'Expected boolean for reshuffleEachIteration but received 1 of type number',
  );
  throwsWith(
    () => ds.iterate({ signal: {} as never }),
    'Expected AbortSignal for signal but received [object Object] of type object',
  );
});

test('SeededRandom is deterministic and uniform enough', () => {
  const a = new SeededRandom(123);
  const b = new SeededRandom(123);
  const xs = range(1000).map(() => a.nextInt(10));
  assert.deepEqual(
    xs,
    range(1000).map(() => b.nextInt(10)),
  );
  const counts = new Array<number>(10).fill(0);
  for (const x of xs) counts[x]!++;
  for (const c of counts) assert.ok(c > 60 && c < 140, `bucket count ${c}`);
  assert.notDeepEqual(
    range(20).map(() => new SeededRandom(124).nextUint32()),
    range(20).map(() => new SeededRandom(123).nextUint32()),
  );
});

test('parse and parseBatch apply a parse spec to records', async () => {
  const recs = [0, 1, 2, 3, 4].map((i) =>
    encodeExample(buildExample({ label: BigInt(i), pos: floatList([i, i + 0.5]), image: new Uint8Array([i, i, i]) })),
  );
  const spec = {
    label: fixedLen({ shape: [], dtype: 'int64' }),
    pos: fixedLen({ shape: [2], dtype: 'float32' }),
    image: fixedLen({ shape: [], dtype: 'string' }),
  };
  const one = await Dataset.from(recs).parse(spec).toArray();
  assert.equal(one.length, 5);
  assert.deepEqual(one[3]!.label.values, new BigInt64Array([3n]));
  const ds = Dataset.from(recs).parseBatch(2, spec);
  assert.equal(ds.toString(), 'from(5) -> parseBatch(2)');
  assert.equal(ds.size, 3);
  const batches = await ds.toArray();
  assert.deepEqual(batches[0]!.label.shape, [2]);
  assert.deepEqual(batches[0]!.label.values, new BigInt64Array([0n, 1n]));
  assert.deepEqual(batches[1]!.pos.shape, [2, 2]);
  assert.deepEqual(batches[1]!.pos.values, new Float32Array([2, 2.5, 3, 3.5]));
  assert.deepEqual(batches[2]!.image.values, [new Uint8Array([4, 4, 4])]);
  // Per-record parse results stack into the same layout.
  const stacked = await Dataset.from(recs).parse(spec).stackedBatch(2).toArray();
  assert.deepEqual(stacked[1]!.pos.values, batches[1]!.pos.values);
  assert.deepEqual(stacked[1]!.pos.shape, [2, 2]);
  const missing = Dataset.from(recs).parse({ nope: fixedLen({ shape: [], dtype: 'int64' }) });
  await assert.rejects(missing.toArray(), (e: unknown) => isTFRecordError(e));
});

test('skipCorrupt gives the same records and counts for any chunking', async () => {
  const recs = range(12).map((i) => new Uint8Array(i === 5 ? 3000 : i * 7).fill(i));
  const bytes = frame(recs);
  const starts: number[] = [];
  let p = 0;
  for (const r of recs) {
    starts.push(p);
    p += r.length + 16;
  }
  const bad = bytes.slice();
  bad[starts[3]! + 12]! ^= 1; // data of record 3
  bad[starts[5]! + 2000]! ^= 1; // data of the big record
  bad[starts[9]! + 4]! ^= 1; // length of record 9: ends the stream
  const want = [0, 1, 2, 4, 6, 7, 8];
  const rng = new SeededRandom(11);
  for (let trial = 0; trial < 40; trial++) {
    const counter = new SkipCounter();
    const maxChunk = 1 + rng.nextInt(trial < 20 ? 40 : 4000);
    const got = await recordDataset(
      async function* () {
        for (let i = 0; i < bad.length; ) {
          const n = 1 + rng.nextInt(maxChunk);
          yield bad.subarray(i, i + n);
          i += n;
        }
      },
      { skipCorrupt: counter },
    ).toArray();
    assert.deepEqual(
      got.map((r) => r.length),
      want.map((i) => recs[i]!.length),
    );
    assert.deepEqual(
      got.map((r) => r[0] ?? -1),
      want.map((i) => (recs[i]!.length > 0 ? i : -1)),
    );
    assert.equal(counter.records, 2);
    assert.equal(counter.streams, 1);
    assert.deepEqual(
      counter.errors.map((e) => (e as { offset: number }).offset),
      [starts[3], starts[5], starts[9]],
    );
  }
});
