/**
 * The two graphs of a style transfer, for one image size:
 * - the training graph: image + targets -> loss terms and d(total)/d(image),
 *   the backward pass built into the graph from the rules in ./rules.ts;
 * - the feature graph: image -> features at the content layers and Grams per
 *   position at the style layers (for targets).
 */
import type { LossSpec, Pooling } from '../losses/spec.js';
import { contentTerm, guidedStyleTerm, styleTerm, tvTerm } from '../losses/terms.js';
import { buildForward } from '../network/forward.js';
import { featureShapes, resolveLayers } from '../network/vgg.js';
import type { LayerName, VggArchitecture } from '../network/vgg.js';
import type { VggWeights } from '../weights/types.js';
import { GraphBuilder } from './builder.js';
import type { Value } from './builder.js';
import { avgPoolBackward, avgPoolSameBackward, convBackward, gram, maxPoolBackward, reluBackward } from './rules.js';
import type { BackwardConv, ReluBackward } from './rules.js';

/** Graph input and output names. */
export const GRAPH_NAMES = {
  image: 'image',
  /** Content target input of a layer: NCHW features of the content image. */
  contentTarget: (layer: LayerName) => `content_target:${layer}`,
  /** Style target input of a layer: Gram per position [C, C] of the style image. */
  styleTarget: (layer: LayerName) => `style_target:${layer}`,
  /** Guided style target of region k (0-based): Gram per position [C, C] of that region's style image. */
  guideTarget: (layer: LayerName, k: number) => `style_target:${layer}:${k}`,
  /** Guide of region k at a layer's size, [1, 1, h, w], divided by sqrt(sum of its squares). */
  guideMask: (layer: LayerName, k: number) => `style_guide:${layer}:${k}`,
  /** Feature graph outputs. */
  feature: (layer: LayerName) => `feature:${layer}`,
  gram: (layer: LayerName) => `gram:${layer}`,
  content: 'content',
  style: 'style',
  tv: 'tv',
  total: 'total',
  gradient: 'gradient',
} as const;

/** Choices of the backward graph (measured; the defaults are the faster ones). */
export interface BackwardOptions {
  /** Default 'auto' (see {@link BackwardConv}). */
  backwardConv?: BackwardConv;
  /** Default 'step' (see {@link ReluBackward}). */
  reluBackward?: ReluBackward;
}

/** Spatial control: one guide (mask) and one target Gram per region and style layer. */
export interface GuideOptions {
  /** Weight of each region's style term (their sum is usually 1); the length is the number of regions. */
  weights: readonly number[];
}

/** A graph for one size, with its input shapes. */
export interface BuiltGraph {
  /** ONNX ModelProto bytes. */
  model: Uint8Array;
  /** Input name -> dims, for every graph input. */
  inputs: Map<string, readonly number[]>;
  /** Output name -> dims. */
  outputs: Map<string, readonly number[]>;
}

/** How a pooling rounds an odd side: TF SAME rounds up, the others floor. */
export function poolRounding(pooling: Pooling): 'floor' | 'ceil' {
  return pooling === 'same-avg' ? 'ceil' : 'floor';
}

/** The deepest of `layers` (by position in the network). */
export function deepestLayer(arch: VggArchitecture, layers: readonly LayerName[]): LayerName {
  const infos = resolveLayers(arch, layers);
  let best = infos[0]!;
  for (const l of infos) if (l.block > best.block || (l.block === best.block && l.index > best.index)) best = l;
  return best.name;
}

function collect(b: GraphBuilder): BuiltGraph {
  const spec = b.toSpec();
  return {
    model: b.encode(),
    inputs: new Map(spec.inputs.map((v) => [v.name, v.dims])),
    outputs: new Map(spec.outputs.map((v) => [v.name, v.dims])),
  };
}

/**
 * Training graph for a `height` x `width` image: inputs 'image' [1,3,H,W] and the
 * targets; outputs scalars 'content', 'style', 'tv', 'total' and 'gradient' [1,3,H,W].
 * total = contentWeight * content + styleWeight * style + tvWeight * tv, with
 * content = sum_l w_l content_l and style = sum_l w_l style_l.
 */
export function buildTrainingGraph(
  o: {
    arch: VggArchitecture;
    weights: VggWeights;
    height: number;
    width: number;
    loss: LossSpec;
    /** Guided Grams (spatial control) instead of one style target per layer. */
    guides?: GuideOptions;
    /** false: a loss-only graph (no backward pass, no 'gradient' output); default true. */
    gradient?: boolean;
  } & BackwardOptions,
): BuiltGraph {
  const { arch, loss } = o;
  const withGradient = o.gradient !== false;
  const backwardConv = o.backwardConv ?? 'auto';
  const reluMode = o.reluBackward ?? 'step';
  const b = new GraphBuilder('pastiche_style_training');
  const image = b.input(GRAPH_NAMES.image, [1, arch.inChannels, o.height, o.width]);
  const used = [...loss.contentLayers, ...loss.styleLayers].map((l) => l.layer);
  const { steps, features } = buildForward(b, image, arch, o.weights, {
    upTo: deepestLayer(arch, used),
    pooling: loss.pooling,
    backward: withGradient ? backwardConv : null,
  });
  const shapes = featureShapes(arch, o.height, o.width, used, poolRounding(loss.pooling));

  const grads = new Map<string, Value>();
  const accumulate = (v: Value, g: Value): void => {
    const prev = grads.get(v.name);
    grads.set(v.name, prev ? b.add(prev, g) : g);
  };
  const weightedSum = (terms: { value: Value; weight: number }[]): Value =>
    terms.reduce<Value | null>((acc, t) => {
      const v = b.scale(t.value, t.weight);
      return acc ? b.add(acc, v) : v;
    }, null) ?? b.scalar(0);

  const contentTerms = loss.contentLayers.map(({ layer, weight }) => {
    const [c, h, w] = shapes[layer]!;
    const target = b.input(GRAPH_NAMES.contentTarget(layer), [1, c, h, w]);
    const f = features.get(layer)!;
    const term = contentTerm(b, f, target, loss.normalization);
    const seed = loss.contentWeight * weight;
    if (seed !== 0 && withGradient) accumulate(f, term.backward(seed));
    return { value: term.value, weight };
  });
  const styleTerms = loss.styleLayers.flatMap(({ layer, weight }) => {
    const [c, h, w] = shapes[layer]!;
    const f = features.get(layer)!;
    const regions =
      o.guides === undefined
        ? [{ term: styleTerm(b, f, b.input(GRAPH_NAMES.styleTarget(layer), [c, c]), loss.normalization), share: 1 }]
        : o.guides.weights.map((share, k) => {
            const target = b.input(GRAPH_NAMES.guideTarget(layer, k), [c, c]);
            const mask = b.input(GRAPH_NAMES.guideMask(layer, k), [1, 1, h, w]);
            return { term: guidedStyleTerm(b, f, mask, target, loss.normalization), share };
          });
    return regions.map(({ term, share }) => {
      const seed = loss.styleWeight * weight * share;
      if (seed !== 0 && withGradient) accumulate(f, term.backward(seed));
      return { value: term.value, weight: weight * share };
    });
  });
  const tv = tvTerm(b, image, loss.normalization);

  // Backward through the network, deepest step first.
  for (let i = withGradient ? steps.length - 1 : -1; i >= 0; i--) {
    const s = steps[i]!;
    const g = grads.get(s.output.name);
    if (!g) continue;
    if (s.kind === 'conv') {
      const dPre = reluBackward(b, g, s.output, reluMode);
      accumulate(s.input, convBackward(b, dPre, 1, s.backward!, s.kernel, s.flipped));
    } else if (s.kind === 'pool' && s.pooling === 'avg') {
      accumulate(s.input, avgPoolBackward(b, g, s.input.dims));
    } else if (s.kind === 'pool' && s.pooling === 'same-avg') {
      accumulate(s.input, avgPoolSameBackward(b, g, s.input.dims));
    } else {
      accumulate(s.input, maxPoolBackward(b, g, s.indices!, s.input.dims));
    }
  }
  if (loss.tvWeight !== 0 && withGradient) accumulate(image, tv.backward(loss.tvWeight));

  const content = weightedSum(contentTerms);
  const style = weightedSum(styleTerms);
  const total = b.add(
    b.add(b.scale(content, loss.contentWeight), b.scale(style, loss.styleWeight)),
    b.scale(tv.value, loss.tvWeight),
  );
  b.output(content, GRAPH_NAMES.content);
  b.output(style, GRAPH_NAMES.style);
  b.output(tv.value, GRAPH_NAMES.tv);
  b.output(total, GRAPH_NAMES.total);
  if (withGradient) b.output(grads.get(image.name) ?? b.scale(image, 0), GRAPH_NAMES.gradient);
  return collect(b);
}

/**
 * Feature graph for targets: input 'image' [1,3,H,W]; outputs 'feature:<layer>'
 * (NCHW) for `contentLayers` and 'gram:<layer>' ([C,C], Gram / (H*W)) for `styleLayers`.
 */
export function buildFeatureGraph(o: {
  arch: VggArchitecture;
  weights: VggWeights;
  height: number;
  width: number;
  contentLayers: readonly LayerName[];
  styleLayers: readonly LayerName[];
  pooling: Pooling;
}): BuiltGraph {
  const b = new GraphBuilder('pastiche_style_features');
  const image = b.input(GRAPH_NAMES.image, [1, o.arch.inChannels, o.height, o.width]);
  const used = [...o.contentLayers, ...o.styleLayers];
  const { features } = buildForward(b, image, o.arch, o.weights, {
    upTo: deepestLayer(o.arch, used),
    pooling: o.pooling,
    backward: null,
  });
  for (const l of o.contentLayers) b.output(features.get(l)!, GRAPH_NAMES.feature(l));
  for (const l of o.styleLayers) b.output(gram(b, features.get(l)!).gram, GRAPH_NAMES.gram(l));
  return collect(b);
}
