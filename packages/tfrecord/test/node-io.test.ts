import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isTFRecordError } from '../src/errors.js';
import type { Compression } from '../src/compression/index.js';
import { decodeRecords } from '../src/framing/decode.js';
import { recordSize, writeRecordInto } from '../src/framing/encode.js';
import { openRecordStream, readExamples, readSequenceExamples, TFRecordWriter } from '../src/node/index.js';
import type { Example } from '../src/example/types.js';
import { absent, sharedPath } from '@pastiche/testing';

const root = mkdtempSync(join(tmpdir(), 'pastiche-node-io-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
function freshDir(): string {
  return mkdtempSync(join(root, `d${counter++}-`));
}

function frame(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.reduce((n, r) => n + recordSize(r.length), 0));
  let p = 0;
  for (const r of records) p = writeRecordInto(out, p, r);
  return out;
}

async function readAll(path: string, options?: Parameters<typeof openRecordStream>[1]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of openRecordStream(path, options)) out.push(Uint8Array.from(r));
  return out;
}

async function writeAll(
  path: string,
  records: readonly Uint8Array[],
  compression?: Compression,
): Promise<TFRecordWriter> {
  const w = await TFRecordWriter.open(path, compression === undefined ? {} : { compression });
  for (const r of records) await w.write(r);
  await w.close();
  return w;
}

const sample = (n: number, size: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => Uint8Array.from({ length: size + (i % 7) }, (_, j) => (i * 31 + j) & 0xff));

test('writer then reader round-trips records for each extension and compression', async () => {
  const dir = freshDir();
  const records = [...sample(500, 1000), new Uint8Array(0), new Uint8Array(3 << 20).fill(9), ...sample(10, 5)];
  for (const [name, expected] of [
    ['plain.tfrecord', 'none'],
    ['comp.tfrecord.gz', 'gzip'],
    ['comp.tfrecord.zz', 'zlib'],
  ] as const) {
    const path = join(dir, name);
    const w = await writeAll(path, records);
    assert.equal(w.recordsWritten, records.length);
    assert.equal(
      w.bytesWritten,
      records.reduce((n, r) => n + r.length + 16, 0),
    );
    const head = readFileSync(path).subarray(0, 2);
    if (expected === 'gzip') assert.deepEqual([...head], [0x1f, 0x8b]);
    if (expected === 'zlib') assert.equal(head[0], 0x78);
    if (expected === 'none') assert.equal(readFileSync(path).length, w.bytesWritten);
    const got = await readAll(path);
    assert.equal(got.length, records.length, name);
    assert.deepEqual(got, records, name);
    assert.deepEqual(await readAll(path, { compression: expected }), records);
  }
});

test('compression is detected from the bytes, not the name; explicit compression overrides', async () => {
  const dir = freshDir();
  const records = sample(20, 100);
  const path = join(dir, 'no-extension');
  await writeAll(path, records, 'gzip');
  assert.deepEqual(await readAll(path), records);
  const zpath = join(dir, 'zlib.tfrecord');
  await writeAll(zpath, records, 'zlib');
  assert.deepEqual(await readAll(zpath), records);
  // Read as uncompressed on purpose: the gzip header is not a record header.
  await assert.rejects(readAll(path, { compression: 'none' }), (e: unknown) => isTFRecordError(e, 'CORRUPTED_LENGTH'));
});

test('records of any sizes round-trip through the Node writer and reader (property)', async () => {
  const dir = freshDir();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 40 }),
      fc.constantFrom<Compression>('none', 'gzip', 'zlib'),
      async (records, compression) => {
        const path = join(dir, `p-${counter++}.tfrecord`);
        await writeAll(path, records, compression);
        assert.deepEqual(await readAll(path), records);
      },
    ),
    { numRuns: 25 },
  );
});

test('a multi-member gzip file is read to the end', async () => {
  const dir = freshDir();
  const records = sample(30, 200);
  const whole = frame(records);
  const cuts = [0, 1000, 1001, 4000, whole.length];
  const members = cuts.slice(1).map((c, i) => gzipSync(whole.subarray(cuts[i], c)));
  const path = join(dir, 'multi.tfrecord.gz');
  writeFileSync(path, Buffer.concat(members));
  assert.deepEqual(await readAll(path), records);
});

test('truncated or corrupt compressed files are COMPRESSION errors naming the file', async () => {
  const dir = freshDir();
  const z = gzipSync(frame(sample(200, 300)));
  const path = join(dir, 'cut.tfrecord.gz');
  writeFileSync(path, z.subarray(0, z.length - 10));
  await assert.rejects(
    readAll(path),
    (e: unknown) =>
      isTFRecordError(e, 'COMPRESSION') &&
      e.file === path &&
      e.message.startsWith(`${path}: invalid or truncated gzip data: `) &&
      e.cause instanceof Error,
  );
  const zz = Buffer.from(deflateSync(frame(sample(200, 300))));
  for (let i = 20; i < 40; i++) zz[i]! ^= 0x33;
  const bad = join(dir, 'bad.tfrecord.zz');
  writeFileSync(bad, zz);
  await assert.rejects(readAll(bad), (e: unknown) => isTFRecordError(e, 'COMPRESSION') && e.file === bad);
});

test('data after the end of a zlib stream, or junk after gzip members, is an error, not ignored', async () => {
  const dir = freshDir();
  const z = deflateSync(frame(sample(5, 30)));
  const path = join(dir, 'two.tfrecord.zz');
  writeFileSync(path, Buffer.concat([z, z]));
  await assert.rejects(
    readAll(path),
    (e: unknown) =>
      isTFRecordError(e, 'COMPRESSION') &&
      e.file === path &&
      e.message ===
        `${path}: invalid zlib data: ${z.length} unexpected bytes after the end of the zlib stream at compressed byte ${z.length}`,
  );
  const gpath = join(dir, 'junk.tfrecord.gz');
  writeFileSync(gpath, Buffer.concat([gzipSync(frame(sample(5, 30))), Buffer.from('junk')]));
  await assert.rejects(readAll(gpath), (e: unknown) => isTFRecordError(e, 'COMPRESSION') && e.file === gpath);
});

test('data errors carry the file, the offset and the record message', async () => {
  const dir = freshDir();
  const records = sample(3, 50);
  const buf = frame(records);
  const second = records[0]!.length + 16;
  buf[second + 20]! ^= 1;
  const path = join(dir, 'corrupt.tfrecord');
  writeFileSync(path, buf);
  const seen: Uint8Array[] = [];
  await assert.rejects(
    (async () => {
      for await (const r of openRecordStream(path)) seen.push(r);
    })(),
    (e: unknown) =>
      isTFRecordError(e, 'CORRUPTED_DATA') &&
      e.file === path &&
      e.offset === second &&
      e.message === `${path}: corrupted record at byte ${second}: data checksum mismatch`,
  );
  assert.equal(seen.length, 1);
  assert.equal((await readAll(path, { verifyChecksums: false })).length, 3);
  const cut = join(dir, 'cut.tfrecord');
  writeFileSync(cut, frame(records).subarray(0, second + 5));
  await assert.rejects(
    readAll(cut),
    (e: unknown) =>
      isTFRecordError(e, 'TRUNCATED_RECORD') &&
      e.file === cut &&
      e.message === `${cut}: truncated record at byte ${second} (header needs 12 bytes, 5 remain)`,
  );
  await assert.rejects(
    readAll(cut, { maxRecordBytes: 10 }),
    (e: unknown) => isTFRecordError(e, 'RECORD_TOO_LARGE') && e.offset === 0,
  );
});

test('an empty file has no records; a missing file is an IO error naming it', async () => {
  const dir = freshDir();
  const empty = join(dir, 'empty.tfrecord');
  writeFileSync(empty, '');
  assert.deepEqual(await readAll(empty), []);
  const missing = join(dir, 'missing.tfrecord');
  await assert.rejects(
    readAll(missing),
    (e: unknown) =>
      isTFRecordError(e, 'IO') &&
      e.file === missing &&
      e.message.startsWith(`${missing}: `) &&
      e.cause instanceof Error,
  );
});

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

test('breaking out of the loop closes the file', async (t) => {
  const dir = freshDir();
  const path = join(dir, 'many.tfrecord.gz');
  await writeAll(path, sample(5000, 500));
  const before = openFds();
  if (before === undefined) return t.skip('/proc/self/fd is not available on this platform');
  for (let k = 0; k < 5; k++) {
    let n = 0;
    for await (const r of openRecordStream(path)) {
      assert.ok(r.length > 0);
      if (++n === 3) break;
    }
  }
  // Closing a FileHandle completes asynchronously.
  for (let i = 0; i < 50 && openFds()! > before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(openFds(), before);
});

test('an AbortSignal stops reading with ABORTED and closes the file', async () => {
  const dir = freshDir();
  const path = join(dir, 'abort.tfrecord');
  await writeAll(path, sample(20000, 100));
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(
    (async () => {
      for await (const r of openRecordStream(path, { signal: ac.signal })) {
        assert.ok(r);
        if (++n === 10) ac.abort(new Error('user cancelled'));
      }
    })(),
    (e: unknown) =>
      isTFRecordError(e, 'ABORTED') && e.file === path && e.message === `${path}: reading aborted: user cancelled`,
  );
  assert.equal(n, 10);
  await assert.rejects(readAll(path, { signal: AbortSignal.abort() }), (e: unknown) => isTFRecordError(e, 'ABORTED'));
});

test('reader and writer arguments are validated with exact messages', async () => {
  await assert.rejects(
    readAll('x', { compression: 'brotli' as never }),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message ===
        "Expected one of 'none', 'gzip', 'zlib', 'auto' for compression but received \"brotli\" of type string",
  );
  await assert.rejects(
    readAll('x', { maxRecordBytes: -1 }),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected integer between 0 and 9007199254740991 for maxRecordBytes but received -1 of type number',
  );
  await assert.rejects(
    readAll('x', { signal: 'stop' as never }),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected AbortSignal for signal but received "stop" of type string',
  );
  await assert.rejects(
    readAll(''),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected non-empty string for path but received "" of type string',
  );
  await assert.rejects(
    TFRecordWriter.open(join(root, 'w.tfrecord'), { level: 10 }),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected integer between 0 and 9 for level but received 10 of type number',
  );
  await assert.rejects(
    TFRecordWriter.open(join(root, 'w.tfrecord'), { compression: 'lz4' as never }),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === "Expected one of 'none', 'gzip', 'zlib' for compression but received \"lz4\" of type string",
  );
  const w = TFRecordWriter.toStream(new Writable({ write: (_c, _e, cb) => cb() }));
  await assert.rejects(
    w.write('abc' as never),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected Uint8Array for record but received "abc" of type string',
  );
  await w.close();
});

test('the writer is atomic: nothing under the final name before close()', async () => {
  const dir = freshDir();
  const path = join(dir, 'atomic.tfrecord');
  const w = await TFRecordWriter.open(path);
  for (const r of sample(3000, 1000)) await w.write(r);
  assert.equal(existsSync(path), false);
  const temps = readdirSync(dir);
  assert.equal(temps.length, 1);
  assert.match(temps[0]!, /^\.atomic\.tfrecord\.\d+\.[0-9a-f]+\.tmp$/);
  await w.close();
  assert.deepEqual(readdirSync(dir), ['atomic.tfrecord']);
  assert.equal((await readAll(path)).length, 3000);
  await w.close(); // idempotent
  await assert.rejects(
    w.write(Uint8Array.of(1)),
    (e: unknown) => isTFRecordError(e, 'IO') && e.message === `TFRecordWriter for ${path} is closed`,
  );
  await w.abort(); // after close: a no-op that keeps the file
  assert.equal(existsSync(path), true);
});

test('a process that dies while writing leaves nothing under the final name', (t) => {
  const dir = freshDir();
  const path = join(dir, 'killed.tfrecord');
  const writer = new URL('../src/node/write.js', import.meta.url).href;
  // Under tsx the module is TypeScript: the child needs the same loader flags.
  const loader = process.execArgv.filter((a, i, all) => a.startsWith('--import') || all[i - 1] === '--import');
  const script = `
    const { TFRecordWriter } = await import(${JSON.stringify(writer)});
    const w = await TFRecordWriter.open(${JSON.stringify(path)});
    for (let i = 0; i < 5000; i++) await w.write(new Uint8Array(1000).fill(i & 255));
    process.exit(3);
  `;
  const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 3 && /Cannot find module|ERR_UNKNOWN_FILE_EXTENSION/.test(r.stderr)) {
    return t.skip(`cannot load the writer in a child process: ${r.stderr.split('\n')[0]}`);
  }
  assert.equal(r.status, 3, r.stderr);
  assert.equal(existsSync(path), false);
  const left = readdirSync(dir);
  assert.equal(left.length, 1);
  assert.match(left[0]!, /^\.killed\.tfrecord\.\d+\.[0-9a-f]+\.tmp$/);
});

test('an existing file is replaced only at close(); abort() leaves it and deletes the temporary', async () => {
  const dir = freshDir();
  const path = join(dir, 'keep.tfrecord.gz');
  writeFileSync(path, 'old contents');
  const w = await TFRecordWriter.open(path);
  for (const r of sample(2000, 1000)) await w.write(r);
  assert.equal(readFileSync(path, 'utf8'), 'old contents');
  await w.abort();
  assert.deepEqual(readdirSync(dir), ['keep.tfrecord.gz']);
  assert.equal(readFileSync(path, 'utf8'), 'old contents');
  await assert.rejects(w.write(Uint8Array.of(1)), (e: unknown) => isTFRecordError(e, 'IO'));
  await assert.rejects(
    w.close(),
    (e: unknown) => isTFRecordError(e, 'IO') && e.message === `TFRecordWriter for ${path} is aborted`,
  );
  const empty = join(dir, 'fresh.tfrecord');
  const w2 = await TFRecordWriter.open(empty);
  await w2.abort();
  assert.deepEqual(readdirSync(dir), ['keep.tfrecord.gz']);
});

test('writing into a missing directory is an IO error naming the file', async () => {
  const path = join(root, 'no', 'such', 'dir', 'x.tfrecord');
  await assert.rejects(TFRecordWriter.open(path), (e: unknown) => isTFRecordError(e, 'IO') && e.file === path);
});

test('write() waits for a slow stream instead of buffering everything (backpressure)', async () => {
  let maxBuffered = 0;
  let received = 0;
  const slow = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      setTimeout(cb, 1);
    },
  });
  const w = TFRecordWriter.toStream(slow);
  const record = new Uint8Array(4096).fill(5);
  let pending = 0;
  for (let i = 0; i < 4000; i++) {
    const p = w.write(record);
    assert.ok(p instanceof Promise);
    await p;
    maxBuffered = Math.max(maxBuffered, slow.writableLength);
    pending = w.bytesWritten - received;
    // Bytes accepted but not yet consumed stay within about two 1 MiB batches.
    assert.ok(pending <= 3 * 1024 * 1024, `${pending} bytes pending`);
  }
  await w.close();
  assert.equal(received, 4000 * (4096 + 16));
  assert.ok(maxBuffered <= 2 * 1024 * 1024, `stream buffered ${maxBuffered} bytes`);
});

test('overlapping write() calls keep their order', async () => {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      setImmediate(cb);
    },
  });
  const w = TFRecordWriter.toStream(sink, { compression: 'none' });
  const records = sample(3000, 900);
  await Promise.all(records.map((r) => w.write(r)));
  await w.close();
  const all = new Uint8Array(Buffer.concat(chunks));
  assert.deepEqual(
    [...decodeRecords(all)].map((r) => Uint8Array.from(r)),
    records,
  );
});

test('writes started before close() are all in the file', async () => {
  const dir = freshDir();
  const path = join(dir, 'rush.tfrecord.gz');
  const w = await TFRecordWriter.open(path);
  const records = sample(3000, 1000);
  const writes = records.map((r) => w.write(r));
  await w.close();
  await Promise.all(writes);
  assert.deepEqual(await readAll(path), records);
  // A second close() shares the first one's result.
  await w.close();
});

test('abort() while a write waits for the stream rejects that write and leaves no file', async () => {
  const dir = freshDir();
  const path = join(dir, 'aborted.tfrecord');
  const w = await TFRecordWriter.open(path);
  const writes = sample(4000, 1000).map((r) =>
    w.write(r).then(
      () => 'ok',
      (e: unknown) => (isTFRecordError(e) ? e.code : 'other'),
    ),
  );
  await w.abort();
  const outcomes = new Set(await Promise.all(writes));
  assert.ok(
    [...outcomes].every((o) => o === 'ok' || o === 'IO'),
    [...outcomes].join(),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('writeExample and readExamples round-trip; TensorFlow files read as Examples', async (t) => {
  const dir = freshDir();
  const path = join(dir, 'ex.tfrecord');
  const ex: Example = {
    features: {
      label: { kind: 'int64', values: BigInt64Array.of(7n) },
      image: { kind: 'bytes', values: [Uint8Array.of(1, 2, 3)] },
      score: { kind: 'float', values: Float32Array.of(0.5) },
    },
  };
  const w = await TFRecordWriter.open(path);
  await w.writeExample(ex);
  await w.writeExample(ex);
  await w.close();
  const got: Example[] = [];
  for await (const e of readExamples(path)) got.push(e);
  assert.equal(got.length, 2);
  assert.deepEqual(got[0]!.features['label'], ex.features['label']);
  assert.deepEqual([...(got[1]!.features['image'] as { values: Uint8Array[] }).values[0]!], [1, 2, 3]);

  const bad = join(dir, 'notexample.tfrecord');
  await writeAll(bad, [Uint8Array.of(0xff, 0xff, 0xff)]);
  await assert.rejects(
    (async () => {
      for await (const e of readExamples(bad)) assert.ok(e);
    })(),
    (e: unknown) => isTFRecordError(e, 'INVALID_PROTO') && e.file === bad && e.record === 0,
  );

  const cs20 = sharedPath('data', 'tfrecord', 'cs20-friday.tfrecord');
  if (cs20 === undefined) return t.skip(absent('data/tfrecord/cs20-friday.tfrecord'));
  let n = 0;
  for await (const e of readExamples(cs20)) {
    assert.deepEqual(Object.keys(e.features).sort(), ['image', 'label', 'shape']);
    n++;
  }
  assert.equal(
    n,
    readFileSync(`${cs20}.jsonl`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length,
  );
  const seq = sharedPath('data', 'tfrecord', 'pytorch-data-sequence_example.tfrecord');
  if (seq !== undefined) {
    let m = 0;
    for await (const s of readSequenceExamples(seq)) {
      assert.ok(s.featureLists);
      m++;
    }
    assert.ok(m > 0);
  }
  const penguin = sharedPath('data', 'tfrecord', 'tfx-penguin-train.tfrecord.gz');
  if (penguin !== undefined) {
    let m = 0;
    for await (const e of readExamples(penguin)) {
      assert.ok(e.features);
      m++;
    }
    assert.equal(
      m,
      readFileSync(`${penguin}.jsonl`, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length,
    );
  }
});
