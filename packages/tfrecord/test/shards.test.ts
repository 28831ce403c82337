import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isTFRecordError } from '../src/errors.js';
import { buildExample } from '../src/example/build.js';
import { Dataset } from '../src/dataset/dataset.js';
import { readExampleFiles, readRecordFiles, detectFileCompression } from '../src/node/dataset.js';
import { outputShardPath, shardPath, splitShardName, writeShards } from '../src/node/shards.js';
import { compressionFromPath } from '../src/compression/detect.js';

const enc = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const recs = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => enc.encode(`r${i}`));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pastiche-shards-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejectsCode(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTFRecordError(e, code as never), String(e));
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

test('shard names follow TensorFlow', () => {
  assert.equal(shardPath('out/train', 3, 10), 'out/train-00003-of-00010');
  assert.equal(shardPath('t', 0, 1, '.tfrecord'), 't-00000-of-00001.tfrecord');
});

test('splitShardName keeps TFRecord extensions at the end of shard names', () => {
  assert.deepEqual(splitShardName(join('d', 'train.tfrecord.gz')), {
    prefix: join('d', 'train'),
    suffix: '.tfrecord.gz',
  });
  assert.deepEqual(splitShardName('train.tfrecords'), { prefix: 'train', suffix: '.tfrecords' });
  assert.deepEqual(splitShardName('data'), { prefix: 'data', suffix: '' });
  assert.deepEqual(splitShardName('.gz'), { prefix: '.gz', suffix: '' });
  assert.equal(outputShardPath(join('d', 'x.tfrecord.zz'), 1, 4), join('d', 'x-00001-of-00004.tfrecord.zz'));
});

test('compressionFromPath: .gz gzip, .zz zlib, anything else none', () => {
  assert.deepEqual(['a.tfrecord.gz', 'a.zz', 'a.tfrecord', 'a.gzip', 'gz'].map(compressionFromPath), [
    'gzip',
    'zlib',
    'none',
    'none',
    'none',
  ]);
});

test('numShards writes round-robin; interleaving the shards restores the order', async () => {
  const sub = join(dir, 'rr');
  await rm(sub, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(sub));
  const prefix = join(sub, 'train');
  const shards = await writeShards(prefix, Dataset.from(recs(10)), { numShards: 4 });
  assert.deepEqual(
    shards.map((s) => [s.path, s.records, s.bytes]),
    [
      [`${prefix}-00000-of-00004`, 3, 3 * 18],
      [`${prefix}-00001-of-00004`, 3, 3 * 18],
      [`${prefix}-00002-of-00004`, 2, 2 * 18],
      [`${prefix}-00003-of-00004`, 2, 2 * 18],
    ],
  );
  assert.deepEqual(
    (await readdir(sub)).sort(),
    shards.map((s) => s.path.slice(sub.length + 1)),
  );
  const first = await readRecordFiles(`${prefix}-00000-of-00004`);
  assert.deepEqual((await first.toArray()).map(text), ['r0', 'r4', 'r8']);
  const all = await readRecordFiles(`${prefix}@4`, { cycleLength: 4 });
  assert.deepEqual((await all.toArray()).map(text), recs(10).map(text));
});

test('maxShardBytes writes contiguous shards, numbered with the final count', async () => {
  const prefix = join(dir, 'sized');
  // Each record is 2-3 bytes + 16 framing: 18 or 19 bytes.
  const shards = await writeShards(prefix, recs(12), { maxShardBytes: 60, suffix: '.tfrecord' });
  assert.equal(shards.length, 4);
  shards.forEach((s, i) => {
    assert.equal(s.path, `${prefix}-0000${i}-of-00004.tfrecord`);
    assert.ok(s.bytes <= 60);
  });
  assert.deepEqual(
    shards.map((s) => s.records),
    [3, 3, 3, 3],
  );
  const back = await readRecordFiles(join(dir, 'sized-*.tfrecord'));
  assert.deepEqual((await back.toArray()).map(text), recs(12).map(text));
  // A record larger than the limit gets a shard of its own.
  const one = await writeShards(join(dir, 'huge'), [new Uint8Array(100), new Uint8Array(1)], { maxShardBytes: 50 });
  assert.deepEqual(
    one.map((s) => s.records),
    [1, 1],
  );
  // No records: one empty shard, so the set exists.
  const none = await writeShards(join(dir, 'none'), [], { maxShardBytes: 50 });
  assert.deepEqual(
    none.map((s) => [s.path, s.records]),
    [[`${join(dir, 'none')}-00000-of-00001`, 0]],
  );
});

test('Examples and compression', async () => {
  const prefix = join(dir, 'ex');
  async function* examples() {
    for (let i = 0; i < 5; i++) yield buildExample({ label: BigInt(i), name: `n${i}` });
  }
  const shards = await writeShards(prefix, examples(), { numShards: 2, compression: 'gzip', suffix: '.gz' });
  assert.equal(await detectFileCompression(shards[0]!.path), 'gzip');
  const back = await (await readExampleFiles(`${prefix}-*`, { cycleLength: 2 })).toArray();
  assert.deepEqual(
    back.map((e) => {
      const f = e.features['label'];
      return f?.kind === 'int64' ? f.values[0] : undefined;
    }),
    [0n, 1n, 2n, 3n, 4n],
  );
});

test('a failing source leaves no shard and no temporary behind', async () => {
  const sub = join(dir, 'fail');
  await import('node:fs/promises').then((fs) => fs.mkdir(sub));
  async function* failing() {
    yield enc.encode('a');
    yield enc.encode('b');
    throw new Error('source broke');
  }
  await assert.rejects(writeShards(join(sub, 'x'), failing(), { numShards: 2 }), /source broke/);
  assert.deepEqual(await readdir(sub), []);
  await assert.rejects(writeShards(join(sub, 'y'), failing(), { maxShardBytes: 20 }), /source broke/);
  assert.deepEqual(await readdir(sub), []);
  const ac = new AbortController();
  async function* endless() {
    for (let i = 0; ; i++) {
      if (i === 50) ac.abort();
      yield enc.encode(`e${i}`);
    }
  }
  await rejectsCode(writeShards(join(sub, 'z'), endless(), { numShards: 3, signal: ac.signal }), 'ABORTED', /aborted/);
  assert.deepEqual(await readdir(sub), []);
});

test('options are validated', async () => {
  await rejectsCode(
    writeShards(join(dir, 'v'), [], { numShards: 0 }),
    'INVALID_ARGUMENT',
    'Expected integer between 1 and 99999 for numShards but received 0 of type number',
  );
  await rejectsCode(
    writeShards(join(dir, 'v'), [], { numShards: 2, maxShardBytes: 10 }),
    'INVALID_ARGUMENT',
    'give either numShards or maxShardBytes, not both',
  );
  await rejectsCode(
    writeShards(join(dir, 'v'), [], { compression: 'lz4' as never }),
    'INVALID_ARGUMENT',
    `Expected one of 'none', 'gzip', 'zlib' for compression but received "lz4" of type string`,
  );
  await rejectsCode(
    writeShards(join(dir, 'v'), [], { suffix: '/x' }),
    'INVALID_ARGUMENT',
    'Expected string without path separators for suffix but received "/x" of type string',
  );
});
