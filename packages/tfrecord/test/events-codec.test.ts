/**
 * The tensorflow.Event codec and its JSON form: every record of every golden file
 * in ../shared/data/tfevents/ prints exactly the line TensorBoard's protobuf
 * classes printed (X.jsonl), and re-encodes to the very bytes the writers wrote;
 * malformed input fails with the byte and the field path.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeRecord } from '../src/framing/encode.js';
import { decodeRecords } from '../src/framing/decode.js';
import { encodeExample } from '../src/example/encode.js';
import { buildExample } from '../src/example/build.js';
import { decodeEvent, isEventFileName, isEventRecord } from '../src/events/decode.js';
import { encodeEvent } from '../src/events/encode.js';
import { eventToJSONLine } from '../src/events/json.js';
import { pyFloat32Repr, pyFloatRepr } from '../src/events/pyjson.js';
import { DataType } from '../src/events/types.js';
import type { Event } from '../src/events/types.js';
import { ProtoWriter, WireType } from '../src/wire/writer.js';
import { TFRecordError } from '../src/errors.js';
import { absent, sharedPath } from '@pastiche/testing';

const dir = sharedPath('data', 'tfevents');
const golden = dir === undefined ? [] : readdirSync(dir).filter((f) => f.endsWith('.tfevents'));

test('golden event files are present', { skip: dir === undefined ? absent('data/tfevents') : false }, () => {
  assert.deepEqual(golden.sort(), ['tb-images.tfevents', 'tb-scalars.tfevents', 'tb-tensor-scalars.tfevents']);
});

for (const name of golden) {
  const file = new Uint8Array(readFileSync(join(dir!, name)));
  const lines = readFileSync(join(dir!, `${name}.jsonl`), 'utf8').split('\n');
  assert.equal(lines.pop(), '', `${name}.jsonl ends with a newline`);

  test(`${name}: every record prints its golden JSON line exactly`, () => {
    const records = [...decodeRecords(file)];
    assert.equal(records.length, lines.length);
    for (let i = 0; i < records.length; i++) {
      assert.equal(eventToJSONLine(decodeEvent(records[i]!)), lines[i], `record ${i}`);
    }
  });

  test(`${name}: re-encoding every record (and re-framing the file) gives the original bytes`, () => {
    const parts: Uint8Array[] = [];
    let i = 0;
    for (const rec of decodeRecords(file)) {
      const again = encodeEvent(decodeEvent(rec));
      assert.deepEqual(Buffer.from(again), Buffer.from(rec), `record ${i++}`);
      parts.push(encodeRecord(again));
    }
    assert.deepEqual(Buffer.concat(parts), Buffer.from(file));
  });

  test(`${name}: the first record is recognised as an event file, no other record is`, () => {
    const records = [...decodeRecords(file)];
    assert.equal(isEventRecord(records[0]!), true);
    const first = decodeEvent(records[0]!);
    assert.equal(first.fileVersion, 'brain.Event:2');
    assert.equal(first.sourceMetadata?.writer, 'tensorboard.summary.writer.event_file_writer');
    for (const rec of records.slice(1)) assert.equal(isEventRecord(rec), false);
  });
}

test('isEventRecord is false for Examples, garbage and other file versions', () => {
  const example = encodeExample(buildExample({ file_version: 'brain.Event:2', x: [1, 2] }));
  assert.equal(isEventRecord(example), false);
  assert.equal(isEventRecord(new Uint8Array([0x1a, 0x0d, 0x62, 0x72, 0x61, 0x69, 0x6e])), false);
  assert.equal(isEventRecord(new Uint8Array(40).fill(0xff)), false);
  assert.equal(isEventRecord(encodeEvent({ wallTime: 1, fileVersion: 'other:2' })), false);
  assert.equal(isEventRecord(encodeEvent({ fileVersion: 'brain.Event:1' })), true);
  assert.equal(isEventRecord('brain.Event:2' as unknown as Uint8Array), false);
  assert.equal(isEventFileName('events.out.tfevents.1700000000.host.1.0'), true);
  assert.equal(isEventFileName('tb-scalars.tfevents'), true);
  assert.equal(isEventFileName('train.tfrecord'), false);
});

// Cross-checked offline against Python 3's repr on 300,291 doubles (random bit patterns,
// random magnitudes 1e-8..1e20, and 50 neighbours each side of 1e-5, 1e-4, 1e15, 1e16): all equal.
test('pyFloatRepr prints Python repr', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [-0, '-0.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.2345e16, '1.2345e+16'],
    [123.456, '123.456'],
    [1700000001.125, '1700000001.125'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [-2.5e-12, '-2.5e-12'],
    [1e21, '1e+21'],
    [0.1 + 0.2, '0.30000000000000004'],
  ];
  for (const [x, want] of cases) assert.equal(pyFloatRepr(x), want, String(x));
});

// Cross-checked offline against Python 3 (struct + '%.*g' + repr, protobuf's ToShortestFloat)
// on 247,226 float32 values, ties included: all equal.
test('pyFloat32Repr prints the shortest %g from 6 digits that rounds back to the float32', () => {
  const cases: [number, string][] = [
    [Math.fround(0.1), '0.1'],
    [Math.fround(100.33333587646484), '100.333336'],
    [Math.fround(1 / 3), '0.33333334'],
    [16777216, '16777216.0'],
    [Math.fround(3.4028234663852886e38), '3.4028235e+38'],
    [Math.fround(1e-45), '1.4013e-45'],
    [Math.fround(123456789), '123456790.0'],
    [2 ** 33 + 1024 * 3, '8589938000.0'],
    // exact ties at the deciding digit round half to even, as Python's '%g' does
    [3061734.25, '3061734.2'],
    [-346688.625, '-346688.62'],
    [3061734.75, '3061734.8'],
  ];
  for (const [x, want] of cases) assert.equal(pyFloat32Repr(x), want, String(x));
});

test('JSON: defaults left out, oneof members and set submessages printed, NaN and non-ASCII escaped', () => {
  const ev: Event = {
    wallTime: Number.NaN,
    summary: {
      value: [
        { tag: 'a\u2014b"\n', simpleValue: 0 },
        { tag: 't', tensor: { dtype: DataType.DT_INT64, tensorShape: {}, int64Val: BigInt64Array.of(-3n) } },
        { tag: 'h', histo: { bucket: Float64Array.of(Infinity), max: -Infinity } },
      ],
    },
  };
  const line = eventToJSONLine(decodeEvent(encodeEvent(ev)));
  assert.equal(
    line,
    '{"summary": {"value": [{"simple_value": 0.0, "tag": "a\\u2014b\\"\\n"}, ' +
      '{"tag": "t", "tensor": {"dtype": "DT_INT64", "int64_val": ["-3"], "tensor_shape": {}}}, ' +
      '{"histo": {"bucket": ["Infinity"], "max": "-Infinity"}, "tag": "h"}]}, "wall_time": "NaN"}',
  );
  assert.equal(
    eventToJSONLine({ step: 0n, wallTime: 0, summary: {} }),
    '{"step": "0", "summary": {}, "wall_time": 0.0}',
  );
  assert.equal(eventToJSONLine(decodeEvent(encodeEvent({ step: 0n, wallTime: 0, summary: {} }))), '{"summary": {}}');
  assert.equal(
    eventToJSONLine({ sessionLog: { status: 2, msg: 'x' }, logMessage: { level: 99 } }),
    '{"log_message": {"level": 99}, "session_log": {"msg": "x", "status": "STOP"}}',
  );
});

// ---- hand-made wire bytes ---------------------------------------------------

function wire(build: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  build(w);
  return w.finish().slice();
}

function fails(bytes: Uint8Array, message: string): void {
  assert.throws(
    () => decodeEvent(bytes),
    (e: unknown) => {
      assert.ok(e instanceof TFRecordError);
      assert.equal(e.code, 'INVALID_PROTO');
      assert.equal(e.message, message);
      return true;
    },
  );
}

test('malformed events fail with the byte and the field path', () => {
  fails(new Uint8Array([0x09, 1, 2, 3]), 'invalid Event: truncated fixed64 at byte 1 (wall_time)');
  fails(new Uint8Array([0x10, 0x80]), 'invalid Event: truncated varint at byte 1 (step)');
  fails(new Uint8Array([0x00]), 'invalid Event: invalid field number 0 (tag 0) at byte 0');
  fails(
    wire((w) => w.tag(5, WireType.LengthDelimited).uint32(40).raw(new Uint8Array(3))),
    'invalid Event: length 40 runs past the end of the message at byte 1 (summary)',
  );
  const badTag = wire((w) =>
    w
      .tag(5, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .bytes(new Uint8Array([0xff, 0xfe]))
      .join()
      .join(),
  );
  fails(badTag, 'invalid Event: invalid UTF-8 in string field at byte 5 (summary.value[0].tag)');
  const badPacked = wire((w) =>
    w
      .tag(5, WireType.LengthDelimited)
      .fork()
      .tag(1, WireType.LengthDelimited)
      .fork()
      .tag(8, WireType.LengthDelimited)
      .fork()
      .tag(5, WireType.LengthDelimited)
      .bytes(new Uint8Array(6))
      .join()
      .join()
      .join(),
  );
  fails(
    badPacked,
    'invalid Event: packed length 6 is not a multiple of 4 at byte 7 (summary.value[0].tensor.float_val)',
  );
  fails(new Uint8Array([0x5c]), 'invalid Event: wire type 4 at byte 0 (field 11)');
  assert.throws(() => decodeEvent([1, 2] as unknown as Uint8Array), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected Uint8Array for bytes but received [object Array] of type object',
  });
});

test('unknown fields and known fields of another wire type are skipped; merges follow protobuf', () => {
  const bytes = wire((w) => {
    w.tag(99, WireType.LengthDelimited).bytes(new Uint8Array([1, 2, 3]));
    w.tag(1, WireType.Varint).uint32(7); // wall_time with the wrong wire type: unknown
    w.tag(2, WireType.Varint).uint32(5);
    w.tag(3, WireType.LengthDelimited).string('brain.Event:2');
    // summary seen twice: merged, values concatenated; file_version cleared by the oneof
    w.tag(5, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('a').join();
    w.join();
    w.tag(5, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string('b');
    w.tag(2, WireType.Bit32).float(1.5); // simple_value, then replaced by a tensor (oneof)
    w.tag(8, WireType.LengthDelimited).fork();
    w.tag(5, WireType.Bit32).float(1); // unpacked then packed float_val
    w.tag(5, WireType.LengthDelimited).uint32(8).float(2).float(3);
    w.tag(7, WireType.Varint).int32(-2); // int_val unpacked negative
    w.tag(3, WireType.StartGroup).tag(1, WireType.Varint).uint32(1).tag(3, WireType.EndGroup);
    w.join();
    w.tag(8, WireType.LengthDelimited).fork().tag(5, WireType.Bit32).float(4).join(); // merged into the tensor
    w.join();
    w.join();
  });
  const ev = decodeEvent(bytes);
  assert.equal(ev.fileVersion, undefined);
  assert.equal(ev.wallTime, undefined);
  assert.equal(ev.step, 5n);
  const [a, b] = ev.summary!.value!;
  assert.equal(a!.tag, 'a');
  assert.equal(b!.tag, 'b');
  assert.equal(b!.simpleValue, undefined);
  assert.deepEqual([...b!.tensor!.floatVal!], [1, 2, 3, 4]);
  assert.deepEqual([...b!.tensor!.intVal!], [-2]);
  assert.equal(
    eventToJSONLine(ev),
    '{"step": "5", "summary": {"value": [{"tag": "a"}, {"tag": "b", "tensor": {"float_val": [1.0, 2.0, 3.0, 4.0], "int_val": [-2]}}]}}',
  );
});

test('bytes and aligned packed doubles decode as zero-copy views', () => {
  const content = new Uint8Array([1, 2, 3, 4]);
  const bytes = encodeEvent({
    summary: { value: [{ tag: 'x', tensor: { tensorContent: content, doubleVal: Float64Array.of(1, 2) } }] },
  });
  const buf = new Uint8Array(bytes.length + 8);
  for (let shift = 0; shift < 8; shift++) {
    buf.set(bytes, shift);
    const view = buf.subarray(shift, shift + bytes.length);
    const t = decodeEvent(view).summary!.value![0]!.tensor!;
    assert.equal(t.tensorContent!.buffer, buf.buffer);
    assert.deepEqual([...t.doubleVal!], [1, 2]);
    if ((t.doubleVal!.byteOffset & 7) === 0 && t.doubleVal!.buffer === buf.buffer) continue;
    assert.notEqual(t.doubleVal!.buffer, buf.buffer);
  }
});

test('encodeEvent rejects two members of a oneof and values of the wrong type', () => {
  assert.throws(() => encodeEvent({ fileVersion: 'x', summary: {} }), {
    code: 'INVALID_ARGUMENT',
    message:
      'Expected at most one of fileVersion, graphDef, summary, logMessage, sessionLog, taggedRunMetadata, metaGraphDef in event but received both fileVersion and summary',
  });
  assert.throws(() => encodeEvent({ step: 3 as unknown as bigint }), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected int64 bigint for step but received 3 of type number',
  });
  assert.throws(() => encodeEvent({ summary: { value: [{ tag: 'x', simpleValue: 1, tensor: {} }] } }), {
    message:
      'Expected at most one of simpleValue, obsoleteOldStyleHistogram, image, histo, audio, tensor in summary.value[0] but received both simpleValue and tensor',
  });
  assert.throws(() => encodeEvent({ summary: { value: [{ tag: 'x', image: { width: 2 ** 31 } }] } }), {
    message: 'Expected int32 integer for summary.value[0].image.width but received 2147483648 of type number',
  });
});
