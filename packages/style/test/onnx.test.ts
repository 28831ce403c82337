/**
 * The ONNX serialiser: field layout checked by decoding the bytes again, and a
 * round trip through onnxruntime.
 */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { ProtoReader } from '@pastiche/tfrecord';
import { DataType, ONNX_IR_VERSION, ONNX_OPSET, encodeModel } from '../src/onnx/proto.js';
import type { ModelSpec } from '../src/onnx/proto.js';
import { nodeRuntime } from '../src/runtime/node.js';

type Fields = Map<number, (bigint | Uint8Array | number)[]>;

/** Decodes one message level: field number -> values (varints as bigint, bytes as views, fixed32 as float). */
function fields(buf: Uint8Array): Fields {
  const r = new ProtoReader(buf);
  const out: Fields = new Map();
  while (!r.done()) {
    const key = r.uint32();
    const f = key >>> 3;
    const wt = key & 7;
    const v =
      wt === 0 ? r.int64() : wt === 2 ? r.bytes() : wt === 5 ? r.float() : assert.fail(`unexpected wire type ${wt}`);
    out.set(f, [...(out.get(f) ?? []), v]);
  }
  return out;
}
const text = (v: unknown) => new TextDecoder().decode(v as Uint8Array);
const sub = (m: Fields, f: number, i = 0) => fields(m.get(f)![i] as Uint8Array);

function tinyModel(): ModelSpec {
  const w = Float32Array.from({ length: 300 }, (_, i) => i / 7 - 20);
  return {
    graphName: 'tiny',
    nodes: [
      { opType: 'Add', name: 'add', inputs: ['x', 'w'], outputs: ['s'], attributes: [] },
      { opType: 'Relu', name: 'relu', inputs: ['s'], outputs: ['y'], attributes: [] },
      {
        opType: 'Transpose',
        name: 't',
        inputs: ['y'],
        outputs: ['z'],
        attributes: [{ name: 'perm', kind: 'ints', value: [1, 0] }],
      },
    ],
    initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [3, 100], data: w }],
    inputs: [{ name: 'x', dataType: DataType.FLOAT, dims: [3, 100] }],
    outputs: [{ name: 'z', dataType: DataType.FLOAT, dims: [100, 3] }],
  };
}

suite('ONNX ModelProto encoding', () => {
  test('writes IR version 8 and the default-domain opset 17', () => {
    const m = fields(encodeModel(tinyModel()));
    assert.equal(ONNX_IR_VERSION, 8);
    assert.equal(ONNX_OPSET, 17);
    assert.equal(m.get(1)![0], 8n);
    const opset = sub(m, 8);
    assert.equal(text(opset.get(1)![0]), '');
    assert.equal(opset.get(2)![0], 17n);
  });

  test('writes initializers as dims, FLOAT and little-endian raw_data', () => {
    const spec = tinyModel();
    const graph = sub(fields(encodeModel(spec)), 7);
    const t = sub(graph, 5);
    assert.deepEqual(t.get(1), [3n, 100n]);
    assert.deepEqual(t.get(2), [1n]);
    assert.equal(text(t.get(8)![0]), 'w');
    const raw = t.get(9)![0] as Uint8Array;
    assert.equal(raw.length, 1200);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const w = spec.initializers[0]!.data as Float32Array;
    for (let i = 0; i < 300; i += 37) assert.equal(dv.getFloat32(i * 4, true), w[i]);
  });

  test('writes nodes with inputs, outputs, op type and typed attributes', () => {
    const graph = sub(fields(encodeModel(tinyModel())), 7);
    const node = sub(graph, 1, 2);
    assert.deepEqual(node.get(1)!.map(text), ['y']);
    assert.deepEqual(node.get(2)!.map(text), ['z']);
    assert.equal(text(node.get(4)![0]), 'Transpose');
    const attr = sub(node, 5);
    assert.equal(text(attr.get(1)![0]), 'perm');
    assert.deepEqual(attr.get(8), [1n, 0n]);
    assert.deepEqual(attr.get(20), [7n]); // AttributeType INTS
  });

  test('writes float, int and string attributes with their types', () => {
    const spec: ModelSpec = {
      ...tinyModel(),
      nodes: [
        {
          opType: 'X',
          name: 'x',
          inputs: [],
          outputs: ['o'],
          attributes: [
            { name: 'f', kind: 'float', value: 0.25 },
            { name: 'i', kind: 'int', value: -3 },
            { name: 's', kind: 'string', value: 'nearest' },
            { name: 'fs', kind: 'floats', value: [1.5, 2] },
          ],
        },
      ],
    };
    const node = sub(sub(fields(encodeModel(spec)), 7), 1);
    const [f, i, s, fs] = [0, 1, 2, 3].map((k) => sub(node, 5, k));
    assert.deepEqual([f!.get(2), f!.get(20)], [[0.25], [1n]]);
    assert.deepEqual([i!.get(3), i!.get(20)], [[-3n], [2n]]);
    assert.deepEqual([text(s!.get(4)![0]), s!.get(20)], ['nearest', [3n]]);
    assert.deepEqual([fs!.get(7), fs!.get(20)], [[1.5, 2], [6n]]);
  });

  test('writes graph inputs and outputs with element type and static shape', () => {
    const graph = sub(fields(encodeModel(tinyModel())), 7);
    const out = sub(graph, 12);
    assert.equal(text(out.get(1)![0]), 'z');
    const tensorType = sub(sub(out, 2), 1);
    assert.deepEqual(tensorType.get(1), [1n]);
    const dims = sub(tensorType, 2)
      .get(1)!
      .map((d) => fields(d as Uint8Array).get(1)![0]);
    assert.deepEqual(dims, [100n, 3n]);
  });

  test('rejects an initializer whose data does not match its dims', () => {
    const spec = tinyModel();
    assert.throws(
      () => encodeModel({ ...spec, initializers: [{ ...spec.initializers[0]!, dims: [3, 99] }] }),
      /initializer w: dims \[3, 99\] hold 297 values but data has 300/,
    );
  });

  test('is accepted and run by onnxruntime', async () => {
    const spec = tinyModel();
    const session = await nodeRuntime.createSession(encodeModel(spec));
    const x = Float32Array.from({ length: 300 }, (_, i) => (i % 5) - 2);
    const out = (await session.run({ x: { data: x, dims: [3, 100] } }))['z']!;
    assert.deepEqual(out.dims, [100, 3]);
    const w = spec.initializers[0]!.data as Float32Array;
    for (const [r, c] of [
      [0, 0],
      [99, 2],
      [42, 1],
    ] as const) {
      assert.equal(out.data[r * 3 + c], Math.max(0, Math.fround(x[c * 100 + r]! + w[c * 100 + r]!)));
    }
    await session.release();
  });
});
