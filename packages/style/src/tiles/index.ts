/**
 * Tiled evaluation: the loss and gradient of images of any size at bounded
 * memory (portable; the Node default budget is in ./node.ts).
 */
export { TiledEvaluator, createTiledEvaluator } from './evaluator.js';
export type { ImageEvaluator, TiledEvaluatorOptions } from './evaluator.js';
export { tileContext } from './receptive-field.js';
export type { TileContext } from './receptive-field.js';
export { planTiles, axisWindow, axisCount, minimumWindow } from './layout.js';
export type { Tile, TilePlan } from './layout.js';
export {
  shouldTile,
  chooseWindow,
  estimateTiledBytes,
  estimateUntiledBytes,
  forwardActivationBytes,
  weightBytes,
} from './memory.js';
export type { MemoryModel, WindowChoice } from './memory.js';
export { addTotalVariation } from './tv.js';
export { BUDGET_HEADROOM, TRAINING_FACTOR, WEIGHTS_FACTOR, BASELINE_BYTES } from './memory.js';
