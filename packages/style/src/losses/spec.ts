/**
 * What the optimisation minimises: which layers, their weights, the term weights
 * and the normalisation.
 */
import { StyleError } from '../errors.js';
import type { LayerName } from '../network/vgg.js';

/**
 * Pooling between VGG blocks, all 2x2 with stride 2: 'max' (VGG's own), 'avg'
 * (no padding: an odd side floors, as ONNX/Caffe), 'same-avg' (TF's
 * avg_pool with padding 'SAME', the seed's: an odd side rounds up and edge
 * windows average only the elements inside, so 333 -> 167).
 */
export type Pooling = 'max' | 'avg' | 'same-avg';

/** The poolings, in the order messages list them. */
export const POOLINGS: readonly Pooling[] = ['max', 'avg', 'same-avg'];

/** The loss of one style transfer. */
export interface LossSpec {
  /** Layers whose features are matched to the content image's, with their weights. */
  contentLayers: { layer: LayerName; weight: number }[];
  /** Layers whose Gram matrices are matched to the style image's, with their weights. */
  styleLayers: { layer: LayerName; weight: number }[];
  /** Weight of the content term in the total (cs20: 0.01). */
  contentWeight: number;
  /** Weight of the style term in the total (cs20: 1). */
  styleWeight: number;
  /** Weight of the total-variation term in the total (cs20: 0). */
  tvWeight: number;
  /** Pooling between blocks, 2x2 stride 2; see {@link Pooling}. */
  pooling: Pooling;
  /**
   * 'cs20' = the seed's normalisations: content sum((F-P)^2)/(4*size(P)); style
   * sum((G-A)^2)/(2NM)^2 with raw Grams; TV plain sums of squared neighbour differences.
   * 'mean': content mean((F-P)^2); style mean(((G-A)/(N M))^2); TV mean per direction.
   */
  normalization: 'cs20' | 'mean';
}

/** The seed's loss (Stanford CS20 2018, assignment 2): conv4_2 content, five style layers, TF SAME avg pooling. */
export const CS20_LOSS: Readonly<LossSpec> = Object.freeze({
  contentLayers: [{ layer: 'conv4_2', weight: 1 }],
  styleLayers: [
    { layer: 'conv1_1', weight: 0.5 },
    { layer: 'conv2_1', weight: 1.0 },
    { layer: 'conv3_1', weight: 1.5 },
    { layer: 'conv4_1', weight: 3.0 },
    { layer: 'conv5_1', weight: 4.0 },
  ],
  contentWeight: 0.01,
  styleWeight: 1,
  tvWeight: 0,
  pooling: 'same-avg',
  normalization: 'cs20',
});

function describe(v: unknown): string {
  return `${String(v)} of type ${typeof v}`;
}

function checkNumber(v: unknown, field: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new StyleError('INVALID_OPTION', `Expected finite number >= 0 for ${field} but received ${describe(v)}`);
  }
}

/** Validates a LossSpec at the public boundary; throws StyleError INVALID_OPTION naming the field. */
export function validateLossSpec(loss: LossSpec): void {
  if (typeof loss !== 'object' || loss === null)
    throw new StyleError('INVALID_OPTION', `Expected object for loss but received ${describe(loss)}`);
  for (const key of ['contentLayers', 'styleLayers'] as const) {
    const list = loss[key];
    if (!Array.isArray(list))
      throw new StyleError('INVALID_OPTION', `Expected array for loss.${key} but received ${describe(list)}`);
    const seen = new Set<string>();
    list.forEach((e, i) => {
      if (typeof e?.layer !== 'string')
        throw new StyleError(
          'INVALID_OPTION',
          `Expected layer name for loss.${key}[${i}].layer but received ${describe(e?.layer)}`,
        );
      if (seen.has(e.layer))
        throw new StyleError('INVALID_OPTION', `Expected distinct layers in loss.${key} but received ${e.layer} twice`);
      seen.add(e.layer);
      checkNumber(e.weight, `loss.${key}[${i}].weight`);
    });
  }
  checkNumber(loss.contentWeight, 'loss.contentWeight');
  checkNumber(loss.styleWeight, 'loss.styleWeight');
  checkNumber(loss.tvWeight, 'loss.tvWeight');
  if (!(POOLINGS as readonly unknown[]).includes(loss.pooling)) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected one of ${POOLINGS.join(', ')} for loss.pooling but received ${describe(loss.pooling)}`,
    );
  }
  if (loss.normalization !== 'cs20' && loss.normalization !== 'mean') {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected one of cs20, mean for loss.normalization but received ${describe(loss.normalization)}`,
    );
  }
  if (loss.contentLayers.length + loss.styleLayers.length === 0) {
    throw new StyleError('INVALID_OPTION', 'Expected at least one content or style layer in loss');
  }
}
