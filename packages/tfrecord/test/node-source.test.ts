/**
 * The one byte source of the Node entry: every reader (record streams, dataset
 * file sources, counting, index building, RecordFile, Readables) sees the same
 * bytes and reports the same end-of-stream errors.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { SkipCounter } from '../src/dataset/skip.js';
import { isTFRecordError } from '../src/errors.js';
import { encodeExample } from '../src/example/encode.js';
import { buildExample, int64List } from '../src/example/build.js';
import { encodeRecord } from '../src/framing/encode.js';
import {
  activeFileCount,
  buildIndex,
  countRecords,
  listFiles,
  openRecordStream,
  openRecordStreamFrom,
  readExampleFiles,
  readExamples,
  readRecordFiles,
  RecordFile,
} from '../src/node/index.js';

let dir: string;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const examples = (n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => encodeExample(buildExample({ id: int64List([i]) })));
const framed = (records: readonly Uint8Array[]): Uint8Array => concat(records.map((r) => encodeRecord(r)));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pastiche-source-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function rejectsExactly(p: Promise<unknown>, code: string, message: string, file?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isTFRecordError(e, code as never), `expected ${code}, got ${String(e)}`);
    assert.equal(e.message, message);
    if (file !== undefined) assert.equal(e.file, file);
    return true;
  });
}

/** Every reader of the Node entry over one path, as promises that settle when the reader is done. */
function everyReader(path: string): Record<string, () => Promise<unknown>> {
  return {
    openRecordStream: () => drain(openRecordStream(path)),
    readExamples: () => drain(readExamples(path)),
    readRecordFiles: async () => drain(await readRecordFiles(path)),
    readExampleFiles: async () => drain(await readExampleFiles(path)),
    'readRecordFiles (count)': async () => drain(await readRecordFiles(path, { count: true })),
    'readRecordFiles (interleaved)': async () => drain(await readRecordFiles([path], { cycleLength: 2 })),
    countRecords: () => countRecords(path),
    openRecordStreamFrom: async () => {
      const bytes = await readFile(path);
      // Odd chunk sizes: the stream must not depend on where chunks end.
      const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
      return drain(openRecordStreamFrom(Readable.from(chunks), { name: path }));
    },
  };
}

test('a ZLIB file followed by a second zlib stream is an error for every reader, not a short read', async () => {
  const one = deflateSync(framed(examples(5)));
  const path = join(dir, 'two-streams.tfrecord.zz');
  await writeFile(path, concat([one, deflateSync(framed(examples(3)))]));
  const trailing = (await readFile(path)).length - one.length;
  const message = `${path}: invalid zlib data: ${trailing} unexpected bytes after the end of the zlib stream at compressed byte ${one.length}`;
  for (const [name, read] of Object.entries(everyReader(path))) {
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(isTFRecordError(e, 'COMPRESSION'), `${name}: expected COMPRESSION, got ${String(e)}`);
      assert.equal(e.message, message, name);
      assert.equal(e.file, path, name);
      return true;
    });
  }
  // Tolerant reading keeps the records before the trailing bytes and counts the rest as skipped.
  const counter = new SkipCounter();
  assert.equal((await drain(await readRecordFiles(path, { skipCorrupt: counter }))).length, 5);
  assert.equal(counter.streams, 1);
  assert.equal((counter.errors[0] as Error).message, message);
  assert.equal(activeFileCount(), 0);
});

test('bytes after the last gzip member (zero padding too) are an error for every reader', async () => {
  const members = concat([gzipSync(framed(examples(4))), gzipSync(framed(examples(2)))]);
  const path = join(dir, 'padded.tfrecord.gz');
  await writeFile(path, concat([members, new Uint8Array(10)]));
  const message = `${path}: invalid gzip data: 10 unexpected bytes after the end of the gzip stream at compressed byte ${members.length}`;
  for (const [name, read] of Object.entries(everyReader(path))) {
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(isTFRecordError(e, 'COMPRESSION'), `${name}: expected COMPRESSION, got ${String(e)}`);
      assert.equal(e.message, message, name);
      return true;
    });
  }
});

test('a multi-member gzip file and a single zlib stream read to the end through every reader', async () => {
  const records = examples(300);
  const whole = framed(records);
  const cut = 1001;
  const gz = join(dir, 'members.tfrecord.gz');
  await writeFile(gz, concat([gzipSync(whole.subarray(0, cut)), gzipSync(whole.subarray(cut))]));
  const zz = join(dir, 'one.tfrecord.zz');
  await writeFile(zz, deflateSync(whole));
  for (const path of [gz, zz]) {
    for (const [name, read] of Object.entries(everyReader(path))) {
      const got = await read();
      if (typeof got === 'number') assert.equal(got, records.length, name);
      else assert.equal((got as unknown[]).length, records.length, `${name} on ${path}`);
    }
  }
  const firsts = (await drain(openRecordStream(gz))).map((r) => Uint8Array.from(r));
  assert.deepEqual(firsts, records);
});

test('openRecordStreamFrom reads any Readable, names it in errors and destroys it when stopped early', async () => {
  const records = examples(50);
  const gz = gzipSync(framed(records));
  const got = await drain(openRecordStreamFrom(Readable.from([gz.subarray(0, 5), gz.subarray(5)])));
  assert.deepEqual(
    got.map((r) => Uint8Array.from(r)),
    records,
  );
  // Plain bytes, explicit compression.
  const plain = framed(records);
  assert.equal((await drain(openRecordStreamFrom(Readable.from([plain]), { compression: 'none' }))).length, 50);
  // Errors name the source: '-' by default.
  const cut = plain.subarray(0, plain.length - 3);
  const last = plain.length - encodeRecord(records[49]!).length;
  await rejectsExactly(
    drain(openRecordStreamFrom(Readable.from([cut]))),
    'TRUNCATED_RECORD',
    `-: truncated record at byte ${last} (record needs ${records[49]!.length + 16} bytes, ${records[49]!.length + 13} remain)`,
    '-',
  );
  await rejectsExactly(
    drain(openRecordStreamFrom(Readable.from(['text']), { name: 'stdin' })),
    'INVALID_ARGUMENT',
    'stdin: Expected Uint8Array chunks from stdin but received "text" of type string (a Readable in object or text mode?)',
    'stdin',
  );
  await rejectsExactly(
    drain(openRecordStreamFrom('x' as never)),
    'INVALID_ARGUMENT',
    'Expected Readable or AsyncIterable<Uint8Array> for readable but received "x" of type string',
  );
  const stream = Readable.from([plain.subarray(0, 100), plain.subarray(100)]);
  for await (const r of openRecordStreamFrom(stream)) {
    assert.ok(r.length > 0);
    break;
  }
  assert.equal(stream.destroyed, true);
});

test('a decode error names the record and its offset in the file; the byte inside the message is `position`', async () => {
  const good = examples(3);
  const bad = Uint8Array.from([0x0a, 0x05, 0x0a]); // features: length 5 runs past the end
  const path = join(dir, 'bad-example.tfrecord');
  await writeFile(path, framed([...good, bad]));
  const offset = good.reduce((n, r) => n + r.length + 16, 0);
  await assert.rejects(drain(readExamples(path)), (e: unknown) => {
    assert.ok(isTFRecordError(e, 'INVALID_PROTO'));
    assert.equal(e.message, `${path}: record 3: invalid Example: length 5 runs past the end of the message at byte 1`);
    assert.equal(e.record, 3);
    assert.equal(e.offset, offset);
    assert.equal(e.position, 1);
    assert.equal(e.file, path);
    return true;
  });
});

test('framing errors carry the record start as offset through every file reader', async () => {
  const records = examples(20);
  const bytes = framed(records);
  const at = records.slice(0, 7).reduce((n, r) => n + r.length + 16, 0);
  bytes[at + 3] = 0xff; // the length word of record 7: its checksum no longer matches
  const path = join(dir, 'bad-length.tfrecord');
  await writeFile(path, bytes);
  const message = `${path}: corrupted record at byte ${at}: length checksum mismatch`;
  for (const read of [
    () => drain(openRecordStream(path)),
    async () => drain(await readRecordFiles(path)),
    () => countRecords(path),
    () => buildIndex(path),
  ]) {
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(isTFRecordError(e, 'CORRUPTED_LENGTH'));
      assert.equal(e.message, message);
      assert.equal(e.offset, at);
      return true;
    });
  }
  // A record range that starts mid-file still reports file offsets.
  bytes[at + 3] = encodeRecord(records[7]!)[3]!;
  const data = at + 12 + 2;
  bytes[data] = bytes[data]! ^ 1;
  await writeFile(path, bytes);
  const file = await RecordFile.open(path, { index: await buildIndex(path) });
  try {
    await rejectsExactly(
      drain(file.records(5, 10)),
      'CORRUPTED_DATA',
      `${path}: corrupted record at byte ${at}: data checksum mismatch`,
    );
    await rejectsExactly(
      file.get(7),
      'CORRUPTED_DATA',
      `${path}: corrupted record at byte ${at}: data checksum mismatch`,
    );
  } finally {
    await file.close();
  }
});

test('listFiles: ** across folders and {a,b} braces (tinyglobby), relative and absolute; shard sets still checked', async () => {
  const root = join(dir, 'globs');
  await mkdir(join(root, 'a', 'deep'), { recursive: true });
  await mkdir(join(root, 'b'), { recursive: true });
  const one = framed(examples(1));
  for (const f of ['a/x.tfrecord', 'a/deep/y.tfrecord', 'b/z.tfrecord', 'b/.hidden.tfrecord', 'top.tfrecord']) {
    await writeFile(join(root, f), one);
  }
  for (let i = 0; i < 2; i++) await writeFile(join(root, 'a', `s-0000${i}-of-00003`), one);
  await symlink(join(root, 'b'), join(root, 'link'));
  const abs = (...fs: string[]): string[] => fs.map((f) => join(root, f));
  assert.deepEqual(
    await listFiles(join(root, '**/*.tfrecord')),
    abs('a/deep/y.tfrecord', 'a/x.tfrecord', 'b/z.tfrecord', 'link/z.tfrecord', 'top.tfrecord'),
  );
  assert.deepEqual(await listFiles(join(root, '{a,b}/*.tfrecord')), abs('a/x.tfrecord', 'b/z.tfrecord'));
  assert.deepEqual(await listFiles(join(root, 'b/.h*')), abs('b/.hidden.tfrecord'));
  const rel = relative(process.cwd(), root);
  assert.deepEqual(await listFiles(`${rel}/a/**/*.tfrecord`), [
    join(rel, 'a/deep/y.tfrecord'),
    join(rel, 'a/x.tfrecord'),
  ]);
  await rejectsExactly(
    listFiles(join(root, '**/s-*')),
    'IO',
    `shard set ${join(root, 'a', 's-?????-of-00003')} matched by ${JSON.stringify(join(root, '**/s-*'))} is incomplete: missing shard 00002 of 3`,
  );
  assert.deepEqual(await listFiles(join(root, 'a/s-0000{0,1}-of-*')), abs('a/s-00000-of-00003', 'a/s-00001-of-00003'));
  await rejectsExactly(
    listFiles(join(root, 'a/s@3')),
    'IO',
    `shard set ${JSON.stringify(join(root, 'a/s@3'))} is incomplete: missing s-00002-of-00003 in ${join(root, 'a')}`,
  );
  await rejectsExactly(
    listFiles(join(root, '**/*.nothing')),
    'IO',
    `no files match ${JSON.stringify(join(root, '**/*.nothing'))}`,
  );
});

test('/dev/stdin reads as a path: a pipe has no positions, so whole-file reads follow the file position', async (t) => {
  if (process.platform === 'win32') return t.skip('no /dev/stdin on Windows');
  const entry = new URL('../src/node/index.js', import.meta.url).href;
  const script = `import { openRecordStream } from ${JSON.stringify(entry)};
let n = 0; for await (const r of openRecordStream('/dev/stdin')) n += r.length > 0 ? 1 : 0;
console.log(n);`;
  const path = join(dir, 'stdin.tfrecord.gz');
  await writeFile(path, gzipSync(framed(examples(2000))));
  // A real pipe (spawnSync's `input` is a socket, which /dev/stdin cannot reopen), then a redirected file.
  for (const how of ['cat "$F" | "$NODE" --input-type=module -e "$S"', '"$NODE" --input-type=module -e "$S" < "$F"']) {
    const r = spawnSync('sh', ['-c', how], {
      encoding: 'utf8',
      env: { ...process.env, F: path, NODE: process.execPath, S: script },
    });
    assert.equal(r.stderr, '', how);
    assert.equal(r.stdout, '2000\n', how);
  }
});

test('record streams serve outstanding next() calls in order, and return() releases the file', async () => {
  const records = examples(3000);
  const path = join(dir, 'concurrent.tfrecord');
  await writeFile(path, framed(records));
  const it = openRecordStream(path);
  // Several calls at once, across chunk boundaries (1 MiB reads, about 900 records each).
  const got: Uint8Array[] = [];
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(Array.from({ length: 1000 }, () => it.next()));
    for (const r of results) {
      assert.equal(r.done, false);
      got.push(Uint8Array.from(r.value as Uint8Array));
    }
  }
  assert.deepEqual(got, records);
  const [last, after] = await Promise.all([it.next(), it.next()]);
  assert.equal(last?.done, true);
  assert.equal(after?.done, true);
  const early = openRecordStream(path);
  const pending = early.next();
  const closing = early.return(undefined);
  assert.equal((await pending).done, false);
  assert.deepEqual(await closing, { value: undefined, done: true });
  assert.equal((await early.next()).done, true);
  assert.equal(activeFileCount(), 0);
});

test('countRecords of an uncompressed file reads headers only: bodies are skipped, not checked', async () => {
  // 40 records of 300 KiB whose bodies (and data checksums) are all wrong: a
  // reader that looked at the bodies would fail; counting must not.
  const body = new Uint8Array(300 * 1024).fill(3);
  const one = encodeRecord(body);
  one[one.length - 1] = one[one.length - 1]! ^ 0xff;
  const path = join(dir, 'big-bodies.tfrecord');
  await writeFile(path, concat(Array.from({ length: 40 }, () => one)));
  assert.equal(await countRecords(path), 40);
  await rejectsExactly(
    drain(openRecordStream(path)),
    'CORRUPTED_DATA',
    `${path}: corrupted record at byte 0: data checksum mismatch`,
  );
  // A bad header is still found, at its offset.
  const bad = concat(Array.from({ length: 40 }, () => one));
  const at = 7 * one.length;
  bad[at + 2] = bad[at + 2]! ^ 1;
  await writeFile(path, bad);
  await rejectsExactly(
    countRecords(path),
    'CORRUPTED_LENGTH',
    `${path}: corrupted record at byte ${at}: length checksum mismatch`,
  );
});
