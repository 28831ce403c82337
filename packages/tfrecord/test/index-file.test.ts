import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeRecord } from '../src/framing/encode.js';
import { isTFRecordError } from '../src/errors.js';
import { RecordIndex, formatIndex, parseIndex, scanIndex, shardRange, shardRanges } from '../src/index-file/index.js';
import {
  RecordFile,
  buildIndex,
  countRecords,
  createIndexFile,
  readIndexFile,
  recordRange,
  writeIndexFile,
} from '../src/node/index-file.js';
import { activeFileCount } from '../src/node/dataset.js';
import { absent, sharedPath } from '@pastiche/testing';

const enc = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function frame(recs: readonly (string | Uint8Array)[]): Uint8Array {
  const parts = recs.map((r) => encodeRecord(typeof r === 'string' ? enc.encode(r) : r));
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

function throwsCode(fn: () => unknown, code: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isTFRecordError(e, code as never), String(e));
    assert.equal((e as Error).message, message);
    return true;
  });
}

async function rejectsCode(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTFRecordError(e, code as never), String(e));
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

let dir: string;
// Sizes that exercise the header window: small, big (> 64 KiB) and empty records.
const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
const recs: (string | Uint8Array)[] = ['hello', '', 'abc', big, 'x'.repeat(70_000), 'tail'];
const bytes = frame(recs);
const dataLen = (r: string | Uint8Array): number => (typeof r === 'string' ? enc.encode(r).length : r.length);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pastiche-index-'));
  await writeFile(join(dir, 'a.tfrecord'), bytes);
  await writeFile(join(dir, 'a.tfrecord.gz'), gzipSync(bytes));
  const many = frame(Array.from({ length: 5000 }, (_, i) => `record ${i}`));
  await writeFile(join(dir, 'many.tfrecord'), many);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('index lines are "offset size" with size = data length + 16, as tfrecord2idx writes', () => {
  const idx = scanIndex(frame(['hello', '', 'abc']));
  assert.equal(formatIndex(idx), '0 21\n21 16\n37 19\n');
  assert.equal(idx.count, 3);
  assert.equal(idx.offset(2), 37);
  assert.equal(idx.size(2), 19);
  assert.equal(idx.dataLength(2), 3);
  assert.equal(idx.byteLength, 56);
  assert.deepEqual(idx.byteRange(1, 3), { start: 21, end: 56 });
  assert.equal(formatIndex(idx.slice(1)), '21 16\n37 19\n');
  throwsCode(() => idx.offset(3), 'INVALID_ARGUMENT', 'record 3 is out of range: the index has 3 records');
});

test('parseIndex round-trips and tolerates CRLF and blank lines', () => {
  const idx = scanIndex(bytes);
  assert.equal(formatIndex(parseIndex(formatIndex(idx))), formatIndex(idx));
  assert.equal(formatIndex(parseIndex('0 21\r\n21\t16\r\n\r\n37 19')), '0 21\n21 16\n37 19\n');
  assert.equal(parseIndex('').count, 0);
});

test('parseIndex rejects bad lines, naming the line', () => {
  throwsCode(
    () => parseIndex('0 21\n21\n'),
    'INVALID_ARGUMENT',
    'index line 2: expected two non-negative integers "offset size" but found "21"',
  );
  throwsCode(
    () => parseIndex('0 21\n-5 16\n'),
    'INVALID_ARGUMENT',
    'index line 2: expected two non-negative integers "offset size" but found "-5 16"',
  );
  throwsCode(
    () => parseIndex('0 21\n10 16\n'),
    'INVALID_ARGUMENT',
    'index line 2: record at 10 overlaps the previous record (bytes 0 to 21)',
  );
  throwsCode(
    () => parseIndex('21 16\n0 21\n'),
    'INVALID_ARGUMENT',
    'index line 2: offset 0 does not increase (previous record at 21)',
  );
  throwsCode(
    () => parseIndex('0 21\n\n21 15\n'),
    'INVALID_ARGUMENT',
    'index line 3: size 15 is not an integer of at least 16 (the framing bytes of one record)',
  );
});

test('scanIndex reads headers only and reports corruption and truncation with offsets', () => {
  const idx = scanIndex(bytes);
  assert.equal(idx.count, recs.length);
  let pos = 0;
  recs.forEach((r, i) => {
    assert.equal(idx.offset(i), pos);
    assert.equal(idx.size(i), dataLen(r) + 16);
    pos += dataLen(r) + 16;
  });
  // A corrupt body is not noticed (headers only); a corrupt length is.
  const badBody = bytes.slice();
  badBody[12] ^= 1;
  assert.equal(scanIndex(badBody).count, recs.length);
  const badLen = bytes.slice();
  badLen[21] ^= 1;
  throwsCode(() => scanIndex(badLen), 'CORRUPTED_LENGTH', 'corrupted record at byte 21: length checksum mismatch');
  throwsCode(
    () => scanIndex(bytes.subarray(0, 30)),
    'TRUNCATED_RECORD',
    'truncated record at byte 21 (header needs 12 bytes, 9 remain)',
  );
  throwsCode(
    () => scanIndex(bytes.subarray(0, 35)),
    'TRUNCATED_RECORD',
    'truncated record at byte 21 (record needs 16 bytes, 14 remain)',
  );
});

test('shardRange splits records contiguously, sizes within one', () => {
  assert.deepEqual(shardRanges(10, 3), [
    { start: 0, end: 3 },
    { start: 3, end: 6 },
    { start: 6, end: 10 },
  ]);
  for (const [count, n] of [
    [0, 3],
    [7, 7],
    [5, 8],
    [1000, 7],
  ] as const) {
    const rs = shardRanges(count, n);
    assert.equal(rs[0]!.start, 0);
    assert.equal(rs.at(-1)!.end, count);
    rs.forEach((r, i) => {
      if (i > 0) assert.equal(r.start, rs[i - 1]!.end);
      assert.ok(r.end - r.start <= Math.ceil(count / n) && r.end - r.start >= Math.floor(count / n));
    });
  }
  throwsCode(
    () => shardRange(10, 3, 3),
    'INVALID_ARGUMENT',
    'Expected integer between 0 and 2 for index but received 3 of type number',
  );
  throwsCode(
    () => shardRange(10, 0, 0),
    'INVALID_ARGUMENT',
    'Expected positive integer for numShards but received 0 of type number',
  );
});

test('buildIndex on a file matches the in-memory scan; index files written and read', async () => {
  const path = join(dir, 'a.tfrecord');
  const idx = await buildIndex(path);
  assert.equal(formatIndex(idx), formatIndex(scanIndex(bytes)));
  const many = await buildIndex(join(dir, 'many.tfrecord'));
  assert.equal(many.count, 5000);
  assert.equal(many.byteLength, (await readFile(join(dir, 'many.tfrecord'))).length);
  const written = await createIndexFile(path);
  assert.equal(await readFile(`${path}.idx`, 'utf8'), formatIndex(written));
  assert.equal(formatIndex(await readIndexFile(`${path}.idx`)), formatIndex(idx));
  await writeIndexFile(join(dir, 'copy.idx'), idx);
  assert.equal(await readFile(join(dir, 'copy.idx'), 'utf8'), formatIndex(idx));
  await writeFile(join(dir, 'bad.idx'), '0 21\n0 21\n');
  await rejectsCode(
    readIndexFile(join(dir, 'bad.idx')),
    'INVALID_ARGUMENT',
    `${join(dir, 'bad.idx')}: index line 2: offset 0 does not increase (previous record at 0)`,
  );
  assert.equal(activeFileCount(), 0);
});

test('buildIndex refuses compressed files and reports corruption with the file and offset', async () => {
  const gz = join(dir, 'a.tfrecord.gz');
  await rejectsCode(
    buildIndex(gz),
    'INVALID_ARGUMENT',
    `${gz}: cannot index a gzip-compressed file: index offsets address bytes of an uncompressed TFRecord file (decompress it first, or read it sequentially)`,
  );
  const badLen = bytes.slice();
  const at = 21 + 16 + 19; // the big record, beyond the first read window's records
  badLen[at + 2] ^= 1;
  const p = join(dir, 'badlen.tfrecord');
  await writeFile(p, badLen);
  await rejectsCode(
    buildIndex(p),
    'CORRUPTED_LENGTH',
    `${p}: corrupted record at byte ${at}: length checksum mismatch`,
  );
  const t = join(dir, 'trunc.tfrecord');
  await writeFile(t, bytes.subarray(0, bytes.length - 1));
  const lastAt = bytes.length - 4 - 16;
  await rejectsCode(
    buildIndex(t),
    'TRUNCATED_RECORD',
    `${t}: truncated record at byte ${lastAt} (record needs 20 bytes, 19 remain)`,
  );
  assert.equal(activeFileCount(), 0);
});

test('countRecords counts plain files by headers and compressed files by decoding', async () => {
  assert.equal(await countRecords(join(dir, 'a.tfrecord')), recs.length);
  assert.equal(await countRecords(join(dir, 'a.tfrecord.gz')), recs.length);
  assert.equal(await countRecords(join(dir, 'many.tfrecord')), 5000);
});

test('RecordFile.get reads any record directly; a mismatched index is reported', async () => {
  const f = await RecordFile.open(join(dir, 'a.tfrecord'));
  try {
    assert.equal(f.count, recs.length);
    assert.equal(text(await f.get(0)), 'hello');
    assert.equal((await f.get(1)).length, 0);
    assert.deepEqual(await f.get(3), big);
    assert.equal(text(await f.get(5)), 'tail');
    const some: string[] = [];
    for await (const r of f.records(4, 6)) some.push(text(r).slice(0, 4));
    assert.deepEqual(some, ['xxxx', 'tail']);
    await assert.rejects(f.get(6), /record 6 is out of range: the index has 6 records/);
  } finally {
    await f.close();
  }
  const wrong = new RecordIndex([0, 22], [22, 16]);
  const g = await RecordFile.open(join(dir, 'a.tfrecord'), { index: wrong });
  try {
    await rejectsCode(
      g.get(0),
      'INVALID_ARGUMENT',
      `${join(dir, 'a.tfrecord')}: the index does not match the file: record 0 at byte 0 has 21 bytes, the index says 22`,
    );
  } finally {
    await g.close();
  }
  await rejectsCode(
    RecordFile.open(join(dir, 'a.tfrecord'), { index: new RecordIndex([0], [1e9]) }),
    'INVALID_ARGUMENT',
    `${join(dir, 'a.tfrecord')}: the index describes 1000000000 bytes but the file has ${bytes.length}`,
  );
  await RecordFile.open(join(dir, 'a.tfrecord'), { index: `${join(dir, 'a.tfrecord')}.idx` }).then((h) => h.close());
  assert.equal(activeFileCount(), 0);
});

test('recordRange reads only records [start, end); shards cover the file once', async () => {
  const path = join(dir, 'many.tfrecord');
  const index = await buildIndex(path);
  const part = await recordRange(path, { index, start: 10, end: 13 });
  assert.equal(part.size, 3);
  assert.equal(part.toString(), 'records[10, 13)');
  assert.deepEqual((await part.toArray()).map(text), ['record 10', 'record 11', 'record 12']);
  const seen: string[] = [];
  for (let w = 0; w < 3; w++) {
    const ds = await recordRange(path, { index, shard: { numShards: 3, index: w } });
    for await (const r of ds) seen.push(text(r));
  }
  assert.equal(seen.length, 5000);
  assert.deepEqual(
    seen,
    Array.from({ length: 5000 }, (_, i) => `record ${i}`),
  );
  assert.equal((await (await recordRange(path, { index, start: 7, end: 7 })).toArray()).length, 0);
  await assert.rejects(
    recordRange(path, { index, start: 5, end: 5001 }),
    /Expected integer between 5 and 5000 for end but received 5001 of type number/,
  );
  assert.equal(activeFileCount(), 0);
});

test('the shared TensorFlow file indexes to its known record count', async (t) => {
  const p = sharedPath('data', 'tfrecord', 'pytorch-data-sequence_example.tfrecord');
  if (p === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  const idx = await buildIndex(p);
  const lines = (await readFile(`${p}.jsonl`, 'utf8')).trim().split('\n');
  assert.equal(idx.count, lines.length);
  assert.equal(idx.byteLength, (await readFile(p)).length);
});
