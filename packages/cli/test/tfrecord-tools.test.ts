import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import {
  buildExample,
  buildSequenceExample,
  bytesList,
  encodeExample,
  encodeRecord,
  encodeSequenceExample,
  floatList,
  int64List,
} from '@pastiche/tfrecord/node';
import { bytesValueText } from '../src/commands/tfrecord/head.js';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const dataDir = sharedPath('data', 'tfrecord');
let tmp = '';
let synthetic = '';
let sequences = '';

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-cli-tools-'));
  // Five Examples: `label` always, `text` in three, `blob` (binary) in one, `empty` with no kind set.
  const records = [0, 1, 2, 3, 4].map((i) => {
    const features: Record<string, Parameters<typeof buildExample>[0][string]> = {
      label: int64List([i, -i]),
      weights: floatList(Array.from({ length: i + 1 }, (_, j) => j / 4)),
    };
    if (i < 3) features['text'] = bytesList([`hello ${i}`]);
    if (i === 4) features['blob'] = bytesList([new Uint8Array(Array.from({ length: 40 }, (_, j) => (j * 37) & 255))]);
    if (i === 0) features['empty'] = { kind: 'none' };
    return encodeRecord(encodeExample(buildExample(features)));
  });
  synthetic = join(tmp, 'synthetic.tfrecord');
  writeFileSync(synthetic, Buffer.concat(records));
  sequences = join(tmp, 'sequences.tfrecord');
  writeFileSync(
    sequences,
    Buffer.concat(
      [2, 5].map((steps) =>
        encodeRecord(
          encodeSequenceExample(
            buildSequenceExample({
              context: { id: int64List([steps]) },
              featureLists: { tokens: Array.from({ length: steps }, (_, s) => int64List([s, s + 1])) },
            }),
          ),
        ),
      ),
    ),
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

suite('tfrecord inspect', () => {
  test('shows kinds, value-count ranges, presence and byte sizes', async () => {
    const r = await run(['tfrecord', 'inspect', synthetic]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0]!,
      new RegExp(`^${escapeRegExp(synthetic)}: 5 records, Example, \\d+ B\\.\\.\\d+ B per record$`),
    );
    assert.deepEqual(lines.slice(2, 9), [
      'features:',
      '  name     kind   values  present    bytes/value',
      '  blob     bytes  1       1/5 (20%)  40 B',
      '  empty    none   0       1/5 (20%)',
      '  label    int64  2       100%',
      '  text     bytes  1       3/5 (60%)  7 B',
      '  weights  float  1..5    100%',
    ]);
  });

  test('--json gives the same facts as one object', async () => {
    const r = await run(['tfrecord', 'inspect', '--json', synthetic]);
    const j = JSON.parse(r.stdout) as {
      records: number;
      features: Record<
        string,
        { kinds: Record<string, number>; present: number; frequency: number; values: { min: number; max: number } }
      >;
    };
    assert.equal(j.records, 5);
    assert.deepEqual(j.features['weights']!.values, { min: 1, max: 5, mean: 3 });
    assert.deepEqual(j.features['text']!.kinds, { bytes: 3 });
    assert.equal(j.features['text']!.frequency, 0.6);
    assert.equal(j.features['empty']!.present, 1);
  });

  test('shows SequenceExample feature lists with step counts', async () => {
    const r = await run(['tfrecord', 'inspect', sequences]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /, SequenceExample, /);
    assert.match(r.stdout, /\ncontext:\n {2}name +kind +values +present +bytes\/value\n {2}id +int64 +1 +100%\n/);
    assert.match(
      r.stdout,
      /\nfeature lists:\n {2}name +kind +steps +values\/step +present +bytes\/value\n {2}tokens +int64 +2\.\.5 +2 +100%\n/,
    );
    const j = JSON.parse((await run(['tfrecord', 'inspect', '--json', sequences])).stdout) as {
      feature_lists: Record<string, { steps: { min: number; max: number } }>;
    };
    assert.deepEqual(j.feature_lists['tokens']!.steps, { min: 2, max: 5, mean: 3.5 });
  });

  test('on the shared penguin file (gzip)', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const r = await run(['tfrecord', 'inspect', '--limit', '100', join(dataDir, 'tfx-penguin-train.tfrecord.gz')]);
    assert.match(r.stdout, /: 100 records, Example, 136 B per record\n/);
    assert.match(r.stdout, /\n {2}species +int64 +1 +100%\n/);
  });

  test('--help', async () => {
    const r = await run(['tfrecord', 'inspect', '--help']);
    assert.match(r.stdout, /^Usage: pastiche tfrecord inspect FILE\.\.\. \[--json\]/);
    assert.match(r.stdout, /--json +Print one JSON object instead of tables/);
  });
});

suite('tfrecord head', () => {
  test('prints records with text, hex prefixes and value lists', async () => {
    const r = await run(['tfrecord', 'head', '-n', '2', synthetic]);
    assert.equal(r.code, 0);
    const first = r.stdout.split('\n\n')[0]!;
    assert.match(first, /^record 0 \(byte 0, \d+ B\)\n/);
    assert.match(first, /\n {2}empty +none \(no kind set\)\n/);
    assert.match(first, /\n {2}label +int64\[2\] 0, 0\n/);
    assert.match(first, /\n {2}text +bytes\[1\] "hello 0"\n/);
    assert.match(first, /\n {2}weights +float\[1\] 0$/);
    assert.equal(r.stdout.match(/^record /gm)?.length, 2);
  });

  test('binary bytes show size and a hex prefix; byte offsets add up', async () => {
    const r = await run(['tfrecord', 'head', '-n', '5', synthetic]);
    assert.match(r.stdout, /\n {2}blob +bytes\[1\] <40 B: 00 25 4a 6f 94 b9 de 03 28 4d 72 97 \.\.\.>\n/);
    const offsets = [...r.stdout.matchAll(/^record \d+ \(byte (\d+), (\d+) B\)/gm)].map(
      (m) => [Number(m[1]), Number(m[2])] as const,
    );
    for (let i = 1; i < offsets.length; i++) assert.equal(offsets[i]![0], offsets[i - 1]![0] + offsets[i - 1]![1] + 16);
  });

  test('bytesValueText: printable UTF-8 as text, else hex', () => {
    assert.equal(bytesValueText(new TextEncoder().encode('héllo')), '"héllo"');
    assert.equal(bytesValueText(new Uint8Array([0xff, 0, 1])), '<3 B: ff 00 01>');
    assert.equal(bytesValueText(new Uint8Array([0x61, 0x00])), '<2 B: 61 00>');
    assert.match(bytesValueText(new TextEncoder().encode('x'.repeat(100))), /^"x{60}\.\.\." \(100 B\)$/);
  });

  test('SequenceExamples show context and steps', async () => {
    const r = await run(['tfrecord', 'head', sequences, '-n', '1']);
    assert.equal(
      r.stdout,
      `record 0 (byte 0, ${r.stdout.match(/byte 0, (\d+) B/)![1]} B)\n  context:\n    id  int64[1] 2\n  feature lists:\n    tokens: 2 steps\n      [0] int64[2] 0, 1\n      [1] int64[2] 1, 2\n`,
    );
  });

  test('rejects a bad -n', async () => {
    const r = await run(['tfrecord', 'head', synthetic, '-n', 'x']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Expected integer of at least 0 for --lines but received x of type string\nSee 'pastiche tfrecord head --help'.\n",
    );
  });
});

suite('tfrecord index', () => {
  test('writes FILE.index with "offset size" per record', async () => {
    const r = await run(['tfrecord', 'index', synthetic]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${synthetic}.index: 5 records\n`);
    const bytes = readFileSync(synthetic);
    const expected: string[] = [];
    for (let p = 0; p < bytes.length; ) {
      const size = Number(bytes.readBigUInt64LE(p)) + 16;
      expected.push(`${p} ${size}`);
      p += size;
    }
    assert.equal(readFileSync(`${synthetic}.index`, 'utf8'), `${expected.join('\n')}\n`);
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.includes('.tmp-')),
      [],
    );
  });

  test('--suffix and -o choose the path; -o needs a single file', async () => {
    await run(['tfrecord', 'index', sequences, '--suffix', '.idx', '-q']);
    assert.ok(existsSync(`${sequences}.idx`));
    const o = join(tmp, 'custom.index');
    assert.equal((await run(['tfrecord', 'index', sequences, '-o', o])).code, 0);
    assert.equal(readFileSync(o, 'utf8').split('\n').length, 3);
    const r = await run(['tfrecord', 'index', sequences, synthetic, '-o', o]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Option --output needs a single FILE but received 2\nSee 'pastiche tfrecord index --help'.\n",
    );
  });

  test('reports a corrupt length with its offset and writes no index', async () => {
    const bytes = Buffer.from(readFileSync(synthetic));
    const second = Number(bytes.readBigUInt64LE(0)) + 16;
    bytes[second + 1] ^= 0x10;
    const p = join(tmp, 'bad-length.tfrecord');
    writeFileSync(p, bytes);
    const r = await run(['tfrecord', 'index', p]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `pastiche: ${p}: corrupted record at byte ${second}: length checksum mismatch\n`);
    assert.equal(existsSync(`${p}.index`), false);
  });

  test('refuses compressed files', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const p = join(dataDir, 'tfx-penguin-train.tfrecord.gz');
    const r = await run(['tfrecord', 'index', p, '-o', join(tmp, 'x.index')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^pastiche: ${escapeRegExp(p)}: cannot index a GZIP-compressed file: `));
  });
});

suite('tfrecord convert', () => {
  test('recompresses with the compression of the extension, keeping every record', async () => {
    const out = join(tmp, 'conv', 'synthetic.tfrecord.gz');
    const r = await run(['tfrecord', 'convert', synthetic, '-o', out]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^5 records, .* framed -> .*synthetic\.tfrecord\.gz\n$/);
    assert.deepEqual([...readFileSync(out).subarray(0, 2)], [0x1f, 0x8b]);
    assert.equal((await run(['tfrecord', 'cat', out])).stdout, (await run(['tfrecord', 'cat', synthetic])).stdout);
    const back = join(tmp, 'conv', 'back.tfrecord');
    await run(['tfrecord', 'convert', out, '-o', back, '--compression', 'none']);
    assert.deepEqual(readFileSync(back), readFileSync(synthetic));
  });

  test('--shards N: record i goes to shard i mod N, TensorFlow names', async () => {
    const out = join(tmp, 'sharded', 'part.tfrecord');
    const r = await run(['tfrecord', 'convert', synthetic, sequences, '-o', out, '--shards', '3', '-c', 'zlib']);
    assert.equal(r.code, 0);
    const names = readdirSync(join(tmp, 'sharded')).sort();
    assert.deepEqual(names, [
      'part-00000-of-00003.tfrecord',
      'part-00001-of-00003.tfrecord',
      'part-00002-of-00003.tfrecord',
    ]);
    const counts = await run(['tfrecord', 'count', ...names.map((n) => join(tmp, 'sharded', n))]);
    assert.match(counts.stdout, /^3 .*\n2 .*\n2 .*\n7 total\n$/);
    const raw = async (p: string) => (await run(['tfrecord', 'cat', '--kind', 'raw', p])).stdout.trim().split('\n');
    const all = [...(await raw(synthetic)), ...(await raw(sequences))];
    const shard0 = await raw(join(tmp, 'sharded', names[0]!));
    assert.deepEqual(shard0, [all[0], all[3], all[6]]);
  });

  test('--max-shard-bytes caps the framed bytes of each shard', async () => {
    const out = join(tmp, 'capped', 'c.tfrecord');
    const size = readFileSync(synthetic).length;
    const r = await run([
      'tfrecord',
      'convert',
      synthetic,
      '-o',
      out,
      '--max-shard-bytes',
      String(Math.ceil(size / 2)),
    ]);
    assert.equal(r.code, 0);
    const names = readdirSync(join(tmp, 'capped')).sort();
    assert.ok(names.length >= 2, names.join());
    assert.equal(names[0], `c-00000-of-${String(names.length).padStart(5, '0')}.tfrecord`);
    for (const n of names) assert.ok(readFileSync(join(tmp, 'capped', n)).length <= Math.ceil(size / 2));
    const joined = Buffer.concat(names.map((n) => readFileSync(join(tmp, 'capped', n))));
    assert.deepEqual(joined, readFileSync(synthetic));
  });

  test('draws a progress bar on a terminal stderr only', async () => {
    const { MemoryOutput } = await import('../src/io.js');
    const stderr = new MemoryOutput({ isTTY: true, columns: 100 });
    const out = join(tmp, 'progress', 'p.tfrecord');
    const size = readFileSync(synthetic).length;
    const r = await run(['tfrecord', 'convert', synthetic, '-o', out], { stderr });
    assert.equal(r.code, 0);
    const frames = stderr
      .text()
      .split('\r')
      .filter((f) => f !== '');
    assert.ok(frames.length >= 2);
    assert.match(frames.at(-1)!, new RegExp(`^convert \\[#+\\] 100%  ${size} B/${size} B  .* ETA 0:00\\x1b\\[K\\n$`));
  });

  test('usage errors: missing -o, both sharding flags, bad values, output = input', async () => {
    const hint = "\nSee 'pastiche tfrecord convert --help'.\n";
    assert.deepEqual(await run(['tfrecord', 'convert', synthetic]), {
      code: 2,
      stdout: '',
      stderr: `pastiche: Missing -o OUT for pastiche tfrecord convert${hint}`,
    });
    let r = await run([
      'tfrecord',
      'convert',
      synthetic,
      '-o',
      join(tmp, 'x.tfrecord'),
      '--shards',
      '2',
      '--max-shard-bytes',
      '1MB',
    ]);
    assert.equal(r.stderr, `pastiche: Options --shards and --max-shard-bytes cannot be used together${hint}`);
    r = await run(['tfrecord', 'convert', synthetic, '-o', join(tmp, 'x.tfrecord'), '--shards', '0']);
    assert.equal(
      r.stderr,
      `pastiche: Expected integer between 1 and 99999 for --shards but received 0 of type string${hint}`,
    );
    r = await run(['tfrecord', 'convert', synthetic, '-o', join(tmp, 'x.tfrecord'), '--compression', 'lz4']);
    assert.equal(
      r.stderr,
      `pastiche: Expected one of: gzip, zlib, none for --compression but received lz4 of type string${hint}`,
    );
    const before = readFileSync(synthetic);
    r = await run(['tfrecord', 'convert', synthetic, '-o', synthetic]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `pastiche: Output ${synthetic} is also an input; write to another path\n`);
    assert.deepEqual(readFileSync(synthetic), before);
    assert.equal(existsSync(join(tmp, 'x.tfrecord')), false);
  });

  test('leaves nothing behind when an input is corrupt', async () => {
    const bad = Buffer.from(readFileSync(synthetic));
    bad[bad.length - 10] ^= 0xff;
    const badPath = join(tmp, 'corrupt.tfrecord');
    writeFileSync(badPath, bad);
    const dir = join(tmp, 'failed');
    const r = await run([
      'tfrecord',
      'convert',
      synthetic,
      badPath,
      '-o',
      join(dir, 'out.tfrecord'),
      '--max-shard-bytes',
      '300',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`^pastiche: ${escapeRegExp(badPath)}: corrupted record at byte \\d+: data checksum mismatch\\n$`),
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});

suite('tfrecord from-jsonl', () => {
  test('is the inverse of cat for every shared file', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    for (const [file, kind] of [
      ['pytorch-data-example.tfrecord', 'example'],
      ['pytorch-data-sequence_example.tfrecord', 'sequence'],
      ['pwnall-singles.tfrecords', 'example'],
      ['tfx-penguin-train.tfrecord.gz', 'example'],
      ['cs20-friday.tfrecord', 'example'],
    ] as const) {
      const jsonl = join(dataDir, `${file}.jsonl`);
      const out = join(tmp, 'jsonl', `${file}.out.tfrecord`);
      const r = await run(['tfrecord', 'from-jsonl', jsonl, '-o', out, '--kind', kind]);
      assert.equal(r.stderr, '', file);
      assert.equal(r.code, 0, file);
      const back = await run(['tfrecord', 'cat', '--kind', kind, out]);
      assert.equal(back.stdout, readFileSync(jsonl, 'utf8'), file);
    }
  });

  test('--kind raw round-trips record bytes exactly', async () => {
    const jsonl = join(tmp, 'raw.jsonl');
    writeFileSync(jsonl, (await run(['tfrecord', 'cat', '--kind', 'raw', synthetic])).stdout);
    const out = join(tmp, 'raw.tfrecord');
    assert.equal((await run(['tfrecord', 'from-jsonl', jsonl, '-o', out, '-k', 'raw'])).code, 0);
    assert.deepEqual(readFileSync(out), readFileSync(synthetic));
  });

  test('names the line of the first bad record and leaves no output', async () => {
    const jsonl = join(tmp, 'bad.jsonl');
    writeFileSync(jsonl, '{"features": {"a": {"int64": ["1"]}}}\n\n{"features": {"a": {"int64": ["x"]}}}\n');
    const out = join(tmp, 'bad-out', 'bad.tfrecord');
    const r = await run(['tfrecord', 'from-jsonl', jsonl, '-o', out]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `pastiche: ${jsonl}:3: Expected decimal int64 string for $.features["a"].int64[0] but received "x" of type string\n`,
    );
    assert.deepEqual(readdirSync(join(tmp, 'bad-out')), []);
    writeFileSync(jsonl, '{"features": {}}\n{not json\n');
    const s = await run(['tfrecord', 'from-jsonl', jsonl, '-o', out]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, new RegExp(`^pastiche: ${escapeRegExp(jsonl)}:2: invalid JSON: `));
  });

  test('a missing input is named and creates nothing', async () => {
    const missing = join(tmp, 'missing.jsonl');
    const out = join(tmp, 'never.tfrecord');
    const r = await run(['tfrecord', 'from-jsonl', missing, '-o', out]);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: `pastiche: ${missing}: no such file or directory\n` });
    assert.equal(existsSync(out), false);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
