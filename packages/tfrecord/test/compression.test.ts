import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, deflateSync, gzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { isTFRecordError } from '../src/errors.js';
import { compress, compressBytes, decompress, decompressBytes, detectCompression } from '../src/compression/index.js';
import type { Compression } from '../src/compression/index.js';
import { gunzipMembers } from '../src/compression/gzip-members.js';
import type { WebTransform } from '../src/compression/gzip-members.js';
import { decodeRecords, readRecords } from '../src/framing/decode.js';
import { encodeRecord, recordSize, writeRecordInto } from '../src/framing/encode.js';

function frame(records: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(records.reduce((n, r) => n + recordSize(r.length), 0));
  let p = 0;
  for (const r of records) p = writeRecordInto(out, p, r);
  return out;
}

async function* chunked(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function concat(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(Uint8Array.from(c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function records(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of it) out.push(Uint8Array.from(r));
  return out;
}

const ALL: Compression[] = ['none', 'gzip', 'zlib'];

test('records round-trip through every compression, any chunking (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }),
      fc.constantFrom(...ALL),
      fc.integer({ min: 1, max: 64 }),
      async (recs, c, size) => {
        const z = await concat(compress(chunked(frame(recs), size), c));
        assert.equal(detectCompression(z), z.length === 0 ? 'none' : c);
        assert.deepEqual(await records(readRecords(decompress(chunked(z, size), c))), recs);
        assert.deepEqual([...decodeRecords(await decompressBytes(await compressBytes(frame(recs), c), c))], recs);
      },
    ),
    { numRuns: 60 },
  );
});

test('compressed output is what node:zlib reads (gzip and zlib formats)', async () => {
  const buf = frame([new Uint8Array(5000).fill(1), Uint8Array.of(1, 2, 3)]);
  const { gunzipSync, inflateSync } = await import('node:zlib');
  assert.deepEqual(new Uint8Array(gunzipSync(await compressBytes(buf, 'gzip'))), buf);
  assert.deepEqual(new Uint8Array(inflateSync(await compressBytes(buf, 'zlib'))), buf);
  assert.deepEqual(await decompressBytes(new Uint8Array(deflateSync(buf)), 'zlib'), buf);
});

test('a gzip file of several concatenated members is read to the end', async () => {
  const recs = Array.from({ length: 9 }, (_, i) => new Uint8Array(100 + i).fill(i));
  const members = [frame(recs.slice(0, 3)), frame(recs.slice(3, 4)), new Uint8Array(0), frame(recs.slice(4))].map(
    (m) => new Uint8Array(gzipSync(m)),
  );
  const file = new Uint8Array(members.reduce((n, m) => n + m.length, 0));
  let o = 0;
  for (const m of members) {
    file.set(m, o);
    o += m.length;
  }
  assert.equal(detectCompression(file), 'gzip');
  assert.deepEqual([...decodeRecords(await decompressBytes(file, 'gzip'))], recs);
  for (const size of [1, 17, 4096]) {
    assert.deepEqual(await records(readRecords(decompress(chunked(file, size), 'gzip'))), recs, `chunks of ${size}`);
  }
  // A member boundary may also split a record.
  const whole = frame(recs);
  const split = [whole.subarray(0, 50), whole.subarray(50)].map((m) => new Uint8Array(gzipSync(m)));
  const two = new Uint8Array(split[0]!.length + split[1]!.length);
  two.set(split[0]!);
  two.set(split[1]!, split[0]!.length);
  assert.deepEqual([...decodeRecords(await decompressBytes(two, 'gzip'))], recs);
});

test('detectCompression: gzip magic, zlib header, record header wins, else none', () => {
  const rec = encodeRecord(Uint8Array.of(1, 2, 3));
  assert.equal(detectCompression(rec), 'none');
  assert.equal(detectCompression(new Uint8Array(0)), 'none');
  assert.equal(detectCompression(Uint8Array.of(0x1f)), 'none');
  assert.equal(detectCompression(new Uint8Array(gzipSync(rec))), 'gzip');
  for (const level of [0, 1, 6, 9])
    assert.equal(detectCompression(new Uint8Array(deflateSync(rec, { level }))), 'zlib');
  assert.equal(detectCompression(Uint8Array.of(0x78, 0x9c)), 'zlib');
  assert.equal(detectCompression(Uint8Array.of(0x78, 0x9d)), 'none');
  // 0x0178 = 376: the length bytes 78 01 are also a valid zlib header (0x7801 % 31 == 0).
  const tricky = encodeRecord(new Uint8Array(0x178));
  assert.deepEqual([tricky[0], tricky[1]], [0x78, 0x01]);
  assert.equal(detectCompression(tricky), 'none');
  assert.equal(detectCompression(tricky.subarray(0, 2)), 'zlib');
  // 0x8b1f: a record whose length bytes read as the gzip magic.
  const gz = encodeRecord(new Uint8Array(0x8b1f));
  assert.equal(detectCompression(gz), 'none');
});

test('bad compressed data is a COMPRESSION error with the cause', async () => {
  for (const c of ['gzip', 'zlib'] as const) {
    const z = await compressBytes(frame([new Uint8Array(3000).fill(7)]), c);
    const bad = z.slice();
    for (let i = 10; i < 30; i++) bad[i] ^= 0x5a;
    await assert.rejects(
      decompressBytes(bad, c),
      (e: unknown) =>
        isTFRecordError(e, 'COMPRESSION') &&
        e.message.startsWith(`invalid or truncated ${c} data: `) &&
        e.cause instanceof Error,
    );
    await assert.rejects(records(readRecords(decompress(chunked(bad, 100), c))), (e: unknown) =>
      isTFRecordError(e, 'COMPRESSION'),
    );
    await assert.rejects(decompressBytes(Uint8Array.of(1, 2, 3, 4), c), (e: unknown) =>
      isTFRecordError(e, 'COMPRESSION'),
    );
  }
});

test('truncated gzip or zlib data is an error, not a quiet end', async () => {
  for (const c of ['gzip', 'zlib'] as const) {
    const z = await compressBytes(frame([new Uint8Array(3000).fill(7), Uint8Array.of(1)]), c);
    for (const cut of [z.length - 1, z.length - 4, Math.floor(z.length / 2), 3]) {
      await assert.rejects(
        records(readRecords(decompress(chunked(z.subarray(0, cut), 64), c))),
        (e: unknown) => isTFRecordError(e) && (e.code === 'COMPRESSION' || e.code === 'TRUNCATED_RECORD'),
        `${c} cut at ${cut}`,
      );
      await assert.rejects(decompressBytes(z.subarray(0, cut), c), (e: unknown) => isTFRecordError(e, 'COMPRESSION'));
    }
  }
});

test('errors of the source pass through decompress unchanged', async () => {
  const boom = new Error('network down');
  const z = await compressBytes(frame([new Uint8Array(3000).fill(7)]), 'gzip');
  async function* bad(): AsyncGenerator<Uint8Array> {
    yield z.subarray(0, 20);
    throw boom;
  }
  await assert.rejects(records(readRecords(decompress(bad(), 'gzip'))), boom);
});

test('stopping early releases the source', async () => {
  const recs = Array.from({ length: 50 }, (_, i) => new Uint8Array(1000).fill(i));
  const z = await compressBytes(frame(recs), 'gzip');
  let closed = false;
  async function* src(): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < z.length; i += 50) yield z.subarray(i, i + 50);
    } finally {
      closed = true;
    }
  }
  for await (const r of readRecords(decompress(src(), 'gzip'))) {
    assert.equal(r[0], 0);
    break;
  }
  // The pump notices the cancellation on its next step.
  for (let i = 0; i < 20 && !closed; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(closed, true);
});

test('compression arguments are validated with exact messages', async () => {
  const msg = "Expected one of 'none', 'gzip', 'zlib' for compression but received \"brotli\" of type string";
  assert.throws(
    () => decompress(chunked(new Uint8Array(0), 1), 'brotli' as never),
    (e: unknown) => isTFRecordError(e, 'INVALID_ARGUMENT') && e.message === msg,
  );
  assert.throws(
    () => compress(chunked(new Uint8Array(0), 1), 'brotli' as never),
    (e: unknown) => isTFRecordError(e, 'INVALID_ARGUMENT') && e.message === msg,
  );
  await assert.rejects(
    compressBytes(new Uint8Array(0), 'brotli' as never),
    (e: unknown) => isTFRecordError(e, 'INVALID_ARGUMENT') && e.message === msg,
  );
  await assert.rejects(
    decompressBytes('abc' as never, 'gzip'),
    (e: unknown) =>
      isTFRecordError(e, 'INVALID_ARGUMENT') &&
      e.message === 'Expected Uint8Array for bytes but received "abc" of type string',
  );
});

test("'none' passes bytes through", async () => {
  const b = Uint8Array.of(1, 2, 3);
  assert.equal(await compressBytes(b, 'none'), b);
  assert.equal(await decompressBytes(b, 'none'), b);
  assert.deepEqual(await concat(decompress(chunked(b, 1), 'none')), b);
});

/**
 * A DecompressionStream('gzip') that behaves like Chromium's: it reads one
 * member only, and data after its end fails the write with "Junk found after
 * end of compressed data", dropping that write's output.
 */
function chromiumLikeGunzip(): WebTransform {
  let buf = new Uint8Array(0);
  let emitted = 0;
  let ended = false;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (ended && chunk.length > 0) throw new TypeError('Junk found after end of compressed data.');
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      if (buf.length <= 10) return;
      let out: Uint8Array;
      let end = Infinity;
      try {
        // Complete deflate data: the engine reports how much input it used.
        const r = inflateRawSync(buf.subarray(10), { info: true }) as unknown as {
          buffer: Buffer;
          engine: { bytesWritten: number };
        };
        end = 10 + r.engine.bytesWritten + 8;
        out = new Uint8Array(r.buffer);
      } catch {
        out = new Uint8Array(inflateRawSync(buf.subarray(10), { finishFlush: constants.Z_SYNC_FLUSH }));
      }
      if (buf.length > end) throw new TypeError('Junk found after end of compressed data.');
      if (buf.length === end) ended = true;
      if (out.length > emitted) controller.enqueue(out.slice(emitted));
      emitted = out.length;
    },
    flush() {
      if (!ended) throw new TypeError('unexpected end of file');
    },
  }) as unknown as WebTransform;
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('multi-member gzip is read even where DecompressionStream stops after one member (Chromium)', async () => {
  const recs = Array.from({ length: 12 }, (_, i) => Uint8Array.from({ length: 60 + i * 10 }, (_, j) => (i * j) & 0xff));
  const whole = frame(recs);
  const cuts = [0, 150, 151, 400, 400, whole.length];
  const file = concatAll(cuts.slice(1).map((c, i) => new Uint8Array(gzipSync(whole.subarray(cuts[i], c)))));
  // The stand-in really is strict: alone, it fails on the second member.
  await assert.rejects(
    concat(chunked(file, file.length)).then(async () => {
      const t = chromiumLikeGunzip();
      const w = t.writable.getWriter();
      await Promise.all([w.write(file), w.close(), concat(t.readable)]);
    }),
    /Junk found/,
  );
  for (const size of [1, 3, 64, 1000, file.length]) {
    const out = await concat(gunzipMembers(chunked(file, size), chromiumLikeGunzip));
    assert.deepEqual(out, whole, `chunks of ${size}`);
  }
  // And on this platform's own DecompressionStream.
  assert.deepEqual(
    await concat(gunzipMembers(chunked(file, 5), () => new DecompressionStream('gzip') as unknown as WebTransform)),
    whole,
  );
});

test('a record whose bytes contain the gzip magic does not confuse member splitting', async () => {
  const magic = new Uint8Array(240);
  for (let i = 0; i < magic.length; i += 3) magic.set([0x1f, 0x8b, 0x08], i);
  const whole = frame([magic, magic]);
  // Level 0 stores the bytes as they are, so the magic appears in the compressed data too.
  const file = concatAll(
    [gzipSync(whole.subarray(0, 100), { level: 0 }), gzipSync(whole.subarray(100), { level: 0 })].map(
      (b) => new Uint8Array(b),
    ),
  );
  for (const size of [1, 100, file.length]) {
    assert.deepEqual(await concat(gunzipMembers(chunked(file, size), chromiumLikeGunzip)), whole, `chunks of ${size}`);
  }
});

test('junk after the last member, or a truncated member, is an error with the strict decompressor', async () => {
  const member = new Uint8Array(gzipSync(frame([new Uint8Array(500).fill(3)])));
  await assert.rejects(
    concat(gunzipMembers(chunked(concatAll([member, Uint8Array.of(1, 2, 3, 4)]), 16), chromiumLikeGunzip)),
    (e: unknown) => isTFRecordError(e, 'COMPRESSION') && /Junk found/.test(e.message),
  );
  await assert.rejects(
    concat(gunzipMembers(chunked(concatAll([member, member.subarray(0, 30)]), 16), chromiumLikeGunzip)),
    (e: unknown) => isTFRecordError(e, 'COMPRESSION'),
  );
  await assert.rejects(
    concat(gunzipMembers(chunked(member.subarray(0, member.length - 3), 16), chromiumLikeGunzip)),
    (e: unknown) =>
      isTFRecordError(e, 'COMPRESSION') && e.message === 'invalid or truncated gzip data: unexpected end of file',
  );
});
