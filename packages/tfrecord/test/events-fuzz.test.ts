/**
 * Robustness: truncated and byte-flipped Events (from the golden files, or built
 * when ../shared is absent) either decode or fail with TFRecordError
 * INVALID_PROTO; whatever decodes prints as JSON and re-encodes without error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeRecords } from '../src/framing/decode.js';
import { SeededRandom } from '../src/dataset/random.js';
import { histogramValue, imageValue, scalarValue, summaryEvent, textValue } from '../src/events/build.js';
import { decodeEvent, isEventRecord } from '../src/events/decode.js';
import { encodeEvent } from '../src/events/encode.js';
import { eventToJSONLine } from '../src/events/json.js';
import { isTFRecordError } from '../src/errors.js';
import { sharedPath } from '@pastiche/testing';

function samples(): Uint8Array[] {
  const dir = sharedPath('data', 'tfevents');
  if (dir !== undefined) {
    return ['tb-scalars.tfevents', 'tb-images.tfevents', 'tb-tensor-scalars.tfevents'].flatMap((f) => [
      ...decodeRecords(new Uint8Array(readFileSync(join(dir, f)))),
    ]);
  }
  // Signature and a whole IHDR chunk (3 x 2, RGB, with its CRC): what imageValue reads a PNG's size from.
  const png = new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 3, 0, 0, 0, 2, 8, 2,
    0, 0, 0, 0x12, 0x16, 0xf1, 0x4d,
  ]);
  return [
    summaryEvent(scalarValue('a', 1.5), { step: 3, wallTime: 1 }),
    summaryEvent(scalarValue('a', 1.5, { form: 'tf2' }), { step: 3, wallTime: 1 }),
    summaryEvent(imageValue('i', png, { form: 'tf2' }), { step: 3, wallTime: 1 }),
    summaryEvent(histogramValue('h', [1, 2, 3]), { step: 3, wallTime: 1 }),
    summaryEvent(textValue('t', 'x'), { step: 3, wallTime: 1 }),
  ].map(encodeEvent);
}

function check(bytes: Uint8Array, what: string): void {
  let decoded: ReturnType<typeof decodeEvent> | undefined;
  try {
    decoded = decodeEvent(bytes);
  } catch (e) {
    assert.ok(isTFRecordError(e, 'INVALID_PROTO'), `${what}: ${String(e)}`);
    assert.match((e as Error).message, /^invalid Event: .+ at byte \d+/);
    return;
  }
  assert.equal(typeof eventToJSONLine(decoded), 'string');
  // Decoded from arbitrary bytes, an Event may hold two oneof members only if the decoder is wrong.
  encodeEvent(decoded);
  isEventRecord(bytes);
}

test('every truncation of every sample decodes or fails with INVALID_PROTO', () => {
  for (const [k, rec] of samples().entries()) {
    for (let n = 0; n < rec.length; n += Math.max(1, rec.length >> 6))
      check(rec.subarray(0, n), `sample ${k} cut at ${n}`);
  }
});

test('random byte flips decode or fail with INVALID_PROTO', () => {
  const rng = new SeededRandom(11);
  const all = samples();
  for (let i = 0; i < 3000; i++) {
    const src = all[i % all.length]!;
    const copy = src.slice();
    const flips = 1 + rng.nextInt(4);
    for (let f = 0; f < flips; f++) copy[rng.nextInt(copy.length)] = rng.nextInt(256);
    check(copy, `flip case ${i}`);
  }
});
