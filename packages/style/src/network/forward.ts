/**
 * The VGG feature network as graph nodes: Conv(3x3, pad 1) + Relu per layer and
 * 2x2/2 pooling between blocks, built only up to the deepest layer needed.
 */
import { StyleError } from '../errors.js';
import type { GraphBuilder, Value } from '../graph/builder.js';
import { flipKernel, resolveBackwardConv } from '../graph/rules.js';
import type { BackwardConv } from '../graph/rules.js';
import type { Pooling } from '../losses/spec.js';
import type { VggWeights } from '../weights/types.js';
import { convLayers, resolveLayers } from './vgg.js';
import type { ConvLayerInfo, LayerName, VggArchitecture } from './vgg.js';

/** One forward step, with what its backward rule needs. */
export type ForwardStep =
  | {
      kind: 'conv';
      layer: ConvLayerInfo;
      input: Value;
      output: Value;
      kernel: Value;
      /** The backward variant for this layer (null: forward only). */
      backward: 'conv' | 'convTranspose' | null;
      flipped: Value | null;
    }
  | { kind: 'pool'; pooling: Pooling; input: Value; output: Value; indices: Value | null };

/** Options of {@link buildForward}. */
export interface ForwardOptions {
  /** Deepest layer to build. */
  upTo: LayerName;
  pooling: Pooling;
  /** Prepare for a backward pass: MaxPool Indices and, for 'conv', flipped kernels. null = forward only. */
  backward: BackwardConv | null;
}

/** The convs up to and including `upTo`. */
export function layersUpTo(arch: VggArchitecture, upTo: LayerName): ConvLayerInfo[] {
  const [last] = resolveLayers(arch, [upTo]);
  const all = convLayers(arch);
  return all.slice(0, all.indexOf(all.find((l) => l.name === last!.name)!) + 1);
}

/**
 * Checks that `weights` hold every conv up to `upTo` with the architecture's shapes;
 * throws StyleError WEIGHTS naming the first layer at fault.
 */
export function checkWeights(arch: VggArchitecture, weights: VggWeights, upTo: LayerName): void {
  for (const l of layersUpTo(arch, upTo)) {
    const w = weights.get(l.keras);
    if (!w)
      throw new StyleError('WEIGHTS', `Weights lack layer ${l.keras} (${l.name}), needed for the requested layers`);
    const expect = `[${l.outChannels}, ${l.inChannels}, 3, 3]`;
    const got = `[${w.outChannels}, ${w.inChannels}, ${w.kh}, ${w.kw}]`;
    if (w.outChannels !== l.outChannels || w.inChannels !== l.inChannels || w.kh !== 3 || w.kw !== 3) {
      throw new StyleError('WEIGHTS', `Weights of layer ${l.keras} have shape ${got}; expected ${expect}`);
    }
    if (w.kernel.length !== l.outChannels * l.inChannels * 9) {
      throw new StyleError(
        'WEIGHTS',
        `Weights of layer ${l.keras} hold ${w.kernel.length} kernel values; expected ${l.outChannels * l.inChannels * 9} for ${expect}`,
      );
    }
    if (w.bias.length !== l.outChannels) {
      throw new StyleError(
        'WEIGHTS',
        `Weights of layer ${l.keras} hold ${w.bias.length} bias values; expected ${l.outChannels}`,
      );
    }
  }
}

/** Builds the forward network on `image` ([1, 3, H, W]); returns the steps and post-ReLU features by layer. */
export function buildForward(
  b: GraphBuilder,
  image: Value,
  arch: VggArchitecture,
  weights: VggWeights,
  o: ForwardOptions,
): { steps: ForwardStep[]; features: Map<LayerName, Value> } {
  checkWeights(arch, weights, o.upTo);
  const steps: ForwardStep[] = [];
  const features = new Map<LayerName, Value>();
  let x = image;
  let block = 1;
  for (const l of layersUpTo(arch, o.upTo)) {
    if (l.block !== block) {
      block = l.block;
      if (o.pooling === 'max' && o.backward !== null) {
        const { y, indices } = b.maxPoolWithIndices(x);
        steps.push({ kind: 'pool', pooling: 'max', input: x, output: y, indices });
        x = y;
      } else if (o.pooling === 'same-avg') {
        const y = b.avgPoolSame(x);
        steps.push({ kind: 'pool', pooling: o.pooling, input: x, output: y, indices: null });
        x = y;
      } else {
        const y = b.pool2x2(o.pooling === 'max' ? 'MaxPool' : 'AveragePool', x);
        steps.push({ kind: 'pool', pooling: o.pooling, input: x, output: y, indices: null });
        x = y;
      }
    }
    const w = weights.get(l.keras)!;
    const kernel = b.constant(`${l.keras}/kernel`, [l.outChannels, l.inChannels, 3, 3], w.kernel);
    const bias = b.constant(`${l.keras}/bias`, [l.outChannels], w.bias);
    const backward = o.backward === null ? null : resolveBackwardConv(o.backward, l.inChannels);
    const flipped =
      backward === 'conv'
        ? b.constant(
            `${l.keras}/kernel_flipped`,
            [l.inChannels, l.outChannels, 3, 3],
            flipKernel(w.kernel, l.outChannels, l.inChannels, 3, 3),
          )
        : null;
    const y = b.relu(b.conv(x, kernel, bias, 1));
    steps.push({ kind: 'conv', layer: l, input: x, output: y, kernel, backward, flipped });
    features.set(l.name, y);
    x = y;
  }
  return { steps, features };
}
