import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { suite, test } from 'node:test';
import type { AnyCommand } from '../src/command.js';
import { defineCommand } from '../src/command.js';
import { CliError } from '../src/errors.js';
import { formatBytes, formatDuration } from '../src/format.js';
import { MemoryOutput, StreamOutput } from '../src/io.js';
import { version } from '../src/main.js';
import {
  flagOption,
  integerOption,
  parseByteSize,
  parseChoice,
  parseInteger,
  parseNumber,
  received,
  repeatableOption,
} from '../src/options.js';
import { Progress } from '../src/progress.js';
import { run } from './run.js';

/** A command for tests: prints its typed options and positionals as JSON. */
const probe = defineCommand({
  name: 'probe',
  summary: 'a command for tests',
  usage: 'FILE... [options]',
  options: (c) =>
    c
      .addOption(integerOption('-n, --limit <N>', 'limit', { min: 1, max: 10000 }))
      .addOption(flagOption('--json', 'json'))
      .addOption(repeatableOption('--tag <TAG>', 'tags')),
  positionals: { name: 'FILE', min: 1, max: 2 },
  async run({ opts, positionals }, ctx) {
    await ctx.stdout.write(JSON.stringify({ opts, positionals }));
    return 0;
  },
});

async function withCommand<T>(command: AnyCommand, fn: () => Promise<T>): Promise<T> {
  const { rootGroup } = await import('../src/commands/index.js');
  const commands = rootGroup.commands as AnyCommand[];
  commands.push(command);
  try {
    return await fn();
  } finally {
    commands.pop();
  }
}

async function probeRun(argv: string[]) {
  return withCommand(probe, () => run(['probe', ...argv]));
}

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CliError, `expected CliError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e.message;
  }
  assert.fail('expected a usage error');
}

const HINT = "See 'pastiche probe --help'.\n";

suite('argument parsing (commander)', () => {
  test('parses long, short, inline and repeated options into typed values', async () => {
    const r = await probeRun(['-n5', '--json', '--tag', 'a', '--tag=b', 'f1', '--', '-f2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      opts: { limit: 5, json: true, tag: ['a', 'b'] },
      positionals: ['f1', '-f2'],
    });
    const s = await probeRun(['--limit=7', 'f1']);
    assert.deepEqual(JSON.parse(s.stdout), { opts: { limit: 7 }, positionals: ['f1'] });
  });

  test('takes negative numbers as values so that validation can name them', async () => {
    const r = await probeRun(['--limit', '-1', 'f']);
    assert.deepEqual(r, {
      code: 2,
      stdout: '',
      stderr: `pastiche: Expected integer between 1 and 10000 for --limit but received -1 of type string\n${HINT}`,
    });
  });

  test('rejects unknown options, missing values, values for flags, repeats and wrong positional counts', async () => {
    const cases: Array<[string[], string]> = [
      [['--bogus', 'f'], 'Unknown option --bogus for pastiche probe'],
      [['-x', 'f'], 'Unknown option -x for pastiche probe'],
      [['f', '--limit'], 'Missing N for --limit'],
      [['f', '--limit', '--json'], 'Missing N for --limit'],
      [['f', '--json=yes'], 'Option --json takes no value but received yes'],
      [['f', '-n', '1', '-n', '2'], 'Option --limit given more than once'],
      [['f', '--json', '--json'], 'Option --json given more than once'],
      [[], 'Missing FILE for pastiche probe'],
      [[''], 'Expected non-empty FILE for pastiche probe but received an empty string'],
      [['a', 'b', 'c'], 'Too many arguments for pastiche probe: expected at most 2 FILE but received 3'],
    ];
    for (const [argv, message] of cases) {
      const r = await probeRun(argv);
      assert.deepEqual(r, { code: 2, stdout: '', stderr: `pastiche: ${message}\n${HINT}` }, argv.join(' '));
    }
  });

  test('lets --help through whatever else is wrong', async () => {
    for (const argv of [['--bogus', '--help'], ['-h'], ['--limit', 'x', '--help']]) {
      const r = await probeRun(argv);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: pastiche probe FILE\.\.\. \[options\]\n/);
      assert.match(r.stdout, /\n {2}-n, --limit <N> +limit\n/);
      assert.match(r.stdout, /\n {6}--json +json\n/);
      assert.match(r.stdout, /\n {2}-h, --help +Show this help\n/);
    }
  });
});

suite('option validation (one helper, one message shape)', () => {
  test('integers', () => {
    assert.equal(parseInteger('limit', '42', { min: 1, max: 100 }), 42);
    assert.equal(
      usageMessage(() => parseInteger('limit', '1.5', { min: 1, max: 10 })),
      'Expected integer between 1 and 10 for --limit but received 1.5 of type string',
    );
    assert.equal(
      usageMessage(() => parseInteger('limit', 'ten', { min: 0 })),
      'Expected integer of at least 0 for --limit but received ten of type string',
    );
    assert.equal(
      usageMessage(() => parseInteger('limit', '', { min: 0 })),
      'Expected integer of at least 0 for --limit but received  of type string',
    );
    assert.equal(
      usageMessage(() => parseInteger('limit', '99999999999999999999', { min: 0 })),
      'Expected integer of at least 0 for --limit but received 99999999999999999999 of type string',
    );
  });

  test('numbers, choices and sizes', () => {
    assert.equal(parseNumber('w', '0.25', { min: 0, max: 1 }), 0.25);
    assert.equal(
      usageMessage(() => parseNumber('w', 'NaN', { min: 0, max: 1 })),
      'Expected number between 0 and 1 for --w but received NaN of type string',
    );
    assert.equal(
      usageMessage(() => parseNumber('lr', '0', { above: 0 })),
      'Expected number greater than 0 for --lr but received 0 of type string',
    );
    assert.equal(parseChoice('kind', 'raw', ['example', 'raw'] as const), 'raw');
    assert.equal(
      usageMessage(() => parseChoice('kind', 'json', ['example', 'raw'] as const)),
      'Expected one of: example, raw for --kind but received json of type string',
    );
    assert.equal(parseByteSize('s', '64MB', { min: 1 }), 64_000_000);
    assert.equal(parseByteSize('s', '1.5GiB', { min: 1 }), 1.5 * 1024 ** 3);
    assert.equal(parseByteSize('s', '1000', { min: 1 }), 1000);
    assert.equal(
      usageMessage(() => parseByteSize('s', '12 parsecs', { min: 1 })),
      'Expected size of at least 1 bytes (e.g. 64MB, 1GiB) for --s but received 12 parsecs of type string',
    );
  });

  test('values are rendered one way', () => {
    assert.equal(received('-1'), '-1 of type string');
    assert.equal(received(3), '3 of type number');
    assert.equal(received(new Uint8Array(4)), '4 bytes of type Uint8Array');
    assert.equal(received(undefined), 'nothing');
  });
});

suite('top level and groups', () => {
  test('--help lists the groups; --version prints the package version', async () => {
    const h = await run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: pastiche <command> \[options\]/);
    assert.match(h.stdout, /\n {2}tfrecord \.\.\. +read, check and convert TFRecord files\n/);
    assert.match(h.stdout, /-V, --version/);
    assert.equal(h.stderr, '');
    const v = await run(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${version()}\n`);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  });

  test('no arguments: help on stderr and exit code 2', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: pastiche <command>/);
  });

  test('unknown commands and options are usage errors with a hint', async () => {
    const r = await run(['tfrecrod']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `pastiche: Unknown command tfrecrod for pastiche (did you mean tfrecord?); expected one of: ${await topNames()}\nSee 'pastiche --help'.\n`,
    );
    const s = await run(['tfrecord', 'kat']);
    assert.equal(s.code, 2);
    const { tfrecordGroup } = await import('../src/commands/tfrecord/index.js');
    const names = tfrecordGroup.commands.map((c) => c.name).join(', ');
    assert.equal(
      s.stderr,
      `pastiche: Unknown command kat for pastiche tfrecord (did you mean cat?); expected one of: ${names}\nSee 'pastiche tfrecord --help'.\n`,
    );
    const o = await run(['--frobnicate']);
    assert.equal(o.code, 2);
    assert.equal(o.stderr, "pastiche: Unknown option --frobnicate for pastiche\nSee 'pastiche --help'.\n");
  });

  test('group help lists its commands', async () => {
    const r = await run(['tfrecord', '-h']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: pastiche tfrecord <command> \[options\]/);
    for (const name of ['cat', 'count', 'verify']) assert.match(r.stdout, new RegExp(`\\n  ${name} +\\S`));
  });
});

async function topNames(): Promise<string> {
  const { rootGroup } = await import('../src/commands/index.js');
  return rootGroup.commands.map((c) => c.name).join(', ');
}

suite('error reporting', () => {
  const failing = (e: unknown): AnyCommand =>
    defineCommand({ name: 'x', summary: 's', usage: '', options: (c) => c, run: () => Promise.reject(e) });

  test('prints CliErrors as "pastiche: message" and returns their code; internal errors hide the stack', async () => {
    let r = await withCommand(failing(new CliError('bad data here', { exitCode: 1 })), () => run(['x']));
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'pastiche: bad data here\n' });
    const oops = failing(new TypeError('oops'));
    r = await withCommand(oops, () => run(['x']));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'pastiche: internal error: oops\nSet PASTICHE_DEBUG=1 to see the stack trace.\n');
    r = await withCommand(oops, () => run(['x'], { env: { PASTICHE_DEBUG: '1' } }));
    assert.match(r.stderr, /^pastiche: internal error: oops\nTypeError: oops\n {4}at /);
    r = await withCommand(
      failing(
        Object.assign(new Error("ENOENT: no such file or directory, open 'nope'"), { code: 'ENOENT', path: 'nope' }),
      ),
      () => run(['x']),
    );
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'pastiche: nope: no such file or directory\n' });
  });
});

class FakeStream extends EventEmitter {
  chunks: string[] = [];
  full = false;
  failWith: Error | undefined;
  isTTY = false;
  write(chunk: string | Uint8Array, cb?: (e?: Error | null) => void): boolean {
    if (this.failWith !== undefined) {
      const e = this.failWith;
      process.nextTick(() => {
        this.emit('error', e);
        cb?.(e);
      });
      return false;
    }
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    if (cb) process.nextTick(cb);
    return !this.full;
  }
}

suite('StreamOutput', () => {
  test('buffers small writes and writes them on flush', async () => {
    const s = new FakeStream();
    const out = new StreamOutput(s);
    for (let i = 0; i < 10; i++) await out.write(`${i}\n`);
    assert.equal(s.chunks.length, 0);
    await out.flush();
    assert.equal(s.chunks.join(''), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  });

  test('waits for drain when the stream is full', async () => {
    const s = new FakeStream();
    s.full = true;
    const out = new StreamOutput(s, { bufferChars: 0 });
    const p = out.write('x');
    assert.ok(p instanceof Promise);
    let resolved = false;
    void p.then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(resolved, false);
    s.emit('drain');
    await p;
    assert.equal(s.listenerCount('drain'), 0);
    assert.equal(s.listenerCount('close'), 0);
  });

  test('a closed pipe (EPIPE) ends main quietly with exit code 0', async () => {
    const s = new FakeStream();
    s.failWith = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const out = new StreamOutput(s);
    const stderr = new MemoryOutput();
    const r = await run(['--help'], { stdout: out, stderr });
    assert.equal(r.code, 0);
    assert.equal(stderr.text(), '');
  });
});

suite('Progress', () => {
  test('is silent when stderr is not a terminal and the work ends within the line interval', () => {
    let t = 0;
    const out = new MemoryOutput();
    const p = new Progress(out, { total: 100, now: () => t });
    t = 4999;
    p.update(50);
    p.done();
    assert.equal(out.text(), '');
  });

  test('writes a plain line every 5 s when stderr is not a terminal, and a last one at the end', () => {
    let t = 0;
    const out = new MemoryOutput();
    const p = new Progress(out, { label: 'stylize', total: 48, unit: 'steps', now: () => t });
    t = 5000;
    p.update(10);
    t = 9000;
    p.update(17); // within 5 s of the last line: not written
    t = 10_000;
    p.update(20);
    t = 12_000;
    p.update(48);
    p.done();
    assert.equal(
      out.text(),
      'stylize 21%  10/48  2 steps/s  ETA 0:19\n' +
        'stylize 42%  20/48  2 steps/s  ETA 0:14\n' +
        'stylize 100%  48/48  4 steps/s  ETA 0:00\n',
    );
  });

  test('draws rate and ETA on a terminal, at most every intervalMs', () => {
    let t = 0;
    const out = new MemoryOutput({ isTTY: true, columns: 100 });
    const p = new Progress(out, { label: 'copy', total: 4_000_000, unit: 'bytes', now: () => t });
    t = 1000;
    p.update(1_000_000);
    t = 1050;
    p.update(1_500_000); // within 100 ms: not drawn
    t = 2000;
    p.update(2_000_000);
    const frames = out
      .text()
      .split('\r')
      .filter((f) => f !== '');
    assert.equal(frames.length, 2);
    assert.equal(
      frames[1],
      'copy [####################--------------------]  50%  2.0 MB/4.0 MB  1.0 MB/s  ETA 0:02\x1b[K',
    );
    p.done();
    assert.ok(out.text().endsWith('\n'));
  });

  test('shows a count and rate when the total is unknown', () => {
    let t = 0;
    const p = new Progress(new MemoryOutput(), { unit: 'records', now: () => t });
    t = 2000;
    p.update(5000);
    assert.equal(p.render(), '5,000 records  2,500 records/s  0:02');
  });
});

suite('formatters', () => {
  test('bytes and durations', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1234), '1.2 kB');
    assert.equal(formatBytes(389384), '389 kB');
    assert.equal(formatBytes(1_200_000), '1.2 MB');
    assert.equal(formatDuration(7), '0:07');
    assert.equal(formatDuration(3723), '1:02:03');
    assert.equal(formatDuration(Number.NaN), '--:--');
  });
});
