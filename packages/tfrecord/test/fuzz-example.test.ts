/**
 * Fuzzing the Example decoders: random bytes and mutated valid records (bit
 * flips, truncations, insertions, deletions, splices). The decoders may only
 * ever throw TFRecordError('INVALID_PROTO'); whatever they accept must survive
 * encode -> decode unchanged. Iterations are bounded by count and by time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isTFRecordError } from '../src/errors.js';
import { buildExample, buildSequenceExample, int64List } from '../src/example/build.js';
import { decodeExample, decodeFeature, decodeSequenceExample } from '../src/example/decode.js';
import { encodeExample, encodeFeature, encodeSequenceExample } from '../src/example/encode.js';
import { UNKNOWN_FIELDS, bytes, ld, norm, normFeatures, normSequence, rng } from './example-wire.js';

const corpus: Uint8Array[] = [
  encodeExample(
    buildExample({
      label: 3,
      shape: new Uint8Array(new Int32Array([4, 4, 3]).buffer),
      image: Uint8Array.from({ length: 48 }, (_, i) => i),
      x: [0.5, 1.5, -2.25],
      big: [2n ** 62n, -(2n ** 63n), -1n],
      name: ['cat', 'dog'],
      empty: int64List([]),
      none: { kind: 'none' },
    }),
  ),
  encodeSequenceExample(
    buildSequenceExample({
      context: { id: 7, w: 0.25 },
      featureLists: { tokens: [[1, 2, 3], [400000], ['a', 'b']], f: [[0.5, 1.5]] },
    }),
  ),
  encodeFeature(int64List([1, -1, 300])),
  bytes(UNKNOWN_FIELDS, encodeExample(buildExample({ a: 1 }))),
];

type Outcome = 'ok' | 'error';

function check(input: Uint8Array, seed: number): Outcome[] {
  const outcomes: Outcome[] = [];
  const run = (fn: () => void): void => {
    try {
      fn();
      outcomes.push('ok');
    } catch (e) {
      if (!isTFRecordError(e, 'INVALID_PROTO')) {
        assert.fail(`seed ${seed}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      assert.match(e.message, /^invalid (Example|SequenceExample|Feature): .* at byte \d+/);
      outcomes.push('error');
    }
  };
  run(() => {
    const ex = decodeExample(input);
    assert.deepEqual(
      normFeatures(decodeExample(encodeExample(ex)).features),
      normFeatures(ex.features),
      `seed ${seed}`,
    );
  });
  run(() => {
    const se = decodeSequenceExample(input);
    assert.deepEqual(normSequence(decodeSequenceExample(encodeSequenceExample(se))), normSequence(se), `seed ${seed}`);
  });
  run(() => {
    const f = decodeFeature(input);
    assert.deepEqual(norm(decodeFeature(encodeFeature(f))), norm(f), `seed ${seed}`);
  });
  return outcomes;
}

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  const n = 1 + Math.floor(r() * 4);
  for (let m = 0; m < n; m++) {
    const pos = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: // bit flip
        if (b.length > 0) b[pos % b.length]! ^= 1 << Math.floor(r() * 8);
        break;
      case 1: // truncation
        b = b.subarray(0, pos);
        break;
      case 2: {
        // insertion of random bytes
        const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 6) }, () => Math.floor(r() * 256));
        b = bytes(b.subarray(0, pos), ins, b.subarray(pos));
        break;
      }
      case 3: // deletion
        b = bytes(b.subarray(0, pos), b.subarray(pos + 1 + Math.floor(r() * 4)));
        break;
      case 4: // byte set to a boundary value (lengths, continuation bits)
        if (b.length > 0)
          b[pos % b.length] = [0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x0b, 0x0c][Math.floor(r() * 9)]!;
        break;
      default: {
        // splice in a slice of another corpus entry
        const other = corpus[Math.floor(r() * corpus.length)]!;
        const s = Math.floor(r() * other.length);
        b = bytes(b.subarray(0, pos), other.subarray(s, s + 1 + Math.floor(r() * 20)), b.subarray(pos));
      }
    }
  }
  return b;
}

/** Fixed case count and seed: a slow machine runs the same cases, only slower. */
/** fast-check seed, printed in the test names so a failure can be replayed. */
const FC_SEED = 20261201;
const MUTATION_CASES = 3000;
const MUTATION_SEED = 1;

test(`fuzz: mutated valid records only ever raise INVALID_PROTO, and what decodes re-encodes stably (${MUTATION_CASES} cases from seed ${MUTATION_SEED})`, (t) => {
  t.diagnostic(`seed ${MUTATION_SEED}, ${MUTATION_CASES} cases`);
  const seen = { ok: 0, error: 0 };
  for (let seed = MUTATION_SEED; seed < MUTATION_SEED + MUTATION_CASES; seed++) {
    const r = rng(seed);
    const input = mutate(corpus[seed % corpus.length]!, r);
    // Also at an odd offset, so aligned and unaligned float paths both run.
    const shifted = new Uint8Array(input.length + 1).subarray(1);
    shifted.set(input);
    for (const o of [...check(input, seed), ...check(shifted, seed)]) seen[o]++;
  }
  // Both outcomes must occur, or the mutations are not exercising the decoder.
  assert.ok(seen.ok > 0 && seen.error > 0, JSON.stringify(seen));
});

test(`fuzz: random bytes only ever raise INVALID_PROTO (3000 cases, seed ${FC_SEED})`, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer(), (b, seed) => {
      check(b, seed);
    }),
    { numRuns: 3000, seed: FC_SEED },
  );
});

test('fuzz: adversarial shapes do not hang or over-allocate', () => {
  // A huge declared length with few bytes present.
  const huge = bytes(0x0a, [0xff, 0xff, 0xff, 0xff, 0x0f], 0x0a);
  check(huge, 0);
  // Thousands of one-byte int64 values: counted, then one exact allocation.
  const many = ld(3, ld(1, new Uint8Array(20000).fill(1)));
  const f = decodeFeature(many);
  assert.equal(f.kind === 'int64' && f.values.length, 20000);
  // Deeply nested groups are refused at a bounded depth rather than overflowing.
  const deep = bytes(...Array.from({ length: 5000 }, () => 0x2b));
  assert.throws(() => decodeExample(deep), { code: 'INVALID_PROTO' });
  // A long chain of empty nested messages is flat work.
  const entries = bytes(...Array.from({ length: 5000 }, () => [0x0a, 0x00]).flat());
  assert.deepEqual(Object.keys(decodeExample(bytes(0x0a, [0x90, 0x4e], entries)).features), ['']);
});
