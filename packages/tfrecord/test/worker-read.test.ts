/**
 * Reading on a worker thread (`worker: true`) must be indistinguishable from
 * reading on this one (`worker: false`): the same record bytes, the same
 * decoded Examples, and the same errors field for field (code, message,
 * offset, file, record, position, and the cause's code), on the golden files,
 * compressed files and every kind of corrupt file; and the worker must go
 * away (file closed, thread ended) however the loop ends.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, suite, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { absent, sharedPath } from '@pastiche/testing';
import { isTFRecordError } from '../src/errors.js';
import { buildExample } from '../src/example/build.js';
import { encodeExample } from '../src/example/encode.js';
import { recordSize, writeRecordInto } from '../src/framing/encode.js';
import type { FileReadOptions } from '../src/node/index.js';
import {
  activeFileCount,
  openRecordStream,
  readExamples,
  readRecordFiles,
  readSequenceExamples,
} from '../src/node/index.js';

const root = mkdtempSync(join(tmpdir(), 'pastiche-worker-read-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
function file(name: string, bytes: Uint8Array): string {
  const p = join(root, `${counter++}-${name}`);
  writeFileSync(p, bytes);
  return p;
}

function frame(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.reduce((n, r) => n + recordSize(r.length), 0));
  let p = 0;
  for (const r of records) p = writeRecordInto(out, p, r);
  return out;
}

const sample = (n: number, size: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => Uint8Array.from({ length: size + (i % 7) }, (_, j) => (i * 31 + j) & 0xff));

/** Everything a caller can see of an error, causes included. */
function errorFields(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return { thrown: e };
  const o = e as Error & Record<string, unknown>;
  return {
    class: e.constructor.name,
    name: e.name,
    message: e.message,
    code: o['code'],
    offset: o['offset'],
    position: o['position'],
    file: o['file'],
    record: o['record'],
    errno: o['errno'],
    syscall: o['syscall'],
    cause: depth < 4 && e.cause !== undefined ? errorFields(e.cause, depth + 1) : undefined,
  };
}

interface Outcome {
  values: unknown[];
  error?: unknown;
}

type Reader = (path: string, options: FileReadOptions) => AsyncGenerator<unknown, void, undefined>;

const raw: Reader = (path, options) => openRecordStream(path, options);

/** All values (records copied, so a later batch cannot change them) and the error that ended the loop. */
async function outcome(read: Reader, path: string, options: FileReadOptions): Promise<Outcome> {
  const values: unknown[] = [];
  try {
    for await (const v of read(path, options)) values.push(v instanceof Uint8Array ? Uint8Array.from(v) : v);
    return { values };
  } catch (e) {
    return { values, error: errorFields(e) };
  }
}

async function same(path: string, options: FileReadOptions = {}, read: Reader = raw): Promise<Outcome> {
  const single = await outcome(read, path, { ...options, worker: false });
  const worker = await outcome(read, path, { ...options, worker: true });
  assert.deepEqual(worker, single, `${path} ${JSON.stringify(options)}`);
  assert.equal(activeFileCount(), 0);
  return single;
}

suite('worker: the golden files', () => {
  const dirs = ['tfrecord', 'tfevents'];
  for (const dir of dirs) {
    test(`every file of data/${dir} reads the same on a worker`, async (t) => {
      const d = sharedPath('data', dir);
      if (d === undefined) return t.skip(absent(`data/${dir}`));
      const names = readdirSync(d).filter((n) => /\.tfrecords?(\.gz)?$|\.tfevents$/.test(n));
      assert.ok(names.length > 0);
      for (const n of names) {
        const path = join(d, n);
        const got = await same(path);
        assert.ok(got.error === undefined && got.values.length > 0, n);
        if (/example\.tfrecord|cs20|penguin|singles/.test(n)) {
          assert.equal((await same(path, {}, readExamples)).error, undefined, n);
        }
        if (/sequence_example/.test(n)) assert.equal((await same(path, {}, readSequenceExamples)).error, undefined, n);
      }
    });
  }
});

test('worker: Examples decode the same, gzip and zlib files too', async () => {
  const exs = Array.from({ length: 3000 }, (_, i) =>
    encodeExample(
      buildExample({
        image: { kind: 'bytes', values: [Uint8Array.from({ length: 700 }, (_, j) => (i + j) & 0xff)] },
        label: [i],
        score: Float32Array.of(i / 3, 1),
      }),
    ),
  );
  const whole = frame(exs);
  const cuts = [0, 100_000, 100_001, whole.length];
  const members = cuts.slice(1).map((c, i) => gzipSync(whole.subarray(cuts[i], c)));
  for (const path of [
    file('ex.tfrecord', whole),
    file('ex.tfrecord.gz', Buffer.concat(members)),
    file('ex.tfrecord.zz', deflateSync(whole)),
  ]) {
    const got = await same(path, {}, readExamples);
    assert.equal(got.values.length, 3000);
    assert.equal((await same(path)).values.length, 3000);
  }
});

test('worker: corrupt records are the same errors, after the same good records', async () => {
  const records = sample(40, 3000);
  const whole = frame(records);
  const starts: number[] = [];
  for (let i = 0, p = 0; i < records.length; p += recordSize(records[i]!.length), i++) starts.push(p);
  const at = starts[25]!;
  const len = records[25]!.length;
  // The length, its checksum, the data, the data checksum of record 25.
  for (const flip of [at + 1, at + 9, at + 12 + 100, at + 12 + len + 2]) {
    const bad = Uint8Array.from(whole);
    bad[flip]! ^= 0x10;
    const path = file('corrupt.tfrecord', bad);
    const got = await same(path);
    assert.equal(got.values.length, 25);
    assert.ok(got.error !== undefined);
    await same(path, { verifyChecksums: false });
    await same(file('corrupt.tfrecord.gz', gzipSync(bad)));
  }
  // Truncated in a header, in a body, in a footer; and at a record boundary (a clean end).
  for (const cut of [5, at + 7, at + 500, at + 12 + len + 1, starts[30]!]) {
    await same(file('cut.tfrecord', whole.subarray(0, cut)));
  }
  await same(file('big.tfrecord', whole), { maxRecordBytes: 3002 });
  await same(file('notexamples.tfrecord', whole), {}, readExamples);
});

test('worker: compression errors and missing files are the same errors', async () => {
  const z = gzipSync(frame(sample(2000, 300)));
  await same(file('cut.tfrecord.gz', z.subarray(0, z.length - 10)));
  const zz = Buffer.from(deflateSync(frame(sample(200, 300))));
  for (let i = 20; i < 40; i++) zz[i]! ^= 0x33;
  await same(file('bad.tfrecord.zz', zz));
  const once = deflateSync(frame(sample(5, 30)));
  await same(file('two.tfrecord.zz', Buffer.concat([once, once])));
  await same(file('junk.tfrecord.gz', Buffer.concat([gzipSync(frame(sample(5, 30))), Buffer.from('junk')])));
  const missing = await same(join(root, 'missing.tfrecord'));
  assert.equal((missing.error as { code: string }).code, 'IO');
  assert.equal((missing.error as { cause: { code: string } }).cause.code, 'ENOENT');
  const dir = await same(root);
  assert.equal((dir.error as { cause: { code: string } }).cause.code, 'EISDIR');
});

test('worker: an empty file, a record larger than a batch, empty records', async () => {
  assert.deepEqual((await same(file('empty.tfrecord', new Uint8Array(0)))).values, []);
  const huge = Uint8Array.from({ length: 5 * 1024 * 1024 + 3 }, (_, i) => (i * 7) & 0xff);
  const records = [new Uint8Array(0), huge, Uint8Array.of(1, 2, 3), new Uint8Array(0), huge.subarray(5)];
  const got = await same(file('huge.tfrecord', frame(records)));
  assert.deepEqual(
    got.values,
    records.map((r) => Uint8Array.from(r)),
  );
  await same(file('huge.tfrecord.gz', gzipSync(frame(records))));
});

test('worker: an AbortSignal stops reading with the same ABORTED error and ends the worker', async () => {
  const path = file('abort.tfrecord', frame(sample(20000, 100)));
  for (const worker of [false, true]) {
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const r of openRecordStream(path, { signal: ac.signal, worker })) {
          assert.ok(r);
          if (++n === 10) ac.abort(new Error('user cancelled'));
        }
      })(),
      (e: unknown) =>
        isTFRecordError(e, 'ABORTED') && e.file === path && e.message === `${path}: reading aborted: user cancelled`,
    );
    assert.equal(n, 10);
    assert.equal(activeFileCount(), 0);
  }
  await same(path, { signal: AbortSignal.abort(new Error('before')) });
});

test('worker: a loop broken early ends the worker and closes the file', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('/proc/self/fd is not available on this platform');
  const path = file('many.tfrecord', frame(sample(20000, 1000)));
  // The worker's file is one of this process's descriptors: it must be closed once the loop has ended.
  const fds = (): number => readdirSync('/proc/self/fd').length;
  const before = fds();
  for (let k = 0; k < 3; k++) {
    let n = 0;
    for await (const r of openRecordStream(path, { worker: true })) {
      assert.ok(r.length >= 1000);
      if (++n === 3) {
        assert.ok(fds() > before, 'the worker holds the file open while reading');
        break;
      }
    }
    assert.equal(activeFileCount(), 0);
    assert.equal(fds(), before);
  }
  const bad = Object.assign(Object.create(null) as object, { worker: 'yes' }) as unknown as FileReadOptions;
  await assert.rejects(
    outcome(raw, path, bad).then((o) => {
      throw (o.error as { message: string }).message;
    }),
    (m: unknown) => m === `Expected boolean for worker but received "yes" of type string`,
  );
});

test('worker: a process whose loop breaks early, or that drops the iterator, exits by itself', () => {
  const path = file('exit.tfrecord', frame(sample(20000, 1000)));
  const entry = fileURLToPath(new URL('../src/node/index.js', import.meta.url));
  const script = `
    import { openRecordStream } from ${JSON.stringify(entry)};
    let n = 0;
    for await (const r of openRecordStream(process.argv[2], { worker: true })) if (++n === 2) break;
    const it = openRecordStream(process.argv[2], { worker: true });
    await it.next();
    console.log('done', n);
  `;
  const main = join(root, 'exit.mjs');
  writeFileSync(main, script);
  const r = spawnSync(process.execPath, [main, path], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'done 2\n');
  assert.equal(r.status, 0);
});

test('worker: the file read on a worker is the same file read here, byte for byte', async () => {
  const path = file('bytes.tfrecord', frame(sample(5000, 2000)));
  const got = await same(path);
  const whole = readFileSync(path);
  assert.equal(
    got.values.reduce((n: number, r) => n + recordSize((r as Uint8Array).length), 0),
    whole.length,
  );
});

test('worker: dataset file sources read the same on workers, interleaved too, and close when broken off', async () => {
  const dir = mkdtempSync(join(root, 'shards-'));
  for (let s = 0; s < 4; s++) {
    const recs = sample(300 + 50 * s, 500).map((r) => Uint8Array.from([s, ...r]));
    writeFileSync(join(dir, `train-0000${s}-of-00004.tfrecord`), s % 2 === 0 ? frame(recs) : gzipSync(frame(recs)));
  }
  const pattern = join(dir, 'train-*');
  for (const options of [{}, { cycleLength: 3, blockLength: 2, numParallelCalls: 2 }]) {
    const read = async (worker: boolean): Promise<Uint8Array[]> => {
      const out: Uint8Array[] = [];
      for await (const r of await readRecordFiles(pattern, { ...options, worker })) out.push(Uint8Array.from(r));
      return out;
    };
    const single = await read(false);
    assert.equal(single.length, 300 + 350 + 400 + 450);
    assert.deepEqual(await read(true), single);
  }
  let n = 0;
  for await (const r of await readRecordFiles(pattern, { cycleLength: 2, worker: true })) {
    assert.ok(r.length > 0);
    if (++n === 5) break;
  }
  assert.equal(activeFileCount(), 0);
  await assert.rejects(
    readRecordFiles(pattern, { worker: 1 as never }),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === `Expected boolean for worker but received 1 of type number`,
  );
});

test('worker: streams one after another reuse the idle worker without piling up listeners; two at once each get one', async () => {
  const a = file('a.tfrecord', frame(sample(500, 300)));
  const b = file('b.tfrecord.gz', gzipSync(frame(sample(700, 200))));
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  process.on('warning', onWarning);
  try {
    for (let i = 0; i < 25; i++) {
      assert.equal((await outcome(raw, a, { worker: true })).values.length, 500);
      for await (const r of openRecordStream(b, { worker: true })) if (r.length > 0) break;
    }
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
  // Two streams read at once, record by record in turn.
  const ia = openRecordStream(a, { worker: true });
  const ib = openRecordStream(b, { worker: true });
  const got: [Uint8Array[], Uint8Array[]] = [[], []];
  for (;;) {
    const [ra, rb] = await Promise.all([ia.next(), ib.next()]);
    if (!ra.done) got[0].push(Uint8Array.from(ra.value));
    if (!rb.done) got[1].push(Uint8Array.from(rb.value));
    if (ra.done && rb.done) break;
  }
  assert.deepEqual(got[0], (await outcome(raw, a, { worker: false })).values);
  assert.deepEqual(got[1], (await outcome(raw, b, { worker: false })).values);
});
