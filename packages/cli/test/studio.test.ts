/**
 * `pastiche studio` as a user starts it: one line with the address on stdout, pages
 * served with the token and refused without it, and a clean end on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@pastiche/testing';

const BIN = join(repoRoot, 'packages/cli/bin/pastiche.js');

test('pastiche studio prints its address, serves with the token, and ends on SIGTERM', {
  timeout: 60_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pastiche-studio-cli-'));
  const child = spawn(process.execPath, [BIN, 'studio', '--no-open', '--workspace', join(dir, 'ws')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.on('exit', (code) => reject(new Error(`studio exited with ${code} before printing its address`)));
    });
    const m = /^Pastiche Studio: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)$/.exec(line);
    assert.ok(m, line);
    const [, origin, token] = m;
    // The first load with the token answers (it may redirect to drop the token from the
    // address) and sets the session cookie; a wrong token is refused.
    const first = await fetch(`${origin}/?token=${token}`, { redirect: 'manual' });
    assert.ok(first.status < 400, `status ${first.status}`);
    assert.match(first.headers.get('set-cookie') ?? '', /HttpOnly/i);
    assert.ok([401, 403].includes((await fetch(`${origin}/?token=wrong`, { redirect: 'manual' })).status));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 130);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
