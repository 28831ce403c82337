import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { isTFRecordError } from '../src/errors.js';
import { crc32c, maskCrc } from '../src/framing/crc32c.js';
import {
  decodeRecords,
  decodeRecordSpans,
  readRecordHeader,
  readRecords,
  DEFAULT_MAX_RECORD_BYTES,
} from '../src/framing/decode.js';
import { encodeRecord, recordSize, writeRecordInto } from '../src/framing/encode.js';
import { absent, sharedPath } from '@pastiche/testing';

function frame(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.reduce((n, r) => n + recordSize(r.length), 0));
  let p = 0;
  for (const r of records) p = writeRecordInto(out, p, r);
  assert.equal(p, out.length);
  return out;
}

/** Splits `buf` at the given cut points (sorted, deduplicated, in range). */
function split(buf: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...points, buf.length]) {
    parts.push(buf.subarray(prev, c));
    prev = c;
  }
  return parts;
}

async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of it) out.push(Uint8Array.from(r));
  return out;
}

/**
 * An implementation of the masked CRC written apart from src/framing: CRC-32C bit at a
 * time, and TensorFlow's mask. Both are pinned to published vectors below, so a wrong
 * table or a wrong mask in the encoder cannot pass by agreeing with itself.
 */
function referenceCrc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}
function referenceMaskedCrc(data: Uint8Array): number {
  const c = referenceCrc32c(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/**
 * A record TensorFlow wrote: `Event(file_version="CRC test, one two")`, whose data CRC
 * TensorBoard's data server (rustboard, masked_crc.rs) pins as 0x5794d08a.
 */
const TF_EVENT_DATA = new TextEncoder().encode('\x1a\x11CRC test, one two');
const TF_EVENT_DATA_CRC = 0x5794d08a;

function header(lo: number, hi: number, validCrc = true): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setUint32(0, lo, true);
  v.setUint32(4, hi, true);
  v.setUint32(8, validCrc ? referenceMaskedCrc(h.subarray(0, 8)) : 0, true);
  return h;
}

const recordsArb = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 });

test('encodeRecord lays out length, length CRC, data, data CRC (little-endian)', () => {
  const data = new TextEncoder().encode('abc');
  const r = encodeRecord(data);
  assert.equal(r.length, 19);
  assert.equal(recordSize(3), 19);
  const v = new DataView(r.buffer);
  assert.equal(v.getUint32(0, true), 3);
  assert.equal(v.getUint32(4, true), 0);
  assert.equal(v.getUint32(8, true), referenceMaskedCrc(r.subarray(0, 8)));
  assert.deepEqual(r.subarray(12, 15), data);
  assert.equal(v.getUint32(15, true), referenceMaskedCrc(data));
  // An empty record: length 0 and the masked CRC of nothing (0xa282ead8).
  const e = encodeRecord(new Uint8Array(0));
  assert.equal(e.length, 16);
  assert.equal(new DataView(e.buffer).getUint32(12, true), 0xa282ead8);
});

test('the reference masked CRC matches published vectors (RFC 3720, a TensorFlow-written record)', () => {
  assert.equal(referenceCrc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(referenceCrc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(referenceMaskedCrc(TF_EVENT_DATA), TF_EVENT_DATA_CRC);
  // And the library's own CRC and mask agree with them.
  assert.equal(maskCrc(crc32c(TF_EVENT_DATA)), TF_EVENT_DATA_CRC);
});

test('a TensorFlow-written record is framed byte for byte and decodes back', () => {
  const r = encodeRecord(TF_EVENT_DATA);
  const want = new Uint8Array(16 + TF_EVENT_DATA.length);
  const v = new DataView(want.buffer);
  v.setUint32(0, TF_EVENT_DATA.length, true);
  v.setUint32(8, referenceMaskedCrc(want.subarray(0, 8)), true);
  want.set(TF_EVENT_DATA, 12);
  v.setUint32(12 + TF_EVENT_DATA.length, TF_EVENT_DATA_CRC, true);
  assert.deepEqual(r, want);
  assert.deepEqual(
    [...decodeRecords(want)].map((x) => Uint8Array.from(x)),
    [TF_EVENT_DATA],
  );
  // One flipped bit in the data CRC is reported, not accepted.
  const bad = want.slice();
  bad[bad.length - 1]! ^= 1;
  assert.throws(
    () => [...decodeRecords(bad)],
    (e: unknown) => isTFRecordError(e, 'CORRUPTED_DATA'),
  );
});

test('writeRecordInto returns the new offset and refuses a target without room', () => {
  const target = new Uint8Array(40);
  assert.equal(writeRecordInto(target, 4, new Uint8Array(5)), 25);
  assert.throws(
    () => writeRecordInto(target, 30, new Uint8Array(5)),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected offset with room for 21 bytes in a target of 40 bytes but received 30 of type number',
  );
});

test('decodeRecords round-trips any list of records, as zero-copy views (property)', () => {
  fc.assert(
    fc.property(recordsArb, (records) => {
      const buf = frame(records);
      const got = [...decodeRecords(buf)];
      assert.deepEqual(
        got.map((r) => Uint8Array.from(r)),
        records.map((r) => Uint8Array.from(r)),
      );
      for (const r of got) assert.equal(r.buffer, buf.buffer);
      const spans = [...decodeRecordSpans(buf)];
      let p = 0;
      spans.forEach((s, i) => {
        assert.deepEqual(s, { offset: p, length: records[i]!.length });
        p += records[i]!.length + 16;
      });
    }),
    { numRuns: 200 },
  );
});

test('decodeRecords works on a view that does not start at byte 0 of its buffer', () => {
  const recs = [Uint8Array.of(1, 2, 3), Uint8Array.of(4)];
  const inner = frame(recs);
  const outer = new Uint8Array(inner.length + 7);
  outer.set(inner, 5);
  assert.deepEqual([...decodeRecords(outer.subarray(5, 5 + inner.length))], recs);
});

test('an empty buffer or stream has no records', async () => {
  assert.deepEqual([...decodeRecords(new Uint8Array(0))], []);
  assert.deepEqual(await collect(readRecords(fromChunks([]))), []);
  assert.deepEqual(await collect(readRecords(fromChunks([new Uint8Array(0), new Uint8Array(0)]))), []);
});

test('readRecords with 1-byte chunks yields every record', async () => {
  const records = [new Uint8Array(0), Uint8Array.of(9), new Uint8Array(1000).fill(3), Uint8Array.of(1, 2)];
  const buf = frame(records);
  const ones = Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
  assert.deepEqual(await collect(readRecords(fromChunks(ones))), records);
});

test('readRecords matches decodeRecords for any chunking (property)', async () => {
  await fc.assert(
    fc.asyncProperty(recordsArb, fc.array(fc.nat(), { maxLength: 30 }), async (records, cuts) => {
      const buf = frame(records);
      assert.deepEqual(await collect(readRecords(fromChunks(split(buf, cuts)))), records);
    }),
    { numRuns: 300 },
  );
});

test('readRecords yields views of the chunk when a record lies inside one chunk', async () => {
  const buf = frame([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)]);
  for await (const r of readRecords(fromChunks([buf]))) assert.equal(r.buffer, buf.buffer);
});

test('readRecords reassembles a large record spread over many chunks', async () => {
  const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
  const buf = frame([Uint8Array.of(7), big, Uint8Array.of(8)]);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < buf.length; i += 4093) chunks.push(buf.subarray(i, i + 4093));
  const got = await collect(readRecords(fromChunks(chunks)));
  assert.equal(got.length, 3);
  assert.deepEqual(got[1], big);
  assert.deepEqual(got[2], Uint8Array.of(8));
});

test('readRecords reads a web ReadableStream and cancels it when the loop breaks', async () => {
  const buf = frame([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
  let cancelled = false;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i >= buf.length) return controller.close();
      controller.enqueue(buf.slice(i, i + 5));
      i += 5;
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const r of readRecords(stream)) {
    assert.deepEqual(r, Uint8Array.of(1));
    break;
  }
  assert.equal(cancelled, true);
  const whole = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(buf);
      c.close();
    },
  });
  assert.deepEqual(await collect(readRecords(whole)), [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
});

test('readRecords passes errors of the source through unchanged', async () => {
  const boom = new Error('disk on fire');
  async function* bad(): AsyncGenerator<Uint8Array> {
    yield frame([Uint8Array.of(1)]);
    throw boom;
  }
  const seen: Uint8Array[] = [];
  await assert.rejects(async () => {
    for await (const r of readRecords(bad())) seen.push(r);
  }, boom);
  assert.equal(seen.length, 1);
});

test('verifyChecksums: false skips CRC checks but not length checks', async () => {
  const buf = frame([Uint8Array.of(1, 2, 3)]);
  buf[12] ^= 0xff; // data
  buf[8] ^= 0xff; // length CRC
  assert.throws(
    () => [...decodeRecords(buf)],
    (e: unknown) => isTFRecordError(e, 'CORRUPTED_LENGTH'),
  );
  assert.deepEqual([...decodeRecords(buf, { verifyChecksums: false })], [Uint8Array.of(0xfe, 2, 3)]);
  assert.deepEqual(await collect(readRecords(fromChunks([buf]), { verifyChecksums: false })), [
    Uint8Array.of(0xfe, 2, 3),
  ]);
  assert.throws(
    () => [...decodeRecords(buf.subarray(0, buf.length - 1), { verifyChecksums: false })],
    (e: unknown) => isTFRecordError(e, 'TRUNCATED_RECORD') && e.offset === 0,
  );
});

test('readRecordHeader returns the data length and checks the header', () => {
  const buf = frame([Uint8Array.of(1), new Uint8Array(70)]);
  assert.equal(readRecordHeader(buf, 0), 1);
  assert.equal(readRecordHeader(buf, 17), 70);
  assert.throws(
    () => readRecordHeader(buf, buf.length - 5),
    (e: unknown) =>
      isTFRecordError(e, 'TRUNCATED_RECORD') &&
      e.offset === buf.length - 5 &&
      e.message === `truncated record at byte ${buf.length - 5} (header needs 12 bytes, 5 remain)`,
  );
  assert.throws(
    () => readRecordHeader(buf, 1),
    (e: unknown) =>
      isTFRecordError(e, 'CORRUPTED_LENGTH') &&
      e.offset === 1 &&
      e.message === 'corrupted record at byte 1: length checksum mismatch',
  );
});

test('a length of 2^60 is RECORD_TOO_LARGE before any allocation, sync and streaming', async () => {
  const h = header(0, 0x1000_0000); // 2^60
  const check = (e: unknown): boolean =>
    isTFRecordError(e, 'RECORD_TOO_LARGE') &&
    e.offset === 0 &&
    e.message === 'record at byte 0 is too large: length 1152921504606846976 exceeds maxRecordBytes 1073741824';
  assert.throws(() => [...decodeRecords(h)], check);
  assert.throws(() => [...decodeRecords(h, { verifyChecksums: false })], check);
  await assert.rejects(collect(readRecords(fromChunks([h.subarray(0, 3), h.subarray(3)]))), check);
});

test('lengths beyond 2^53 are read exactly from two 32-bit words', () => {
  // 2^53 + 1 would round to 2^53 if read as one double.
  const h = header(1, 0x20_0000);
  assert.throws(
    () => readRecordHeader(h, 0, { maxRecordBytes: Number.MAX_SAFE_INTEGER }),
    (e: unknown) =>
      isTFRecordError(e, 'RECORD_TOO_LARGE') &&
      e.message ===
        `record at byte 0 is too large: length 9007199254740993 exceeds maxRecordBytes ${Number.MAX_SAFE_INTEGER}`,
  );
  // Just below 2^53, with a large enough limit, the header itself is accepted.
  assert.equal(
    readRecordHeader(header(0xffff_ffff, 0x1f_ffff), 0, { maxRecordBytes: Number.MAX_SAFE_INTEGER }),
    Number.MAX_SAFE_INTEGER,
  );
  // 2^32 needs the high word.
  assert.equal(readRecordHeader(header(0, 1), 0, { maxRecordBytes: 2 ** 33 }), 2 ** 32);
});

test('maxRecordBytes limits the data length, inclusive', async () => {
  const buf = frame([new Uint8Array(100)]);
  assert.equal([...decodeRecords(buf, { maxRecordBytes: 100 })].length, 1);
  assert.throws(
    () => [...decodeRecords(buf, { maxRecordBytes: 99 })],
    (e: unknown) =>
      isTFRecordError(e, 'RECORD_TOO_LARGE') &&
      e.message === 'record at byte 0 is too large: length 100 exceeds maxRecordBytes 99',
  );
  await assert.rejects(collect(readRecords(fromChunks([buf]), { maxRecordBytes: 99 })), (e: unknown) =>
    isTFRecordError(e, 'RECORD_TOO_LARGE'),
  );
  assert.equal(DEFAULT_MAX_RECORD_BYTES, 2 ** 30);
});

test('options are validated with exact messages', () => {
  const buf = new Uint8Array(0);
  const bad = (options: unknown, message: string): void => {
    assert.throws(
      () => decodeRecords(buf, options as never),
      (e: unknown) => isTFRecordError(e, 'INVALID_ARGUMENT') && e.message === message,
    );
    assert.throws(
      () => readRecords(fromChunks([]), options as never),
      (e: unknown) => isTFRecordError(e, 'INVALID_ARGUMENT') && e.message === message,
    );
  };
  bad(
    { maxRecordBytes: -1 },
    'Expected integer between 0 and 9007199254740991 for maxRecordBytes but received -1 of type number',
  );
  bad(
    { maxRecordBytes: 1.5 },
    'Expected integer between 0 and 9007199254740991 for maxRecordBytes but received 1.5 of type number',
  );
  bad(
    { maxRecordBytes: '10' },
    'Expected integer between 0 and 9007199254740991 for maxRecordBytes but received "10" of type string',
  );
  bad({ verifyChecksums: 1 }, 'Expected boolean for verifyChecksums but received 1 of type number');
  bad(null, 'Expected object for options but received null of type null');
});

test('a source that is neither iterable nor a stream, or yields non-bytes, is INVALID_ARGUMENT', async () => {
  await assert.rejects(
    collect(readRecords(42 as never)),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message ===
        'Expected AsyncIterable<Uint8Array> or ReadableStream<Uint8Array> for source but received 42 of type number',
  );
  async function* strings(): AsyncGenerator<unknown> {
    yield 'abc';
  }
  await assert.rejects(
    collect(readRecords(strings() as AsyncIterable<Uint8Array>)),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected Uint8Array for chunk but received "abc" of type string',
  );
});

const TF_FILES = [
  'cs20-friday.tfrecord',
  'pwnall-singles.tfrecords',
  'pytorch-data-example.tfrecord',
  'pytorch-data-sequence_example.tfrecord',
];
const tfFilesAbsent = TF_FILES.some((n) => sharedPath('data', 'tfrecord', `${n}.jsonl`) === undefined);

test('files written by TensorFlow and others decode to as many records as their JSONL has lines', {
  skip: tfFilesAbsent && absent('data/tfrecord'),
}, async () => {
  for (const name of TF_FILES) {
    const path = sharedPath('data', 'tfrecord', name)!;
    const jsonl = sharedPath('data', 'tfrecord', `${name}.jsonl`)!;
    const lines = readFileSync(jsonl, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    const buf = new Uint8Array(readFileSync(path));
    assert.equal([...decodeRecords(buf)].length, lines, name);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < buf.length; i += 777) chunks.push(buf.subarray(i, i + 777));
    assert.equal((await collect(readRecords(fromChunks(chunks)))).length, lines, name);
  }
});
