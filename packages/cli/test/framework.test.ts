import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Command } from '../src/command.js';
import { defineCommand } from '../src/command.js';
import { CliError } from '../src/errors.js';
import { formatBytes, formatDuration } from '../src/format.js';
import { MemoryOutput, StreamOutput } from '../src/io.js';
import { version } from '../src/main.js';
import { byteSizeOption, choiceOption, integerOption, numberOption, parseCommandArgs } from '../src/options.js';
import { Progress } from '../src/progress.js';
import { run } from './run.js';

const probe: Command = defineCommand({
  name: 'probe',
  summary: 'a command for tests',
  usage: 'FILE... [options]',
  options: {
    limit: { type: 'string', short: 'n', valueName: 'N', description: 'limit' },
    json: { type: 'boolean', description: 'json' },
    tag: { type: 'string', multiple: true, description: 'tags' },
  },
  positionals: { name: 'FILE', min: 1, max: 2 },
  run: () => Promise.resolve(0),
});

function parse(argv: string[]) {
  return parseCommandArgs(probe, argv, 'pastiche probe');
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

describe('argument parsing', () => {
  it('parses long, short, inline and repeated options', () => {
    const a = parse(['-n5', '--json', '--tag', 'a', '--tag=b', 'f1', '--', '-f2']);
    assert.equal(a.values['limit'], '5');
    assert.equal(a.values['json'], true);
    assert.deepEqual(a.values['tag'], ['a', 'b']);
    assert.deepEqual(a.positionals, ['f1', '-f2']);
    assert.equal(a.help, false);
  });

  it('accepts negative numbers as values so that validation can name them', () => {
    const a = parse(['--limit', '-1', 'f']);
    assert.equal(
      usageMessage(() => integerOption(a, 'limit', { min: 1, max: 10000 })),
      'Expected integer between 1 and 10000 for --limit but received -1 of type string',
    );
  });

  it('rejects unknown options, missing values, values for flags, repeats and wrong positional counts', () => {
    assert.equal(
      usageMessage(() => parse(['--bogus', 'f'])),
      'Unknown option --bogus for pastiche probe',
    );
    assert.equal(
      usageMessage(() => parse(['-x', 'f'])),
      'Unknown option -x for pastiche probe',
    );
    assert.equal(
      usageMessage(() => parse(['f', '--limit'])),
      'Missing N for --limit',
    );
    assert.equal(
      usageMessage(() => parse(['f', '--limit', '--json'])),
      'Missing N for --limit',
    );
    assert.equal(
      usageMessage(() => parse(['f', '--json=yes'])),
      'Option --json takes no value but received yes',
    );
    assert.equal(
      usageMessage(() => parse(['f', '-n', '1', '-n', '2'])),
      'Option --limit given more than once',
    );
    assert.equal(
      usageMessage(() => parse([])),
      'Missing FILE for pastiche probe',
    );
    assert.equal(
      usageMessage(() => parse([''])),
      'Expected non-empty FILE for pastiche probe but received an empty string',
    );
    assert.equal(
      usageMessage(() => parse(['a', 'b', 'c'])),
      'Too many arguments for pastiche probe: expected at most 2 FILE but received 3',
    );
  });

  it('lets --help through whatever else is wrong', () => {
    assert.equal(parse(['--bogus', '--help']).help, true);
    assert.equal(parse(['-h']).help, true);
  });
});

describe('option validation', () => {
  const args = (values: Record<string, string>) => ({ values, positionals: [], commandPath: 'pastiche probe' });

  it('integers', () => {
    assert.equal(integerOption(args({ limit: '42' }), 'limit', { min: 1, max: 100 }), 42);
    assert.equal(integerOption(args({}), 'limit', { min: 1 }, 7), 7);
    assert.equal(integerOption(args({}), 'limit', { min: 1 }), undefined);
    assert.equal(
      usageMessage(() => integerOption(args({ limit: '1.5' }), 'limit', { min: 1, max: 10 })),
      'Expected integer between 1 and 10 for --limit but received 1.5 of type string',
    );
    assert.equal(
      usageMessage(() => integerOption(args({ limit: 'ten' }), 'limit', { min: 0 })),
      'Expected integer of at least 0 for --limit but received ten of type string',
    );
    assert.equal(
      usageMessage(() => integerOption(args({ limit: '' }), 'limit', { min: 0 })),
      'Expected integer of at least 0 for --limit but received  of type string',
    );
    assert.equal(
      usageMessage(() => integerOption(args({ limit: '99999999999999999999' }), 'limit', { min: 0 })),
      'Expected integer of at least 0 for --limit but received 99999999999999999999 of type string',
    );
  });

  it('numbers, choices and sizes', () => {
    assert.equal(numberOption(args({ w: '0.25' }), 'w', { min: 0, max: 1 }), 0.25);
    assert.equal(
      usageMessage(() => numberOption(args({ w: 'NaN' }), 'w', { min: 0, max: 1 })),
      'Expected number between 0 and 1 for --w but received NaN of type string',
    );
    assert.equal(choiceOption(args({ kind: 'raw' }), 'kind', ['example', 'raw'] as const, 'example'), 'raw');
    assert.equal(choiceOption(args({}), 'kind', ['example', 'raw'] as const, 'example'), 'example');
    assert.equal(
      usageMessage(() => choiceOption(args({ kind: 'json' }), 'kind', ['example', 'raw'] as const)),
      'Expected one of: example, raw for --kind but received json of type string',
    );
    assert.equal(byteSizeOption(args({ s: '64MB' }), 's', { min: 1 }), 64_000_000);
    assert.equal(byteSizeOption(args({ s: '1.5GiB' }), 's', { min: 1 }), 1.5 * 1024 ** 3);
    assert.equal(byteSizeOption(args({ s: '1000' }), 's', { min: 1 }), 1000);
    assert.equal(
      usageMessage(() => byteSizeOption(args({ s: '12 parsecs' }), 's', { min: 1 })),
      'Expected size of at least 1 bytes (e.g. 64MB, 1GiB) for --s but received 12 parsecs of type string',
    );
  });
});

describe('top level and groups', () => {
  it('--help lists the groups; --version prints the package version', async () => {
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

  it('no arguments: help on stderr and exit code 2', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: pastiche <command>/);
  });

  it('unknown commands and options are usage errors with a hint', async () => {
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

  it('group help lists its commands', async () => {
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

describe('error reporting', () => {
  const failing = (e: unknown): Command =>
    defineCommand({ name: 'x', summary: 's', usage: '', options: {}, run: () => Promise.reject(e) });

  it('prints CliErrors as "pastiche: message" and returns their code; internal errors hide the stack', async () => {
    const { rootGroup } = await import('../src/commands/index.js');
    const commands = rootGroup.commands as Array<Command>;
    const add = (c: Command) => commands.push(c);
    const remove = () => commands.pop();
    try {
      add(failing(new CliError('bad data here', { exitCode: 1 })));
      let r = await run(['x']);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: 'pastiche: bad data here\n' });
      remove();
      add(failing(new TypeError('oops')));
      r = await run(['x']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'pastiche: internal error: oops\nSet PASTICHE_DEBUG=1 to see the stack trace.\n');
      r = await run(['x'], { env: { PASTICHE_DEBUG: '1' } });
      assert.match(r.stderr, /^pastiche: internal error: oops\nTypeError: oops\n {4}at /);
      remove();
      add(
        failing(
          Object.assign(new Error("ENOENT: no such file or directory, open 'nope'"), { code: 'ENOENT', path: 'nope' }),
        ),
      );
      r = await run(['x']);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: 'pastiche: nope: no such file or directory\n' });
    } finally {
      remove();
    }
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

describe('StreamOutput', () => {
  it('buffers small writes and writes them on flush', async () => {
    const s = new FakeStream();
    const out = new StreamOutput(s);
    for (let i = 0; i < 10; i++) await out.write(`${i}\n`);
    assert.equal(s.chunks.length, 0);
    await out.flush();
    assert.equal(s.chunks.join(''), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  });

  it('waits for drain when the stream is full', async () => {
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

  it('a closed pipe (EPIPE) ends main quietly with exit code 0', async () => {
    const s = new FakeStream();
    s.failWith = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const out = new StreamOutput(s);
    const stderr = new MemoryOutput();
    const r = await run(['--help'], { stdout: out, stderr });
    assert.equal(r.code, 0);
    assert.equal(stderr.text(), '');
  });
});

describe('Progress', () => {
  it('is silent when stderr is not a terminal', () => {
    const out = new MemoryOutput();
    const p = new Progress(out, { total: 100 });
    p.update(50);
    p.done();
    assert.equal(out.text(), '');
  });

  it('draws rate and ETA on a terminal, at most every intervalMs', () => {
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

  it('shows a count and rate when the total is unknown', () => {
    let t = 0;
    const p = new Progress(new MemoryOutput(), { unit: 'records', now: () => t });
    t = 2000;
    p.update(5000);
    assert.equal(p.render(), '5,000 records  2,500 records/s  0:02');
  });
});

describe('formatters', () => {
  it('bytes and durations', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1234), '1.2 kB');
    assert.equal(formatBytes(389384), '389 kB');
    assert.equal(formatBytes(1_200_000), '1.2 MB');
    assert.equal(formatDuration(7), '0:07');
    assert.equal(formatDuration(3723), '1:02:03');
    assert.equal(formatDuration(Number.NaN), '--:--');
  });
});
