/**
 * Parse specs over the golden TFRecord files in ../shared/data/tfrecord, checked
 * against the JSONL decodings made by Google's protobuf runtime.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { suite, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeRecords } from '../src/framing/decode.js';
import {
  compileSpec,
  decodeRaw,
  fixedLen,
  fixedLenSequence,
  parseExamples,
  parseSequenceExample,
  parseSequenceExamples,
  ragged,
  reshape,
  varLen,
} from '../src/parse/index.js';
import { nested, indexRows, plain } from './parse-helpers.js';
import { absent, sharedPath } from '@pastiche/testing';

interface FeatureJSON {
  int64?: string[];
  float?: number[];
  bytes_b64?: string[];
}

function records(file: string, gz = false): Uint8Array[] {
  const raw = readFileSync(file);
  return [...decodeRecords(gz ? new Uint8Array(gunzipSync(raw)) : new Uint8Array(raw))];
}
function jsonl<T>(file: string): T[] {
  return readFileSync(`${file}.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}
const fromB64 = (s: string): string => Buffer.from(s, 'base64').toString('latin1');
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

suite('golden files', () => {
  test('tfx-penguin-train.tfrecord.gz: FixedLen float32 and int64 over 234 Examples', (t) => {
    const file = sharedPath('data', 'tfrecord', 'tfx-penguin-train.tfrecord.gz');
    if (file === undefined) return t.skip(absent('data/tfrecord/tfx-penguin-train.tfrecord.gz'));
    const recs = records(file, true);
    const want = jsonl<{ features: Record<string, FeatureJSON> }>(file);
    assert.equal(recs.length, 234);
    const floats = ['body_mass_g', 'culmen_depth_mm', 'culmen_length_mm', 'flipper_length_mm'] as const;
    const spec = {
      body_mass_g: fixedLen({ shape: [], dtype: 'float32' }),
      culmen_depth_mm: fixedLen({ shape: [], dtype: 'float32' }),
      culmen_length_mm: fixedLen({ shape: [], dtype: 'float32' }),
      flipper_length_mm: fixedLen({ shape: [], dtype: 'float32' }),
      species: fixedLen({ shape: [], dtype: 'int64' }),
    };
    const batch = parseExamples(recs, spec);
    assert.deepEqual(batch.species.shape, [234]);
    for (const name of floats) {
      assert.deepEqual(batch[name].shape, [234]);
      assert.deepEqual(
        [...batch[name].values],
        want.map((w) => w.features[name]!.float![0]),
        name,
      );
    }
    assert.deepEqual(
      [...batch.species.values],
      want.map((w) => BigInt(w.features['species']!.int64![0]!)),
    );
    // The single-record form agrees with the batch.
    const parser = compileSpec(spec);
    recs.forEach((r, i) => {
      const one = parser.parse(r, i);
      assert.equal(one.species.values[0], batch.species.values[i]);
      assert.equal(one.body_mass_g.values[0], batch.body_mass_g.values[i]);
    });
  });

  test('pytorch-data-example.tfrecord: FixedLen [10] and VarLen', (t) => {
    const file = sharedPath('data', 'tfrecord', 'pytorch-data-example.tfrecord');
    if (file === undefined) return t.skip(absent('data/tfrecord/pytorch-data-example.tfrecord'));
    const want = jsonl<{ features: Record<string, FeatureJSON> }>(file);
    const r = parseExamples(records(file), {
      x_float: fixedLen({ shape: [10], dtype: 'float32' }),
      x_int: fixedLen({ shape: [2, 5], dtype: 'int64' }),
      x_byte: varLen({ dtype: 'string' }),
    });
    assert.deepEqual(r.x_float.shape, [4, 10]);
    assert.deepEqual(
      [...r.x_float.values],
      want.flatMap((w) => w.features['x_float']!.float!),
    );
    assert.deepEqual(r.x_int.shape, [4, 2, 5]);
    assert.deepEqual(
      [...r.x_int.values],
      want.flatMap((w) => w.features['x_int']!.int64!.map(BigInt)),
    );
    assert.deepEqual(indexRows(r.x_byte.indices, 2), [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    assert.deepEqual(
      r.x_byte.values.map(latin1),
      want.map((w) => fromB64(w.features['x_byte']!.bytes_b64![0]!)),
    );
  });

  test('pwnall-singles.tfrecords: VarLen over Examples that each hold one feature', (t) => {
    const file = sharedPath('data', 'tfrecord', 'pwnall-singles.tfrecords');
    if (file === undefined) return t.skip(absent('data/tfrecord/pwnall-singles.tfrecords'));
    const r = parseExamples(records(file), {
      int_feature: varLen({ dtype: 'int64' }),
      float_feature: varLen({ dtype: 'float32' }),
      byte_feature: varLen({ dtype: 'string' }),
    });
    assert.deepEqual(indexRows(r.int_feature.indices, 2), [[0, 0]]);
    assert.deepEqual([...r.int_feature.values], [42n]);
    assert.deepEqual(r.int_feature.denseShape, [3, 1]);
    assert.deepEqual(indexRows(r.float_feature.indices, 2), [[1, 0]]);
    assert.deepEqual([...r.float_feature.values], [Math.fround(3.14)]);
    assert.deepEqual(indexRows(r.byte_feature.indices, 2), [[2, 0]]);
    assert.deepEqual(plain(r.byte_feature.values), ['@ABCD']);
  });

  test('pytorch-data-sequence_example.tfrecord: FixedLenSequence, Ragged and VarLen feature lists', (t) => {
    const file = sharedPath('data', 'tfrecord', 'pytorch-data-sequence_example.tfrecord');
    if (file === undefined) return t.skip(absent('data/tfrecord/pytorch-data-sequence_example.tfrecord'));
    const want = jsonl<{ context: Record<string, FeatureJSON>; feature_lists: Record<string, FeatureJSON[]> }>(file);
    const recs = records(file);
    assert.equal(recs.length, 4);
    const context = {
      x_float: fixedLen({ shape: [10], dtype: 'float32' }),
      x_int: fixedLen({ shape: [10], dtype: 'int64' }),
      x_byte: fixedLen({ shape: [], dtype: 'string' }),
    };
    const sequence = {
      x_float_seq: fixedLenSequence({ shape: [10], dtype: 'float32' }),
      x_int_seq: ragged({ dtype: 'int64' }),
      x_byte_seq: varLen({ dtype: 'string' }),
    };
    recs.forEach((rec, i) => {
      const w = want[i]!;
      const r = parseSequenceExample(rec, context, sequence);
      assert.deepEqual([...r.context.x_float.values], w.context['x_float']!.float);
      assert.deepEqual([...r.context.x_int.values], w.context['x_int']!.int64!.map(BigInt));
      assert.equal(latin1(r.context.x_byte.values[0]!), fromB64(w.context['x_byte']!.bytes_b64![0]!));
      const steps = w.feature_lists['x_float_seq']!.length;
      assert.equal(steps, 3 + 2 * i);
      assert.deepEqual(r.lengths, { x_float_seq: steps, x_int_seq: steps, x_byte_seq: steps });
      assert.deepEqual(r.sequence.x_float_seq.shape, [steps, 10]);
      assert.deepEqual(
        [...r.sequence.x_float_seq.values],
        w.feature_lists['x_float_seq']!.flatMap((f) => f.float!),
      );
      assert.deepEqual(r.sequence.x_int_seq.shape, [steps, null]);
      assert.deepEqual(
        nested(r.sequence.x_int_seq),
        w.feature_lists['x_int_seq']!.map((f) => f.int64!.map(Number)),
      );
      assert.deepEqual(r.sequence.x_byte_seq.denseShape, [steps, 1]);
      assert.deepEqual(
        r.sequence.x_byte_seq.values.map(latin1),
        w.feature_lists['x_byte_seq']!.map((f) => fromB64(f.bytes_b64![0]!)),
      );
    });
    const b = parseSequenceExamples(recs, context, sequence);
    assert.deepEqual(b.lengths.x_float_seq, [3, 5, 7, 9]);
    assert.deepEqual(b.sequence.x_float_seq.shape, [4, 9, 10]);
    // Record 0 has 3 steps: steps 3..8 are zero padding.
    assert.deepEqual([...b.sequence.x_float_seq.values.subarray(30, 90)], new Array(60).fill(0));
    assert.deepEqual(
      nested(b.sequence.x_int_seq),
      want.map((w) => w.feature_lists['x_int_seq']!.map((f) => f.int64!.map(Number))),
    );
    assert.deepEqual(b.sequence.x_byte_seq.denseShape, [4, 9, 1]);
    assert.deepEqual(b.context.x_int.shape, [4, 10]);
  });

  test('cs20-friday.tfrecord: FixedLen string + decodeRaw gives the [322, 403, 3] image', (t) => {
    const file = sharedPath('data', 'tfrecord', 'cs20-friday.tfrecord');
    if (file === undefined) return t.skip(absent('data/tfrecord/cs20-friday.tfrecord'));
    const want = jsonl<{ features: Record<string, FeatureJSON> }>(file)[0]!;
    const [rec] = records(file);
    // The seed's reader: FixedLenFeature([], int64 / string / string), then decode_raw and reshape.
    const parser = compileSpec({
      label: fixedLen({ shape: [], dtype: 'int64' }),
      shape: fixedLen({ shape: [], dtype: 'string' }),
      image: fixedLen({ shape: [], dtype: 'string' }),
    });
    const r = parser.parse(rec!);
    assert.deepEqual([...r.label.values], [BigInt(want.features['label']!.int64![0]!)]);
    const shape = decodeRaw(r.shape.values[0]!, 'int32');
    assert.ok(shape instanceof Int32Array);
    assert.deepEqual([...shape], [322, 403, 3]);
    const pixels = decodeRaw(r.image.values[0]!, 'uint8');
    assert.equal(pixels.length, 322 * 403 * 3);
    const image = reshape(pixels, [...shape]);
    assert.deepEqual(image.shape, [322, 403, 3]);
    assert.equal(latin1(image.values), fromB64(want.features['image']!.bytes_b64![0]!));
  });
});
