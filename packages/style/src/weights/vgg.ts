/**
 * The convolution layers of VGG-16 and VGG-19 as Keras names them, with the
 * shapes every loader checks its input against.
 */
import { StyleError } from '../errors.js';
import type { ConvWeights, VggWeights } from './types.js';

/** Shape of one VGG conv layer (3x3 kernels, 'same' padding). */
export interface VggLayerSpec {
  /** Keras layer name, e.g. 'block3_conv2'. */
  name: string;
  /** Input channels. */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
}

/** Throws StyleError WEIGHTS naming `file`, the one way every weights loader fails. */
export function failWeights(message: string, file: string, cause?: unknown): never {
  throw new StyleError('WEIGHTS', message, cause === undefined ? { file } : { file, cause });
}

/** Which VGG network a set of weights belongs to. */
export type VggWeightsVariant = 'vgg16' | 'vgg19';

function layers(convsPerBlock: readonly number[]): readonly VggLayerSpec[] {
  const widths = [64, 128, 256, 512, 512];
  const out: VggLayerSpec[] = [];
  let inChannels = 3;
  convsPerBlock.forEach((n, b) => {
    const width = widths[b] as number;
    for (let i = 1; i <= n; i++) {
      out.push({ name: `block${b + 1}_conv${i}`, inChannels, outChannels: width });
      inChannels = width;
    }
  });
  return out;
}

/** The 16 conv layers of VGG-19, in network order. */
export const VGG19_LAYERS: readonly VggLayerSpec[] = layers([2, 2, 4, 4, 4]);
/** The 13 conv layers of VGG-16, in network order. */
export const VGG16_LAYERS: readonly VggLayerSpec[] = layers([2, 2, 3, 3, 3]);

/** Conv layers of a variant, in network order. */
export function vggLayers(variant: VggWeightsVariant): readonly VggLayerSpec[] {
  return variant === 'vgg19' ? VGG19_LAYERS : VGG16_LAYERS;
}

/**
 * The variant whose layers a set of layer names holds: VGG-19 when any
 * 4th conv of blocks 3-5 is present, else VGG-16.
 */
export function detectVariant(names: Iterable<string>): VggWeightsVariant {
  for (const n of names) if (/^block[345]_conv4$/.test(n)) return 'vgg19';
  return 'vgg16';
}

/** The variant of loaded weights (VGG-19 when block3_conv4 .. block5_conv4 are present). */
export function weightsVariant(weights: VggWeights): VggWeightsVariant {
  return detectVariant(weights.keys());
}

/** Total number of parameters (kernel + bias elements). */
export function countParameters(weights: VggWeights): number {
  let n = 0;
  for (const w of weights.values()) n += w.kernel.length + w.bias.length;
  return n;
}

/**
 * Checks that `weights` holds every conv layer of its variant with the VGG
 * shapes and finite values; throws StyleError WEIGHTS naming the first problem.
 */
export function validateVggWeights(weights: VggWeights, file?: string): VggWeightsVariant {
  const variant = weightsVariant(weights);
  const opts = file === undefined ? {} : { file };
  const where = file === undefined ? '' : ` in ${file}`;
  for (const spec of vggLayers(variant)) {
    const w: ConvWeights | undefined = weights.get(spec.name);
    if (w === undefined) {
      throw new StyleError('WEIGHTS', `Missing layer ${spec.name}${where} (needed by ${variant.toUpperCase()})`, opts);
    }
    const expect = [spec.outChannels, spec.inChannels, 3, 3];
    const got = [w.outChannels, w.inChannels, w.kh, w.kw];
    if (expect.some((v, i) => v !== got[i])) {
      throw new StyleError(
        'WEIGHTS',
        `Layer ${spec.name}${where} has kernel shape [${[w.kh, w.kw, w.inChannels, w.outChannels].join(', ')}] ` +
          `but ${variant.toUpperCase()} needs [3, 3, ${spec.inChannels}, ${spec.outChannels}] ([kh, kw, in, out])`,
        opts,
      );
    }
    if (w.kernel.length !== spec.outChannels * spec.inChannels * 9 || w.bias.length !== spec.outChannels) {
      throw new StyleError(
        'WEIGHTS',
        `Layer ${spec.name}${where} has ${w.kernel.length} kernel and ${w.bias.length} bias values; expected ${spec.outChannels * spec.inChannels * 9} and ${spec.outChannels}`,
        opts,
      );
    }
    for (const [part, arr] of [
      ['kernel', w.kernel],
      ['bias', w.bias],
    ] as const) {
      for (let i = 0; i < arr.length; i++) {
        if (!Number.isFinite(arr[i])) {
          throw new StyleError(
            'WEIGHTS',
            `Layer ${spec.name}${where} has a non-finite ${part} value at index ${i}`,
            opts,
          );
        }
      }
    }
  }
  return variant;
}

/**
 * Builds a ConvWeights from a Keras kernel [kh, kw, in, out] and bias [out],
 * transposing the kernel to ONNX layout [out, in, kh, kw].
 */
export function fromKerasKernel(
  name: string,
  kerasKernel: ArrayLike<number>,
  shape: readonly number[],
  bias: ArrayLike<number>,
): ConvWeights {
  const [kh, kw, inC, outC] = shape as [number, number, number, number];
  const kernel = new Float32Array(outC * inC * kh * kw);
  // Source index ((y*kw + x)*in + i)*out + o; walk the source in order for locality.
  let s = 0;
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < inC; i++) {
        const base = (i * kh + y) * kw + x;
        const stride = inC * kh * kw;
        for (let o = 0; o < outC; o++) kernel[o * stride + base] = kerasKernel[s++] as number;
      }
    }
  }
  return { name, outChannels: outC, inChannels: inC, kh, kw, kernel, bias: Float32Array.from(bias) };
}
