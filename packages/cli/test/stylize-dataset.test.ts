import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { TFRecordWriter, buildExample, encodeExample, readExamples } from '@pastiche/tfrecord/node';
import sharp from 'sharp';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const weights = sharedPath('weights', 'vgg19-imagenet-uint8');

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-stylize-dataset-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A cs20 file of `n` 24x24 records (label = position) and a style image. */
async function inputs(dir: string, n: number): Promise<{ file: string; style: string }> {
  const file = join(dir, 'in.tfrecord');
  const w = await TFRecordWriter.open(file);
  for (let p = 0; p < n; p++) {
    const px = new Uint8Array(24 * 24 * 3).map((_, i) => (i * 5 + p * 40) & 255);
    const shape = new Uint8Array(new Int32Array([24, 24, 3]).buffer);
    await w.write(encodeExample(buildExample({ label: p, shape, image: px })));
  }
  await w.close();
  const style = join(dir, 'style.png');
  const s = Buffer.alloc(32 * 32 * 3).map((_, i) => (i % 96 < 48 ? 230 : 20));
  await sharp(s, { raw: { width: 32, height: 32, channels: 3 } })
    .png()
    .toFile(style);
  return { file, style };
}

const HINT = "See 'pastiche stylize-dataset --help'.\n";

suite('pastiche stylize-dataset', () => {
  test('rejects bad options with exit 2 and exact messages', async () => {
    const cases: [string[], string][] = [
      [['in.tfrecord', '--style', 's.png'], 'Missing -o OUT for pastiche stylize-dataset'],
      [['in.tfrecord', '-o', 'out.tfrecord'], 'Missing --style IMAGE for pastiche stylize-dataset'],
      [
        ['in.tfrecord', '-o', 'o', '-s', 's', '--shard', '3/3'],
        'Expected auto or i/n with 0 <= i < n <= 99999 for --shard but received 3/3 of type string',
      ],
      [
        ['in.tfrecord', '-o', 'o', '-s', 's', '--shard', 'half'],
        'Expected auto or i/n with 0 <= i < n <= 99999 for --shard but received half of type string',
      ],
      [
        ['in.tfrecord', '-o', 'o', '-s', 's', '--iterations', '0'],
        'Expected integer between 1 and 10000 for --iterations but received 0 of type string',
      ],
      [
        ['in.tfrecord', '-o', 'o', '-s', 's', '--lr', '0'],
        'Expected number greater than 0 for --lr but received 0 of type string',
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await run(['stylize-dataset', ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stderr, `pastiche: ${message}\n${HINT}`);
    }
  });

  test('--shard 0/2 and 1/2 together stylise every record exactly once (shared weights)', async (t) => {
    if (weights === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
    await withDir(async (dir) => {
      const { file, style } = await inputs(dir, 3);
      for (const shard of ['0/2', '1/2']) {
        const r = await run(
          [
            'stylize-dataset',
            file,
            '--style',
            style,
            '-o',
            'out.tfrecord',
            '--shard',
            shard,
            '-n',
            '1',
            '--weights',
            weights,
            '--threads',
            '2',
          ],
          { cwd: dir },
        );
        assert.equal(r.code, 0, r.stderr);
        const i = shard[0];
        assert.match(
          r.stdout,
          new RegExp(
            `^wrote ${i === '0' ? 2 : 1} records? to ${join(dir, `out-0000${i}-of-00002.tfrecord`).replace(/\./g, '\\.')} \\(1 image size, \\d+:\\d\\d\\)\n$`,
          ),
        );
      }
      assert.deepEqual((await readdir(dir)).sort(), [
        'in.tfrecord',
        'out-00000-of-00002.tfrecord',
        'out-00001-of-00002.tfrecord',
        'style.png',
      ]);
      const labels: bigint[] = [];
      for (const i of [0, 1]) {
        for await (const ex of readExamples(join(dir, `out-0000${i}-of-00002.tfrecord`))) {
          const f = ex.features['label']!;
          assert.ok(f.kind === 'int64');
          labels.push(f.values[0]!);
          assert.ok(ex.features['style/settings'] !== undefined);
        }
      }
      assert.deepEqual(labels.sort(), [0n, 1n, 2n]);
    });
  });
});
