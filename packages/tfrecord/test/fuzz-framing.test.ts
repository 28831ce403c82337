/**
 * A short fuzz of the record decoders: random and mutated inputs, random chunking.
 * Whatever the bytes, decoding ends (no hang), fails only with a framing
 * TFRecordError, agrees between the in-memory and streaming decoders, and never
 * yields a record beyond maxRecordBytes. A fixed number of cases from a fixed, printed seed:
 * a slow machine runs the same cases, only slower.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isTFRecordError } from '../src/errors.js';
import { decompressBytes } from '../src/compression/index.js';
import { crc32c, maskCrc } from '../src/framing/crc32c.js';
import { decodeRecords, readRecords } from '../src/framing/decode.js';
import type { RecordReaderOptions } from '../src/framing/decode.js';
import { recordSize, writeRecordInto } from '../src/framing/encode.js';

const FRAMING_CODES = new Set(['TRUNCATED_RECORD', 'CORRUPTED_LENGTH', 'CORRUPTED_DATA', 'RECORD_TOO_LARGE']);
/** fast-check seed, printed in the test names so a failure can be replayed. */
const SEED = 20261201;

function frame(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.reduce((n, r) => n + recordSize(r.length), 0));
  let p = 0;
  for (const r of records) p = writeRecordInto(out, p, r);
  return out;
}

interface Outcome {
  records: number[];
  error?: string;
}

function describeError(e: unknown): string {
  if (!isTFRecordError(e) || !FRAMING_CODES.has(e.code)) throw e;
  assert.equal(typeof e.offset, 'number');
  return `${e.code}@${e.offset}: ${e.message}`;
}

function syncOutcome(buf: Uint8Array, options: RecordReaderOptions): Outcome {
  const records: number[] = [];
  try {
    for (const r of decodeRecords(buf, options)) records.push(r.length);
    return { records };
  } catch (e) {
    return { records, error: describeError(e) };
  }
}

async function* chunks(buf: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let p = 0;
  let i = 0;
  while (p < buf.length) {
    const n = sizes.length === 0 ? buf.length : Math.max(1, sizes[i++ % sizes.length]!);
    yield buf.subarray(p, p + n);
    p += n;
  }
}

async function streamOutcome(buf: Uint8Array, sizes: number[], options: RecordReaderOptions): Promise<Outcome> {
  const records: number[] = [];
  try {
    for await (const r of readRecords(chunks(buf, sizes), options)) records.push(r.length);
    return { records };
  } catch (e) {
    return { records, error: describeError(e) };
  }
}

const optionsArb = fc.record({
  verifyChecksums: fc.boolean(),
  maxRecordBytes: fc.constantFrom(0, 10, 300, 2 ** 30),
});

async function check(buf: Uint8Array, sizes: number[], options: RecordReaderOptions): Promise<void> {
  const a = syncOutcome(buf, options);
  for (const len of a.records) assert.ok(len <= options.maxRecordBytes!);
  const b = await streamOutcome(buf, sizes, options);
  assert.deepEqual(b, a);
}

test(`random bytes: only framing errors, same outcome in memory and streaming (2000 cases, seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 120 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
      optionsArb,
      check,
    ),
    { numRuns: 2000, seed: SEED },
  );
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(buf: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = buf.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at]! ^= 1 << m.bit;
    else if (m.kind === 'set') b[at] = m.value;
    else if (m.kind === 'cut') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), m.value, ...b.subarray(at)]);
    else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
  }
  return b;
}

test(`mutated valid files: only framing errors, same outcome in memory and streaming (2000 cases, seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 60 }), { minLength: 1, maxLength: 5 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 6 }),
      optionsArb,
      async (records, ms, sizes, options) => check(mutate(frame(records), ms), sizes, options),
    ),
    { numRuns: 2000, seed: SEED },
  );
});

function header(length: bigint): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setBigUint64(0, length, true);
  v.setUint32(8, maskCrc(crc32c(h.subarray(0, 8))), true);
  return h;
}

test('a huge length with a valid CRC is RECORD_TOO_LARGE for every length field above the limit', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 30n + 1n, max: 2n ** 64n - 1n }), (len) => {
      assert.throws(
        () => [...decodeRecords(header(len))],
        (e: unknown) => isTFRecordError(e, 'RECORD_TOO_LARGE') && e.message.includes(`length ${len} exceeds`),
      );
    }),
    { numRuns: 500, seed: SEED },
  );
});

test('a stream claiming a 512 MiB record allocates only for the bytes that arrive', async () => {
  const claimed = 512n * 1024n * 1024n;
  const before = process.memoryUsage().arrayBuffers;
  let peak = 0;
  async function* src(): AsyncGenerator<Uint8Array> {
    yield header(claimed);
    for (let i = 0; i < 64; i++) {
      yield new Uint8Array(16 * 1024).fill(i);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
  }
  await assert.rejects(
    (async () => {
      for await (const r of readRecords(src())) assert.fail(`unexpected record of ${r.length} bytes`);
    })(),
    (e: unknown) =>
      isTFRecordError(e, 'TRUNCATED_RECORD') &&
      e.message === `truncated record at byte 0 (record needs ${claimed + 16n} bytes, ${12 + 64 * 16 * 1024} remain)`,
  );
  // 1 MiB arrived; allow generous slack for the chunks themselves, far below 512 MiB.
  assert.ok(peak < 32 * 1024 * 1024, `peak ${peak} bytes`);
});

test(`random bytes given to the decompressors fail only with COMPRESSION (300 cases, seed ${SEED})`, async () => {
  const prefixes = [Uint8Array.of(0x1f, 0x8b, 0x08, 0), Uint8Array.of(0x78, 0x9c), new Uint8Array(0)];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...prefixes),
      fc.uint8Array({ maxLength: 80 }),
      fc.constantFrom('gzip' as const, 'zlib' as const),
      async (prefix, rest, c) => {
        const bytes = Uint8Array.from([...prefix, ...rest]);
        try {
          await decompressBytes(bytes, c);
        } catch (e) {
          assert.ok(isTFRecordError(e, 'COMPRESSION'), String(e));
        }
      },
    ),
    { numRuns: 300, seed: SEED },
  );
});
