/**
 * `pastiche events scalars`: runs grouped by folder as TensorBoard does, both
 * scalar forms, csv and jsonl, --tag globs; on the golden event files and on
 * files written by EventFileWriter.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EventFileWriter } from '@pastiche/tfrecord/node';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const dir = sharedPath('data', 'tfevents');
const T0 = 1700000000;

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-evscalars-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Row {
  run: string;
  tag: string;
  step: number;
  wall_time: number;
  value: number;
}

function parseCsv(text: string): Row[] {
  const lines = text.split('\n');
  assert.equal(lines[0], 'run,tag,step,wall_time,value');
  assert.equal(lines.at(-1), '');
  return lines.slice(1, -1).map((l) => {
    const [run, tag, step, wall, value] = l.split(',');
    return { run: run!, tag: tag!, step: Number(step), wall_time: Number(wall), value: Number(value) };
  });
}

test('golden files in a logdir of three runs: every scalar of both forms, runs by folder', async (t) => {
  if (dir === undefined) return t.skip(absent('data/tfevents'));
  const logdir = join(tmp, 'golden');
  mkdirSync(join(logdir, 'a'), { recursive: true });
  mkdirSync(join(logdir, 'b', 'c'), { recursive: true });
  copyFileSync(join(dir, 'tb-images.tfevents'), join(logdir, 'events.out.tfevents.1.img'));
  copyFileSync(join(dir, 'tb-scalars.tfevents'), join(logdir, 'a', 'events.out.tfevents.1.sc'));
  copyFileSync(join(dir, 'tb-tensor-scalars.tfevents'), join(logdir, 'b', 'c', 'events.out.tfevents.1.tf2'));
  writeFileSync(join(logdir, 'a', 'notes.txt'), 'not an event file');
  const r = await run(['events', 'scalars', logdir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const rows = parseCsv(r.stdout);
  const count = (run: string, tag: string): number => rows.filter((x) => x.run === run && x.tag === tag).length;
  assert.deepEqual(
    [...new Set(rows.map((x) => `${x.run} ${x.tag}`))],
    ['. loss/total', 'a loss/total', 'a loss/style', 'b/c loss/total', 'b/c loss/style', 'b/c lr'],
  );
  assert.deepEqual(
    [count('.', 'loss/total'), count('a', 'loss/total'), count('a', 'loss/style'), count('b/c', 'loss/total')],
    [21, 50, 50, 20],
  );
  assert.equal(count('b/c', 'loss/style'), 20);
  assert.equal(count('b/c', 'lr'), 4);
  // Values as logged (README): float32 fields compared after rounding to float32.
  const total = (s: number): number => 100 * Math.exp(-s / 10) + 1 / (s + 3);
  for (const x of rows) {
    if (x.tag === 'loss/total') assert.equal(Math.fround(x.value), Math.fround(total(x.step)), `${x.run} ${x.step}`);
    if (x.tag === 'loss/style') {
      assert.equal(Math.fround(x.value), Math.fround(0.8 * total(x.step) + 0.01 * Math.sin(x.step)));
    }
    if (x.tag === 'lr') assert.ok(Math.abs(x.value - (0.1 * 0.5 ** (x.step / 5)) / 3) < 1e-17, `lr ${x.step}`);
    assert.ok(x.wall_time >= T0 + 1 + 0.5 * x.step && x.wall_time < T0 + 1.5 + 0.5 * x.step, `${x.tag} ${x.step}`);
  }
  assert.deepEqual(
    rows.filter((x) => x.run === 'b/c' && x.tag === 'lr').map((x) => x.step),
    [0, 5, 10, 15],
  );
});

test('--tag globs and --format jsonl', async (t) => {
  if (dir === undefined) return t.skip(absent('data/tfevents'));
  const file = join(dir, 'tb-tensor-scalars.tfevents');
  const r = await run(['events', 'scalars', file, '--tag', 'l?', '--tag', 'nothing/*', '--format', 'jsonl']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  assert.deepEqual(
    rows.map((x) => x.step),
    [0, 5, 10, 15],
  );
  assert.deepEqual(Object.keys(rows[0]!), ['run', 'tag', 'step', 'wall_time', 'value']);
  assert.ok(rows.every((x) => x.tag === 'lr' && x.run === dir));
  const loss = await run(['events', 'scalars', file, '--tag', 'loss/*']);
  assert.equal(parseCsv(loss.stdout).length, 40);
});

test('files written by EventFileWriter in two runs, TF1 and TF2 forms', async () => {
  const logdir = join(tmp, 'written');
  const w1 = await EventFileWriter.open(join(logdir, 'run1'));
  const w2 = await EventFileWriter.open(join(logdir, 'run2', 'train'), { form: 'tf2' });
  for (let s = 0; s < 3; s++) {
    w1.addScalar('loss/total', 10 - s, s, T0 + s);
    w1.addScalar('loss/style', 0.5 * s, s, T0 + s + 0.25);
    w2.addScalar('loss/total', s / 3, s, T0 + 100 + s);
  }
  w1.addText('notes', 'not a scalar', 3, T0 + 3);
  w2.addHistogram('weights', [1, 2, 3], 3, T0 + 103);
  await w1.close();
  await w2.close();
  const r = await run(['events', 'scalars', logdir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'run,tag,step,wall_time,value',
      'run1,loss/total,0,1700000000.0,10.0',
      'run1,loss/style,0,1700000000.25,0.0',
      'run1,loss/total,1,1700000001.0,9.0',
      'run1,loss/style,1,1700000001.25,0.5',
      'run1,loss/total,2,1700000002.0,8.0',
      'run1,loss/style,2,1700000002.25,1.0',
      'run2/train,loss/total,0,1700000100.0,0.0',
      'run2/train,loss/total,1,1700000101.0,0.33333334',
      'run2/train,loss/total,2,1700000102.0,0.6666667',
      '',
    ].join('\n'),
  );
  const one = await run(['events', 'scalars', join(logdir, 'run2'), '--format', 'jsonl', '--tag', 'loss/total']);
  assert.equal(
    one.stdout.split('\n')[1],
    '{"run": "train", "tag": "loss/total", "step": 1, "wall_time": 1700000101.0, "value": 0.33333334}',
  );
});

test('errors: a missing path, a logdir without event files, a file that is not one', async () => {
  const missing = join(tmp, 'nope');
  const a = await run(['events', 'scalars', missing]);
  assert.deepEqual([a.code, a.stderr], [1, `pastiche: ${missing}: no such file or directory\n`]);
  const empty = join(tmp, 'empty');
  mkdirSync(empty, { recursive: true });
  const b = await run(['events', 'scalars', empty]);
  assert.deepEqual([b.code, b.stderr], [1, `pastiche: ${empty}: no event files (names containing "tfevents") found\n`]);
  const junk = join(empty, 'x.tfevents.txt');
  writeFileSync(junk, 'hello world, not a TFRecord');
  const c = await run(['events', 'scalars', empty]);
  assert.equal(c.code, 0);
  assert.equal(c.stdout, 'run,tag,step,wall_time,value\n');
  assert.match(c.stderr, /^pastiche: warning: .*x\.tfevents\.txt: .*; skipped\n$/);
  const d = await run(['events', 'scalars', junk]);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /x\.tfevents\.txt: /);
  const e = await run(['events', 'scalars', empty, '--format', 'xml']);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /^pastiche: Expected one of: csv, jsonl for --format but received xml of type string\n/);
});

test('a file that ends inside a record (still being written) is read up to that record', async () => {
  const logdir = join(tmp, 'growing');
  const w = await EventFileWriter.open(logdir);
  for (let s = 0; s < 3; s++) w.addScalar('x', s, s, T0 + s);
  await w.close();
  const bytes = readFileSync(w.path);
  writeFileSync(w.path, bytes.subarray(0, bytes.length - 5));
  const r = await run(['events', 'scalars', logdir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'run,tag,step,wall_time,value\n.,x,0,1700000000.0,0.0\n.,x,1,1700000001.0,1.0\n');
});
