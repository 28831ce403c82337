import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, suite, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { run } from './run.js';
import { absent, sharedPath } from '@pastiche/testing';

const SHARED = [
  { file: 'pytorch-data-example.tfrecord', kind: 'example', records: 4 },
  { file: 'pytorch-data-sequence_example.tfrecord', kind: 'sequence', records: 4 },
  { file: 'pwnall-singles.tfrecords', kind: 'example', records: 3 },
  { file: 'tfx-penguin-train.tfrecord.gz', kind: 'example', records: 234 },
  { file: 'cs20-friday.tfrecord', kind: 'example', records: 1 },
] as const;

const dataDir = sharedPath('data', 'tfrecord');

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pastiche-cli-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Byte offsets of each record of a plain TFRecord file (read from the length fields). */
function recordOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let p = 0; p < bytes.length; ) {
    out.push(p);
    p += Number(view.getBigUint64(p, true)) + 16;
  }
  return out;
}

suite('tfrecord cat', () => {
  for (const { file, kind } of SHARED) {
    test(`prints ${file} exactly as its .jsonl`, async (t) => {
      if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
      const path = join(dataDir, file);
      const expected = readFileSync(`${path}.jsonl`, 'utf8');
      const r = await run(['tfrecord', 'cat', '--kind', kind, path]);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      const got = r.stdout.split('\n');
      const want = expected.split('\n');
      assert.equal(got.length, want.length);
      // Parsed equality first (clear diff on a value), then the exact text.
      for (let i = 0; i < want.length - 1; i++)
        assert.deepEqual(JSON.parse(got[i]!), JSON.parse(want[i]!), `record ${i}`);
      assert.equal(r.stdout, expected);
    });
  }

  test('--kind auto detects Examples and SequenceExamples per file', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const a = join(dataDir, 'pwnall-singles.tfrecords');
    const b = join(dataDir, 'pytorch-data-sequence_example.tfrecord');
    const r = await run(['tfrecord', 'cat', '--kind', 'auto', a, b]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, readFileSync(`${a}.jsonl`, 'utf8') + readFileSync(`${b}.jsonl`, 'utf8'));
  });

  test('--limit counts across files; --kind raw prints bytes_b64 per record', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const a = join(dataDir, 'pwnall-singles.tfrecords');
    const r = await run(['tfrecord', 'cat', a, a, '-n', '4']);
    const lines = readFileSync(`${a}.jsonl`, 'utf8').split('\n');
    assert.equal(r.stdout, `${[...lines.slice(0, 3), lines[0]].join('\n')}\n`);
    const z = await run(['tfrecord', 'cat', a, '--limit=0']);
    assert.deepEqual(z, { code: 0, stdout: '', stderr: '' });
    const raw = await run(['tfrecord', 'cat', '--kind', 'raw', a]);
    const records = raw.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { bytes_b64: string });
    assert.equal(records.length, 3);
    const bytes = readFileSync(a);
    const offsets = recordOffsets(bytes);
    records.forEach((rec, i) => {
      const len = Number(bytes.readBigUInt64LE(offsets[i]!));
      assert.equal(rec.bytes_b64, bytes.subarray(offsets[i]! + 12, offsets[i]! + 12 + len).toString('base64'));
    });
  });

  test('bad flags are usage errors with exact messages', async () => {
    let r = await run(['tfrecord', 'cat', 'x', '--limit', '-1']);
    assert.deepEqual(r, {
      code: 2,
      stdout: '',
      stderr:
        "pastiche: Expected integer of at least 0 for --limit but received -1 of type string\nSee 'pastiche tfrecord cat --help'.\n",
    });
    r = await run(['tfrecord', 'cat', 'x', '--kind', 'json']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "pastiche: Expected one of: example, sequence, raw, event, auto for --kind but received json of type string\nSee 'pastiche tfrecord cat --help'.\n",
    );
    r = await run(['tfrecord', 'cat']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "pastiche: Missing FILE for pastiche tfrecord cat\nSee 'pastiche tfrecord cat --help'.\n");
    r = await run(['tfrecord', 'cat', 'x', '--lmit', '3']);
    assert.equal(
      r.stderr,
      "pastiche: Unknown option --lmit for pastiche tfrecord cat\nSee 'pastiche tfrecord cat --help'.\n",
    );
  });

  test('a missing file is a clear data error', async () => {
    const missing = join(tmp, 'nope.tfrecord');
    const r = await run(['tfrecord', 'cat', missing]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `pastiche: ${missing}: no such file or directory\n`);
  });

  test('stops quietly when stdout closes (| head)', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const { StreamOutput } = await import('../src/io.js');
    const { EventEmitter } = await import('node:events');
    let writes = 0;
    const stream = Object.assign(new EventEmitter(), {
      write(_chunk: unknown, cb?: (e?: Error | null) => void): boolean {
        writes++;
        const e = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        process.nextTick(() => {
          stream.emit('error', e);
          cb?.(e);
        });
        return false;
      },
    });
    const path = join(dataDir, 'tfx-penguin-train.tfrecord.gz');
    const r = await run(['tfrecord', 'cat', path, path, path, path, path, path], { stdout: new StreamOutput(stream) });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.ok(writes >= 1 && writes <= 2, `writes: ${writes}`);
  });
});

suite('tfrecord count', () => {
  test('prints the count of one file, and per file plus total for several', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const one = await run(['tfrecord', 'count', join(dataDir, 'tfx-penguin-train.tfrecord.gz')]);
    assert.deepEqual(one, { code: 0, stdout: '234\n', stderr: '' });
    const paths = SHARED.map((s) => join(dataDir, s.file));
    const many = await run(['tfrecord', 'count', ...paths]);
    assert.equal(many.code, 0);
    const total = SHARED.reduce((a, s) => a + s.records, 0);
    const expected = [...SHARED.map((s, i) => `${String(s.records).padStart(3)} ${paths[i]!}`), `${total} total`].join(
      '\n',
    );
    assert.equal(many.stdout, `${expected}\n`);
  });

  test('an empty file has zero records', async () => {
    const p = join(tmp, 'empty.tfrecord');
    writeFileSync(p, new Uint8Array(0));
    assert.deepEqual(await run(['tfrecord', 'count', p]), { code: 0, stdout: '0\n', stderr: '' });
  });

  test('an uncompressed file is counted from its headers: damaged data is not read, a damaged length is', async () => {
    const { encodeRecord } = await import('@pastiche/tfrecord/node');
    const records = [new Uint8Array(70_000), new Uint8Array(10), new Uint8Array(300)].map((r) => encodeRecord(r));
    const file = Buffer.concat(records);
    const second = records[0]!.length;
    const dataHit = Buffer.from(file);
    dataHit[second + 12 + 3]! ^= 0xff; // inside the second record's data
    writeFileSync(join(tmp, 'data-hit.tfrecord'), dataHit);
    assert.deepEqual(await run(['tfrecord', 'count', join(tmp, 'data-hit.tfrecord')]), {
      code: 0,
      stdout: '3\n',
      stderr: '',
    });
    // verify reads the data, and says where it is damaged.
    const verify = await run(['tfrecord', 'verify', '--kind', 'raw', join(tmp, 'data-hit.tfrecord')]);
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, new RegExp(`corrupted record at byte ${second}: data checksum mismatch`));
    // The same damage compressed: read through, every checksum verified.
    writeFileSync(join(tmp, 'data-hit.tfrecord.gz'), gzipSync(dataHit));
    const gz = await run(['tfrecord', 'count', join(tmp, 'data-hit.tfrecord.gz')]);
    assert.equal(gz.code, 1);
    assert.match(gz.stderr, new RegExp(`corrupted record at byte ${second}: data checksum mismatch`));
    const lengthHit = Buffer.from(file);
    lengthHit[second + 1]! ^= 0xff;
    writeFileSync(join(tmp, 'length-hit.tfrecord'), lengthHit);
    const bad = await run(['tfrecord', 'count', join(tmp, 'length-hit.tfrecord')]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      new RegExp(`length-hit\\.tfrecord.*corrupted record at byte ${second}: length checksum mismatch`),
    );
    writeFileSync(join(tmp, 'cut.tfrecord'), file.subarray(0, file.length - 5));
    const cut = await run(['tfrecord', 'count', join(tmp, 'cut.tfrecord')]);
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /cut\.tfrecord/);
    assert.match(cut.stderr, new RegExp(`byte ${second + records[1]!.length}`));
  });
});

suite('tfrecord verify', () => {
  test('summarises good files', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const files = SHARED.filter((s) => s.kind === 'example').map((s) => join(dataDir, s.file));
    const r = await run(['tfrecord', 'verify', '--kind', 'example', ...files]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    // 130 + 4988 + 389384 + 523 bytes on disk
    assert.equal(r.stdout, '4 files, 242 records, 395 kB: OK\n');
    const one = await run(['tfrecord', 'verify', join(dataDir, 'pwnall-singles.tfrecords')]);
    assert.equal(one.stdout, '1 file, 3 records, 130 B: OK\n');
  });

  test('reports the byte offset and kind of each corruption, with exit code 1', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const original = readFileSync(join(dataDir, 'pytorch-data-example.tfrecord'));
    const offsets = recordOffsets(original);
    const second = offsets[1]!;
    const cases: Array<[string, number, string]> = [
      ['length', second + 2, `corrupted record at byte ${second}: length checksum mismatch`],
      ['length crc', second + 9, `corrupted record at byte ${second}: length checksum mismatch`],
      ['data', second + 20, `corrupted record at byte ${second}: data checksum mismatch`],
      ['data crc', offsets[2]! - 1, `corrupted record at byte ${second}: data checksum mismatch`],
    ];
    for (const [what, at, message] of cases) {
      const bad = Buffer.from(original);
      bad[at] = bad[at]! ^ 0x40;
      const p = join(tmp, `bad-${what.replace(' ', '-')}.tfrecord`);
      writeFileSync(p, bad);
      const r = await run(['tfrecord', 'verify', p]);
      assert.equal(r.code, 1, what);
      assert.equal(r.stdout, '', what);
      assert.equal(r.stderr, `pastiche: ${p}: ${message}\n`, what);
    }
  });

  test('reports truncation, and offsets of compressed files in the decompressed stream', async (t) => {
    if (dataDir === undefined) return t.skip(absent('data/tfrecord'));
    const original = readFileSync(join(dataDir, 'pytorch-data-example.tfrecord'));
    const last = recordOffsets(original).at(-1)!;
    const p = join(tmp, 'truncated.tfrecord');
    writeFileSync(p, original.subarray(0, original.length - 3));
    const r = await run(['tfrecord', 'verify', p]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^pastiche: ${escapeRegExp(p)}: truncated record at byte ${last}\\b`));
    const bad = Buffer.from(original);
    bad[last + 20] = bad[last + 20]! ^ 1;
    const gz = join(tmp, 'bad.tfrecord.gz');
    writeFileSync(gz, gzipSync(bad));
    const z = await run(['tfrecord', 'verify', join(dataDir, 'pwnall-singles.tfrecords'), gz]);
    assert.equal(z.code, 1);
    assert.equal(
      z.stderr,
      `pastiche: ${gz}: corrupted record at byte ${last}: data checksum mismatch (offset in the GZIP-decompressed stream)\n`,
    );
  });

  test('--kind example also decodes each record', async () => {
    const p = join(tmp, 'not-proto.tfrecord');
    // One record whose body is not a protobuf message: tag 0x0a (field 1, bytes) with a length past the end.
    const { encodeRecord } = await import('@pastiche/tfrecord/node');
    writeFileSync(p, encodeRecord(new Uint8Array([0x0a, 0x7f, 1, 2])));
    const raw = await run(['tfrecord', 'verify', p]);
    assert.equal(raw.code, 0);
    const r = await run(['tfrecord', 'verify', '--kind', 'example', p]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^pastiche: ${escapeRegExp(p)}: record 0 is not a valid Example: `));
  });

  test('verify (decoding only) fails on a bad record with the message cat gives (rendering it)', async () => {
    const p = join(tmp, 'bad-second.tfrecord');
    const { encodeRecord } = await import('@pastiche/tfrecord/node');
    // A good empty message, then a truncated length inside field 1.
    writeFileSync(p, Buffer.concat([encodeRecord(new Uint8Array(0)), encodeRecord(new Uint8Array([0x0a, 0x05, 1]))]));
    for (const kind of ['example', 'sequence']) {
      const v = await run(['tfrecord', 'verify', '--kind', kind, p]);
      const c = await run(['tfrecord', 'cat', '--kind', kind, p]);
      assert.equal(v.code, 1);
      assert.equal(c.code, 1);
      const what = kind === 'example' ? 'Example' : 'SequenceExample';
      assert.match(v.stderr, new RegExp(`^pastiche: ${escapeRegExp(p)}: record 1 is not a valid ${what}: `));
      assert.equal(v.stderr, c.stderr);
    }
  });

  test('a missing file is named', async () => {
    const missing = join(tmp, 'missing.tfrecord');
    const r = await run(['tfrecord', 'verify', missing]);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: `pastiche: ${missing}: no such file or directory\n` });
  });
});

suite('tfrecord --help', () => {
  for (const [name, args] of [
    ['cat', 'FILE...'],
    ['count', 'FILE...'],
    ['verify', 'FILE...'],
    ['head', 'FILE...'],
    ['inspect', 'FILE...'],
    ['index', 'FILE...'],
    ['convert', 'IN... -o OUT'],
    ['from-jsonl', 'IN.jsonl -o OUT.tfrecord'],
  ]) {
    test(`${name} --help shows usage, options and examples`, async () => {
      const r = await run(['tfrecord', name!, '--help']);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.startsWith(`Usage: pastiche tfrecord ${name} ${args}`), r.stdout.split('\n')[0]);
      assert.match(r.stdout, /\nOptions:\n/);
      assert.match(r.stdout, /-h, --help +Show this help/);
      assert.match(r.stdout, new RegExp(`\\nExamples:\\n  \\$ pastiche tfrecord ${name} `));
    });
  }

  test('cat --help documents --kind and --limit', async () => {
    const r = await run(['tfrecord', 'cat', '-h']);
    assert.match(
      r.stdout,
      /-k, --kind <KIND> +Record kind: example, sequence, raw, event \(TensorBoard\), or auto \(detected\) \(default: auto\)/,
    );
    assert.match(r.stdout, /-n, --limit <N> +Stop after N records/);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
