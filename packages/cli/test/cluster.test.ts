/**
 * A dataset split across a cluster: N real `pastiche` processes, each with
 * one scheduler's variables (Kubernetes Indexed Job, Slurm job array, Google
 * Cloud Batch, AWS Batch array job) and `--shard auto`, run `tfrecord convert`
 * and `tfrecord from-images` at once. Every input record must be written
 * exactly once across the shard set, the set must be exactly the N TensorFlow
 * shard names (the same bytes `--shards N` writes in one process), and a re-run
 * of one deleted shard must complete the set.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TFRecordWriter, buildExample, encodeExample, readExamples, shardPath } from '@pastiche/tfrecord/node';
import sharp from 'sharp';
import { repoRoot } from '@pastiche/testing';

const BIN = join(repoRoot, 'packages', 'cli', 'bin', 'pastiche.js');
const N = 4;
/** Records of the two convert inputs: ids 0..22 and 23..36. */
const SPLIT = [23, 14];
const IMAGES = 9;

let tmp = '';
const inputs: string[] = [];
let images = '';

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-cluster-'));
  let id = 0;
  for (const [f, n] of SPLIT.entries()) {
    const path = join(tmp, `in-${f}.tfrecord`);
    const w = await TFRecordWriter.open(path);
    for (let k = 0; k < n; k++, id++) await w.write(encodeExample(buildExample({ id: [id], pad: ['x'.repeat(id)] })));
    await w.close();
    inputs.push(path);
  }
  images = join(tmp, 'images');
  for (let k = 0; k < IMAGES; k++) {
    const dir = join(images, k % 2 === 0 ? 'even' : 'odd');
    mkdirSync(dir, { recursive: true });
    const px = Buffer.alloc(4 * 3 * 3, k * 20);
    await sharp(px, { raw: { width: 4, height: 3, channels: 3 } })
      .png()
      .toFile(join(dir, `img${k}.png`));
  }
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary with `env` added to a clean environment (no scheduler variables of the host leak in). */
function pastiche(args: string[], env: Record<string, string>): Promise<Finished> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The environment each scheduler gives task `i` of `n`. */
const SCHEDULERS: Record<string, (i: number, n: number) => Record<string, string>> = {
  kubernetes: (i, n) => ({ JOB_COMPLETION_INDEX: String(i), PASTICHE_SHARD_COUNT: String(n) }),
  // Arrays numbered from 1 (--array=1-N), as many Slurm scripts do.
  slurm: (i, n) => ({
    SLURM_ARRAY_TASK_ID: String(i + 1),
    SLURM_ARRAY_TASK_MIN: '1',
    SLURM_ARRAY_TASK_MAX: String(n),
    SLURM_ARRAY_TASK_COUNT: String(n),
    SLURM_ARRAY_JOB_ID: '4242',
  }),
  'cloud-batch': (i, n) => ({ BATCH_TASK_INDEX: String(i), BATCH_TASK_COUNT: String(n) }),
  'aws-batch': (i, n) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i), PASTICHE_SHARD_COUNT: String(n) }),
};

/** The file names of a shard set of `n` for `out/<name><suffix>`. */
function shardSet(dir: string, name: string, suffix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => shardPath(name, i, n, suffix)).map((f) => join(dir, f));
}

async function ints(path: string, feature: string): Promise<number[]> {
  const out: number[] = [];
  for await (const ex of readExamples(path)) {
    const f = ex.features[feature];
    assert.ok(f?.kind === 'int64', `${path}: ${feature}`);
    out.push(Number(f.values[0]!));
  }
  return out;
}

async function names(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const ex of readExamples(path)) {
    const f = ex.features['image/filename'];
    assert.ok(f?.kind === 'bytes', path);
    out.push(new TextDecoder().decode(f.values[0]!));
  }
  return out;
}

const total = SPLIT.reduce((a, b) => a + b, 0);
const allIds = Array.from({ length: total }, (_, i) => i);

for (const [scheduler, env] of Object.entries(SCHEDULERS)) {
  test(`tfrecord convert on ${N} ${scheduler} workers: every record once; a re-run shard completes the set`, async () => {
    const dir = join(tmp, `convert-${scheduler}`);
    const args = ['tfrecord', 'convert', ...inputs, '-o', join(dir, 'train.tfrecord'), '--shard', 'auto'];
    const runs = await Promise.all(Array.from({ length: N }, (_, i) => pastiche(args, env(i, N))));
    for (const [i, r] of runs.entries()) assert.equal(r.code, 0, `worker ${i}: ${r.stderr}`);
    const set = shardSet(dir, 'train', '.tfrecord', N);
    assert.deepEqual(readdirSync(dir).sort(), set.map((p) => p.slice(dir.length + 1)).sort());
    const perShard = await Promise.all(set.map((p) => ints(p, 'id')));
    // Worker i holds records i, i+N, ... in input order.
    for (const [i, ids] of perShard.entries()) {
      assert.deepEqual(
        ids,
        allIds.filter((p) => p % N === i),
      );
    }
    assert.deepEqual(
      perShard.flat().sort((a, b) => a - b),
      allIds,
    );
    assert.equal(
      runs[1]!.stdout,
      `${perShard[1]!.length} records, ${readFileSync(set[1]!).length} B framed -> ${set[1]!} (shard 1 of ${N}, of ${total} input records)\n`,
    );

    // The same bytes as one process writing --shards N.
    const one = join(tmp, `convert-${scheduler}-one`);
    const single = await pastiche(
      ['tfrecord', 'convert', ...inputs, '-o', join(one, 'train.tfrecord'), '--shards', String(N)],
      {},
    );
    assert.equal(single.code, 0, single.stderr);
    for (const [i, p] of shardSet(one, 'train', '.tfrecord', N).entries()) {
      assert.deepEqual(readFileSync(p), readFileSync(set[i]!), `shard ${i}`);
    }

    // Shard 2 failed (its file is missing): re-running that task alone completes the set.
    const before2 = readFileSync(set[2]!);
    rmSync(set[2]!);
    const again = await pastiche(args, env(2, N));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readFileSync(set[2]!), before2);
    const verify = await pastiche(['tfrecord', 'verify', ...set], {});
    assert.equal(verify.code, 0, verify.stderr);
  });
}

for (const [scheduler, env] of Object.entries(SCHEDULERS)) {
  test(`tfrecord from-images on 3 ${scheduler} workers: every image once; a re-run shard completes the set`, async () => {
    const n = 3;
    const dir = join(tmp, `images-${scheduler}`);
    const out = join(dir, 'pics.tfrecord.gz');
    const args = ['tfrecord', 'from-images', images, '-o', out, '--schema', 'encoded', '--shard', 'auto'];
    const runs = await Promise.all(Array.from({ length: n }, (_, i) => pastiche(args, env(i, n))));
    for (const [i, r] of runs.entries()) assert.equal(r.code, 0, `worker ${i}: ${r.stderr}`);
    const set = shardSet(dir, 'pics', '.tfrecord.gz', n);
    assert.deepEqual(
      readdirSync(dir).sort(),
      [...set.map((p) => p.slice(dir.length + 1)), 'pics.tfrecord.gz.labels.txt'].sort(),
    );
    assert.equal(readFileSync(`${out}.labels.txt`, 'utf8'), '0:even\n1:odd\n');
    const perShard = await Promise.all(set.map((p) => names(p)));
    const expected = Array.from({ length: IMAGES }, (_, k) => `img${k}.png`).sort();
    assert.deepEqual(perShard.flat().sort(), expected);
    assert.ok(perShard.every((s) => s.length === 3));

    rmSync(set[0]!);
    const again = await pastiche(args, env(0, n));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await Promise.all(set.map((p) => names(p)))).flat().sort(), expected);
  });
}

test('--shard auto with no scheduler in the environment: exit 2 naming every variable', async () => {
  const r = await pastiche(
    ['tfrecord', 'convert', inputs[0]!, '-o', join(tmp, 'none.tfrecord'), '--shard', 'auto'],
    {},
  );
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^pastiche: --shard auto found no shard index in the environment: expected JOB_COMPLETION_INDEX/,
  );
  assert.deepEqual(
    readdirSync(tmp).filter((f) => f.startsWith('none')),
    [],
  );
});
