/**
 * Limits and defaults of the style package, defined once: every check and
 * every message that names one of these reads it from here.
 */

/**
 * Smallest image side the VGG network accepts, in pixels: four 2x2 poolings
 * come before conv5_1, so 16 px leaves it a 1x1 feature map and 15 px none.
 */
export const MIN_IMAGE_SIDE = 16;

/** Largest side of any image that is decoded, resized or given to a graph, in pixels. */
export const MAX_IMAGE_SIDE = 16384;

/** Largest output side `stylize` accepts (size, width, height, minSize), in pixels. */
export const MAX_OUTPUT_SIDE = 4096;

/** Most optimiser steps a run accepts (in total over all scales). */
export const MAX_ITERATIONS = 10000;

/** Most scales of a coarse-to-fine run. */
export const MAX_SCALES = 8;

/** Most style images of one run. */
export const MAX_STYLES = 16;

/** Most onnxruntime intra-op threads accepted. */
export const MAX_THREADS = 1024;

/** Largest style scale (style images sized to styleScale x the output's longer side). */
export const MAX_STYLE_SCALE = 4;
