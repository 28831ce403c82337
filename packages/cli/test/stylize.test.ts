import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import sharp from 'sharp';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const WEIGHTS = 'weights/vgg19-imagenet-uint8';
const weights = sharedPath(WEIGHTS);

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-cli-stylize-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Two small images made with sharp at test time. */
async function images(dir: string): Promise<{ content: string; style: string }> {
  const w = 40;
  const h = 32;
  const c = Buffer.alloc(w * h * 3);
  const s = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    c.set([x * 6, y * 7, 100], i * 3);
    s.set((x + y) % 6 < 3 ? [230, 200, 20] : [10, 30, 150], i * 3);
  }
  const content = join(dir, 'content.jpg');
  const style = join(dir, 'style.png');
  await sharp(c, { raw: { width: w, height: h, channels: 3 } })
    .jpeg()
    .toFile(content);
  await sharp(s, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(style);
  return { content, style };
}

const HINT = "See 'pastiche stylize --help'.\n";

suite('pastiche stylize: option errors (exit 2, exact messages)', () => {
  const cases: [string[], string][] = [
    [['--iterations', '-1'], 'Expected integer between 1 and 10000 for --iterations but received -1 of type string'],
    [['--size', '8'], 'Expected integer between 16 and 4096 for --size but received 8 of type string'],
    [['--optimizer', 'sgd'], 'Expected one of: adam, lbfgs for --optimizer but received sgd of type string'],
    [['--preset', 'fast'], 'Expected one of: default, cs20 for --preset but received fast of type string'],
    [['--init', 'zeros'], 'Expected one of: content, noise, mix for --init but received zeros of type string'],
    [['--content-weight', '-1'], 'Expected number of at least 0 for --content-weight but received -1 of type string'],
    [['--tv-weight', 'abc'], 'Expected number of at least 0 for --tv-weight but received abc of type string'],
    [['--lr', '0'], 'Expected number greater than 0 for --lr but received 0 of type string'],
    [
      ['--seed', '4294967296'],
      'Expected integer between 0 and 4294967295 for --seed but received 4294967296 of type string',
    ],
    [['--save-every', '0'], 'Expected integer between 1 and 10000 for --save-every but received 0 of type string'],
    [['--style-scale', '0'], 'Expected number greater than 0 for --style-scale but received 0 of type string'],
    [['--scales', '0'], 'Expected integer between 1 and 8 for --scales but received 0 of type string'],
    [['--min-size', '8'], 'Expected integer between 16 and 4096 for --min-size but received 8 of type string'],
    [['--pooling', 'min'], 'Expected one of: max, avg, same-avg for --pooling but received min of type string'],
    [['--tile', '8'], 'Expected integer between 16 and 4096 for --tile but received 8 of type string'],
    [['--tile', '1.5k'], 'Expected integer between 16 and 4096 for --tile but received 1.5k of type string'],
    [
      ['--max-memory', '0'],
      'Expected size of at least 1 bytes (e.g. 64MB, 1GiB) for --max-memory but received 0 of type string',
    ],
    [
      ['--max-memory', '3X'],
      'Expected size of at least 1 bytes (e.g. 64MB, 1GiB) for --max-memory but received 3X of type string',
    ],
    [
      ['--style-blend-weights', '5,x'],
      'Expected number greater than 0 for --style-blend-weights but received x of type string',
    ],
    [
      ['--style-blend-weights', '5,5'],
      'Expected 1 weights (one per style image) for --style-blend-weights but received 5,5 of type string',
    ],
  ];
  for (const [extra, message] of cases) {
    test(extra.join(' '), async () => {
      const r = await run(['stylize', 'a.jpg', 'b.jpg', '-o', 'out.png', ...extra]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `pastiche: ${message}\n${HINT}`);
      assert.equal(r.stdout, '');
    });
  }

  test('requires -o and two images', async () => {
    let r = await run(['stylize', 'a.jpg', 'b.jpg']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `pastiche: Missing --output OUT for pastiche stylize\n${HINT}`);
    r = await run(['stylize', 'a.jpg', '-o', 'x.png']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pastiche: Missing 2 CONTENT STYLE arguments for pastiche stylize\n/);
  });

  test('rejects an output extension it cannot write, before any work', async () => {
    await withDir(async (dir) => {
      const out = join(dir, 'out.bmp');
      const r = await run(['stylize', 'a.jpg', 'b.jpg', '-o', out]);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        `pastiche: Cannot tell the output format of '${out}' from its extension '.bmp': use .png, .jpg, .jpeg or .webp\n`,
      );
      const missing = join(dir, 'nope', 'out.png');
      const r2 = await run(['stylize', 'a.jpg', 'b.jpg', '-o', missing]);
      assert.equal(r2.code, 1);
      assert.equal(r2.stderr, `pastiche: Cannot write ${missing}: the folder ${join(dir, 'nope')} does not exist\n`);
    });
  });
});

suite('pastiche stylize: data errors (exit 1)', () => {
  test('names a missing or unsupported image', async () => {
    await withDir(async (dir) => {
      const { content } = await images(dir);
      const missing = join(dir, 'missing.png');
      const r = await run(['stylize', content, missing, '-o', join(dir, 'o.png'), '--weights', dir]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `pastiche: Image file not found: '${missing}'\n`);
    });
  });

  test('explains missing weights', async () => {
    await withDir(async (dir) => {
      const { content, style } = await images(dir);
      const nowhere = join(dir, 'no-weights');
      const r = await run(['stylize', content, style, '-o', join(dir, 'o.png'), '--weights', nowhere]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `pastiche: Weights not found: --weights ${nowhere} does not exist\n`);
      const r2 = await run(['stylize', content, style, '-o', join(dir, 'o.png')], {
        env: { PASTICHE_WEIGHTS: nowhere },
      });
      assert.equal(r2.code, 1);
      assert.equal(r2.stderr, `pastiche: Weights not found: PASTICHE_WEIGHTS=${nowhere} does not exist\n`);
    });
  });
});

suite('pastiche stylize: real runs with the shared weights', () => {
  test('--json prints one line per iteration, iteration 0 first, and writes the image atomically', async (t) => {
    if (weights === undefined) return t.skip(absent(WEIGHTS));
    await withDir(async (dir) => {
      const { content, style } = await images(dir);
      const out = join(dir, 'out.webp');
      const r = await run([
        'stylize',
        content,
        style,
        '-o',
        out,
        '--size',
        '32',
        '--iterations',
        '3',
        '--json',
        '--weights',
        weights,
        '--save-every',
        '2',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, number>);
      assert.deepEqual(
        lines.map((l) => l['iteration']),
        [0, 1, 2, 3],
      );
      for (const l of lines) {
        assert.deepEqual(Object.keys(l), [
          'iteration',
          'content',
          'style',
          'tv',
          'total',
          'seconds',
          'scale',
          'width',
          'height',
        ]);
        for (const v of Object.values(l)) assert.equal(typeof v, 'number');
      }
      assert.ok(lines[3]!['total']! < lines[0]!['total']!);
      assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
      const meta = await sharp(out).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 32, 26]);
      const files = (await readdir(dir)).sort();
      assert.deepEqual(files, ['content.jpg', 'out-2.webp', 'out-3.webp', 'out.webp', 'style.png']);
    });
  });

  test('without --json prints a summary, and draws a progress bar on a terminal', async (t) => {
    if (weights === undefined) return t.skip(absent(WEIGHTS));
    await withDir(async (dir) => {
      const { content, style } = await images(dir);
      const out = join(dir, 'out.png');
      const { MemoryOutput } = await import('../src/io.js');
      const stderr = new MemoryOutput({ isTTY: true });
      const stdout = new MemoryOutput();
      const { main } = await import('../src/main.js');
      const code = await main(
        ['stylize', content, style, '-o', out, '--size', '24', '-n', '2', '--preset', 'cs20', '--weights', weights],
        {
          stdout,
          stderr,
          env: {},
        },
      );
      assert.equal(code, 0, stderr.text());
      assert.match(
        stdout.text(),
        new RegExp(
          `^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(24x19, preset cs20, adam, 2 iterations, best total loss .+ at iteration \\d, \\d+:\\d\\d\\)\\n$`,
        ),
      );
      assert.match(stderr.text(), /stylize \[#+\] 100%/);
      assert.deepEqual([(await sharp(out).metadata()).width, (await sharp(out).metadata()).height], [24, 19]);
    });
  });
});

test('pastiche stylize --help lists --tile and --max-memory with their defaults', async () => {
  const r = await run(['stylize', '--help']);
  assert.equal(r.code, 0);
  const line = (flag: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(flag)) ?? '';
  assert.match(line('--tile <PX>'), /Tiles of at most PX px .*\(default: from --max-memory\)$/);
  assert.match(line('--max-memory <BYTES>'), /e\.g\. 3G, 2GiB\) \(default: half of the free memory\)$/);
});
