/**
 * `pastiche tfrecord cat/head/inspect/verify` on TensorBoard event files:
 * `--kind event` and `--kind auto` print protobuf's JSON mapping exactly as the
 * golden files of ../shared/data/tfevents do.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const dir = sharedPath('data', 'tfevents');
const files = dir === undefined ? [] : readdirSync(dir).filter((f) => f.endsWith('.tfevents'));

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-evcat-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

for (const kind of ['event', 'auto']) {
  test(`cat --kind ${kind} prints every golden event file byte for byte as its .jsonl`, async (t) => {
    if (dir === undefined) return t.skip(absent('data/tfevents'));
    assert.ok(files.length >= 3, `expected the golden event files in ${dir}`);
    for (const f of files) {
      const file = join(dir, f);
      const r = await run(['tfrecord', 'cat', '--kind', kind, file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, readFileSync(`${file}.jsonl`, 'utf8'), f);
    }
  });
}

test('cat --kind auto recognises an event file by its first record, whatever its name', async (t) => {
  if (dir === undefined) return t.skip(absent('data/tfevents'));
  const copy = join(tmp, 'renamed.tfrecord');
  copyFileSync(join(dir, 'tb-images.tfevents'), copy);
  const r = await run(['tfrecord', 'cat', copy, '--limit', '2']);
  assert.equal(r.code, 0, r.stderr);
  const want = readFileSync(join(dir, 'tb-images.tfevents.jsonl'), 'utf8').split('\n').slice(0, 2);
  assert.deepEqual(r.stdout.split('\n').slice(0, 2), want);
});

test('inspect, head and verify call an event file Events, not Examples', async (t) => {
  if (dir === undefined) return t.skip(absent('data/tfevents'));
  const file = join(dir, 'tb-images.tfevents');
  const i = await run(['tfrecord', 'inspect', file]);
  assert.equal(i.code, 0, i.stderr);
  assert.match(i.stdout, /^.*tb-images\.tfevents: 25 records, Event, 30 B\.\.139 B per record\n/);
  const j = await run(['tfrecord', 'inspect', '--json', file]);
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual((JSON.parse(j.stdout) as { kinds: unknown }).kinds, {
    example: 0,
    sequence_example: 0,
    raw: 0,
    event: 25,
  });
  const h = await run(['tfrecord', 'head', '-n', '2', file]);
  assert.equal(h.code, 0, h.stderr);
  const lines = readFileSync(`${file}.jsonl`, 'utf8').split('\n');
  assert.equal(h.stdout, `record 0 (byte 0, 72 B)\n  ${lines[0]}\n\nrecord 1 (byte 88, 30 B)\n  ${lines[1]}\n`);
  const v = await run(['tfrecord', 'verify', file]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout, '1 file, 25 records, 1.6 kB: OK\n');
});
