/**
 * The Example decoder's fast path (src/example/fast.ts) may only ever give
 * what the general decoder gives, or give up: same keys in the same order,
 * same kinds, same values bit for bit, views of the same buffer, a
 * null-prototype map. And it must actually be taken for records as
 * TensorFlow and our writer lay them out, or it is dead weight.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { absent, sharedPath } from '@pastiche/testing';
import { buildExample, bytesList, floatList, int64List } from '../src/example/build.js';
import { decodeExample, decodeExampleGeneral } from '../src/example/decode.js';
import { encodeExample } from '../src/example/encode.js';
import { fastFeatures } from '../src/example/fast.js';
import type { Feature, Features } from '../src/example/types.js';
import { decodeRecords } from '../src/framing/decode.js';
import { bytes, ld, normFeatures, rng } from './example-wire.js';

/** Asserts that the fast path gives up on `input` or equals the general decoder; returns whether it was taken. */
function agrees(input: Uint8Array, what: string): boolean {
  let general: Features | undefined;
  try {
    general = decodeExampleGeneral(input).features;
  } catch {
    general = undefined;
  }
  const fast = input.length > 0 ? fastFeatures(input) : undefined;
  if (fast === undefined) return false;
  assert.ok(general !== undefined, `${what}: the fast path accepted a record the general decoder refuses`);
  assert.equal(Object.getPrototypeOf(fast), null, what);
  assert.deepEqual(normFeatures(fast), normFeatures(general), what);
  const g: Features = general;
  for (const k of Object.keys(g)) {
    const a: Feature = g[k]!;
    const b: Feature = fast[k]!;
    assert.equal(b.kind, a.kind, `${what}: ${k}`);
    if (a.kind === 'bytes' && b.kind === 'bytes') {
      b.values.forEach((v: Uint8Array, i: number) => {
        const w = a.values[i]!;
        assert.equal(v.buffer, w.buffer, `${what}: ${k}[${i}] views the input`);
        assert.equal(v.byteOffset, w.byteOffset, `${what}: ${k}[${i}]`);
        assert.equal(v.constructor, w.constructor, `${what}: ${k}[${i}] class`);
      });
    }
    if (a.kind === 'float' && b.kind === 'float')
      assert.equal(
        b.values.buffer === input.buffer,
        a.values.buffer === input.buffer,
        `${what}: ${k} shares the input as the general path does`,
      );
  }
  return true;
}

const canonical = encodeExample(
  buildExample({
    image: Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff),
    label: 3,
    ids: int64List([0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, -1, -(2 ** 40), 2n ** 63n - 1n, -(2n ** 63n)]),
    small: int64List([5, -5, 1000]),
    x: floatList([0.5, Number.NaN, -0, Number.POSITIVE_INFINITY]),
    long: floatList(Array.from({ length: 40 }, (_, i) => i / 3)),
    names: bytesList([new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array(200).fill(9)]),
    noBytes: bytesList([]),
    noFloats: floatList([]),
    noInts: int64List([]),
    nothing: { kind: 'none' },
    ключ: 1,
    [`k${'x'.repeat(70)}`]: 2,
  }),
);

test('the fast path is taken for records as our writer lays them out, at every alignment, and agrees', () => {
  for (let shift = 0; shift < 4; shift++) {
    const b = new Uint8Array(canonical.length + shift).subarray(shift);
    b.set(canonical);
    assert.ok(agrees(b, `shift ${shift}`), `shift ${shift}: the fast path gave up`);
    assert.ok(agrees(Buffer.from(b), `Buffer, shift ${shift}`), 'Buffer input');
  }
  // decodeExample itself gives the same as the general decoder.
  assert.deepEqual(
    normFeatures(decodeExample(canonical).features),
    normFeatures(decodeExampleGeneral(canonical).features),
  );
});

test('a map entry without a value, or with an empty one, is a Feature of no kind on both paths', () => {
  const noValue = ld(1, ld(1, ld(1, bytes(0x61))), ld(1, ld(1, bytes(0x62)), ld(2, ld(3, ld(1, bytes(5))))));
  const emptyValue = ld(1, ld(1, ld(1, bytes(0x61)), ld(2, bytes())));
  for (const [what, input] of [
    ['no value', noValue],
    ['empty value', emptyValue],
  ] as const) {
    assert.ok(agrees(input, what), `${what}: the fast path gave up`);
    assert.equal(decodeExample(input).features['a']?.kind, 'none', what);
  }
});

test('the fast path gives up on layouts it does not read, and the general decoder decodes them', () => {
  const feature = ld(3, ld(1, bytes(5))); // int64_list { value: [5] } as a Feature body
  const cases: [string, Uint8Array][] = [
    ['value before key', ld(1, bytes(ld(1, bytes(ld(2, feature), ld(1, bytes(0x61))))))],
    ['unpacked int64', ld(1, bytes(ld(1, bytes(ld(1, bytes(0x61)), ld(2, ld(3, bytes(0x08, 5)))))))],
    ['unpacked float', ld(1, bytes(ld(1, bytes(ld(1, bytes(0x61)), ld(2, ld(2, bytes(0x0d, 0, 0, 0x80, 0x3f)))))))],
    ['two features fields', bytes(ld(1, bytes(ld(1, bytes(ld(1, bytes(0x61)), ld(2, feature))))), ld(1, bytes()))],
    ['an unknown field', bytes(ld(1, bytes(ld(1, bytes(ld(1, bytes(0x61)), ld(2, feature))))), 0x10, 1)],
    ['two lists in one Feature', ld(1, bytes(ld(1, bytes(ld(1, bytes(0x61)), ld(2, bytes(feature, feature))))))],
  ];
  for (const [what, input] of cases) {
    assert.equal(fastFeatures(input), undefined, what);
    assert.doesNotThrow(() => decodeExampleGeneral(input), what);
    assert.deepEqual(
      normFeatures(decodeExample(input).features),
      normFeatures(decodeExampleGeneral(input).features),
      what,
    );
  }
});

test('fuzz: on mutated records the fast path gives up or agrees with the general decoder (4000 cases, seed 1)', () => {
  const seen = { fast: 0, general: 0 };
  for (let seed = 1; seed <= 4000; seed++) {
    const r = rng(seed);
    const b = Uint8Array.from(canonical);
    const flips = 1 + Math.floor(r() * 3);
    for (let m = 0; m < flips; m++) {
      const pos = Math.floor(r() * b.length);
      b[pos] =
        r() < 0.5
          ? b[pos]! ^ (1 << Math.floor(r() * 8))
          : [0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a][Math.floor(r() * 7)]!;
    }
    const cut = r() < 0.2 ? b.subarray(0, Math.floor(r() * b.length)) : b;
    if (agrees(cut, `seed ${seed}`)) seen.fast++;
    else seen.general++;
  }
  // Both must occur, or the mutations do not reach the fast path's checks.
  assert.ok(seen.fast > 100 && seen.general > 100, JSON.stringify(seen));
});

test('golden files: every Example TensorFlow wrote takes the fast path and agrees', (t) => {
  const dir = sharedPath('data', 'tfrecord');
  if (dir === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  let taken = 0;
  for (const f of readdirSync(dir).filter((n) => !n.endsWith('.jsonl') && !n.endsWith('.jpg'))) {
    const first = readFileSync(join(dir, `${f}.jsonl`), 'utf8');
    if (first.startsWith('{"context"')) continue;
    let raw: Uint8Array = readFileSync(join(dir, f));
    if (f.endsWith('.gz')) raw = gunzipSync(raw);
    let i = 0;
    for (const r of decodeRecords(raw)) {
      assert.ok(agrees(r, `${f} record ${i}`), `${f} record ${i}: the fast path gave up`);
      i++;
      taken++;
    }
  }
  assert.ok(taken > 0, 'no golden record took the fast path');
});
