import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { isTFRecordError } from '../src/errors.js';
import {
  acquireLock,
  cleanStaleTemps,
  registerTemp,
  removeRegisteredTemps,
  tempPathFor,
  unregisterTemp,
  writeFileAtomic,
} from '../src/node/atomic.js';
import { readRecordFiles } from '../src/node/dataset.js';
import { writeShards } from '../src/node/shards.js';
import { TFRecordWriter } from '../src/node/write.js';

const entry = new URL('../src/node/index.js', import.meta.url).href;
const enc = new TextEncoder();
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pastiche-atomic-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sub(name: string): Promise<string> {
  const d = join(dir, name);
  await rm(d, { recursive: true, force: true });
  await mkdir(d);
  return d;
}

/**
 * Runs `body` (an async ESM function body with `m` = the Node entry and
 * `args` = extra arguments) in a child process. The child prints "ready" when
 * `body` has run, then waits until it is killed.
 */
async function child(body: string, ...args: string[]): Promise<{ proc: ChildProcess; out: string }> {
  const script = `const m = await import(process.argv[1]); const args = process.argv.slice(2);
${body}
process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script, entry, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
  });
  return { proc, out };
}

async function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(proc, 'exit');
  proc.kill(signal);
  await exited;
}

const temps = async (d: string): Promise<string[]> => (await readdir(d)).filter((n) => n.endsWith('.tmp')).sort();

test('tempPathFor: a hidden name beside the final one carrying the PID', () => {
  const p = tempPathFor(join('out', 'data.tfrecord'));
  assert.match(basename(p), new RegExp(`^\\.data\\.tfrecord\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
  assert.equal(join('out', basename(p)), p);
  assert.notEqual(tempPathFor('x'), tempPathFor('x'));
});

test('removeRegisteredTemps removes registered files still present, and only those', async () => {
  const d = await sub('registry');
  const a = tempPathFor(join(d, 'a'));
  const b = tempPathFor(join(d, 'b'));
  const gone = tempPathFor(join(d, 'c'));
  const kept = tempPathFor(join(d, 'd'));
  for (const p of [a, b, kept]) await writeFile(p, 'x');
  registerTemp(a);
  registerTemp(b);
  registerTemp(gone);
  registerTemp(kept);
  unregisterTemp(kept);
  assert.deepEqual(removeRegisteredTemps().sort(), [a, b].sort());
  assert.deepEqual(await readdir(d), [basename(kept)]);
  assert.deepEqual(removeRegisteredTemps(), []);
});

test('writeFileAtomic replaces a file, leaves no temporary, and leaves nothing on failure', async () => {
  const d = await sub('wfa');
  const p = join(d, 'labels.txt');
  await writeFile(p, 'old');
  await writeFileAtomic(p, enc.encode('new'));
  assert.equal(await readFile(p, 'utf8'), 'new');
  assert.deepEqual(await readdir(d), ['labels.txt']);
  const missing = join(d, 'nope', 'x.txt');
  await assert.rejects(writeFileAtomic(missing, enc.encode('x')), (e: unknown) => {
    assert.ok(isTFRecordError(e, 'IO'), String(e));
    assert.equal(e.file, missing);
    assert.ok(e.message.startsWith(`${missing}: cannot write: ENOENT`), e.message);
    assert.equal((e.cause as { code?: unknown }).code, 'ENOENT');
    return true;
  });
  assert.deepEqual(removeRegisteredTemps(), []);
});

test('kill -9 of a writer leaves the final file untouched; the next writer removes its stale temporary', async () => {
  const d = await sub('kill9');
  const final = join(d, 'data.tfrecord');
  const before = await TFRecordWriter.open(final);
  await before.write(enc.encode('original'));
  await before.close();
  const original = await readFile(final);
  // A temporary of this (live) process must survive the clean-up.
  const mine = tempPathFor(final);
  await writeFile(mine, 'live');

  // Over 1 MiB, so bytes reach the temporary file before the kill.
  const { proc } = await child(
    `const w = await m.TFRecordWriter.open(args[0]);
     for (let i = 0; i < 40; i++) await w.write(new Uint8Array(64 * 1024));`,
    final,
  );
  const pid = proc.pid!;
  await kill(proc, 'SIGKILL');
  assert.deepEqual(await readFile(final), original, 'final name untouched');
  const left = (await temps(d)).filter((n) => n.includes(`.${pid}.`));
  assert.equal(left.length, 1, `one stale temporary of ${pid}: ${left.join(', ')}`);
  assert.match(left[0]!, new RegExp(`^\\.data\\.tfrecord\\.${pid}\\.[0-9a-f]+\\.tmp$`));

  const w = await TFRecordWriter.open(final);
  assert.deepEqual(w.removedStaleTemps, [join(d, left[0]!)]);
  await w.write(enc.encode('second'));
  await w.close();
  assert.deepEqual(await temps(d), [basename(mine)]);
  const back = await (await readRecordFiles(final)).toArray();
  assert.deepEqual(
    back.map((r: Uint8Array) => new TextDecoder().decode(r)),
    ['second'],
  );
  await rm(mine);
});

test('cleanStaleTemps leaves other names and live PIDs alone', async () => {
  const d = await sub('clean');
  const final = join(d, 'out.tfrecord');
  const { proc } = await child('');
  const livePid = proc.pid!;
  await kill(proc, 'SIGKILL');
  const deadPid = livePid; // exited and reaped: no longer running
  const names = [
    `.out.tfrecord.${deadPid}.abc123.tmp`, // stale: removed
    `.out.tfrecord.${process.pid}.abc123.tmp`, // ours: kept
    `.out.tfrecord.x.${deadPid}.abc123.tmp`, // another final name: kept
    `.other.${deadPid}.abc123.tmp`, // another final name: kept
    'out.tfrecord', // the final name: kept
  ];
  for (const n of names) await writeFile(join(d, n), 'x');
  assert.deepEqual(await cleanStaleTemps(final), [join(d, names[0]!)]);
  assert.deepEqual((await readdir(d)).sort(), names.slice(1).sort());
  assert.deepEqual(await cleanStaleTemps(join(d, 'missing', 'x')), []);
});

test('writeShards removes stale temporaries of its prefix and says so', async () => {
  const d = await sub('shards');
  const prefix = join(d, 'train');
  const { proc } = await child(
    `let go; const reached = new Promise((r) => { go = r; });
     const it = async function* () {
       for (let i = 0; i < 12; i++) yield new Uint8Array(256 * 1024);
       go();
       await new Promise(() => {});
     };
     m.writeShards(args[0], it(), { numShards: 2 });
     await reached;`,
    prefix,
  );
  await kill(proc, 'SIGKILL');
  const stale = (await temps(d)).filter((n) => n.includes(`.${proc.pid}.`));
  assert.equal(stale.length, 2, stale.join(', '));
  const told: string[][] = [];
  const shards = await writeShards(prefix, [enc.encode('a'), enc.encode('b')], {
    numShards: 2,
    onStaleTemps: (p) => told.push(p),
  });
  assert.deepEqual(
    told.map((t) => t.sort()),
    [stale.map((n) => join(d, n)).sort()],
  );
  assert.deepEqual(await temps(d), []);
  assert.deepEqual(
    shards.map((s) => basename(s.path)),
    ['train-00000-of-00002', 'train-00001-of-00002'],
  );
});

test('SIGTERM with a handler calling removeRegisteredTemps removes temporaries and the lock, not the final file', async () => {
  const d = await sub('sigterm');
  const final = join(d, 'data.tfrecord');
  await writeFile(final, 'precious');
  const { proc } = await child(
    `process.on('SIGTERM', () => { process.stdout.write(JSON.stringify(m.removeRegisteredTemps().length) + '\\n'); process.exit(130); });
     await m.acquireLock(args[0]);
     const w = await m.TFRecordWriter.open(args[0]);
     for (let i = 0; i < 40; i++) await w.write(new Uint8Array(64 * 1024));`,
    final,
  );
  let out = '';
  proc.stdout!.on('data', (c: string) => {
    out += c;
  });
  const [code] = (await (async () => {
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    return exited;
  })()) as [number | null];
  assert.equal(code, 130);
  assert.equal(out, '2\n', 'removed the temporary and the lock');
  assert.deepEqual(await readdir(d), ['data.tfrecord']);
  assert.equal(await readFile(final, 'utf8'), 'precious');
});

test('acquireLock: a second process fails at once with LOCKED; a dead holder is taken over', async () => {
  const d = await sub('lock');
  const out = join(d, 'styled.tfrecord');
  const { proc } = await child(`await m.acquireLock(args[0], { what: 'stylize-dataset' });`, out);
  const held = JSON.parse(await readFile(`${out}.lock`, 'utf8')) as { pid: number; host: string; started: string };
  assert.equal(held.pid, proc.pid);
  await assert.rejects(acquireLock(out), (e: unknown) => {
    assert.ok(isTFRecordError(e, 'LOCKED'), String(e));
    assert.equal(
      e.message,
      `${out} is locked by process ${proc.pid} (stylize-dataset, started ${held.started}); another run is writing it`,
    );
    assert.equal(e.file, `${out}.lock`);
    return true;
  });
  await kill(proc, 'SIGKILL');
  const lock = await acquireLock(out, { what: 'test' });
  assert.equal(lock.tookOverFrom?.pid, proc.pid);
  assert.equal(lock.tookOverFrom?.what, 'stylize-dataset');
  assert.equal(lock.path, `${out}.lock`);
  const now = JSON.parse(await readFile(lock.path, 'utf8')) as { pid: number; what: string };
  assert.equal(now.pid, process.pid);
  assert.equal(now.what, 'test');
  // The same process cannot take it twice either.
  await assert.rejects(acquireLock(out), (e: unknown) => isTFRecordError(e, 'LOCKED'));
  await lock.release();
  await lock.release();
  assert.deepEqual(await readdir(d), []);
  const again = await acquireLock(out);
  assert.equal(again.tookOverFrom, undefined);
  await again.release();
});

test('acquireLock: an unreadable lock file is reported, not taken over', async () => {
  const d = await sub('badlock');
  const out = join(d, 'o');
  await writeFile(`${out}.lock`, 'garbage');
  await assert.rejects(acquireLock(out), (e: unknown) => {
    assert.ok(isTFRecordError(e, 'LOCKED'), String(e));
    assert.match(
      e.message,
      new RegExp(
        `^${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is locked: .*o\\.lock cannot be read \\(.*\\); remove it if no other run is writing .*o$`,
      ),
    );
    return true;
  });
  assert.equal(await readFile(`${out}.lock`, 'utf8'), 'garbage');
});
