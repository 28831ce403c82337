/**
 * Hand-written ONNX protobuf serialiser: just the messages a model needs
 * (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto),
 * field numbers from onnx/onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
 *
 * Models are written for IR version 8 and the default-domain operator set 17
 * (see {@link ONNX_IR_VERSION}, {@link ONNX_OPSET}); onnxruntime 1.30 runs both.
 */
import { ProtoWriter, WireType } from '@pastiche/tfrecord';

/** ONNX IR version written into every ModelProto (8 = IR of ONNX 1.10..1.12, opsets <= 17). */
export const ONNX_IR_VERSION = 8;
/** Version of the default ('' = ai.onnx) operator set the graphs use. */
export const ONNX_OPSET = 17;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
/** An ONNX element type number (subset). */
export type DataType = (typeof DataType)[keyof typeof DataType];

/** A constant tensor (initializer). `data` is stored as little-endian raw_data. */
export interface TensorSpec {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** An attribute of a node; the kind picks the AttributeProto field. */
export type AttributeSpec =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'floats'; value: readonly number[] }
  | { name: string; kind: 'string'; value: string };

/** One NodeProto. An empty string in `inputs` marks an omitted optional input. */
export interface NodeSpec {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: readonly AttributeSpec[];
}

/** A graph input or output: name, element type and static shape (`[]` = scalar). */
export interface ValueInfoSpec {
  name: string;
  dataType: DataType;
  dims: readonly number[];
}

/** Everything {@link encodeModel} writes. */
export interface ModelSpec {
  graphName: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  producerName?: string;
  docString?: string;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/** Little-endian bytes of a typed array (a view when the platform is little-endian). */
function rawBytes(data: TensorSpec['data']): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return view;
  const out = new Uint8Array(view.length);
  const n = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += n) for (let j = 0; j < n; j++) out[i + j] = view[i + n - 1 - j]!;
  return out;
}

function writeTensor(w: ProtoWriter, t: TensorSpec): void {
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (expected !== t.data.length) {
    throw new Error(
      `initializer ${t.name}: dims [${t.dims.join(', ')}] hold ${expected} values but data has ${t.data.length}`,
    );
  }
  for (const d of t.dims) w.tag(1, WireType.Varint).int64Number(d);
  w.tag(2, WireType.Varint).uint32(t.dataType);
  w.tag(8, WireType.LengthDelimited).string(t.name);
  w.tag(9, WireType.LengthDelimited).bytes(rawBytes(t.data));
}

function writeAttribute(w: ProtoWriter, a: AttributeSpec): void {
  w.tag(1, WireType.LengthDelimited).string(a.name);
  switch (a.kind) {
    case 'float':
      w.tag(2, WireType.Bit32).float(a.value).tag(20, WireType.Varint).uint32(ATTR_FLOAT);
      break;
    case 'int':
      w.tag(3, WireType.Varint).int64Number(a.value).tag(20, WireType.Varint).uint32(ATTR_INT);
      break;
    case 'string':
      w.tag(4, WireType.LengthDelimited).bytes(utf8.encode(a.value)).tag(20, WireType.Varint).uint32(ATTR_STRING);
      break;
    case 'floats':
      for (const v of a.value) w.tag(7, WireType.Bit32).float(v);
      w.tag(20, WireType.Varint).uint32(ATTR_FLOATS);
      break;
    case 'ints':
      for (const v of a.value) w.tag(8, WireType.Varint).int64Number(v);
      w.tag(20, WireType.Varint).uint32(ATTR_INTS);
      break;
  }
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.tag(1, WireType.LengthDelimited).string(i);
  for (const o of n.outputs) w.tag(2, WireType.LengthDelimited).string(o);
  w.tag(3, WireType.LengthDelimited).string(n.name);
  w.tag(4, WireType.LengthDelimited).string(n.opType);
  for (const a of n.attributes) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeAttribute(w, a);
    w.join();
  }
}

/** ValueInfoProto { name = 1; type = 2: TypeProto { tensor_type = 1: { elem_type = 1; shape = 2 } } }. */
function writeValueInfo(w: ProtoWriter, v: ValueInfoSpec): void {
  w.tag(1, WireType.LengthDelimited).string(v.name);
  w.tag(2, WireType.LengthDelimited).fork(); // TypeProto
  w.tag(1, WireType.LengthDelimited).fork(); // TypeProto.Tensor
  w.tag(1, WireType.Varint).uint32(v.dataType);
  w.tag(2, WireType.LengthDelimited).fork(); // TensorShapeProto
  for (const d of v.dims) {
    w.tag(1, WireType.LengthDelimited).fork(); // Dimension
    w.tag(1, WireType.Varint).int64Number(d);
    w.join();
  }
  w.join().join().join();
}

/**
 * Serialises a model as ONNX ModelProto bytes (IR {@link ONNX_IR_VERSION},
 * opset {@link ONNX_OPSET} of the default domain). Initializers go in raw_data.
 */
export function encodeModel(m: ModelSpec): Uint8Array {
  const weightBytes = m.initializers.reduce((s, t) => s + t.data.byteLength, 0);
  const w = new ProtoWriter(weightBytes + 64 * 1024);
  w.tag(1, WireType.Varint).uint32(ONNX_IR_VERSION);
  w.tag(2, WireType.LengthDelimited).string(m.producerName ?? 'pastiche');
  if (m.docString !== undefined) w.tag(6, WireType.LengthDelimited).string(m.docString);
  w.tag(7, WireType.LengthDelimited).fork(); // GraphProto
  for (const n of m.nodes) {
    w.tag(1, WireType.LengthDelimited).fork();
    writeNode(w, n);
    w.join();
  }
  w.tag(2, WireType.LengthDelimited).string(m.graphName);
  for (const t of m.initializers) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeTensor(w, t);
    w.join();
  }
  for (const v of m.inputs) {
    w.tag(11, WireType.LengthDelimited).fork();
    writeValueInfo(w, v);
    w.join();
  }
  for (const v of m.outputs) {
    w.tag(12, WireType.LengthDelimited).fork();
    writeValueInfo(w, v);
    w.join();
  }
  w.join();
  w.tag(8, WireType.LengthDelimited).fork(); // OperatorSetIdProto { domain = 1; version = 2 }
  w.tag(1, WireType.LengthDelimited).string('');
  w.tag(2, WireType.Varint).uint32(ONNX_OPSET);
  w.join();
  return w.finish();
}
