import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { WASM_STAGE_BYTES, WASM_WINDOW_BYTES } from '../src/framing/crc32c-wasm.js';
import {
  WASM_MIN_BYTES,
  crc32c,
  crc32cRange,
  crc32cRangeJs,
  crc32cRangeWasm,
  crc32cWalk,
  endCrcWalk,
  maskCrc,
  setCrc32cBackend,
  unmaskCrc,
} from '../src/framing/crc32c.js';
import { absent, sharedPath } from '@pastiche/testing';

/** Bit-at-a-time CRC32C, the definition the table-driven code must match. */
function reference(data: Uint8Array, initial = 0): number {
  let c = ~initial >>> 0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);
const range = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i));

test('CRC32C check value: "123456789" -> 0xE3069283', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
});

test('CRC32C of the empty input is 0', () => {
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('CRC32C iSCSI vectors (RFC 3720 B.4)', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(range(32, (i) => i)), 0x46dd794e);
  assert.equal(crc32c(range(32, (i) => 31 - i)), 0x113fdb5c);
  const scsiRead = bytes(
    0x01,
    0xc0,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x14,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x04,
    0x00,
    0x00,
    0x00,
    0x00,
    0x14,
    0x00,
    0x00,
    0x00,
    0x18,
    0x28,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x02,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
  );
  assert.equal(crc32c(scsiRead), 0xd9963a56);
});

test('CRC32C matches the bit-at-a-time definition at every length and alignment up to 200', () => {
  const data = range(256, (i) => (i * 167 + 13) & 0xff);
  for (let off = 0; off < 8; off++) {
    for (let n = 0; n + off <= 208; n++) {
      const view = data.subarray(off, off + n);
      assert.equal(crc32c(view), reference(view), `offset ${off} length ${n}`);
    }
  }
});

test('CRC32C equals the definition on random inputs and views (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(7), (data, off) => {
      const view = data.subarray(Math.min(off, data.length));
      assert.equal(crc32c(view), reference(view));
    }),
    { numRuns: 200 },
  );
});

test('crc32cRange(data, start, end) equals crc32c of that subarray (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1000 }), fc.nat(), fc.nat(), (data, x, y) => {
      const a = x % (data.length + 1);
      const b = y % (data.length + 1);
      const [start, end] = a <= b ? [a, b] : [b, a];
      assert.equal(crc32cRange(data, start, end), reference(data.subarray(start, end)));
    }),
    { numRuns: 300 },
  );
});

test('CRC32C continues from an initial CRC: crc(a ++ b) = crc(b, crc(a))', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ maxLength: 500 }), (a, b) => {
      const ab = new Uint8Array(a.length + b.length);
      ab.set(a);
      ab.set(b, a.length);
      assert.equal(crc32c(b, crc32c(a)), crc32c(ab));
      assert.equal(crc32c(b, reference(a)), reference(ab));
    }),
    { numRuns: 200 },
  );
});

test('maskCrc is rotate-right-15 plus 0xa282ead8; unmaskCrc inverts it', () => {
  assert.equal(maskCrc(0), 0xa282ead8);
  // 0x00008000 rotated right by 15 is 1.
  assert.equal(maskCrc(0x8000), 0xa282ead9);
  assert.equal(maskCrc(1), (0x20000 + 0xa282ead8) >>> 0);
  const c = crc32c(new TextEncoder().encode('foo'));
  assert.notEqual(maskCrc(c), c);
  assert.notEqual(maskCrc(maskCrc(c)), maskCrc(c));
  assert.equal(unmaskCrc(maskCrc(c)), c);
  assert.equal(unmaskCrc(unmaskCrc(maskCrc(maskCrc(c)))), c);
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), (x) => {
      const m = maskCrc(x);
      assert.ok(m >= 0 && m <= 0xffffffff && Number.isInteger(m));
      assert.equal(unmaskCrc(m), x);
      assert.equal(maskCrc(unmaskCrc(x)), x);
    }),
  );
});

test('the length CRC of a record written by TensorFlow matches', (t) => {
  const path = sharedPath('data', 'tfrecord', 'cs20-friday.tfrecord');
  if (path === undefined) return t.skip(absent('data/tfrecord/cs20-friday.tfrecord'));
  const head = new Uint8Array(readFileSync(path).subarray(0, 12));
  const stored = new DataView(head.buffer).getUint32(8, true);
  assert.equal(maskCrc(crc32c(head.subarray(0, 8))), stored);
});

// The wasm kernel (crc32c.wat) against the JS loop. Lengths cover the
// short-input crossover (WASM_MIN_BYTES) and inputs longer than the 64 KiB
// wasm window, which are hashed window by window.
test('the wasm kernel loads here (Node 20 has WebAssembly)', () => {
  assert.equal(setCrc32cBackend('auto'), 'wasm');
  assert.notEqual(crc32cRangeWasm(new Uint8Array(1), 0, 1), undefined);
});

test('wasm and JS agree at every length and alignment up to 200, and around the crossover', () => {
  setCrc32cBackend('auto');
  const data = range(WASM_MIN_BYTES + 80, (i) => (i * 167 + 13) & 0xff);
  const lengths = [
    ...Array.from({ length: 201 }, (_, n) => n),
    ...Array.from({ length: 64 }, (_, k) => WASM_MIN_BYTES - 32 + k),
  ];
  for (let off = 0; off < 8; off++) {
    for (const n of lengths) {
      const js = crc32cRangeJs(data, off, off + n, 0x12345678);
      assert.equal(crc32cRangeWasm(data, off, off + n, 0x12345678), js, `offset ${off} length ${n}`);
      assert.equal(crc32cRange(data, off, off + n, 0x12345678), js, `offset ${off} length ${n}`);
    }
  }
});

test('wasm and JS agree on random inputs, ranges and initial CRCs (property)', () => {
  setCrc32cBackend('auto');
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2 * WASM_WINDOW_BYTES + 100 }),
      fc.nat(),
      fc.nat(),
      fc.nat({ max: 0xffffffff }),
      (data, x, y, initial) => {
        const a = x % (data.length + 1);
        const b = y % (data.length + 1);
        const [start, end] = a <= b ? [a, b] : [b, a];
        const js = crc32cRangeJs(data, start, end, initial);
        assert.equal(crc32cRangeWasm(data, start, end, initial), js);
        assert.equal(crc32cRange(data, start, end, initial), js);
      },
    ),
    { numRuns: 150 },
  );
});

test('wasm hashes inputs longer than its window, across window edges', () => {
  setCrc32cBackend('auto');
  const big = range(3 * WASM_WINDOW_BYTES + 37, (i) => (i * 2654435761) >>> 24);
  for (const [start, end] of [
    [0, big.length],
    [1, WASM_WINDOW_BYTES + 1],
    [5, 2 * WASM_WINDOW_BYTES + 3],
    [WASM_WINDOW_BYTES - 7, WASM_WINDOW_BYTES + 9],
  ] as const) {
    const js = crc32cRangeJs(big, start, end);
    assert.equal(crc32cRangeWasm(big, start, end), js, `[${start}, ${end})`);
    assert.equal(crc32c(big.subarray(start, end)), js, `[${start}, ${end})`);
  }
  assert.equal(crc32c(big.subarray(0, 300)), reference(big.subarray(0, 300)));
  assert.equal(crc32c(big), reference(big));
});

test('without WebAssembly, CRC32C falls back to the JS loop and stays correct', () => {
  const g = globalThis as { WebAssembly?: unknown };
  const saved = g.WebAssembly;
  const data = range(5000, (i) => (i * 31 + 7) & 0xff);
  const expected = reference(data);
  try {
    delete g.WebAssembly;
    assert.equal(setCrc32cBackend('auto'), 'js');
    assert.equal(crc32cRangeWasm(data, 0, data.length), undefined);
    assert.equal(crc32c(data), expected);
    assert.equal(crc32cRange(data, 3, 4000), reference(data.subarray(3, 4000)));
    // A WebAssembly that refuses to compile (as under a CSP without 'wasm-unsafe-eval').
    g.WebAssembly = {
      Module: class {
        constructor() {
          throw new Error('CompileError: WebAssembly.Module(): Refused to compile');
        }
      },
      Instance: class {},
    };
    assert.equal(setCrc32cBackend('auto'), 'js');
    assert.equal(crc32c(data), expected);
  } finally {
    g.WebAssembly = saved;
    assert.equal(setCrc32cBackend('auto'), 'wasm');
  }
  assert.equal(crc32c(data), expected);
});

test("setCrc32cBackend('js') forces the JS loop for every length", () => {
  const data = range(4000, (i) => (i * 13 + 1) & 0xff);
  try {
    assert.equal(setCrc32cBackend('js'), 'js');
    assert.equal(crc32cRangeWasm(data, 0, data.length), undefined);
    assert.equal(crc32c(data), reference(data));
  } finally {
    setCrc32cBackend('auto');
  }
});

test('crc32cWalk (ranges hashed from a staged span) agrees with the JS loop, and a new walk sees changed bytes', () => {
  setCrc32cBackend('auto');
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3 * WASM_STAGE_BYTES }),
      fc.array(fc.nat({ max: 70000 }), { minLength: 1, maxLength: 40 }),
      (data, lengths) => {
        // Walk forward: consecutive ranges of the given lengths (clipped), some longer than a stage.
        let p = 0;
        for (const l of lengths) {
          const end = Math.min(data.length, p + l);
          assert.equal(crc32cWalk(data, p, end), crc32cRangeJs(data, p, end));
          p = end;
        }
        endCrcWalk();
      },
    ),
    { numRuns: 60 },
  );
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
  const before = crc32cWalk(data, 100, 1100);
  endCrcWalk();
  data[500] = data[500]! ^ 0xff;
  const after = crc32cWalk(data, 100, 1100);
  endCrcWalk();
  assert.notEqual(after, before);
  assert.equal(after, crc32cRangeJs(data, 100, 1100));
});
