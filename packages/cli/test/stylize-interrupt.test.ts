/**
 * Ctrl-C keeps the work: `pastiche stylize` as a real process, interrupted by
 * SIGINT mid-optimisation, writes the best image so far to OUT, says where on
 * stderr and exits 130. Waits on facts (a JSON line printed), never a timer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { absent, repoRoot, sharedPath } from '@pastiche/testing';

const BIN = join(repoRoot, 'packages', 'cli', 'bin', 'pastiche.js');
const WEIGHTS = 'weights/vgg19-imagenet-uint8';
const weights = sharedPath(WEIGHTS);

test('SIGINT during stylize: the best image so far is written to OUT, stderr says where, exit 130', {
  skip: weights === undefined ? absent(WEIGHTS) : false,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pastiche-stylize-int-'));
  try {
    const w = 64;
    const h = 48;
    const c = Buffer.alloc(w * h * 3);
    const s = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) {
      const x = i % w;
      const y = Math.floor(i / w);
      c.set([x * 4, y * 5, 100], i * 3);
      s.set((x + y) % 6 < 3 ? [230, 200, 20] : [10, 30, 150], i * 3);
    }
    await sharp(c, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(join(dir, 'content.png'));
    await sharp(s, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(join(dir, 'style.png'));
    writeFileSync(join(dir, 'keep.txt'), 'unrelated');
    const args = ['stylize', 'content.png', 'style.png', '-o', 'out.png', '--weights', weights!];
    const child = spawn(
      process.execPath,
      [BIN, ...args, '--size', '64', '--scales', '1', '--iterations', '10000', '--json'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PASTICHE_DEBUG: '' } },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      // Two steps done: there is a best image better than the start, and the run is far from its end.
      if (!signalled && stdout.split('\n').length > 3) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await done;
    assert.ok(signalled, `the run ended before two iterations: ${stderr}`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /pastiche: note: interrupted at iteration \d+, scale 1 of 1: the best image so far is kept\n/);
    assert.ok(stderr.endsWith('pastiche: interrupted: wrote the best image so far to out.png\n'), stderr);
    assert.ok(existsSync(join(dir, 'out.png')));
    const meta = await sharp(join(dir, 'out.png')).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 64, 48]);
    // Nothing else left behind (no temporaries).
    assert.deepEqual(readdirSync(dir).sort(), ['content.png', 'keep.txt', 'out.png', 'style.png']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
