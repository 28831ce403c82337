/**
 * Summary builders and the scalar extractor against the golden event files: each
 * builder, given what was logged (README of ../shared/data/tfevents/), produces
 * the very bytes PyTorch's and TensorBoard's writers produced.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeRecords } from '../src/framing/decode.js';
import {
  fileVersionEvent,
  histogramValue,
  imageValue,
  pngInfo,
  scalarValue,
  summaryEvent,
  tensorboardHistogramBuckets,
  textValue,
  tfHistogram,
} from '../src/events/build.js';
import { decodeEvent } from '../src/events/decode.js';
import { encodeEvent } from '../src/events/encode.js';
import { eventToJSONLine } from '../src/events/json.js';
import { ScalarExtractor, extractScalars, tensorScalar } from '../src/events/scalars.js';
import { DataType } from '../src/events/types.js';
import type { Event, SummaryValue } from '../src/events/types.js';
import { absent, sharedPath } from '@pastiche/testing';

const dir = sharedPath('data', 'tfevents');
const skip = dir === undefined ? absent('data/tfevents') : false;

function records(name: string): Uint8Array[] {
  return [...decodeRecords(new Uint8Array(readFileSync(join(dir!, name))))];
}

function firstValue(ev: Event): SummaryValue {
  return ev.summary!.value![0]!;
}

/** Records of `name` whose single value has `tag`, decoded, with their bytes. */
function tagged(name: string, tag: string): { bytes: Uint8Array; event: Event }[] {
  return records(name)
    .map((bytes) => ({ bytes, event: decodeEvent(bytes) }))
    .filter((r) => r.event.summary?.value?.[0]?.tag === tag);
}

function time(ev: Event): { step: bigint; wallTime: number } {
  return { step: ev.step ?? 0n, wallTime: ev.wallTime! };
}

const T0 = 1700000000;
const lossTotal = (s: number): number => 100 * Math.exp(-s / 10) + 1 / (s + 3);
const lossStyle = (s: number): number => 0.8 * lossTotal(s) + 0.01 * Math.sin(s);

test('TF1 scalars: simple_value events are byte-identical to PyTorch add_scalar', { skip }, () => {
  let n = 0;
  for (const [tag, f, offset] of [
    ['loss/total', lossTotal, 0],
    ['loss/style', lossStyle, 0.125],
  ] as const) {
    for (const { bytes, event } of tagged('tb-scalars.tfevents', tag)) {
      const s = Number(event.step ?? 0n);
      const built = summaryEvent(scalarValue(tag, f(s)), { step: s, wallTime: T0 + 1 + 0.5 * s + offset });
      assert.deepEqual(Buffer.from(encodeEvent(built)), Buffer.from(bytes), `${tag} at step ${s}`);
      n++;
    }
  }
  assert.equal(n, 100);
});

test('TF2 scalars: tensor events are byte-identical to tensorboard.summary.Writer.add_scalar', { skip }, () => {
  const found = tagged('tb-tensor-scalars.tfevents', 'loss/total');
  assert.equal(found.length, 20);
  for (const { bytes, event } of found) {
    const s = Number(event.step ?? 0n);
    const built = summaryEvent(scalarValue('loss/total', lossTotal(s), { form: 'tf2', description: 'total loss' }), {
      step: s,
      wallTime: event.wallTime!,
    });
    assert.deepEqual(Buffer.from(encodeEvent(built)), Buffer.from(bytes), `step ${s}`);
  }
});

test('TF1 images: Summary.Image events are byte-identical to PyTorch add_image', { skip }, () => {
  const found = tagged('tb-images.tfevents', 'output');
  assert.equal(found.length, 3);
  for (const { bytes, event } of found) {
    const png = firstValue(event).image!.encodedImageString!;
    assert.deepEqual(pngInfo(png), { width: 16, height: 12, colorspace: 3 });
    const built = summaryEvent(imageValue('output', png), time(event));
    assert.deepEqual(Buffer.from(encodeEvent(built)), Buffer.from(bytes));
  }
});

test('TF2 images: a DT_STRING [width, height, png] tensor of the images plugin', () => {
  const png = new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0, 0, 0, 2, 8, 6,
    0, 0, 0, 1, 2, 3, 4,
  ]);
  const line = eventToJSONLine(
    decodeEvent(encodeEvent(summaryEvent(imageValue('img', png, { form: 'tf2' }), { step: 3, wallTime: 5 }))),
  );
  assert.equal(
    line,
    `{"step": "3", "summary": {"value": [{"metadata": {"data_class": "DATA_CLASS_BLOB_SEQUENCE", "plugin_data": {"plugin_name": "images"}}, "tag": "img", "tensor": {"dtype": "DT_STRING", "string_val": ["MjU2", "Mg==", "${Buffer.from(png).toString('base64')}"], "tensor_shape": {"dim": [{"size": "3"}]}}}]}, "wall_time": 5.0}`,
  );
  assert.throws(() => pngInfo(new Uint8Array([1, 2, 3])), {
    code: 'INVALID_ARGUMENT',
    message:
      'Expected PNG bytes (signature, then an IHDR chunk with a known colour type) for png but received 3 bytes starting 01 02 03',
  });
});

test('text: PyTorch add_text (rank 1) and TensorBoard text_pb (rank 0) layouts, byte-identical', { skip }, () => {
  const [torch] = tagged('tb-scalars.tfevents', 'notes/text_summary');
  const text = 'Gatys style transfer: content=tubingen.jpg, style=starry_night.jpg, alpha/beta=1e-3 \u2014 UTF-8 ok';
  const built = summaryEvent(textValue('notes/text_summary', text), { wallTime: T0 });
  assert.deepEqual(Buffer.from(encodeEvent(built)), Buffer.from(torch!.bytes));
  const [tb] = tagged('tb-tensor-scalars.tfevents', 'notes');
  const built2 = summaryEvent(textValue('notes', 'TF2-style tensor summaries', { form: 'tf2' }), time(tb!.event));
  assert.deepEqual(Buffer.from(encodeEvent(built2)), Buffer.from(tb!.bytes));
});

test('TF1 histograms: default exponential buckets, cut like PyTorch, give the golden limits and counts', {
  skip,
}, () => {
  const found = tagged('tb-scalars.tfevents', 'weights/conv1_1');
  assert.deepEqual(
    found.map((r) => firstValue(r.event).histo!.bucket!.length),
    [607, 604, 606],
  );
  for (const { event } of found) {
    const want = firstValue(event).histo!;
    // Values that fill each golden bucket: the midpoint of (previous limit, limit).
    const values: number[] = [];
    const limits = want.bucketLimit!;
    for (let i = 1; i < limits.length; i++) {
      for (let c = 0; c < want.bucket![i]!; c++) values.push((limits[i - 1]! + limits[i]!) / 2);
    }
    assert.equal(values.length, 100);
    const got = tfHistogram(values);
    assert.deepEqual([...got.bucketLimit!], [...limits]);
    assert.deepEqual([...got.bucket!], [...want.bucket!]);
    assert.equal(got.num, want.num);
    assert.equal(got.min, Math.min(...values));
    assert.equal(got.max, Math.max(...values));
  }
  const h = tfHistogram([0, 0, 1e-13]);
  assert.deepEqual([...h.bucket!], [0, 3]);
  assert.deepEqual([...h.bucketLimit!], [0, 1e-12]);
  assert.throws(() => tfHistogram([]), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected at least one value for values but received 0 values',
  });
  assert.throws(() => tfHistogram([Number.NaN, 1e21]), {
    message: 'Expected at least one finite value within ±1e20 for values but received 2 values, none of them',
  });
});

test('TF2 histograms: byte-identical to TensorBoard histogram_pb(buckets=8)', { skip }, () => {
  const found = tagged('tb-tensor-scalars.tfevents', 'weights/conv1_1');
  assert.equal(found.length, 3);
  for (const { bytes, event } of found) {
    const c = firstValue(event).tensor!.tensorContent!;
    const rows = new Float64Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.length));
    const k = rows.length / 3;
    assert.equal(k, 8);
    // Values reproducing each row's count, with the golden min and max among them.
    const values: number[] = [rows[0]!, rows[3 * k - 2]!];
    for (let i = 0; i < k; i++) {
      const n = rows[3 * i + 2]! - (i === 0 ? 1 : 0) - (i === k - 1 ? 1 : 0);
      for (let j = 0; j < n; j++) values.push((rows[3 * i]! + rows[3 * i + 1]!) / 2);
    }
    assert.deepEqual([...tensorboardHistogramBuckets(values, 8)], [...rows]);
    const built = summaryEvent(histogramValue('weights/conv1_1', values, { form: 'tf2', buckets: 8 }), time(event));
    assert.deepEqual(Buffer.from(encodeEvent(built)), Buffer.from(bytes));
  }
  assert.deepEqual([...tensorboardHistogramBuckets([2, 2], 2)], [2, 2, 0, 2, 2, 2]);
});

test('fileVersionEvent is the record TensorBoard writers put first', { skip }, () => {
  const first = decodeEvent(records('tb-images.tfevents')[0]!);
  const built = fileVersionEvent({ wallTime: first.wallTime! });
  assert.deepEqual(built, first);
  assert.throws(() => summaryEvent(scalarValue('x', 1), { step: 1.5 }), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected safe integer or bigint for step but received 1.5 of type number',
  });
  assert.throws(() => scalarValue('', 1), {
    message: 'Expected non-empty string for tag but received "" of type string',
  });
  assert.throws(() => scalarValue('x', 1, { form: 'tf3' as 'tf1' }), {
    message: "Expected 'tf1' or 'tf2' for form but received \"tf3\" of type string",
  });
});

test('extractScalars: both forms, not text, histograms or images', { skip }, async () => {
  const collect = async (name: string) => {
    const out: { tag: string; step: number; wallTime: number; value: number }[] = [];
    for await (const p of extractScalars(records(name))) out.push(p);
    return out;
  };
  const tf1 = await collect('tb-scalars.tfevents');
  assert.equal(tf1.length, 100);
  for (const p of tf1) {
    const f = p.tag === 'loss/total' ? lossTotal : lossStyle;
    assert.equal(p.value, Math.fround(f(p.step)), `${p.tag} ${p.step}`);
    assert.equal(p.wallTime, T0 + 1 + 0.5 * p.step + (p.tag === 'loss/total' ? 0 : 0.125));
  }
  assert.equal((await collect('tb-images.tfevents')).length, 21);
  const tf2 = await collect('tb-tensor-scalars.tfevents');
  const byTag = new Map<string, number[]>();
  for (const p of tf2) byTag.set(p.tag, [...(byTag.get(p.tag) ?? []), p.step]);
  assert.deepEqual([...byTag.keys()].sort(), ['loss/style', 'loss/total', 'lr']);
  assert.deepEqual(byTag.get('lr'), [0, 5, 10, 15]);
  assert.equal(byTag.get('loss/style')!.length, 20);
  for (const p of tf2) {
    if (p.tag === 'lr') assert.equal(p.value, (0.1 * 0.5 ** (p.step / 5)) / 3);
    else assert.equal(p.value, Math.fround((p.tag === 'loss/total' ? lossTotal : lossStyle)(p.step)));
  }
});

test('ScalarExtractor remembers a tag plugin from its first value; rank-0 numeric tensors count without one', () => {
  const x = new ScalarExtractor();
  const first = summaryEvent(scalarValue('a', 2, { form: 'tf2' }), { step: 1, wallTime: 10 });
  const later: Event = {
    step: 2n,
    wallTime: 11,
    summary: { value: [{ tag: 'a', tensor: { dtype: DataType.DT_DOUBLE, doubleVal: Float64Array.of(0.25) } }] },
  };
  const plain: Event = {
    wallTime: 12,
    summary: {
      value: [
        { tag: 'i', tensor: { dtype: DataType.DT_INT64, tensorShape: {}, int64Val: BigInt64Array.of(7n) } },
        {
          tag: 'v',
          tensor: { dtype: DataType.DT_FLOAT, tensorShape: { dim: [{ size: 1n }] }, floatVal: Float32Array.of(1) },
        },
        { tag: 's', tensor: { dtype: DataType.DT_STRING, tensorShape: {}, stringVal: [new Uint8Array(1)] } },
      ],
    },
  };
  assert.deepEqual(
    [...x.scalars(first), ...x.scalars(later), ...x.scalars(plain)],
    [
      { tag: 'a', step: 1, wallTime: 10, value: 2 },
      { tag: 'a', step: 2, wallTime: 11, value: 0.25 },
      { tag: 'i', step: 0, wallTime: 12, value: 7 },
    ],
  );
  // A fresh extractor has not seen tag a's plugin, and a shapeless tensor needs one.
  assert.deepEqual(new ScalarExtractor().scalars(later), []);
  const content = new Uint8Array([0x00, 0x3c]); // float16 1.0
  assert.equal(tensorScalar({ dtype: DataType.DT_HALF, tensorShape: {}, tensorContent: content }), 1);
  assert.equal(tensorScalar({ dtype: DataType.DT_BFLOAT16, tensorShape: {}, halfVal: Int32Array.of(0x3fc0) }), 1.5);
  assert.equal(
    tensorScalar({ dtype: DataType.DT_FLOAT, tensorShape: { dim: [{ size: 2n }] }, floatVal: Float32Array.of(1, 2) }),
    undefined,
  );
});

test('extractScalars names the record that is not an Event', async () => {
  const good = encodeEvent(summaryEvent(scalarValue('a', 1), { wallTime: 1 }));
  await assert.rejects(
    async () => {
      for await (const _ of extractScalars([good, new Uint8Array([0x09, 1])])) void _;
    },
    { code: 'INVALID_PROTO', record: 1, message: 'record 1: invalid Event: truncated fixed64 at byte 1 (wall_time)' },
  );
});
