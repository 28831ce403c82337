// The read paths' fast constructions: record and bytes views made with the
// Uint8Array constructor (plain inputs) or `subarray` (Buffers and other
// subclasses), and feature maps filled from one store site per position.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import { decodeExample, decodeSequenceExample } from '../src/example/decode.js';
import { buildExample, buildSequenceExample, bytesList, floatList, int64List } from '../src/example/build.js';
import { encodeExample, encodeSequenceExample } from '../src/example/encode.js';
import type { Feature } from '../src/example/types.js';
import { decodeRecords } from '../src/framing/decode.js';
import { encodeRecord } from '../src/framing/encode.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function framed(records: readonly Uint8Array[]): Uint8Array {
  const parts = records.map((r) => encodeRecord(r));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('decodeRecords of a plain view inside a larger buffer: plain views at the right bytes, sharing memory', () => {
  const body = framed([enc('first'), enc(''), enc('third record')]);
  const backing = new ArrayBuffer(body.length + 13);
  const buf = new Uint8Array(backing, 7, body.length);
  buf.set(body);
  const records = [...decodeRecords(buf)];
  assert.deepEqual(
    records.map((r) => new TextDecoder().decode(r)),
    ['first', '', 'third record'],
  );
  for (const r of records) {
    assert.equal(r.constructor, Uint8Array);
    assert.equal(r.buffer, backing);
  }
  // record 0 at 7 + 12 (header); record 2 after two framed records (5 + 16, 0 + 16).
  assert.deepEqual(
    records.map((r) => r.byteOffset),
    [19, 7 + 21 + 12, 7 + 21 + 16 + 12],
  );
  buf[12] = 0x46; // 'f' -> 'F' in the buffer shows through the view (no copy)
  assert.equal(records[0]![0], 0x46);
});

test('decodeRecords of a Buffer hands out Buffers, as subarray does', () => {
  const buf = Buffer.from(framed([enc('a'), enc('bc')]));
  const records = [...decodeRecords(buf)];
  assert.equal(records.length, 2);
  for (const r of records) assert.ok(Buffer.isBuffer(r));
  assert.equal(Buffer.from(records[1]!).toString(), 'bc');
});

test('decodeExample bytes values: plain views for a plain input, Buffers for a Buffer, same memory either way', () => {
  const bytes = encodeExample(buildExample({ image: bytesList([enc('pixels'), enc('more')]), label: int64List([7]) }));
  const backing = new ArrayBuffer(bytes.length + 5);
  const plain = new Uint8Array(backing, 3, bytes.length);
  plain.set(bytes);
  const a = decodeExample(plain).features['image'] as Extract<Feature, { kind: 'bytes' }>;
  assert.deepEqual(
    a.values.map((v) => new TextDecoder().decode(v)),
    ['pixels', 'more'],
  );
  for (const v of a.values) {
    assert.equal(v.constructor, Uint8Array);
    assert.equal(v.buffer, backing);
  }
  plain[a.values[0]!.byteOffset - 3] = 0x50; // 'p' -> 'P'
  assert.equal(new TextDecoder().decode(a.values[0]), 'Pixels');

  const b = decodeExample(Buffer.from(bytes)).features['image'] as Extract<Feature, { kind: 'bytes' }>;
  for (const v of b.values) assert.ok(Buffer.isBuffer(v));
  assert.deepEqual(
    b.values.map((v) => Buffer.from(v).toString()),
    ['pixels', 'more'],
  );
});

test('feature maps: any number of entries, any order per record, later duplicates win, no prototype', () => {
  const names = Array.from({ length: 12 }, (_, i) => `f${i}`);
  // The same decoder sees records whose features come in different orders and counts.
  const orders = [names, [...names].reverse(), names.slice(3, 5), ['__proto__', ...names.slice(0, 9)]];
  for (let round = 0; round < 3; round++) {
    for (const order of orders) {
      const ex = decodeExample(
        encodeExample(buildExample(Object.fromEntries(order.map((n, i) => [n, int64List([i + round])])))),
      );
      assert.equal(Object.getPrototypeOf(ex.features), null);
      assert.deepEqual(Object.keys(ex.features), order);
      order.forEach((n, i) => {
        assert.deepEqual(ex.features[n], { kind: 'int64', values: BigInt64Array.of(BigInt(i + round)) });
      });
    }
  }
  // A name repeated at positions 1 and 9: one key, the last value, first position.
  const entry = (name: string, v: number): number[] => {
    const feature = [0x1a, 0x03, 0x0a, 0x01, v]; // int64_list { value: [v] }
    const key = [...enc(name)];
    const body = [0x0a, key.length, ...key, 0x12, feature.length, ...feature];
    return [0x0a, body.length, ...body];
  };
  const entries = names.slice(0, 10).flatMap((n, i) => entry(i === 9 ? 'f1' : n, i));
  assert.ok(entries.length >= 128 && entries.length < 16384);
  const len = [(entries.length & 0x7f) | 0x80, entries.length >> 7]; // two-byte varint
  const ex = decodeExample(Uint8Array.from([0x0a, ...len, ...entries]));
  assert.deepEqual(Object.keys(ex.features), names.slice(0, 9));
  assert.deepEqual(ex.features['f1'], { kind: 'int64', values: BigInt64Array.of(9n) });
});

test('SequenceExample maps are null-prototype maps holding every entry', () => {
  const bytes = encodeSequenceExample(
    buildSequenceExample({
      context: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, floatList([i])])),
      featureLists: Object.fromEntries([
        ['steps', [int64List([1]), int64List([2])]],
        ['__proto__', [bytesList([enc('x')])]],
      ]),
    }),
  );
  const s = decodeSequenceExample(bytes);
  assert.equal(Object.getPrototypeOf(s.context), null);
  assert.equal(Object.getPrototypeOf(s.featureLists), null);
  assert.equal(Object.keys(s.context).length, 10);
  assert.deepEqual(s.context['c9'], { kind: 'float', values: Float32Array.of(9) });
  assert.deepEqual(Object.keys(s.featureLists), ['steps', '__proto__']);
  // biome-ignore lint/suspicious/noProto: the test is that a list named __proto__ is an ordinary key
  assert.equal(s.featureLists['__proto__']!.length, 1);
});
