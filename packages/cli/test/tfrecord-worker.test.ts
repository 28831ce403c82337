/**
 * `pastiche tfrecord verify` and `cat` on a file of many read batches with
 * the read worker (off by default; on here with PASTICHE_READ_WORKER=1), through the real binary, i.e. the bundle
 * and its worker script next to it: the worker is started from that script,
 * the summary and the JSON lines are those of reading on one thread, and a
 * corrupt record is the same error, with exit code 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildExample, encodeExample, encodeRecord } from '@pastiche/tfrecord/node';
import { repoRoot } from '@pastiche/testing';

const BIN = join(repoRoot, 'packages', 'cli', 'bin', 'pastiche.js');
const WORKER_SCRIPT = join(repoRoot, 'packages', 'cli', 'dist', 'bundle', 'tfrecord-read-worker.cjs');

let tmp = '';
let big = '';
let corrupt = '';
let corruptAt = 0;
let records = 0;
/** Preloaded into the binary: notes the script of every worker thread started. */
let hook = '';

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-worker-cli-'));
  const parts: Uint8Array[] = [];
  let size = 0;
  // 16 MiB: many of the worker's ~2 MiB batches, so records cross batches and read-ahead waits.
  for (records = 0; size < 16 * 1024 * 1024; records++) {
    const payload = new Uint8Array(1000).fill(records & 0xff);
    const r = encodeRecord(encodeExample(buildExample({ i: [records], b: [payload] })));
    parts.push(r);
    size += r.length;
  }
  const whole = Buffer.concat(parts);
  big = join(tmp, 'big.tfrecord');
  writeFileSync(big, whole);
  // The data of the record 100 from the end, so the worker has sent many batches before it.
  corruptAt = whole.length - parts.slice(-100).reduce((n, r) => n + r.length, 0);
  whole[corruptAt + 20]! ^= 0x40;
  corrupt = join(tmp, 'corrupt.tfrecord');
  writeFileSync(corrupt, whole);
  hook = join(tmp, 'hook.cjs');
  writeFileSync(
    hook,
    `const wt = require('node:worker_threads');
const fs = require('node:fs');
const Worker = wt.Worker;
wt.Worker = class extends Worker {
  constructor(script, options) {
    fs.appendFileSync(process.env.PASTICHE_TEST_WORKER_LOG, String(script) + '\\n');
    super(script, options);
  }
};
`,
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function pastiche(args: string[], log: string): { status: number | null; stdout: string; stderr: string } {
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--require', hook, BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PASTICHE_TEST_WORKER_LOG: log, PASTICHE_READ_WORKER: '1' },
    maxBuffer: 1024 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('verify of a big file runs the bundled read worker and reports the summary', () => {
  const log = join(tmp, 'verify.log');
  const r = pastiche(['tfrecord', 'verify', big], log);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, new RegExp(`^1 file, ${records.toLocaleString('en-US')} records, [0-9.]+ MB: OK\\n$`));
  assert.deepEqual(readFileSync(log, 'utf8'), `${WORKER_SCRIPT}\n`);
});

test('verify of two big files starts one worker: the second file reuses it', () => {
  const log = join(tmp, 'two.log');
  const r = pastiche(['tfrecord', 'verify', big, big], log);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, new RegExp(`^2 files, ${(2 * records).toLocaleString('en-US')} records, [0-9.]+ MB: OK\\n$`));
  assert.equal(readFileSync(log, 'utf8'), `${WORKER_SCRIPT}\n`);
});

test('verify of a corrupt big file is the error of reading on one thread, exit code 1', () => {
  const r = pastiche(['tfrecord', 'verify', corrupt], join(tmp, 'corrupt.log'));
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `pastiche: ${corrupt}: corrupted record at byte ${corruptAt}: data checksum mismatch\n`);
  assert.equal(readFileSync(join(tmp, 'corrupt.log'), 'utf8'), `${WORKER_SCRIPT}\n`);
});

for (const setting of ['0', undefined]) {
  test(`PASTICHE_READ_WORKER=${setting ?? '(unset)'} reads the big file on one thread`, () => {
    const log = join(tmp, 'off.log');
    writeFileSync(log, '');
    const env: Record<string, string | undefined> = { ...process.env, PASTICHE_TEST_WORKER_LOG: log };
    if (setting === undefined) delete env['PASTICHE_READ_WORKER'];
    else env['PASTICHE_READ_WORKER'] = setting;
    const r = spawnSync(process.execPath, ['--require', hook, BIN, 'tfrecord', 'verify', big], {
      encoding: 'utf8',
      env,
    });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(readFileSync(log, 'utf8'), '');
  });
}

test('cat of a big file prints every record once, in order, from the worker', () => {
  const log = join(tmp, 'cat.log');
  const r = pastiche(['tfrecord', 'cat', '--kind', 'example', big], log);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, records);
  for (const k of [0, 1, records >> 1, records - 1]) {
    assert.deepEqual((JSON.parse(lines[k]!) as { features: { i: unknown } }).features.i, { int64: [String(k)] });
  }
  assert.equal(readFileSync(log, 'utf8'), `${WORKER_SCRIPT}\n`);
});
