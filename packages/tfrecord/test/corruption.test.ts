/**
 * Corrupting one byte at a time, and truncating at every offset, as
 * tensorflow/core/lib/io/record_reader_writer_test.cc does: each fault must be
 * reported with its code and the byte offset of the record at fault.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTFRecordError } from '../src/errors.js';
import type { TFRecordErrorCode } from '../src/errors.js';
import { decodeRecords, readRecords } from '../src/framing/decode.js';
import type { RecordReaderOptions } from '../src/framing/decode.js';
import { recordSize, writeRecordInto } from '../src/framing/encode.js';

const RECORDS = [
  new TextEncoder().encode('first record'),
  new Uint8Array(0),
  Uint8Array.from({ length: 40 }, (_, i) => i),
];

function frame(records: readonly Uint8Array[]): { buf: Uint8Array; starts: number[] } {
  const buf = new Uint8Array(records.reduce((n, r) => n + recordSize(r.length), 0));
  const starts: number[] = [];
  let p = 0;
  for (const r of records) {
    starts.push(p);
    p = writeRecordInto(buf, p, r);
  }
  return { buf, starts };
}

async function* chunked(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

interface Outcome {
  count: number;
  error?: { code: TFRecordErrorCode; offset: number | undefined; message: string };
}

function syncOutcome(buf: Uint8Array, options?: RecordReaderOptions): Outcome {
  let count = 0;
  try {
    for (const r of decodeRecords(buf, options)) {
      assert.ok(r instanceof Uint8Array);
      count++;
    }
    return { count };
  } catch (e) {
    if (!isTFRecordError(e)) throw e;
    return { count, error: { code: e.code, offset: e.offset, message: e.message } };
  }
}

async function streamOutcome(buf: Uint8Array, chunk: number, options?: RecordReaderOptions): Promise<Outcome> {
  let count = 0;
  try {
    for await (const r of readRecords(chunked(buf, chunk), options)) {
      assert.ok(r instanceof Uint8Array);
      count++;
    }
    return { count };
  } catch (e) {
    if (!isTFRecordError(e)) throw e;
    return { count, error: { code: e.code, offset: e.offset, message: e.message } };
  }
}

const { buf: FILE, starts: STARTS } = frame(RECORDS);

test('flipping a byte in the length, length CRC, data or data CRC of each record is reported as such', async () => {
  let cases = 0;
  RECORDS.forEach((rec, i) => {
    const start = STARTS[i]!;
    const parts: Array<[string, number[], TFRecordErrorCode]> = [
      ['length', [0, 1, 7], 'CORRUPTED_LENGTH'],
      ['length CRC', [8, 11], 'CORRUPTED_LENGTH'],
      ['data', rec.length === 0 ? [] : [12, 12 + rec.length - 1], 'CORRUPTED_DATA'],
      ['data CRC', [12 + rec.length, 12 + rec.length + 3], 'CORRUPTED_DATA'],
    ];
    for (const [part, rels, code] of parts) {
      for (const rel of rels) {
        for (const flip of [0x01, 0x80, 0xff]) {
          cases++;
          const bad = FILE.slice();
          bad[start + rel]! ^= flip;
          const kind = code === 'CORRUPTED_LENGTH' ? 'length' : 'data';
          const expected: Outcome = {
            count: i,
            error: { code, offset: start, message: `corrupted record at byte ${start}: ${kind} checksum mismatch` },
          };
          assert.deepEqual(syncOutcome(bad), expected, `record ${i} ${part} byte ${rel} ^ ${flip}`);
        }
      }
    }
  });
  assert.ok(cases >= 30);
  // Streaming, with chunk sizes that put the fault inside one chunk and across boundaries.
  for (let i = 0; i < RECORDS.length; i++) {
    const start = STARTS[i]!;
    for (const rel of [3, 9, 12 + RECORDS[i]!.length + 1]) {
      const bad = FILE.slice();
      bad[start + rel]! ^= 0x10;
      const code: TFRecordErrorCode = rel < 12 ? 'CORRUPTED_LENGTH' : 'CORRUPTED_DATA';
      for (const size of [1, 5, 13, 1 << 16]) {
        const got = await streamOutcome(bad, size);
        assert.equal(got.count, i, `record ${i} byte ${rel} chunk ${size}`);
        assert.equal(got.error?.code, code);
        assert.equal(got.error?.offset, start);
      }
    }
  }
});

test('a data byte flipped with checksums off is returned as is, not reported', () => {
  const bad = FILE.slice();
  bad[STARTS[0]! + 12]! ^= 0x20;
  const got = [...decodeRecords(bad, { verifyChecksums: false })];
  assert.equal(got.length, 3);
  assert.equal(new TextDecoder().decode(got[0]), 'First record');
});

test('truncating at every offset is TRUNCATED_RECORD at the record start, or a clean end at a boundary', async () => {
  const boundaries = [...STARTS, FILE.length];
  for (let cut = 0; cut <= FILE.length; cut++) {
    const prefix = FILE.subarray(0, cut);
    const whole = boundaries.indexOf(cut);
    let expected: Outcome;
    if (whole >= 0) {
      expected = { count: whole };
    } else {
      const i = STARTS.filter((s) => s < cut).length - 1;
      const start = STARTS[i]!;
      const remain = cut - start;
      const detail =
        remain < 12
          ? `header needs 12 bytes, ${remain} remain`
          : `record needs ${RECORDS[i]!.length + 16} bytes, ${remain} remain`;
      expected = {
        count: i,
        error: { code: 'TRUNCATED_RECORD', offset: start, message: `truncated record at byte ${start} (${detail})` },
      };
    }
    assert.deepEqual(syncOutcome(prefix), expected, `cut at ${cut}`);
    // Checksums off: a truncated record still errors.
    assert.deepEqual(syncOutcome(prefix, { verifyChecksums: false }), expected, `cut at ${cut}, no checksums`);
    for (const size of [1, 7, 1 << 16]) {
      assert.deepEqual(await streamOutcome(prefix, size), expected, `cut at ${cut}, chunks of ${size}`);
    }
  }
});
