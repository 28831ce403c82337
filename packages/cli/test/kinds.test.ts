/**
 * One default kind (`auto`) for cat, head, inspect and verify, records with
 * SequenceExample fields never dropped silently, and `-` for standard input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const dataDir = sharedPath('data', 'tfrecord');
const SEQ = 'pytorch-data-sequence_example.tfrecord';

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-kinds-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function stdinOf(bytes: Uint8Array, chunk = 7): AsyncIterable<Uint8Array> {
  // Small chunks, so that detection and framing see records split across reads.
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

test('cat keeps feature_lists by default and the output round-trips through from-jsonl', async (t) => {
  if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
  const file = join(dataDir, SEQ);
  const expected = readFileSync(`${file}.jsonl`, 'utf8');
  const r = await run(['tfrecord', 'cat', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, expected);
  for (const line of r.stdout.trim().split('\n')) {
    assert.deepEqual(Object.keys(JSON.parse(line) as object), ['context', 'feature_lists']);
  }
  const back = join(tmp, 'back.tfrecord');
  const w = await run(['tfrecord', 'from-jsonl', '-', '-o', back], {
    stdin: stdinOf(new TextEncoder().encode(r.stdout), 100),
  });
  assert.equal(w.code, 0, w.stderr);
  const again = await run(['tfrecord', 'cat', back]);
  assert.equal(again.stdout, expected);
});

test('an explicit --kind example counts records with feature_lists and says so', async (t) => {
  if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
  const file = join(dataDir, SEQ);
  const warning = `pastiche: warning: ${file}: 4 records (the first is record 0) carry SequenceExample feature_lists, which --kind example leaves out (use --kind auto or --kind sequence)\n`;
  const c = await run(['tfrecord', 'cat', '--kind', 'example', file]);
  assert.equal(c.code, 0);
  assert.equal(c.stdout.trim().split('\n').length, 4);
  assert.equal(c.stderr, warning);
  const h = await run(['tfrecord', 'head', '-n', '1', '--kind', 'example', file]);
  assert.equal(h.code, 0);
  assert.match(h.stderr, /1 record \(the first is record 0\) carry SequenceExample feature_lists/);
  const i = await run(['tfrecord', 'inspect', '--kind', 'example', file]);
  assert.equal(i.code, 0);
  assert.equal(i.stderr, warning);
  const v = await run(['tfrecord', 'verify', '--kind', 'example', file]);
  assert.deepEqual(v, {
    code: 1,
    stdout: '',
    stderr: `pastiche: ${file}: record 0 carries SequenceExample feature_lists, which --kind example leaves out (use --kind auto or --kind sequence)\n`,
  });
  const ok = await run(['tfrecord', 'verify', file]);
  assert.deepEqual(ok, { code: 0, stdout: '1 file, 4 records, 2.8 kB: OK\n', stderr: '' });
});

test('head and inspect default to auto: feature lists shown', async (t) => {
  if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
  const file = join(dataDir, SEQ);
  const h = await run(['tfrecord', 'head', '-n', '1', file]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /\n {2}feature lists:\n/);
  const i = await run(['tfrecord', 'inspect', '--json', file]);
  assert.equal(i.code, 0);
  assert.ok('featureLists' in (JSON.parse(i.stdout) as object) || /feature_?lists/i.test(i.stdout), i.stdout);
});

test('- reads standard input for cat, count, verify, inspect, head and convert, compression detected', async (t) => {
  if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
  const file = join(dataDir, 'pytorch-data-example.tfrecord');
  const plain = readFileSync(file);
  const expected = readFileSync(`${file}.jsonl`, 'utf8');
  for (const [label, bytes] of [
    ['plain', plain],
    ['gzip', gzipSync(plain)],
  ] as const) {
    const cat = await run(['tfrecord', 'cat', '-'], { stdin: stdinOf(bytes) });
    assert.deepEqual(cat, { code: 0, stdout: expected, stderr: '' }, label);
    const count = await run(['tfrecord', 'count', '-'], { stdin: stdinOf(bytes) });
    assert.deepEqual(count, { code: 0, stdout: '4\n', stderr: '' }, label);
    const verify = await run(['tfrecord', 'verify', '-'], { stdin: stdinOf(bytes) });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /^1 file, 4 records, .*: OK\n$/);
    const head = await run(['tfrecord', 'head', '-n', '1', '-'], { stdin: stdinOf(bytes) });
    assert.equal(head.code, 0, head.stderr);
    assert.match(head.stdout, /^record 0 \(byte 0, \d+ B\)\n/);
    const inspect = await run(['tfrecord', 'inspect', '-'], { stdin: stdinOf(bytes) });
    assert.equal(inspect.code, 0, inspect.stderr);
    const out = join(tmp, `from-stdin-${label}.tfrecord`);
    const convert = await run(['tfrecord', 'convert', '-', '-o', out], { stdin: stdinOf(bytes) });
    assert.equal(convert.code, 0, convert.stderr);
    assert.deepEqual(readFileSync(out), plain, label);
  }
  const bad = await run(['tfrecord', 'count', '-'], { stdin: stdinOf(plain.subarray(0, plain.length - 3)) });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^pastiche: <stdin>: /);
});
