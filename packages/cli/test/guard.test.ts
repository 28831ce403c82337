/**
 * The output guard: every command that writes refuses an output that is one
 * of its inputs (same name, symlink, hard link, a shard name, an index beside
 * it, a file inside an input folder), with exit code 2 and both paths named,
 * and leaves the input as it was.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TFRecordWriter, buildExample, encodeExample } from '@pastiche/tfrecord/node';
import { guardOutputs } from '../src/guard.js';
import { run } from './run.js';

let tmp = '';
let records = '';
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-guard-'));
  records = join(tmp, 'in.tfrecord');
  const w = await TFRecordWriter.open(records);
  for (let i = 0; i < 6; i++) await w.write(encodeExample(buildExample({ i: [i] })));
  await w.close();
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function fresh(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('tfrecord index v.tfrecord -o v.tfrecord is refused and the records survive', async () => {
  const dir = fresh('index');
  const v = join(dir, 'v.tfrecord');
  copyFileSync(records, v);
  const before = readFileSync(v);
  const r = await run(['tfrecord', 'index', v, '-o', v]);
  assert.deepEqual(r, {
    code: 2,
    stdout: '',
    stderr: `pastiche: Output ${v} is also an input; write to another path\n`,
  });
  assert.deepEqual(readFileSync(v), before);
  // Another input's index name is caught too: `index a a.index` would replace a.index, an input.
  const a = join(dir, 'a');
  copyFileSync(records, a);
  copyFileSync(records, `${a}.index`);
  const s = await run(['tfrecord', 'index', a, `${a}.index`]);
  assert.equal(s.code, 2);
  assert.equal(s.stderr, `pastiche: Output ${a}.index is also an input; write to another path\n`);
});

test('symlinks and hard links to an input are the input', async () => {
  const dir = fresh('links');
  const input = join(dir, 'data.tfrecord');
  copyFileSync(records, input);
  const sym = join(dir, 'sym.tfrecord');
  const hard = join(dir, 'hard.tfrecord');
  symlinkSync(input, sym);
  linkSync(input, hard);
  for (const out of [sym, hard]) {
    const r = await run(['tfrecord', 'convert', input, '-o', out]);
    assert.deepEqual(r, {
      code: 2,
      stdout: '',
      stderr: `pastiche: Output ${out} is also an input (the same file as ${input}); write to another path\n`,
    });
  }
  assert.deepEqual(readFileSync(input), readFileSync(records));
});

test('convert refuses an input that is one of the shard names of the output', async () => {
  const dir = fresh('shards');
  const out = join(dir, 'd.tfrecord');
  let r = await run(['tfrecord', 'convert', records, '-o', out, '--shards', '2']);
  assert.equal(r.code, 0, r.stderr);
  const shard0 = join(dir, 'd-00000-of-00002.tfrecord');
  const shard1 = join(dir, 'd-00001-of-00002.tfrecord');
  const kept = [readFileSync(shard0), readFileSync(shard1)];
  r = await run(['tfrecord', 'convert', shard0, '-o', out, '--shards', '2']);
  assert.deepEqual(r, {
    code: 2,
    stdout: '',
    stderr: `pastiche: Output ${shard0} is also an input; write to another path\n`,
  });
  assert.deepEqual([readFileSync(shard0), readFileSync(shard1)], kept);
  // Shards cut by size have no names known in advance: any shard name of the pattern counts.
  r = await run(['tfrecord', 'convert', shard1, '-o', out, '--max-shard-bytes', '1MB']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `pastiche: Output ${join(dir, 'd')}-NNNNN-of-NNNNN.tfrecord may be written over input ${shard1}; write to another path\n`,
  );
  assert.deepEqual([readFileSync(shard0), readFileSync(shard1)], kept);
});

test('from-jsonl refuses to write over its input', async () => {
  const dir = fresh('jsonl');
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, '{"features": {}}\n');
  const r = await run(['tfrecord', 'from-jsonl', input, '-o', input]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `pastiche: Output ${input} is also an input; write to another path\n`);
  assert.equal(readFileSync(input, 'utf8'), '{"features": {}}\n');
});

test('the guard: outputs in an input folder, label maps beside outputs, patterns', async () => {
  const dir = fresh('folder');
  mkdirSync(join(dir, 'imgdir', 'c'), { recursive: true });
  writeFileSync(join(dir, 'imgdir', 'c', 'gray.png'), 'x');
  const usage = async (p: Promise<void>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      assert.equal((e as { exitCode?: number }).exitCode, 2);
      return (e as Error).message;
    }
    assert.fail('expected a refusal');
  };
  assert.equal(
    await usage(guardOutputs({ cwd: dir, inputFolders: ['imgdir'], outputs: ['imgdir/c/gray.png'] })),
    'Output imgdir/c/gray.png is a file in the input folder imgdir; write to another path',
  );
  // A new file in the folder replaces nothing.
  await guardOutputs({ cwd: dir, inputFolders: ['imgdir'], outputs: ['imgdir/c/new.tfrecord'] });
  writeFileSync(join(dir, 'labels.csv'), 'gray.png,1\n');
  assert.equal(
    await usage(guardOutputs({ cwd: dir, inputs: ['labels.csv'], outputs: ['out.tfrecord', 'labels.csv'] })),
    'Output labels.csv is also an input; write to another path',
  );
  // Standard input and missing inputs are not files to protect.
  await guardOutputs({ cwd: dir, inputs: ['-', 'missing'], outputs: ['missing2'] });
});

test('from-images imgdir -o imgdir/c/gray.png is refused before any image is read', async () => {
  const dir = fresh('from-images');
  mkdirSync(join(dir, 'imgdir', 'c'), { recursive: true });
  const gray = join(dir, 'imgdir', 'c', 'gray.png');
  writeFileSync(gray, 'not really a png, but an input all the same');
  const r = await run(['tfrecord', 'from-images', join(dir, 'imgdir'), '-o', gray]);
  assert.deepEqual(r, {
    code: 2,
    stdout: '',
    stderr: `pastiche: Output ${gray} is a file in the input folder ${join(dir, 'imgdir')}; write to another path\n`,
  });
  assert.equal(readFileSync(gray, 'utf8'), 'not really a png, but an input all the same');
});

test('stylize refuses -o CONTENT and -o STYLE before loading anything', async () => {
  const dir = fresh('stylize');
  const c = join(dir, 'c.png');
  const s = join(dir, 'style.jpg');
  writeFileSync(c, 'content');
  writeFileSync(s, 'style');
  for (const out of [c, s]) {
    const r = await run(['stylize', c, s, '-o', out]);
    assert.deepEqual(r, {
      code: 2,
      stdout: '',
      stderr: `pastiche: Output ${out} is also an input; write to another path\n`,
    });
  }
  assert.equal(readFileSync(c, 'utf8'), 'content');
  assert.equal(readFileSync(s, 'utf8'), 'style');
  // Snapshots of --save-every are outputs too.
  const snap = join(dir, 'out-10.png');
  writeFileSync(snap, 'an input named like a snapshot');
  const r = await run(['stylize', snap, s, '-o', join(dir, 'out.png'), '--save-every', '10']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `pastiche: Output ${join(dir, 'out-<iteration>.png')} may be written over input ${snap}; write to another path\n`,
  );
});

test('stylize-dataset refuses an output that is an input', async () => {
  const dir = fresh('stylize-dataset');
  const input = join(dir, 'in.tfrecord');
  copyFileSync(records, input);
  const style = join(dir, 'style.png');
  writeFileSync(style, 'x');
  const r = await run(['stylize-dataset', input, '--style', style, '-o', input]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `pastiche: Output ${input} is also an input; write to another path\n`);
  // The shard an output names with --shard is the file checked.
  const shard = join(dir, 'o-00001-of-00002.tfrecord');
  copyFileSync(records, shard);
  const s = await run(['stylize-dataset', shard, '--style', style, '-o', join(dir, 'o.tfrecord'), '--shard', '1/2']);
  assert.equal(s.code, 2);
  assert.equal(s.stderr, `pastiche: Output ${shard} is also an input; write to another path\n`);
});
