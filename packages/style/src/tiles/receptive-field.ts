/**
 * How much context a tile needs for its interior features, and its gradient, to
 * be exact: the receptive field of the deepest loss layer, on the pooling grid.
 */
import { deepestLayer } from '../graph/style-graph.js';
import { layersUpTo } from '../network/forward.js';
import type { LayerName, VggArchitecture } from '../network/vgg.js';

/** The context a tile window needs around its interior, px. */
export interface TileContext {
  /**
   * Pixels the deepest layer's cell reads before (above / left of) its own
   * `align` x `align` cell: for VGG-19 conv5_1, 70.
   */
  before: number;
  /** Pixels it reads after its cell (below / right): for VGG-19 conv5_1, 70. */
  after: number;
  /**
   * 2^(poolings before the deepest layer), px: 16 for conv5_x. Window origins and
   * interior boundaries are multiples of it, so each 2x2/2 pooling of a window
   * pairs the same rows and columns as the whole image's does.
   */
  align: number;
  /** max(before, after) rounded up to a multiple of `align`, px: 80 for conv5_1. */
  margin: number;
}

/**
 * The context of `layers` in `arch` (3x3 convs with padding 1, 2x2/2 pools).
 *
 * A cell q of a layer whose grid step is J reads the pixel interval
 * [J q - before, J q + (J - 1) + after]: each conv widens it by J on both sides,
 * each pooling by J on the far side (its window is [2q, 2q + 1]) before J doubles.
 * VGG-19 to conv5_1: J = 16, [16q - 70, 16q + 85], 156 px wide.
 *
 * Why one receptive field is enough for an exact gradient (not two): the tiled
 * evaluator seeds the backward pass only at the interior cells of each layer and
 * adds the whole window's image gradient (margins included) into the image's.
 * Every value in the backward cone of an interior cell lies inside that cell's
 * receptive field, so it equals the untiled value; and each cell of each layer
 * is interior to exactly one tile, so the sum over tiles is the untiled chain
 * rule term by term. (Keeping only the interior of each window's gradient would
 * need twice the margin: a pixel's gradient gathers from cells up to one field
 * away, each of which needs one field of context itself.)
 */
export function tileContext(arch: VggArchitecture, layers: readonly LayerName[]): TileContext {
  const convs = layersUpTo(arch, deepestLayer(arch, layers));
  let jump = 1;
  let before = 0;
  let after = 0;
  let block = 1;
  for (const l of convs) {
    if (l.block !== block) {
      block = l.block;
      after += jump;
      jump *= 2;
    }
    before += jump;
    after += jump;
  }
  // `after` so far counts from the cell's first pixel; the cell itself is jump px wide.
  after -= jump - 1;
  const align = jump;
  const margin = Math.ceil(Math.max(before, after) / align) * align;
  return { before, after, align, margin };
}
