/**
 * `--shard i/n|auto` (src/shard.ts): parsing, each scheduler's variables, and
 * the exact messages for a missing scheduler, a missing count, a count that
 * disagrees, an index out of range and a value that is not an integer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TFRecordWriter, buildExample, encodeExample, readExamples } from '@pastiche/tfrecord/node';
import { NO_SCHEDULER_MESSAGE, inShard, parseShardArg, resolveShard } from '../src/shard.js';
import { run } from './run.js';

function fails(f: () => unknown, message: string): void {
  assert.throws(f, (e: Error & { exitCode?: number }) => {
    assert.equal(e.message, message);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

test('parseShardArg: auto and i/n; bad text in the house message', () => {
  assert.equal(parseShardArg('auto', 'shard'), 'auto');
  assert.deepEqual(parseShardArg('3/8', 'shard'), { index: 3, count: 8 });
  assert.deepEqual(parseShardArg('0/1', 'shard'), { index: 0, count: 1 });
  for (const bad of ['8/8', '1/0', 'a/b', '-1/2', '1/2/3', 'AUTO', '', '1/100000']) {
    fails(
      () => parseShardArg(bad, 'shard'),
      `Expected auto or i/n with 0 <= i < n <= 99999 for --shard but received ${bad} of type string`,
    );
  }
});

test('no --shard: undefined; --shard i/n is taken as given; --shard-count only with auto', () => {
  assert.equal(resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '1' }), undefined);
  assert.deepEqual(resolveShard({ index: 1, count: 4 }, undefined, { JOB_COMPLETION_INDEX: '3' }), {
    index: 1,
    count: 4,
    source: '--shard 1/4',
  });
  fails(() => resolveShard(undefined, 4, {}), 'Option --shard-count goes with --shard auto');
  fails(
    () => resolveShard({ index: 0, count: 2 }, 4, {}),
    'Option --shard-count goes with --shard auto, not --shard i/n',
  );
});

test('auto with no scheduler names every variable', () => {
  fails(() => resolveShard('auto', undefined, {}), NO_SCHEDULER_MESSAGE);
  fails(() => resolveShard('auto', 4, { SLURM_JOB_ID: '7', JOB_COMPLETION_INDEX: '' }), NO_SCHEDULER_MESSAGE);
  for (const v of [
    'JOB_COMPLETION_INDEX',
    'SLURM_ARRAY_TASK_ID',
    'SLURM_ARRAY_TASK_MIN',
    'SLURM_ARRAY_TASK_COUNT',
    'BATCH_TASK_INDEX',
    'BATCH_TASK_COUNT',
    'AWS_BATCH_JOB_ARRAY_INDEX',
    'PASTICHE_SHARD_COUNT',
    '--shard-count',
  ]) {
    assert.ok(NO_SCHEDULER_MESSAGE.includes(v), v);
  }
});

test('Kubernetes Indexed Job: JOB_COMPLETION_INDEX, count from --shard-count or PASTICHE_SHARD_COUNT', () => {
  assert.deepEqual(resolveShard('auto', 4, { JOB_COMPLETION_INDEX: '3' }), {
    index: 3,
    count: 4,
    source: 'JOB_COMPLETION_INDEX=3 (Kubernetes Indexed Job)',
  });
  assert.equal(resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '0', PASTICHE_SHARD_COUNT: '2' })?.count, 2);
  // The flag wins over the variable.
  assert.equal(resolveShard('auto', 5, { JOB_COMPLETION_INDEX: '0', PASTICHE_SHARD_COUNT: '2' })?.count, 5);
  fails(
    () => resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '3' }),
    '--shard auto: JOB_COMPLETION_INDEX=3 (Kubernetes Indexed Job) gives the shard index but not the count; give --shard-count N or set PASTICHE_SHARD_COUNT',
  );
  fails(
    () => resolveShard('auto', 4, { JOB_COMPLETION_INDEX: '4' }),
    '--shard auto: shard index 4 from JOB_COMPLETION_INDEX=4 (Kubernetes Indexed Job) is out of range for --shard-count 4 (expected 0..3)',
  );
  fails(
    () => resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '1', PASTICHE_SHARD_COUNT: 'four' }),
    'Expected integer of at least 1 for PASTICHE_SHARD_COUNT (shard count) but received four of type string',
  );
  fails(
    () => resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '1', PASTICHE_SHARD_COUNT: '0' }),
    'Expected integer of at least 1 for PASTICHE_SHARD_COUNT (shard count) but received 0 of type string',
  );
  fails(
    () => resolveShard('auto', 2, { JOB_COMPLETION_INDEX: '-1' }),
    'Expected integer of at least 0 for JOB_COMPLETION_INDEX (Kubernetes Indexed Job) but received -1 of type string',
  );
  fails(
    () => resolveShard('auto', undefined, { JOB_COMPLETION_INDEX: '1', PASTICHE_SHARD_COUNT: '100000' }),
    '--shard auto: PASTICHE_SHARD_COUNT=100000 is more than 99999 shards',
  );
});

test('Slurm job array: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (in steps), SLURM_ARRAY_TASK_COUNT', () => {
  const env = { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '4' };
  assert.deepEqual(resolveShard('auto', undefined, env), {
    index: 2,
    count: 4,
    source: 'SLURM_ARRAY_TASK_ID=7 - SLURM_ARRAY_TASK_MIN=5 (Slurm job array)',
  });
  assert.equal(resolveShard('auto', 4, env)?.index, 2);
  // --array=0-12:4 gives IDs 0, 4, 8, 12.
  assert.deepEqual(
    resolveShard('auto', undefined, {
      SLURM_ARRAY_TASK_ID: '8',
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_STEP: '4',
      SLURM_ARRAY_TASK_COUNT: '4',
    })?.index,
    2,
  );
  fails(
    () => resolveShard('auto', undefined, { ...env, SLURM_ARRAY_TASK_COUNT: '2' }),
    '--shard auto: shard index 2 from SLURM_ARRAY_TASK_ID=7 - SLURM_ARRAY_TASK_MIN=5 (Slurm job array) is out of range for SLURM_ARRAY_TASK_COUNT=2 (expected 0..1)',
  );
  fails(
    () => resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5' }),
    '--shard auto: SLURM_ARRAY_TASK_ID=7 - SLURM_ARRAY_TASK_MIN=5 (Slurm job array) gives the shard index but SLURM_ARRAY_TASK_COUNT is not set',
  );
  fails(
    () => resolveShard('auto', undefined, { SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_COUNT: '4' }),
    'Expected integer of at least 0 for SLURM_ARRAY_TASK_MIN (Slurm job array) but received  of type string',
  );
  fails(
    () => resolveShard('auto', undefined, { ...env, SLURM_ARRAY_TASK_MIN: '8' }),
    "--shard auto: SLURM_ARRAY_TASK_ID=7 is not on the array's range from SLURM_ARRAY_TASK_MIN=8 in steps of 1",
  );
  fails(
    () => resolveShard('auto', 8, env),
    '--shard auto: --shard-count 8 disagrees with SLURM_ARRAY_TASK_COUNT=4 (Slurm job array)',
  );
});

test('Google Cloud Batch: BATCH_TASK_INDEX, BATCH_TASK_COUNT', () => {
  assert.deepEqual(resolveShard('auto', undefined, { BATCH_TASK_INDEX: '0', BATCH_TASK_COUNT: '3' }), {
    index: 0,
    count: 3,
    source: 'BATCH_TASK_INDEX=0 (Google Cloud Batch)',
  });
  fails(
    () => resolveShard('auto', undefined, { BATCH_TASK_INDEX: '3', BATCH_TASK_COUNT: '3' }),
    '--shard auto: shard index 3 from BATCH_TASK_INDEX=3 (Google Cloud Batch) is out of range for BATCH_TASK_COUNT=3 (expected 0..2)',
  );
  fails(
    () => resolveShard('auto', undefined, { BATCH_TASK_INDEX: '1' }),
    '--shard auto: BATCH_TASK_INDEX=1 (Google Cloud Batch) gives the shard index but BATCH_TASK_COUNT is not set',
  );
  fails(
    () => resolveShard('auto', undefined, { BATCH_TASK_INDEX: '1', BATCH_TASK_COUNT: '2.5' }),
    'Expected integer of at least 1 for BATCH_TASK_COUNT (Google Cloud Batch) but received 2.5 of type string',
  );
});

test('AWS Batch array job: AWS_BATCH_JOB_ARRAY_INDEX, count as for Kubernetes', () => {
  assert.deepEqual(resolveShard('auto', undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '9', PASTICHE_SHARD_COUNT: '10' }), {
    index: 9,
    count: 10,
    source: 'AWS_BATCH_JOB_ARRAY_INDEX=9 (AWS Batch array job)',
  });
  fails(
    () => resolveShard('auto', undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '9' }),
    '--shard auto: AWS_BATCH_JOB_ARRAY_INDEX=9 (AWS Batch array job) gives the shard index but not the count; give --shard-count N or set PASTICHE_SHARD_COUNT',
  );
  fails(
    () => resolveShard('auto', 9, { AWS_BATCH_JOB_ARRAY_INDEX: '9' }),
    '--shard auto: shard index 9 from AWS_BATCH_JOB_ARRAY_INDEX=9 (AWS Batch array job) is out of range for --shard-count 9 (expected 0..8)',
  );
});

test('several schedulers set: Kubernetes, then Slurm, then Google Cloud Batch, then AWS Batch', () => {
  const all = {
    JOB_COMPLETION_INDEX: '1',
    SLURM_ARRAY_TASK_ID: '2',
    SLURM_ARRAY_TASK_MIN: '0',
    SLURM_ARRAY_TASK_COUNT: '4',
    BATCH_TASK_INDEX: '3',
    BATCH_TASK_COUNT: '4',
    AWS_BATCH_JOB_ARRAY_INDEX: '0',
  };
  assert.equal(resolveShard('auto', 4, all)?.index, 1);
  const { JOB_COMPLETION_INDEX: _k, ...noK } = all;
  assert.equal(resolveShard('auto', undefined, noK)?.index, 2);
  const { SLURM_ARRAY_TASK_ID: _s, ...noKS } = noK;
  assert.equal(resolveShard('auto', undefined, noKS)?.index, 3);
});

test('inShard: every position in exactly one of n shards, round robin', () => {
  for (const n of [1, 2, 3, 7]) {
    for (let p = 0; p < 50; p++) {
      const owners = Array.from({ length: n }, (_, i) => i).filter((i) => inShard(p, { index: i, count: n }));
      assert.deepEqual(owners, [p % n]);
    }
  }
});

test('commands: --shard with --shards/--max-shard-bytes refused; auto with no scheduler stops before reading', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pastiche-shard-'));
  try {
    const input = join(dir, 'in.tfrecord');
    const w = await TFRecordWriter.open(input);
    for (let i = 0; i < 5; i++) await w.write(encodeExample(buildExample({ i: [i] })));
    await w.close();
    const out = join(dir, 'o.tfrecord');
    const hint = (c: string) => `\nSee 'pastiche ${c} --help'.\n`;
    let r = await run(['tfrecord', 'convert', input, '-o', out, '--shard', '0/2', '--shards', '2']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `pastiche: Options --shard and --shards cannot be used together${hint('tfrecord convert')}`);
    r = await run(['tfrecord', 'convert', input, '-o', out, '--shard', '0/2', '--max-shard-bytes', '1MB']);
    assert.equal(
      r.stderr,
      `pastiche: Options --shard and --max-shard-bytes cannot be used together${hint('tfrecord convert')}`,
    );
    r = await run([
      'tfrecord',
      'from-images',
      dir,
      '-o',
      join(dir, 'x', 'p.tfrecord'),
      '--shard',
      '1/3',
      '--shards',
      '3',
    ]);
    assert.equal(
      r.stderr,
      `pastiche: Options --shard and --shards cannot be used together${hint('tfrecord from-images')}`,
    );
    for (const argv of [
      ['tfrecord', 'convert', input, '-o', out, '--shard', 'auto'],
      ['stylize-dataset', input, '-s', join(dir, 'style.png'), '-o', out, '--shard', 'auto'],
      ['tfrecord', 'from-images', dir, '-o', join(dir, 'x', 'p.tfrecord'), '--shard', 'auto'],
    ]) {
      r = await run(argv, { env: { SLURM_JOB_ID: '1' } });
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stderr, `pastiche: ${NO_SCHEDULER_MESSAGE}\n`);
    }
    r = await run(['tfrecord', 'convert', input, '-o', out, '--shard', 'auto'], {
      env: { JOB_COMPLETION_INDEX: '2', PASTICHE_SHARD_COUNT: '2' },
    });
    assert.equal(
      r.stderr,
      'pastiche: --shard auto: shard index 2 from JOB_COMPLETION_INDEX=2 (Kubernetes Indexed Job) is out of range for PASTICHE_SHARD_COUNT=2 (expected 0..1)\n',
    );
    assert.deepEqual(readdirSync(dir).sort(), ['in.tfrecord']);

    // A set of one shard is still named as a shard; the worker's share is records 1, 3 of 0..4 for 1/2.
    r = await run(['tfrecord', 'convert', input, '-o', out, '--shard', '0/1']);
    assert.equal(r.code, 0, r.stderr);
    r = await run(['tfrecord', 'convert', input, '-o', out, '--shard', 'auto', '--shard-count', '2'], {
      env: { AWS_BATCH_JOB_ARRAY_INDEX: '1' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), [
      'in.tfrecord',
      'o-00000-of-00001.tfrecord',
      'o-00001-of-00002.tfrecord',
    ]);
    const ids: bigint[] = [];
    for await (const ex of readExamples(join(dir, 'o-00001-of-00002.tfrecord'))) {
      const f = ex.features['i'];
      assert.ok(f?.kind === 'int64');
      ids.push(f.values[0]!);
    }
    assert.deepEqual(ids, [1n, 3n]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
