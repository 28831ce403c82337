/**
 * Where the tiles go: every window has the same size (one compiled graph serves
 * them all), lies inside the image, starts on the pooling grid, and carries
 * `margin` px of context around its interior except at the image's edges. The
 * interiors partition the image; their seams move with the iteration.
 */
import type { TileContext } from './receptive-field.js';

/** One tile: a window (the tensor the graphs run on) and its interior, image px. */
export interface Tile {
  /** Window origin (multiple of `align`). */
  y: number;
  x: number;
  /** Interior [y0, y1) x [x0, x1): the pixels and cells this tile accounts for. */
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** Tiles of one axis: window origins and interior bounds. */
interface AxisTiles {
  window: number;
  origins: number[];
  /** Interior boundaries, first 0, last the axis length. */
  bounds: number[];
}

/**
 * Slack kept so the seams can move: one pooling cell (at most the margin), which
 * gives every seam at least two places. Two cells cost a whole row or column of
 * windows whenever the windows fit the image with less than 32 px to spare, as
 * 240 px with 192 px windows does (4 rows instead of 3: 24 windows instead of 18
 * at 320 x 240), and each window costs about a full training pass.
 */
function minSlack(ctx: TileContext): number {
  return Math.min(ctx.align, ctx.margin);
}

/** Smallest legal window on an axis of `length` px (2 margins + 1 cell + the residue). */
export function minimumWindow(length: number, ctx: TileContext): number {
  return 2 * ctx.margin + ctx.align + (length % ctx.align);
}

/**
 * The window on an axis of `length` px for a wanted window of `want` px: the
 * largest value <= want that is congruent to `length` modulo `align`, so the last
 * window ends at the image's edge with its origin on the pooling grid; `length`
 * itself if want >= length. Returns null when want is below {@link minimumWindow}.
 */
export function axisWindow(length: number, want: number, ctx: TileContext): number | null {
  if (want >= length) return length;
  const r = length % ctx.align;
  const s = want - ((((want - r) % ctx.align) + ctx.align) % ctx.align);
  return s >= minimumWindow(length, ctx) && s < length ? s : null;
}

/** Number of windows an axis of `length` px needs with windows of `window` px. */
export function axisCount(length: number, window: number, ctx: TileContext): number {
  if (window >= length) return 1;
  const { first, middle, last } = capacities(length, window, ctx);
  let n = 2;
  while (first + (n - 2) * middle + last < length + minSlack(ctx)) n++;
  return n;
}

function capacities(length: number, window: number, ctx: TileContext): { first: number; middle: number; last: number } {
  const r = length % ctx.align;
  // The first interior starts at the image edge (no context needed before it) and
  // ends on the grid; middle ones have context on both sides; the last ends at the edge.
  return { first: window - ctx.margin - r, middle: window - 2 * ctx.margin - r, last: window - ctx.margin };
}

/**
 * The tiles of one axis at iteration `shift` (any integer): the first seam sits
 * at first - s, s a multiple of `align` cycling through what the slack allows.
 */
function axisTiles(length: number, window: number, ctx: TileContext, shift: number): AxisTiles {
  if (window >= length) return { window: length, origins: [0], bounds: [0, length] };
  const n = axisCount(length, window, ctx);
  const { first, middle, last } = capacities(length, window, ctx);
  const slack = first + (n - 2) * middle + last - length;
  const positions = Math.floor(Math.min(slack, first - ctx.align) / ctx.align) + 1;
  const s = ctx.align * (((shift % positions) + positions) % positions);
  const bounds = [0];
  for (let j = 1; j < n; j++) bounds.push(first - s + (j - 1) * middle);
  bounds.push(length);
  const origins = bounds.slice(0, -1).map((a) => Math.min(Math.max(a - ctx.margin, 0), length - window));
  return { window, origins, bounds };
}

/** A tiling of an image: the window size and the tiles of one iteration. */
export interface TilePlan {
  /** Window size, px (every tile's). */
  height: number;
  width: number;
  tiles: Tile[];
}

/**
 * The tiles of an `height` x `width` image with `windowHeight` x `windowWidth`
 * windows (from {@link axisWindow}) at iteration `shift`. Rows and columns shift
 * by different amounts so seams do not move in lockstep.
 */
export function planTiles(
  height: number,
  width: number,
  windowHeight: number,
  windowWidth: number,
  ctx: TileContext,
  shift = 0,
): TilePlan {
  const rows = axisTiles(height, windowHeight, ctx, shift);
  const cols = axisTiles(width, windowWidth, ctx, shift * 3 + 1);
  const tiles: Tile[] = [];
  rows.origins.forEach((y, i) => {
    cols.origins.forEach((x, j) => {
      tiles.push({ y, x, y0: rows.bounds[i]!, y1: rows.bounds[i + 1]!, x0: cols.bounds[j]!, x1: cols.bounds[j + 1]! });
    });
  });
  return { height: rows.window, width: cols.window, tiles };
}
