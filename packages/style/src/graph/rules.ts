/**
 * Backward rules, one per forward op: each takes the gradient of the loss with
 * respect to an op's output and returns the gradient with respect to its input
 * (never the weights: the image is what is learnt). Each has a finite-difference
 * test in test/gradients.test.ts.
 */
import type { GraphBuilder, Value } from './builder.js';

/**
 * How a Conv's input gradient is computed. 'conv': a plain Conv with the kernel
 * transposed to [in, out] and flipped 180 degrees (onnxruntime runs it with its
 * blocked NCHWc kernels). 'convTranspose': ConvTranspose with the forward kernel
 * (GEMM + col2im). 'auto' (default): 'conv', except 'convTranspose' when the
 * gradient has fewer than 16 channels (the image gradient of conv1_1), where
 * NCHWc would pad 3 channels to 16. Measured (onnxruntime-node 1.30, VGG-19 to
 * conv5_1, cs20, CPU seconds per evaluate with 1 thread): 'auto' 0.98 s at 256 and
 * 4.04 s at 512; 'convTranspose' 1.13 s and 5.24 s. Per layer 'conv' is 10-50 %
 * faster on 64..512 channels, but for 64 -> 3 channels ConvTranspose takes 5 ms
 * against 28 ms at 256 x 256.
 */
export type BackwardConv = 'conv' | 'convTranspose' | 'auto';

/** The variant actually used for a conv whose input (= gradient output) has `inChannels` channels. */
export function resolveBackwardConv(choice: BackwardConv, inChannels: number): 'conv' | 'convTranspose' {
  if (choice !== 'auto') return choice;
  return inChannels < 16 ? 'convTranspose' : 'conv';
}

/**
 * How the ReLU mask is applied, all exact for y = Relu(x) >= 0:
 * - 'step' (default): dy * {@link stepMask}(y), the 0/1 mask as a depthwise 1x1
 *   Conv with a fused Clip. onnxruntime's NCHWc transformer handles Conv and Mul,
 *   so mask and product stay in the blocked layout the convs run in; Sign is no
 *   NCHWc op, so 'sign' costs a ReorderOutput of y and of dy (and a ReorderInput of
 *   the product) at every layer, and Sign itself is not vectorised.
 * - 'sign': dy * Sign(y).
 * - 'where': Where(y > 0, dy, 0).
 * Measured (onnxruntime-node 1.30, VGG-19 to conv5_1, cs20, 512 x 512, 1 thread,
 * onnxruntime's profiler, same load): Sign 189 ms + ReorderOutput 95 ms +
 * ReorderInput 40 ms + Mul 63 ms per evaluate with 'sign', against ReorderOutput
 * 43 ms + Mul 42 ms + about 60 ms for the 13 masks with 'step': about 0.24 of
 * 4.6 CPU seconds (5 %), the rest being Conv. Whole-evaluate A/B runs on the
 * shared 2-core machine (bench/style.mjs --ab) ranged from 8 % less to 4 % more
 * CPU time, i.e. the gain is within their noise. The gradient is bit-identical.
 * Earlier: Greater + Where take about 1.35x as long as Sign + Mul on a [1, 64, 512, 512] tensor.
 */
export type ReluBackward = 'where' | 'sign' | 'step';

/**
 * The kernel of the input-gradient convolution: [out, in, kh, kw] -> [in, out, kh, kw],
 * each kh x kw patch rotated 180 degrees.
 */
export function flipKernel(kernel: Float32Array, out: number, inC: number, kh: number, kw: number): Float32Array {
  const k = kh * kw;
  const res = new Float32Array(kernel.length);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inC; i++) {
      const src = (o * inC + i) * k;
      const dst = (i * out + o) * k;
      for (let p = 0; p < k; p++) res[dst + k - 1 - p] = kernel[src + p]!;
    }
  }
  return res;
}

/**
 * Conv (stride 1, padding `pad`, odd square kernel) -> input gradient. `kernel` is
 * the forward [out, in, kh, kw] initializer (for ConvTranspose); `flipped` the
 * {@link flipKernel} initializer (for Conv). Pass the one the variant needs.
 */
export function convBackward(
  b: GraphBuilder,
  dy: Value,
  pad: number,
  variant: 'conv' | 'convTranspose',
  kernel: Value | null,
  flipped: Value | null,
): Value {
  if (variant === 'convTranspose') {
    if (!kernel) throw new Error('convBackward: convTranspose needs the forward kernel');
    return b.convTranspose(dy, kernel, pad);
  }
  if (!flipped) throw new Error('convBackward: conv needs the flipped kernel');
  const kh = flipped.dims[2]!;
  // Conv with a flipped kernel and padding k-1-pad is the adjoint of Conv with padding pad.
  return b.conv(dy, flipped, null, kh - 1 - pad);
}

/** y = Relu(x) -> dx = dy where y > 0 (from the output, so Conv+Relu can stay fused). */
export function reluBackward(b: GraphBuilder, dy: Value, y: Value, variant: ReluBackward = 'step'): Value {
  if (variant === 'sign') return b.mul(dy, b.sign(y));
  if (variant === 'step') return b.mul(dy, stepMask(b, y));
  return b.where(b.greater(y, b.scalar(0)), dy, b.scalar(0));
}

/** 2^126: times any positive normal float32 (>= 2^-126) it is at least 1. */
const STEP_GAIN = 2 ** 126;

/**
 * 1 where y > 0, 0 where y = 0, for y >= 0 (a ReLU output): Clip(2^126 y, 0, 1)
 * as a depthwise 1x1 Conv with a fused Clip. Every positive normal float maps to
 * exactly 1 (2^126 y >= 1, or +inf, clipped to 1); only a denormal y would give
 * a fraction. Written as a Conv so onnxruntime's NCHWc transformer keeps it,
 * and the Mul that applies it, in the blocked layout of the convs around it.
 */
export function stepMask(b: GraphBuilder, y: Value): Value {
  const c = y.dims[1]!;
  const gain = b.constant(`${y.name}/step_gain`, [c, 1, 1, 1], new Float32Array(c).fill(STEP_GAIN));
  // onnxruntime fuses Conv + Clip into one FusedConv before the NCHWc rewrite.
  return b.clip(b.depthwiseScale(y, gain), 0, 1);
}

/**
 * 2x2/2 AveragePool (no padding) -> each input pixel gets a quarter of its window's
 * gradient; with an odd side the last row/column belongs to no window and gets 0.
 * The 1/4 is applied before the upsampling, on the 4x smaller tensor.
 */
export function avgPoolBackward(b: GraphBuilder, dy: Value, inputDims: readonly number[]): Value {
  const up = b.upsample2x(b.scale(dy, 0.25));
  return b.pad2d(up, 0, inputDims[2]! % 2, 0, inputDims[3]! % 2);
}

/**
 * The weights 1/count of TF's SAME 2x2/2 average pooling of an h x w input, per
 * output position (ceil(h/2) x ceil(w/2)): 1/4 inside, 1/2 on the last row or
 * column of an odd side, 1 at the corner of two odd sides.
 */
export function samePoolWeights(h: number, w: number): Float32Array {
  const oh = Math.ceil(h / 2);
  const ow = Math.ceil(w / 2);
  const out = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    const rows = Math.min(2, h - 2 * i);
    for (let j = 0; j < ow; j++) out[i * ow + j] = 1 / (rows * Math.min(2, w - 2 * j));
  }
  return out;
}

/**
 * TF SAME 2x2/2 AveragePool -> each input element gets its window's gradient
 * divided by the number of elements the window averaged (edge windows of odd
 * sides average fewer); the padded row/column is cut off after upsampling.
 */
export function avgPoolSameBackward(b: GraphBuilder, dy: Value, inputDims: readonly number[]): Value {
  const h = inputDims[2]!;
  const w = inputDims[3]!;
  let scaled: Value;
  if (h % 2 === 0 && w % 2 === 0) scaled = b.scale(dy, 0.25);
  else {
    const [n, , oh, ow] = dy.dims as [number, number, number, number];
    const weights = b.constant(`same_pool_weights/${h}x${w}`, [n, 1, oh, ow], samePoolWeights(h, w));
    scaled = b.mulPositions(dy, weights);
  }
  let up = b.upsample2x(scaled);
  if (h % 2 === 1) up = b.slice(up, 2, 0, h);
  if (w % 2 === 1) up = b.slice(up, 3, 0, w);
  return up;
}

/** 2x2/2 MaxPool -> the gradient goes to the argmax of each window (MaxUnpool at the Indices). */
export function maxPoolBackward(b: GraphBuilder, dy: Value, indices: Value, inputDims: readonly number[]): Value {
  return b.maxUnpool(dy, indices, inputDims);
}

/**
 * Gram matrix per position of NCHW features F (batch 1): X = F as [C, M=H*W],
 * G = X X^T / M ([C, C]). Returns G and X (kept for the backward rule).
 */
export function gram(b: GraphBuilder, f: Value): { gram: Value; x: Value } {
  const [, c, h, w] = f.dims as [number, number, number, number];
  const x = b.reshape(f, [c, h * w]);
  return { gram: b.scale(b.matmul(x, x, true), 1 / (h * w)), x };
}

/**
 * G = X X^T / M -> dX = (dG + dG^T) X / M, reshaped to F's NCHW dims.
 * `symmetric` skips the transpose when dG is known to be symmetric.
 */
export function gramBackward(b: GraphBuilder, dG: Value, x: Value, fDims: readonly number[], symmetric = false): Value {
  const m = x.dims[1]!;
  const sum = symmetric ? b.scale(dG, 2) : b.add(dG, b.transpose(dG));
  return b.reshape(b.matmul(b.scale(sum, 1 / m), x), fDims);
}
