/**
 * Golden files: every record of every file in ../shared/data/tfrecord/ decodes to
 * exactly the JSON that Google's protobuf runtime produced (X.jsonl), compared as
 * parsed JSON and as exact text (Python's json.dumps(sort_keys=True) layout), and
 * re-encodes to the very bytes TensorFlow wrote.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeRecords } from '../src/framing/decode.js';
import { decodeExample, decodeSequenceExample } from '../src/example/decode.js';
import { encodeExample, encodeSequenceExample } from '../src/example/encode.js';
import { exampleToJSON, sequenceExampleToJSON } from '../src/example/json.js';
import { hex } from './example-wire.js';
import { absent, sharedPath } from '@pastiche/testing';

const dir = sharedPath('data', 'tfrecord');

/** Python's repr of a float (shortest round-trip digits; exponent form outside 1e-4 <= |x| < 1e16). */
function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
  assert.ok(m);
  const digits = m[1]! + (m[2] ?? '');
  const e = Number(m[3]);
  if (e >= -4 && e < 16) {
    if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
    const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
    const frac = digits.slice(e + 1);
    return `${sign}${int}.${frac === '' ? '0' : frac}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** `json.dumps(value, sort_keys=True)` as Python prints it (numbers here are always floats). */
function pythonJSON(v: unknown): string {
  if (typeof v === 'number') return pythonFloat(v);
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(v)) return `[${v.map(pythonJSON).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${pythonJSON(k)}: ${pythonJSON((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

test('pythonFloat matches Python repr on known values', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0.1, '0.1'],
    [Math.fround(0.1), '0.10000000149011612'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
    [3.4028234663852886e38, '3.4028234663852886e+38'],
    [-0, '-0.0'],
  ];
  for (const [x, py] of cases) assert.equal(pythonFloat(x), py);
});

function recordsOf(file: string): Uint8Array[] {
  let buf: Uint8Array = readFileSync(file);
  if (file.endsWith('.gz')) buf = gunzipSync(buf);
  return [...decodeRecords(buf)];
}

test('every golden file decodes to its .jsonl exactly and re-encodes to the same bytes', (t) => {
  if (dir === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  const files = readdirSync(dir).filter((f) => !f.endsWith('.jsonl') && !f.endsWith('.jpg'));
  assert.ok(files.length >= 5, `expected the five golden files, found ${files.join(', ')}`);
  for (const f of files) {
    const lines: string[] = readFileSync(join(dir, `${f}.jsonl`), 'utf8').split('\n');
    assert.equal(lines.pop(), '', `${f}.jsonl ends with a newline`);
    const records = recordsOf(join(dir, f));
    assert.equal(records.length, lines.length, `${f}: record count`);
    const sequence = lines[0]!.startsWith('{"context"');
    records.forEach((r, i) => {
      const json = sequence ? sequenceExampleToJSON(decodeSequenceExample(r)) : exampleToJSON(decodeExample(r));
      assert.deepEqual(json, JSON.parse(lines[i]!), `${f} record ${i}`);
      assert.equal(pythonJSON(json), lines[i], `${f} record ${i} as text`);
      // Insertion order is file order, so TensorFlow's bytes come back exactly.
      const again = sequence ? encodeSequenceExample(decodeSequenceExample(r)) : encodeExample(decodeExample(r));
      if (again.length !== r.length || hex(again) !== hex(r)) assert.fail(`${f} record ${i}: re-encoding differs`);
    });
  }
});

test('pwnall-singles: each single-feature Example encodes byte-identically to TensorFlow', (t) => {
  if (dir === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  const records = recordsOf(join(dir, 'pwnall-singles.tfrecords'));
  assert.equal(records.length, 3);
  const kinds = records.map((r) => {
    const ex = decodeExample(r);
    assert.equal(Object.keys(ex.features).length, 1);
    assert.equal(hex(encodeExample(ex)), hex(r));
    return Object.values(ex.features)[0]!.kind;
  });
  assert.deepEqual(kinds, ['int64', 'float', 'bytes']);
});

test('cs20-friday: shape is int32 LE [322, 403, 3] and image holds that many pixels', (t) => {
  if (dir === undefined) {
    t.skip(absent('data/tfrecord'));
    return;
  }
  const [r] = recordsOf(join(dir, 'cs20-friday.tfrecord'));
  const fs = decodeExample(r!).features;
  assert.deepEqual(Object.keys(fs), ['label', 'shape', 'image']);
  const shape = fs['shape']!;
  assert.equal(shape.kind, 'bytes');
  const s = shape.kind === 'bytes' ? shape.values[0]! : new Uint8Array(0);
  const view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  assert.deepEqual([view.getInt32(0, true), view.getInt32(4, true), view.getInt32(8, true)], [322, 403, 3]);
  const image = fs['image']!;
  assert.equal(image.kind === 'bytes' && image.values[0]!.length, 322 * 403 * 3);
  assert.equal(fs['label']!.kind, 'int64');
});
