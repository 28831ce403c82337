/**
 * The Datasets API on TensorFlow-written files: listing with shard sets
 * grouped, random access through an index built on first open (and found on
 * the next), compressed files read in order, record images as PNG, and
 * stylize-dataset as a job.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import sharp from 'sharp';
import { type Studio, startStudio } from '../src/index.js';
import { NEEDS_WEIGHTS, WEIGHTS, tempDir } from './fixtures.js';
import { request } from './http.js';
import { absent, sharedPath } from '@pastiche/testing';

const data = sharedPath('data', 'tfrecord');

suite('datasets over HTTP', { skip: data === undefined ? absent('data/tfrecord') : false }, () => {
  let ws: Awaited<ReturnType<typeof tempDir>>;
  let s: Studio;
  const get = async (path: string) => {
    const a = await request(s.port, { path, headers: { host: `127.0.0.1:${s.port}`, 'x-pastiche-token': s.token } });
    return a;
  };

  before(async () => {
    ws = await tempDir();
    await mkdir(join(ws.dir, 'shards'), { recursive: true });
    const friday = join(data!, 'cs20-friday.tfrecord');
    await copyFile(friday, join(ws.dir, 'friday.tfrecord'));
    await copyFile(friday, join(ws.dir, 'shards', 'friday-00000-of-00002.tfrecord'));
    await copyFile(friday, join(ws.dir, 'shards', 'friday-00001-of-00002.tfrecord'));
    await copyFile(join(data!, 'tfx-penguin-train.tfrecord.gz'), join(ws.dir, 'penguin.tfrecord.gz'));
    s = await startStudio({ workspace: ws.dir, ...(WEIGHTS === undefined ? {} : { weights: WEIGHTS }) });
  });
  after(async () => {
    await s.close();
    await ws.remove();
  });

  test('lists files and groups shard sets', async () => {
    const list = (await get('/api/datasets')).json()['datasets'] as { name: string; paths: string[] }[];
    assert.deepEqual(
      list.map((d) => [d.name, d.paths]),
      [
        ['friday.tfrecord', ['friday.tfrecord']],
        ['penguin.tfrecord.gz', ['penguin.tfrecord.gz']],
        [
          'shards/friday-?????-of-00002.tfrecord',
          ['shards/friday-00000-of-00002.tfrecord', 'shards/friday-00001-of-00002.tfrecord'],
        ],
      ],
    );
  });

  test('a shard set pages across files through indexes built once', async () => {
    const q = 'path=shards/friday-00000-of-00002.tfrecord&path=shards/friday-00001-of-00002.tfrecord';
    const first = (await get(`/api/datasets/summary?${q}`)).json();
    assert.equal(first['records'], 2);
    assert.deepEqual(
      (first['files'] as { index: string }[]).map((f) => f.index),
      ['built', 'built'],
    );
    const rec = (await get(`/api/datasets/record?${q}&i=1`)).json();
    assert.equal(rec['file'], 'shards/friday-00001-of-00002.tfrecord');
    assert.equal(rec['fileIndex'], 0);
    assert.deepEqual(rec['image'], { schema: 'cs20', width: 403, height: 322, channels: 3, label: 1 });
    const img = await get(`/api/datasets/image?${q}&i=1`);
    assert.equal(img.headers['content-type'], 'image/png');
    const meta = await sharp(img.body).metadata();
    assert.deepEqual([meta.width, meta.height], [403, 322]);
    // The PNG holds exactly the record's pixels.
    const raw = await sharp(img.body).raw().toBuffer();
    const src = await readFile(join(ws.dir, 'friday.tfrecord'));
    assert.ok(src.includes(raw.subarray(0, 4096)));
    const missing = await get(`/api/datasets/record?${q}&i=2`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json()['error'], 'No record 2: the dataset has 2 records (0..1)');

    // A second studio on the same workspace finds the indexes.
    const again = await startStudio({ workspace: ws.dir });
    try {
      const a = await request(again.port, {
        path: `/api/datasets/summary?${q}`,
        headers: { host: `127.0.0.1:${again.port}`, 'x-pastiche-token': again.token },
      });
      assert.deepEqual(
        (a.json()['files'] as { index: string }[]).map((f) => f.index),
        ['found', 'found'],
      );
    } finally {
      await again.close();
    }
  });

  test('a gzip file is read in order, with the features table', async () => {
    const sum = (await get('/api/datasets/summary?path=penguin.tfrecord.gz')).json();
    const want = (await readFile(join(data!, 'tfx-penguin-train.tfrecord.gz.jsonl'), 'utf8')).trim().split('\n').length;
    assert.equal(sum['records'], want);
    assert.deepEqual(sum['files'], [
      { path: 'penguin.tfrecord.gz', compression: 'gzip', records: want, index: 'none' },
    ]);
    const rows = (sum['table'] as { rows: { name: string; present: number }[] }).rows;
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.present <= want));
    const rec = (await get('/api/datasets/record?path=penguin.tfrecord.gz&i=0')).json();
    assert.equal(rec['image'], null);
  });

  test('stylize-dataset runs as a job with progress', async (t) => {
    if (NEEDS_WEIGHTS) return t.skip(NEEDS_WEIGHTS);
    const style = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const boundary = '----b';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      style,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const headers = {
      host: `127.0.0.1:${s.port}`,
      'x-pastiche-token': s.token,
      origin: s.origin,
    };
    const up = await request(s.port, {
      method: 'POST',
      path: '/api/uploads',
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    assert.equal(up.status, 201, up.body.toString());
    const job = await request(s.port, {
      method: 'POST',
      path: '/api/jobs',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'stylize-dataset',
        inputs: ['friday.tfrecord'],
        style: up.json()['path'],
        size: 32,
        iterations: 2,
      }),
    });
    assert.equal(job.status, 202, job.body.toString());
    const id = (job.json()['run'] as { id: string }).id;
    let run: Record<string, unknown>;
    for (;;) {
      run = (await get(`/api/runs/${id}`)).json()['run'] as Record<string, unknown>;
      if (run['status'] !== 'queued' && run['status'] !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(run['status'], 'done', JSON.stringify(run));
    assert.deepEqual(run['progress'], { done: 1, total: 1, remaining: 0 });
    const output = (run['files'] as { output: string }).output;
    assert.equal(output, `runs/${id}/output.tfrecord`);
    const sum = (await get(`/api/datasets/summary?path=${output}`)).json();
    assert.equal(sum['records'], 1);
    const rec = (await get(`/api/datasets/record?path=${output}&i=0`)).json();
    assert.equal((rec['image'] as { schema: string }).schema, 'cs20');
  });
});
