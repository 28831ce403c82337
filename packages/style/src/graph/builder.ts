/**
 * A small typed ONNX graph builder: values carry their name, element type and
 * static shape, every op helper checks its operands' shapes and computes the
 * output shape, so a wrong graph fails here, with the op named, rather than
 * inside onnxruntime. Opset: {@link ONNX_OPSET} (default domain).
 */
import { DataType, ONNX_OPSET, encodeModel } from '../onnx/proto.js';
import type { AttributeSpec, ModelSpec, NodeSpec, TensorSpec, ValueInfoSpec } from '../onnx/proto.js';

/** Element types the graphs use. */
export type ElemType = 'float' | 'int64' | 'bool';

/** A named value of the graph with its static shape (`[]` = scalar). */
export interface Value {
  readonly name: string;
  readonly type: ElemType;
  readonly dims: readonly number[];
}

const DATA_TYPE: Record<ElemType, DataType> = { float: DataType.FLOAT, int64: DataType.INT64, bool: DataType.BOOL };

/** Number of elements of a shape. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Thrown (as a plain Error; StyleModel wraps it) when a graph is malformed. */
function fail(op: string, msg: string): never {
  throw new Error(`graph: ${op}: ${msg}`);
}

/** Builds one ONNX graph; {@link encode} serialises it. */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorSpec[] = [];
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: ValueInfoSpec[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<number, Value>();
  private counter = 0;

  /** @param name graph name written into GraphProto.name. */
  constructor(readonly name = 'pastiche') {}

  /** A fresh unique value name with the given prefix. */
  fresh(prefix: string): string {
    let n = `${prefix}_${this.counter++}`;
    while (this.names.has(n)) n = `${prefix}_${this.counter++}`;
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) fail('name', `value name ${name} is already used`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, dims: readonly number[], type: ElemType = 'float'): Value {
    this.inputs.push({ name: this.claim(name), dataType: DATA_TYPE[type], dims });
    return { name, type, dims };
  }

  /** Declares `v` a graph output, under `name` (an Identity node renames it if needed). */
  output(v: Value, name: string = v.name): Value {
    let out = v;
    if (name !== v.name) out = this.node('Identity', [v], [], [{ dims: v.dims, type: v.type }], name)[0]!;
    this.outputs.push({ name: out.name, dataType: DATA_TYPE[out.type], dims: out.dims });
    return out;
  }

  /** A float32 initializer. */
  constant(name: string, dims: readonly number[], data: Float32Array): Value {
    if (sizeOf(dims) !== data.length)
      fail('constant', `${name}: dims [${dims.join(',')}] need ${sizeOf(dims)} values, got ${data.length}`);
    this.initializers.push({ name: this.claim(name), dataType: DataType.FLOAT, dims, data });
    return { name, type: 'float', dims };
  }

  /** An int64 initializer of rank 1. */
  int64s(values: readonly number[], prefix = 'i64'): Value {
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dataType: DataType.INT64,
      dims: [values.length],
      data: BigInt64Array.from(values.map(BigInt)),
    });
    return { name, type: 'int64', dims: [values.length] };
  }

  /** A float32 scalar constant (deduplicated). */
  scalar(v: number): Value {
    const hit = this.scalars.get(v);
    if (hit) return hit;
    const name = this.fresh('scalar');
    this.initializers.push({ name, dataType: DataType.FLOAT, dims: [], data: new Float32Array([v]) });
    const val: Value = { name, type: 'float', dims: [] };
    this.scalars.set(v, val);
    return val;
  }

  /** Adds a raw node; outputs get fresh names unless `outName` names the first. */
  node(
    opType: string,
    inputs: readonly (Value | null)[],
    attributes: readonly AttributeSpec[],
    outs: readonly { dims: readonly number[]; type: ElemType }[],
    outName?: string,
  ): Value[] {
    const outputs = outs.map((o, i) => ({
      name: i === 0 && outName !== undefined ? this.claim(outName) : this.fresh(opType.toLowerCase()),
      type: o.type,
      dims: o.dims,
    }));
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      inputs: inputs.map((v) => (v === null ? '' : v.name)),
      outputs: outputs.map((o) => o.name),
      attributes,
    });
    return outputs;
  }

  private one(
    opType: string,
    inputs: readonly (Value | null)[],
    attrs: readonly AttributeSpec[],
    dims: readonly number[],
    type: ElemType = 'float',
  ): Value {
    return this.node(opType, inputs, attrs, [{ dims, type }])[0]!;
  }

  // ---- convolution and pooling (NCHW, 2-D) ----

  /** Conv with a [out, in, kh, kw] kernel, stride 1, symmetric padding `pad`; `bias` optional. */
  conv(x: Value, w: Value, bias: Value | null, pad: number): Value {
    const [n, c, h, wd] = this.nchw('Conv', x);
    const [o, i, kh, kw] = w.dims as [number, number, number, number];
    if (w.dims.length !== 4 || i !== c)
      fail('Conv', `kernel [${w.dims.join(',')}] does not fit input [${x.dims.join(',')}]`);
    if (bias && !same(bias.dims, [o])) fail('Conv', `bias [${bias.dims.join(',')}] should be [${o}]`);
    const dims = [n, o, h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1];
    const attrs: AttributeSpec[] = [
      { name: 'kernel_shape', kind: 'ints', value: [kh, kw] },
      { name: 'pads', kind: 'ints', value: [pad, pad, pad, pad] },
      { name: 'strides', kind: 'ints', value: [1, 1] },
    ];
    return this.one('Conv', bias ? [x, w, bias] : [x, w], attrs, dims);
  }

  /** Depthwise 1x1 Conv (group = channels): y[c] = w[c] * x[c], `w` of shape [C, 1, 1, 1]. */
  depthwiseScale(x: Value, w: Value): Value {
    const [, c] = this.nchw('Conv', x);
    if (!same(w.dims, [c, 1, 1, 1])) fail('Conv', `depthwise kernel [${w.dims.join(',')}] should be [${c},1,1,1]`);
    const attrs: AttributeSpec[] = [
      { name: 'kernel_shape', kind: 'ints', value: [1, 1] },
      { name: 'group', kind: 'int', value: c },
    ];
    return this.one('Conv', [x, w], attrs, x.dims);
  }

  /** ConvTranspose with a [in, out, kh, kw] kernel (the forward Conv's kernel), stride 1, padding `pad`. */
  convTranspose(x: Value, w: Value, pad: number): Value {
    const [n, c, h, wd] = this.nchw('ConvTranspose', x);
    const [i, o, kh, kw] = w.dims as [number, number, number, number];
    if (w.dims.length !== 4 || i !== c)
      fail('ConvTranspose', `kernel [${w.dims.join(',')}] does not fit input [${x.dims.join(',')}]`);
    const dims = [n, o, h - 1 + kh - 2 * pad, wd - 1 + kw - 2 * pad];
    const attrs: AttributeSpec[] = [
      { name: 'kernel_shape', kind: 'ints', value: [kh, kw] },
      { name: 'pads', kind: 'ints', value: [pad, pad, pad, pad] },
      { name: 'strides', kind: 'ints', value: [1, 1] },
    ];
    return this.one('ConvTranspose', [x, w], attrs, dims);
  }

  /** 2x2 pooling with stride 2, no padding: output floor(H/2) x floor(W/2). */
  pool2x2(kind: 'AveragePool' | 'MaxPool', x: Value): Value {
    const [n, c, h, w] = this.nchw(kind, x);
    return this.one(kind, [x], this.poolAttrs(), [n, c, Math.floor(h / 2), Math.floor(w / 2)]);
  }

  /**
   * TF's 2x2/2 AveragePool with padding 'SAME': an odd side rounds up
   * (ceil(H/2)) and an edge window averages only the elements inside the input
   * (ONNX count_include_pad = 0 with the padding on the bottom/right).
   */
  avgPoolSame(x: Value): Value {
    const [n, c, h, w] = this.nchw('AveragePool', x);
    const attrs: AttributeSpec[] = [
      ...this.poolAttrs(),
      { name: 'pads', kind: 'ints', value: [0, 0, h % 2, w % 2] },
      { name: 'count_include_pad', kind: 'int', value: 0 },
    ];
    return this.one('AveragePool', [x], attrs, [n, c, Math.ceil(h / 2), Math.ceil(w / 2)]);
  }

  /** 2x2/2 MaxPool returning also the int64 argmax indices into the flattened input. */
  maxPoolWithIndices(x: Value): { y: Value; indices: Value } {
    const [n, c, h, w] = this.nchw('MaxPool', x);
    const dims = [n, c, Math.floor(h / 2), Math.floor(w / 2)];
    const [y, indices] = this.node('MaxPool', [x], this.poolAttrs(), [
      { dims, type: 'float' },
      { dims, type: 'int64' },
    ]);
    return { y: y!, indices: indices! };
  }

  /** MaxUnpool scattering `x` to `indices` in a zero tensor of shape `outDims`. */
  maxUnpool(x: Value, indices: Value, outDims: readonly number[]): Value {
    if (!same(x.dims, indices.dims)) fail('MaxUnpool', 'indices shape differs from input');
    const shape = this.int64s(outDims, 'unpool_shape');
    return this.one('MaxUnpool', [x, indices, shape], this.poolAttrs(), outDims);
  }

  private poolAttrs(): AttributeSpec[] {
    return [
      { name: 'kernel_shape', kind: 'ints', value: [2, 2] },
      { name: 'strides', kind: 'ints', value: [2, 2] },
    ];
  }

  /** Nearest-neighbour x2 upsampling: out[i, j] = in[floor(i/2), floor(j/2)] (Resize, asymmetric/floor). */
  upsample2x(x: Value): Value {
    const [n, c, h, w] = this.nchw('Resize', x);
    const scales = this.fresh('scales');
    this.initializers.push({ name: scales, dataType: DataType.FLOAT, dims: [4], data: new Float32Array([1, 1, 2, 2]) });
    const attrs: AttributeSpec[] = [
      { name: 'mode', kind: 'string', value: 'nearest' },
      { name: 'coordinate_transformation_mode', kind: 'string', value: 'asymmetric' },
      { name: 'nearest_mode', kind: 'string', value: 'floor' },
    ];
    return this.one('Resize', [x, null, { name: scales, type: 'float', dims: [4] }], attrs, [n, c, 2 * h, 2 * w]);
  }

  /** Zero padding of an NCHW tensor on the spatial axes. */
  pad2d(x: Value, top: number, bottom: number, left: number, right: number): Value {
    const [n, c, h, w] = this.nchw('Pad', x);
    if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
    const pads = this.int64s([0, 0, top, left, 0, 0, bottom, right], 'pads');
    return this.one(
      'Pad',
      [x, pads],
      [{ name: 'mode', kind: 'string', value: 'constant' }],
      [n, c, h + top + bottom, w + left + right],
    );
  }

  /** Slice along one axis: [start, end). */
  slice(x: Value, axis: number, start: number, end: number): Value {
    const d = x.dims[axis];
    if (d === undefined || start < 0 || end > d || start >= end)
      fail('Slice', `bad range [${start}, ${end}) on axis ${axis} of [${x.dims.join(',')}]`);
    const dims = x.dims.slice();
    dims[axis] = end - start;
    return this.one(
      'Slice',
      [x, this.int64s([start], 'starts'), this.int64s([end], 'ends'), this.int64s([axis], 'axes')],
      [],
      dims,
    );
  }

  // ---- elementwise ----

  private broadcast(op: string, a: Value, b: Value): readonly number[] {
    if (same(a.dims, b.dims) || b.dims.length === 0) return a.dims;
    if (a.dims.length === 0) return b.dims;
    return fail(op, `shapes [${a.dims.join(',')}] and [${b.dims.join(',')}] differ`);
  }

  /** a + b (same shape, or one a scalar). */
  add(a: Value, b: Value): Value {
    return this.one('Add', [a, b], [], this.broadcast('Add', a, b));
  }
  /** a - b (same shape, or one a scalar). */
  sub(a: Value, b: Value): Value {
    return this.one('Sub', [a, b], [], this.broadcast('Sub', a, b));
  }
  /** a * b (same shape, or one a scalar). */
  mul(a: Value, b: Value): Value {
    return this.one('Mul', [a, b], [], this.broadcast('Mul', a, b));
  }
  /** x [N,C,H,W] times m [N,1,H,W] (one factor per position, broadcast over channels). */
  mulPositions(x: Value, m: Value): Value {
    const [n, , h, w] = this.nchw('Mul', x);
    if (!same(m.dims, [n, 1, h, w])) fail('Mul', `factor [${m.dims.join(',')}] does not fit [${x.dims.join(',')}]`);
    return this.one('Mul', [x, m], [], x.dims);
  }
  /** a * k for a number k; k = 1 adds no node. */
  scale(a: Value, k: number): Value {
    return k === 1 ? a : this.mul(a, this.scalar(k));
  }
  /** Relu. */
  relu(x: Value): Value {
    return this.one('Relu', [x], [], x.dims);
  }
  /** min(max(x, lo), hi) elementwise. */
  clip(x: Value, lo: number, hi: number): Value {
    return this.one('Clip', [x, this.scalar(lo), this.scalar(hi)], [], x.dims);
  }
  /** Sign (-1, 0, 1). */
  sign(x: Value): Value {
    return this.one('Sign', [x], [], x.dims);
  }
  /** a > b as bool. */
  greater(a: Value, b: Value): Value {
    return this.one('Greater', [a, b], [], this.broadcast('Greater', a, b), 'bool');
  }
  /** cond ? a : b. */
  where(cond: Value, a: Value, b: Value): Value {
    if (cond.type !== 'bool') fail('Where', 'condition must be bool');
    return this.one('Where', [cond, a, b], [], this.broadcast('Where', cond, a));
  }

  // ---- reductions, matrices, shapes ----

  /** Sum of squares of all elements, as a scalar. */
  sumSquares(x: Value): Value {
    return this.one('ReduceSumSquare', [x], [{ name: 'keepdims', kind: 'int', value: 0 }], []);
  }

  /** Sum of all elements, as a scalar. */
  sum(x: Value): Value {
    return this.one('ReduceSum', [x], [{ name: 'keepdims', kind: 'int', value: 0 }], []);
  }

  /** Matrix product of rank-2 values; `transB` multiplies by b^T. */
  matmul(a: Value, b: Value, transB = false): Value {
    if (a.dims.length !== 2 || b.dims.length !== 2) fail('MatMul', 'operands must be rank 2');
    const bt = transB ? this.transpose(b) : b;
    if (a.dims[1] !== bt.dims[0]) fail('MatMul', `[${a.dims.join(',')}] x [${bt.dims.join(',')}]`);
    return this.one('MatMul', [a, bt], [], [a.dims[0]!, bt.dims[1]!]);
  }

  /** Transpose of a rank-2 value. */
  transpose(x: Value): Value {
    if (x.dims.length !== 2) fail('Transpose', 'only rank 2 is used');
    return this.one('Transpose', [x], [{ name: 'perm', kind: 'ints', value: [1, 0] }], [x.dims[1]!, x.dims[0]!]);
  }

  /** Reshape to static `dims` (same element count). */
  reshape(x: Value, dims: readonly number[]): Value {
    if (sizeOf(dims) !== sizeOf(x.dims)) fail('Reshape', `[${x.dims.join(',')}] -> [${dims.join(',')}]`);
    return this.one('Reshape', [x, this.int64s(dims, 'shape')], [], dims);
  }

  private nchw(op: string, x: Value): [number, number, number, number] {
    if (x.dims.length !== 4) fail(op, `expected NCHW input, got [${x.dims.join(',')}]`);
    return x.dims as unknown as [number, number, number, number];
  }

  /** The model as data (for inspection or {@link encodeModel}). */
  toSpec(): ModelSpec {
    return {
      graphName: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      docString: `built by @pastiche/style (opset ${ONNX_OPSET})`,
    };
  }

  /** ONNX ModelProto bytes. */
  encode(): Uint8Array {
    return encodeModel(this.toSpec());
  }
}
