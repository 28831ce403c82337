/**
 * The two graphs of tiled evaluation (see tiles/evaluator.ts), for one window size:
 * - the tile feature graph: window -> raw Gram sums over the interior cells at the
 *   style layers (and the window's features at the content layers, for targets);
 * - the tile gradient graph: window + the whole image's Gram differences (as
 *   seeds) + the content targets' crop -> the interior's content sums and the
 *   gradient of the total loss from the interior cells w.r.t. the window's pixels.
 * The interior of each pooling level is a 0/1 mask input [1, 1, h, w], so one
 * graph serves every tile of a plan whatever its interior.
 */
import { featureShapes, resolveLayers } from '../network/vgg.js';
import { buildForward } from '../network/forward.js';
import type { LayerName, VggArchitecture } from '../network/vgg.js';
import type { VggWeights } from '../weights/types.js';
import { GraphBuilder } from './builder.js';
import type { Value } from './builder.js';
import { avgPoolBackward, convBackward, maxPoolBackward, reluBackward } from './rules.js';
import { deepestLayer } from './style-graph.js';
import type { BackwardOptions, BuiltGraph } from './style-graph.js';

/** Input and output names of the tile graphs. */
export const TILE_NAMES = {
  image: 'image',
  /** Interior mask at a pooling level (0 = full resolution), [1, 1, h, w], 1 inside. */
  mask: (level: number) => `mask:${level}`,
  /** Style seed of a layer, [C, C]: d(total)/dX = seed X for the masked features X as [C, M]. */
  styleSeed: (layer: LayerName) => `style_seed:${layer}`,
  /** The content target's cells under the window, NCHW [1, C, h, w]. */
  contentTarget: (layer: LayerName) => `content_target:${layer}`,
  /** Raw Gram over the interior, [C, C]: X X^T, X = masked features as [C, M] (not divided by M). */
  gram: (layer: LayerName) => `gram:${layer}`,
  /** The window's features, NCHW. */
  feature: (layer: LayerName) => `feature:${layer}`,
  /** Sum over the interior of (F - P)^2, a scalar. */
  contentSum: (layer: LayerName) => `content_sum:${layer}`,
  gradient: 'gradient',
} as const;

/** What both tile graphs need. */
export interface TileGraphOptions {
  arch: VggArchitecture;
  weights: VggWeights;
  /** Window size, px. */
  height: number;
  width: number;
  pooling: 'avg' | 'max';
}

function collect(b: GraphBuilder): BuiltGraph {
  const spec = b.toSpec();
  return {
    model: b.encode(),
    inputs: new Map(spec.inputs.map((v) => [v.name, v.dims])),
    outputs: new Map(spec.outputs.map((v) => [v.name, v.dims])),
  };
}

/** F * mask, the [1, 1, h, w] mask broadcast over channels. */
function masked(b: GraphBuilder, f: Value, mask: Value): Value {
  return b.node('Mul', [f, mask], [], [{ dims: f.dims, type: 'float' }])[0]!;
}

/** One mask input per pooling level that a layer of `layers` sits at. */
function maskInputs(b: GraphBuilder, o: TileGraphOptions, layers: readonly LayerName[]): Map<number, Value> {
  const masks = new Map<number, Value>();
  const shapes = featureShapes(o.arch, o.height, o.width, layers);
  for (const l of resolveLayers(o.arch, layers)) {
    if (masks.has(l.pools)) continue;
    const [, h, w] = shapes[l.name]!;
    masks.set(l.pools, b.input(TILE_NAMES.mask(l.pools), [1, 1, h, w]));
  }
  return masks;
}

function poolsOf(arch: VggArchitecture, layer: LayerName): number {
  return resolveLayers(arch, [layer])[0]!.pools;
}

/**
 * Tile feature graph: input 'image' [1, 3, h, w] and the masks of the style
 * layers' levels; outputs 'gram:<layer>' for `styleLayers` and 'feature:<layer>'
 * (unmasked) for `featureLayers`.
 */
export function buildTileFeatureGraph(
  o: TileGraphOptions & { styleLayers: readonly LayerName[]; featureLayers: readonly LayerName[] },
): BuiltGraph {
  const b = new GraphBuilder('pastiche_tile_features');
  const image = b.input(TILE_NAMES.image, [1, o.arch.inChannels, o.height, o.width]);
  const masks = maskInputs(b, o, o.styleLayers);
  const { features } = buildForward(b, image, o.arch, o.weights, {
    upTo: deepestLayer(o.arch, [...o.styleLayers, ...o.featureLayers]),
    pooling: o.pooling,
    backward: null,
  });
  for (const l of o.styleLayers) {
    const f = features.get(l)!;
    const [, c, h, w] = f.dims as [number, number, number, number];
    const x = b.reshape(masked(b, f, masks.get(poolsOf(o.arch, l))!), [c, h * w]);
    b.output(b.matmul(x, x, true), TILE_NAMES.gram(l));
  }
  for (const l of o.featureLayers) b.output(features.get(l)!, TILE_NAMES.feature(l));
  return collect(b);
}

/**
 * Tile gradient graph: inputs 'image', the masks, 'style_seed:<layer>' per style
 * layer and 'content_target:<layer>' per content layer; outputs
 * 'content_sum:<layer>' per content layer and 'gradient' [1, 3, h, w] =
 * d(content + style part of the total, from the interior cells)/d(window pixels).
 * `contentSeeds` holds, per content layer, d(total)/d(sum of (F - P)^2) (the
 * content weight times the layer weight times the normalisation's 1/size).
 */
export function buildTileGradientGraph(
  o: TileGraphOptions & {
    styleLayers: readonly LayerName[];
    contentLayers: readonly { layer: LayerName; seed: number }[];
  } & BackwardOptions,
): BuiltGraph {
  const b = new GraphBuilder('pastiche_tile_gradient');
  const image = b.input(TILE_NAMES.image, [1, o.arch.inChannels, o.height, o.width]);
  const used = [...o.contentLayers.map((l) => l.layer), ...o.styleLayers];
  const masks = maskInputs(b, o, used);
  const { steps, features } = buildForward(b, image, o.arch, o.weights, {
    upTo: deepestLayer(o.arch, used),
    pooling: o.pooling,
    backward: o.backwardConv ?? 'auto',
  });
  const reluMode = o.reluBackward ?? 'step';
  const grads = new Map<string, Value>();
  const accumulate = (v: Value, g: Value): void => {
    const prev = grads.get(v.name);
    grads.set(v.name, prev ? b.add(prev, g) : g);
  };
  for (const { layer, seed } of o.contentLayers) {
    const f = features.get(layer)!;
    const target = b.input(TILE_NAMES.contentTarget(layer), f.dims);
    const diff = masked(b, b.sub(f, target), masks.get(poolsOf(o.arch, layer))!);
    b.output(b.sumSquares(diff), TILE_NAMES.contentSum(layer));
    if (seed !== 0) accumulate(f, b.scale(diff, 2 * seed));
  }
  for (const layer of o.styleLayers) {
    const f = features.get(layer)!;
    const [, c, h, w] = f.dims as [number, number, number, number];
    const seed = b.input(TILE_NAMES.styleSeed(layer), [c, c]);
    const x = b.reshape(masked(b, f, masks.get(poolsOf(o.arch, layer))!), [c, h * w]);
    // Masked columns of x are zero, so seed x is zero there too: no second mask.
    accumulate(f, b.reshape(b.matmul(seed, x), f.dims));
  }
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    const g = grads.get(s.output.name);
    if (!g) continue;
    if (s.kind === 'conv') {
      const dPre = reluBackward(b, g, s.output, reluMode);
      accumulate(s.input, convBackward(b, dPre, 1, s.backward!, s.kernel, s.flipped));
    } else if (s.kind === 'pool' && s.pooling === 'avg') {
      accumulate(s.input, avgPoolBackward(b, g, s.input.dims));
    } else {
      accumulate(s.input, maxPoolBackward(b, g, s.indices!, s.input.dims));
    }
  }
  b.output(grads.get(image.name) ?? b.scale(image, 0), TILE_NAMES.gradient);
  return collect(b);
}
