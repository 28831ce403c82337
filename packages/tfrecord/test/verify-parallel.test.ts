/**
 * decodeRecordsParallel must be decodeRecords: the same views of the same
 * buffer, and the same error (code, message, offset) after the same records,
 * whatever is corrupt, whether or not the buffer is shared memory; and it
 * must never hand out a record whose checksum does not match.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeRecords } from '../src/framing/decode.js';
import type { RecordReaderOptions } from '../src/framing/decode.js';
import { recordSize, writeRecordInto } from '../src/framing/encode.js';
import { decodeRecordsParallel } from '../src/node/index.js';

function frame(records: readonly Uint8Array[], shared = false): Uint8Array {
  const n = records.reduce((k, r) => k + recordSize(r.length), 0);
  const out = new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  let p = 0;
  for (const r of records) p = writeRecordInto(out, p, r);
  return out;
}

const sample = (n: number, size: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => Uint8Array.from({ length: size + (i % 13) }, (_, j) => (i * 17 + j) & 0xff));

interface Outcome {
  views: [number, number][];
  error?: { code: unknown; message: string; offset: unknown };
}

function outcome(it: Iterable<Uint8Array>, buf: Uint8Array): Outcome {
  const views: [number, number][] = [];
  try {
    for (const r of it) {
      assert.equal(r.buffer, buf.buffer, 'a view of the given buffer');
      views.push([r.byteOffset, r.length]);
    }
    return { views };
  } catch (e) {
    const o = e as { code: unknown; message: string; offset: unknown };
    return { views, error: { code: o.code, message: o.message, offset: o.offset } };
  }
}

function same(buf: Uint8Array, options?: RecordReaderOptions): Outcome {
  const want = outcome(decodeRecords(buf, options), buf);
  assert.deepEqual(outcome(decodeRecordsParallel(buf, options), buf), want);
  return want;
}

test('decodeRecordsParallel: the records of decodeRecords, shared or not, at an offset too', () => {
  for (const shared of [false, true]) {
    const buf = frame(sample(3000, 900), shared);
    assert.equal(same(buf).views.length, 3000);
    const records = [...decodeRecords(buf)];
    // A view that starts at the third record: offsets stay those of the view.
    const at = records[2]!.byteOffset - 12 - buf.byteOffset;
    assert.equal(same(buf.subarray(at)).views.length, 2998);
  }
  assert.deepEqual(same(new Uint8Array(0)).views, []);
  same(frame([new Uint8Array(0), new Uint8Array(0)]));
});

test('decodeRecordsParallel: every corruption is the same error after the same records', () => {
  const records = sample(400, 2000);
  for (const shared of [false, true]) {
    const whole = frame(records, shared);
    const starts = [...decodeRecords(whole)].map((r) => r.byteOffset - 12);
    for (const k of [0, 1, 250, 399]) {
      const at = starts[k]!;
      const len = records[k]!.length;
      for (const flip of [at + 2, at + 10, at + 12 + 7, at + 12 + len + 1]) {
        const bad = Uint8Array.from(whole);
        bad[flip]! ^= 0x08;
        const got = same(bad);
        assert.ok(got.error !== undefined, `flip ${flip}`);
        assert.equal(got.views.length, k);
        same(bad, { verifyChecksums: false });
      }
      for (const cut of [at + 3, at + 12 + 5]) same(whole.subarray(0, cut));
    }
    same(whole, { maxRecordBytes: 2005 });
  }
});

test('decodeRecordsParallel: a loop broken early stops the worker and lets the process exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pastiche-verify-parallel-'));
  try {
    const entry = fileURLToPath(new URL('../src/node/index.js', import.meta.url));
    const main = join(dir, 'main.mjs');
    writeFileSync(
      main,
      `import { decodeRecordsParallel, encodeRecord } from ${JSON.stringify(entry)};
const one = encodeRecord(new Uint8Array(1000).fill(3));
const buf = new Uint8Array(one.length * 20000);
for (let i = 0; i < 20000; i++) buf.set(one, i * one.length);
let n = 0;
for (const r of decodeRecordsParallel(buf)) if (++n === 5) break;
const it = decodeRecordsParallel(buf);
it.next();
console.log('done', n);
`,
    );
    const r = spawnSync(process.execPath, [main], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'done 5\n');
    assert.equal(r.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
