/**
 * walkLogdir: runs named as TensorBoard names them, files in name order,
 * links out of the logdir skipped when confined, link loops ended, limits.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { walkLogdir } from '../src/node/logdir.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'pastiche-logdir-')));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Creates the files (and their folders) under `dir`; contents do not matter to the walker. */
async function files(dir: string, paths: string[]): Promise<void> {
  for (const p of paths) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), 'x');
  }
}

/** The walk as `[name, files relative to dir]` pairs. */
function rel(dir: string, runs: { name: string; files: string[] }[]): [string, string[]][] {
  return runs.map((r) => [r.name, r.files.map((f) => f.slice(dir.length + 1))]);
}

test('nested runs named relative to the logdir, `.` for the logdir, files by name; other files ignored', async () => {
  await withDir(async (dir) => {
    await files(dir, [
      'logs/events.out.tfevents.2.b',
      'logs/events.out.tfevents.1.a',
      'logs/notes.txt',
      'logs/b/c/events.out.tfevents.5.x',
      'logs/a/z/events.out.tfevents.1.z',
      'logs/a/events.out.tfevents.9.y.v2',
      'logs/a/events.out.tfevents.3.y',
      'logs/empty/readme.md',
    ]);
    const want: [string, string[]][] = [
      ['.', ['logs/events.out.tfevents.1.a', 'logs/events.out.tfevents.2.b']],
      ['a', ['logs/a/events.out.tfevents.3.y', 'logs/a/events.out.tfevents.9.y.v2']],
      ['a/z', ['logs/a/z/events.out.tfevents.1.z']],
      ['b/c', ['logs/b/c/events.out.tfevents.5.x']],
    ];
    assert.deepEqual(rel(dir, await walkLogdir(join(dir, 'logs'))), want);
    assert.deepEqual(rel(dir, await walkLogdir(join(dir, 'logs'), { confine: true })), want);
  });
});

test('a file argument is one run `.` holding it, whatever its name', async () => {
  await withDir(async (dir) => {
    await files(dir, ['a/data.bin']);
    assert.deepEqual(await walkLogdir(join(dir, 'a', 'data.bin')), [
      { name: '.', files: [join(dir, 'a', 'data.bin')] },
    ]);
  });
});

test('links: followed inside the logdir; out of it skipped only when confined; a loop ends', async () => {
  await withDir(async (dir) => {
    await files(dir, ['outside/events.out.tfevents.1.o', 'logs/real/events.out.tfevents.1.r']);
    await symlink(join(dir, 'outside'), join(dir, 'logs', 'away'));
    await symlink(join(dir, 'outside', 'events.out.tfevents.1.o'), join(dir, 'logs', 'events.out.tfevents.2.l'));
    await symlink(join(dir, 'logs', 'real'), join(dir, 'logs', 'again'));
    await symlink(join(dir, 'logs'), join(dir, 'logs', 'real', 'loop'));
    await symlink(join(dir, 'gone'), join(dir, 'logs', 'events.out.tfevents.3.broken'));
    const logs = join(dir, 'logs');
    // Unconfined: paths as walked; each real folder once, so `again` (a second way to `real`) is listed first and alone.
    assert.deepEqual(rel(dir, await walkLogdir(logs)), [
      ['.', ['logs/events.out.tfevents.2.l']],
      ['again', ['logs/again/events.out.tfevents.1.r']],
      ['away', ['logs/away/events.out.tfevents.1.o']],
    ]);
    // Confined: what leads out of the logdir is skipped, files are given by real path.
    assert.deepEqual(rel(dir, await walkLogdir(logs, { confine: true })), [
      ['again', ['logs/real/events.out.tfevents.1.r']],
    ]);
  });
});

test('limits: depth below the logdir and number of files, in sorted walk order', async () => {
  await withDir(async (dir) => {
    await files(dir, [
      'events.out.tfevents.1.top',
      'a/events.out.tfevents.1.a',
      'a/b/events.out.tfevents.1.b',
      'c/events.out.tfevents.1.c',
    ]);
    assert.deepEqual(rel(dir, await walkLogdir(dir, { maxDepth: 0 })), [['.', ['events.out.tfevents.1.top']]]);
    assert.deepEqual(
      rel(dir, await walkLogdir(dir, { maxDepth: 1 })).map(([n]) => n),
      ['.', 'a', 'c'],
    );
    // Sorted walk: a/ (a, then a/b) comes before c/ and the top file.
    assert.deepEqual(
      rel(dir, await walkLogdir(dir, { maxFiles: 2 })).map(([n]) => n),
      ['a', 'a/b'],
    );
  });
});

/**
 * Walks `dir` twice (default options, then with onUnreadable recording) and returns both.
 * Root reads every folder whatever its mode, so as root the walk runs in a child process
 * as the unprivileged uid 65534, for which mode 000 does stop reading.
 */
async function walkUnprivileged(dir: string): Promise<{ runs: [string, string[]][]; seen: string[] }> {
  const script = `
    const { walkLogdir } = await import(${JSON.stringify(new URL('../src/node/logdir.js', import.meta.url).href)});
    const dir = ${JSON.stringify(dir)};
    const runs = (await walkLogdir(dir)).map((r) => [r.name, r.files.map((f) => f.slice(dir.length + 1))]);
    const seen = [];
    await walkLogdir(dir, { onUnreadable: (f, e) => seen.push(f + ': ' + e.code) });
    console.log(JSON.stringify({ runs, seen }));`;
  if (process.getuid?.() !== 0) {
    const seen: string[] = [];
    await walkLogdir(dir, { onUnreadable: (f, e) => seen.push(`${f}: ${(e as { code?: string }).code}`) });
    return { runs: rel(dir, await walkLogdir(dir)), seen };
  }
  await chmod(dir, 0o755);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `the unprivileged walk failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { runs: [string, string[]][]; seen: string[] };
}

test('a folder that cannot be listed goes to onUnreadable, and is skipped by default', async () => {
  await withDir(async (dir) => {
    await files(dir, ['ok/events.out.tfevents.1.a', 'locked/events.out.tfevents.1.b']);
    await chmod(join(dir, 'locked'), 0o000);
    try {
      const { runs, seen } = await walkUnprivileged(dir);
      assert.deepEqual(runs, [['ok', ['ok/events.out.tfevents.1.a']]]);
      assert.deepEqual(seen, [`${join(dir, 'locked')}: EACCES`]);
    } finally {
      await chmod(join(dir, 'locked'), 0o755);
    }
  });
});
