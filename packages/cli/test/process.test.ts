/**
 * The real binary, as a process: exit codes 0/1/2/130, the interruption
 * policy for SIGINT, SIGTERM and SIGHUP (temporaries removed, final names
 * untouched), `kill -9`, a closed pipe (`| head -1`), standard input through a
 * pipe, the exclusive lock of stylize-dataset, and lazy loading (no
 * onnxruntime, sharp or h5wasm for help and the tfrecord commands).
 *
 * Waiting is done on facts (a temporary file appears, a line is printed),
 * never on a timer, so a slow machine makes these slower but not flaky.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TFRecordWriter, buildExample, encodeExample } from '@pastiche/tfrecord/node';
import { literal } from '../src/guard.js';
import { absent, repoRoot, sharedPath } from '@pastiche/testing';

const BIN = join(repoRoot, 'packages', 'cli', 'bin', 'pastiche.js');

let tmp = '';
let small = '';
let big = '';
let bigRecords = 0;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-proc-'));
  small = join(tmp, 'small.tfrecord');
  let w = await TFRecordWriter.open(small);
  await w.write(encodeExample(buildExample({ x: [1] })));
  await w.close();
  // Big enough that `cat` fills any pipe buffer many times over (about 6 MB of JSON).
  big = join(tmp, 'big.tfrecord');
  w = await TFRecordWriter.open(big);
  const payload = new Uint8Array(200).fill(7);
  for (bigRecords = 0; bigRecords < 20000; bigRecords++) {
    await w.write(encodeExample(buildExample({ i: [bigRecords], b: [payload] })));
  }
  await w.close();
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function pastiche(args: string[], options: { cwd?: string; input?: Uint8Array | string } = {}): Finished {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmp,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, PASTICHE_DEBUG: '' },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Waits until `dir` holds a file whose name matches `pattern`; fails if `child` ends first. */
async function waitForFile(dir: string, pattern: RegExp, child: ChildProcess): Promise<string> {
  for (;;) {
    const hit = readdirSync(dir).find((n) => pattern.test(n));
    if (hit !== undefined) return hit;
    if (child.exitCode !== null || child.signalCode !== null)
      assert.fail(`the process ended before ${pattern} appeared`);
    await sleep(20);
  }
}

test('exit codes: 0 ok, 1 bad data, 2 bad usage', () => {
  const ok = pastiche(['tfrecord', 'count', small]);
  assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '1\n', '']);
  writeFileSync(join(tmp, 'bad.tfrecord'), 'this is not a TFRecord file at all');
  const bad = pastiche(['tfrecord', 'count', 'bad.tfrecord']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^pastiche: bad\.tfrecord: /);
  const usage = pastiche(['tfrecord', 'cat', small, '--limit', '-1']);
  assert.equal(usage.code, 2);
  assert.equal(
    usage.stderr,
    "pastiche: Expected integer of at least 0 for --limit but received -1 of type string\nSee 'pastiche tfrecord cat --help'.\n",
  );
  const help = pastiche(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /130 interrupted\. SIGINT, SIGTERM or\s+SIGHUP/);
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal}: exit 130, temporary files removed, the final name untouched`, async () => {
    const dir = join(tmp, `signal-${signal}`);
    mkdirSync(dir);
    const out = join(dir, 'out.tfrecord');
    writeFileSync(out, 'the previous output, which must survive');
    // convert reads standard input, which this test keeps open: the command is mid-write
    // (its temporary exists and holds records) for as long as the test wants.
    const child = spawn(process.execPath, [BIN, 'tfrecord', 'convert', '-', '-o', out], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const done = collect(child);
    child.stdin!.write(readFileSync(small));
    const temp = await waitForFile(dir, /^\.out\.tfrecord\.\d+\.[0-9a-f]+\.tmp$/, child);
    assert.match(temp, new RegExp(`^\\.out\\.tfrecord\\.${child.pid}\\.`));
    child.kill(signal);
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, new RegExp(`^pastiche: interrupted \\(${signal}\\)\\n$`));
    assert.deepEqual(readdirSync(dir), ['out.tfrecord']);
    assert.equal(readFileSync(out, 'utf8'), 'the previous output, which must survive');
  });
}

test('kill -9 leaves the final name untouched; the next writer removes the dead temporary', async () => {
  const dir = join(tmp, 'kill9');
  mkdirSync(dir);
  const out = join(dir, 'out.tfrecord');
  writeFileSync(out, 'previous');
  const child = spawn(process.execPath, [BIN, 'tfrecord', 'convert', '-', '-o', out], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = collect(child);
  child.stdin!.write(readFileSync(small));
  const temp = await waitForFile(dir, /^\.out\.tfrecord\.\d+\.[0-9a-f]+\.tmp$/, child);
  child.kill('SIGKILL');
  const r = await done;
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(readFileSync(out, 'utf8'), 'previous');
  assert.ok(existsSync(join(dir, temp)), 'a killed process cannot clean up');
  const again = pastiche(['tfrecord', 'convert', small, '-o', out], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(readdirSync(dir), ['out.tfrecord']);
  assert.deepEqual(readFileSync(out), readFileSync(small));
});

test('a closed pipe (cat big | head -1) ends quietly with exit code 0', () => {
  const errFile = join(tmp, 'epipe.err');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `"${process.execPath}" "${BIN}" tfrecord cat "${big}" 2>"${errFile}" | head -1; echo "status=\${PIPESTATUS[0]}"`,
    ],
    { encoding: 'utf8' },
  );
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout.slice(0, 500));
  assert.match(lines[0]!, /^\{"features": \{"b": \{"bytes_b64": \[/);
  assert.equal(lines[1], 'status=0');
  assert.equal(readFileSync(errFile, 'utf8'), '');
});

test('standard input through a real pipe: -, /dev/stdin, gzip detected', () => {
  const bytes = readFileSync(big);
  for (const name of ['-', '/dev/stdin']) {
    const r = pastiche(['tfrecord', 'count', name], { input: bytes });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${bigRecords}\n`, ''], name);
  }
  const gz = spawnSync('gzip', ['-c', big]);
  const v = pastiche(['tfrecord', 'verify', '-'], { input: gz.stdout });
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, new RegExp(`^1 file, ${bigRecords.toLocaleString('en-US')} records, .*: OK\\n$`));
});

test('help and the tfrecord commands load no onnxruntime, sharp or h5wasm', () => {
  // A loader hook that writes every resolved module URL to a file.
  const log = join(tmp, 'modules.log');
  const hooks = join(tmp, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  const register = join(tmp, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  // The bundle require()s its CommonJS dependencies, which the hook does not see: log those at exit.
  const required = join(tmp, 'required.cjs');
  writeFileSync(
    required,
    `process.on('exit', () => require('node:fs').appendFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n') + '\\n'));\n`,
  );
  const node = ['--require', required, '--import', register, BIN];
  const heavy = /onnxruntime|[/\\]sharp[/\\]|@img[/\\]|h5wasm|@pastiche[/\\]style|packages[/\\]style[/\\]/;
  for (const args of [
    ['--help'],
    ['tfrecord', '--help'],
    ['tfrecord', 'count', small],
    ['stylize', '--help'],
    ['events', '--help'],
  ]) {
    rmSync(log, { force: true });
    const r = spawnSync(process.execPath, [...node, ...args], { cwd: tmp, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const loaded = readFileSync(log, 'utf8').trim().split('\n');
    // commander is inside the bundle now; the hook sees the launcher.
    assert.ok(
      loaded.some((u) => u.endsWith('/packages/cli/bin/pastiche.js')),
      `the hook saw the launcher load for ${args.join(' ')}`,
    );
    assert.deepEqual(
      loaded.filter((u) => heavy.test(u)),
      [],
      args.join(' '),
    );
  }
  // The hook does see the heavy modules when a command needs them.
  rmSync(log, { force: true });
  spawnSync(process.execPath, [...node, 'weights', 'where'], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, PASTICHE_CACHE_DIR: join(tmp, 'cache') },
  });
  assert.ok(
    readFileSync(log, 'utf8')
      .split('\n')
      .some((u) => heavy.test(u)),
    'weights where loads the style package',
  );
});

test('stylize-dataset: a second run on the same output fails at once, naming the holder', async (t) => {
  const weights = sharedPath('weights', 'vgg19-imagenet-uint8');
  if (weights === undefined) return t.skip(absent('weights/vgg19-imagenet-uint8'));
  const dir = join(tmp, 'lock');
  mkdirSync(dir);
  const input = join(dir, 'in.tfrecord');
  const w = await TFRecordWriter.open(input);
  for (let p = 0; p < 3; p++) {
    const px = new Uint8Array(24 * 24 * 3).map((_, i) => (i * 5 + p * 40) & 255);
    const shape = new Uint8Array(new Int32Array([24, 24, 3]).buffer);
    await w.write(encodeExample(buildExample({ label: p, shape, image: px })));
  }
  await w.close();
  const { default: sharp } = await import('sharp');
  const style = join(dir, 'style.png');
  await sharp(
    Buffer.alloc(32 * 32 * 3).map((_, i) => (i % 96 < 48 ? 230 : 20)),
    {
      raw: { width: 32, height: 32, channels: 3 },
    },
  )
    .png()
    .toFile(style);
  const out = join(dir, 'out.tfrecord');
  // The first run has far more work than the second needs to start: it holds the lock meanwhile.
  const args = [BIN, 'stylize-dataset', input, '--style', style, '-o', out, '--weights', weights, '-n', '10000'];
  const first = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const firstDone = collect(first);
  await waitForFile(dir, /^out\.tfrecord\.lock$/, first);
  const second = pastiche(args.slice(1), { cwd: dir });
  assert.equal(second.code, 1);
  assert.match(
    second.stderr,
    new RegExp(
      `^pastiche: ${literal(out)} is locked by process ${first.pid} \\(stylize-dataset, started [^)]+\\); another run is writing it\\n$`,
    ),
  );
  assert.equal(second.stdout, '');
  // The holder, interrupted, lets go of the lock and leaves no output under the final name.
  first.kill('SIGTERM');
  const r = await firstDone;
  assert.equal(r.code, 130, r.stderr);
  assert.ok(!existsSync(`${out}.lock`), 'the lock is released');
  assert.ok(!existsSync(out));
});
