/**
 * Browser image input and output: decoding with createImageBitmap (EXIF
 * orientation applied), resizing on an OffscreenCanvas (or a canvas element
 * where OffscreenCanvas is missing), then the same preprocessing as Node
 * (image/preprocess.ts). Sizing follows the Node loader: `maxSide` scales the
 * longer side (up or down); `width` + `height` cover and centre-crop.
 */
import { StyleError } from '../errors.js';
import { fromPixels, toPixels, type StyleImage } from '../image/preprocess.js';
import { checkInteger, invalidOption } from '../validate.js';

/** Raw 8-bit pixels, row-major; 3 = RGB, 4 = RGBA (alpha flattened onto white). */
export interface WebRawImage {
  pixels: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** What the web entry accepts as an image. Blobs (and Files) hold encoded images (PNG, JPEG, WebP, ...). */
export type WebImageSource =
  | ImageData
  | ImageBitmap
  | Blob
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | WebRawImage;

/** Options of {@link loadWebImage}; sizes in px. */
export interface WebImageOptions {
  /** Longer side becomes maxSide, aspect ratio kept. Not with width/height. */
  maxSide?: number;
  /** Output width; with `height`, cover + centre crop; alone, the height follows the aspect ratio. */
  width?: number;
  /** Output height; see `width`. */
  height?: number;
  /** Smallest accepted shorter side after resizing; default 16 (VGG's four poolings). */
  minSide?: number;
  /** With width and height: stretch to exactly that size instead of cover + crop (default false). */
  fill?: boolean;
  /** Name in messages (default 'image'). */
  name?: string;
}

/** A decoded, resized image: 8-bit RGB pixels, HWC row-major. */
export interface WebDecodedImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Things the user may want to know (an alpha channel was flattened, ...). */
  notes: string[];
  /** Size before resizing, px. */
  originalWidth: number;
  originalHeight: number;
}

/** A decoded, resized, preprocessed image. */
export interface WebLoadedImage extends StyleImage {
  /** Things the user may want to know (an alpha channel was flattened, ...). */
  notes: string[];
  /** Size before resizing, px. */
  originalWidth: number;
  originalHeight: number;
}

const MAX_SIDE = 16384;

type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function canvas(width: number, height: number): { ctx: Canvas2D; canvas: OffscreenCanvas | HTMLCanvasElement } {
  let c: OffscreenCanvas | HTMLCanvasElement;
  if (typeof OffscreenCanvas !== 'undefined') c = new OffscreenCanvas(width, height);
  else if (typeof document !== 'undefined') {
    c = document.createElement('canvas');
    c.width = width;
    c.height = height;
  } else throw new StyleError('IMAGE', 'Neither OffscreenCanvas nor document is available to draw images');
  const ctx = c.getContext('2d', { willReadFrequently: true }) as Canvas2D | null;
  if (ctx === null) throw new StyleError('IMAGE', 'Cannot get a 2D canvas context to draw images');
  return { ctx, canvas: c };
}

function isRaw(s: unknown): s is WebRawImage {
  return typeof s === 'object' && s !== null && 'pixels' in s && 'channels' in s;
}

/** RGBA (row-major) to RGB, flattening alpha onto white; true in `alpha` when any pixel was not opaque. */
function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, n: number): { rgb: Uint8Array; alpha: boolean } {
  const rgb = new Uint8Array(n * 3);
  let alpha = false;
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 4, q += 3) {
    const a = rgba[p + 3] as number;
    if (a === 255) {
      rgb[q] = rgba[p] as number;
      rgb[q + 1] = rgba[p + 1] as number;
      rgb[q + 2] = rgba[p + 2] as number;
    } else {
      alpha = true;
      const k = a / 255;
      const w = 255 * (1 - k);
      rgb[q] = Math.round((rgba[p] as number) * k + w);
      rgb[q + 1] = Math.round((rgba[p + 1] as number) * k + w);
      rgb[q + 2] = Math.round((rgba[p + 2] as number) * k + w);
    }
  }
  return { rgb, alpha };
}

/** Target size and the source rectangle to draw into it (cover + centre crop, as the Node loader). */
function plan(
  w: number,
  h: number,
  o: WebImageOptions,
): { width: number; height: number; sx: number; sy: number; sw: number; sh: number } {
  if (o.maxSide !== undefined) {
    const k = o.maxSide / Math.max(w, h);
    return {
      width: Math.max(1, Math.round(w * k)),
      height: Math.max(1, Math.round(h * k)),
      sx: 0,
      sy: 0,
      sw: w,
      sh: h,
    };
  }
  if (o.width !== undefined && o.height !== undefined && o.fill === true)
    return { width: o.width, height: o.height, sx: 0, sy: 0, sw: w, sh: h };
  if (o.width !== undefined && o.height !== undefined) {
    const k = Math.max(o.width / w, o.height / h);
    const sw = o.width / k;
    const sh = o.height / k;
    return { width: o.width, height: o.height, sx: (w - sw) / 2, sy: (h - sh) / 2, sw, sh };
  }
  if (o.width !== undefined)
    return { width: o.width, height: Math.max(1, Math.round((h * o.width) / w)), sx: 0, sy: 0, sw: w, sh: h };
  if (o.height !== undefined)
    return { width: Math.max(1, Math.round((w * o.height) / h)), height: o.height, sx: 0, sy: 0, sw: w, sh: h };
  return { width: w, height: h, sx: 0, sy: 0, sw: w, sh: h };
}

/** Something drawImage accepts, with its size; `close` frees what was decoded here. */
async function drawable(
  source: WebImageSource,
  name: string,
): Promise<{ image: CanvasImageSource; width: number; height: number; close: () => void }> {
  const fail = (why: string, cause?: unknown): StyleError =>
    new StyleError('IMAGE', `Cannot decode image '${name}': ${why}`, cause === undefined ? {} : { cause });
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    if (source.size === 0) throw new StyleError('IMAGE', `Cannot read image '${name}': the file is empty`);
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(source, { imageOrientation: 'from-image' });
    } catch (e) {
      throw fail(`the browser cannot decode it (${source.type || 'unknown type'}, ${source.size} bytes)`, e);
    }
    return { image: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
  }
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement) {
    try {
      await source.decode();
    } catch (e) {
      throw fail(`the <img> did not load (${source.currentSrc || source.src || 'no src'})`, e);
    }
    return { image: source, width: source.naturalWidth, height: source.naturalHeight, close: () => {} };
  }
  if (typeof ImageData !== 'undefined' && source instanceof ImageData) {
    const bitmap = await createImageBitmap(source);
    return { image: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
  }
  const s = source as ImageBitmap | HTMLCanvasElement | OffscreenCanvas;
  if (typeof s.width === 'number' && typeof s.height === 'number')
    return { image: s as CanvasImageSource, width: s.width, height: s.height, close: () => {} };
  throw invalidOption(name, 'ImageData, ImageBitmap, Blob, HTMLImageElement, canvas or raw pixels', source);
}

/**
 * Decodes and resizes an image to 8-bit RGB (alpha flattened onto white).
 * ImageData and raw pixels already at the requested size are used as they are,
 * pixel for pixel (no canvas round trip). Throws StyleError IMAGE
 * (undecodable, empty, too small) or INVALID_OPTION.
 */
export async function decodeWebImage(source: WebImageSource, o: WebImageOptions = {}): Promise<WebDecodedImage> {
  if (o.maxSide !== undefined) checkInteger('maxSide', o.maxSide, 1, MAX_SIDE);
  if (o.width !== undefined) checkInteger('width', o.width, 1, MAX_SIDE);
  if (o.height !== undefined) checkInteger('height', o.height, 1, MAX_SIDE);
  if (o.maxSide !== undefined && (o.width !== undefined || o.height !== undefined))
    throw invalidOption('maxSide', 'no width or height alongside it', o.maxSide);
  const minSide = o.minSide === undefined ? 16 : checkInteger('minSide', o.minSide, 1, MAX_SIDE);
  const name = o.name ?? 'image';
  const notes: string[] = [];

  let rgba: Uint8Array | Uint8ClampedArray | undefined;
  let rgb: Uint8Array | undefined;
  let width: number;
  let height: number;
  let originalWidth: number;
  let originalHeight: number;
  const direct = isRaw(source)
    ? source
    : typeof ImageData !== 'undefined' && source instanceof ImageData
      ? { pixels: source.data, width: source.width, height: source.height, channels: 4 as const }
      : undefined;
  if (direct !== undefined) {
    const { width: w, height: h, channels } = direct;
    checkInteger(`${name} width`, w, 1, MAX_SIDE);
    checkInteger(`${name} height`, h, 1, MAX_SIDE);
    if (channels !== 3 && channels !== 4) throw invalidOption(`${name} channels`, '3 or 4', channels);
    if (direct.pixels.length !== w * h * channels) {
      throw new StyleError(
        'IMAGE',
        `Image '${name}' has ${direct.pixels.length} bytes of pixels but ${w}x${h}x${channels} needs ${w * h * channels}`,
      );
    }
    originalWidth = w;
    originalHeight = h;
    const p = plan(w, h, o);
    if (p.width === w && p.height === h) {
      width = w;
      height = h;
      if (channels === 4) rgba = direct.pixels;
      else rgb = Uint8Array.from(direct.pixels);
    }
  }
  if (rgba === undefined && rgb === undefined) {
    let src: WebImageSource = source;
    if (direct !== undefined && !(typeof ImageData !== 'undefined' && source instanceof ImageData)) {
      // Raw pixels to be resized go through an ImageData.
      const raw = direct;
      const four = new Uint8ClampedArray(raw.width * raw.height * 4);
      if (raw.channels === 4) four.set(raw.pixels);
      else
        for (let i = 0, p = 0, q = 0; i < raw.width * raw.height; i++, p += 3, q += 4) {
          four[q] = raw.pixels[p] as number;
          four[q + 1] = raw.pixels[p + 1] as number;
          four[q + 2] = raw.pixels[p + 2] as number;
          four[q + 3] = 255;
        }
      src = new ImageData(four, raw.width, raw.height);
    }
    const d = await drawable(src, name);
    try {
      originalWidth = d.width;
      originalHeight = d.height;
      if (d.width < 1 || d.height < 1)
        throw new StyleError('IMAGE', `Image '${name}' has no pixels (${d.width}x${d.height})`);
      const p = plan(d.width, d.height, o);
      width = p.width;
      height = p.height;
      const { ctx } = canvas(width, height);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(d.image, p.sx, p.sy, p.sw, p.sh, 0, 0, width, height);
      rgba = ctx.getImageData(0, 0, width, height).data;
    } finally {
      d.close();
    }
  }
  width = width!;
  height = height!;
  if (rgb === undefined) {
    const flat = rgbaToRgb(rgba as Uint8Array | Uint8ClampedArray, width * height);
    rgb = flat.rgb;
    if (flat.alpha) notes.push(`'${name}' has an alpha channel; it was dropped (flattened onto white)`);
  }
  if (Math.min(width, height) < minSide) {
    const resized = width !== originalWidth! || height !== originalHeight! ? ' after resizing' : '';
    throw new StyleError(
      'IMAGE',
      `Image '${name}' is too small for the network: ${width}x${height} pixels${resized}; the shorter side must be at least ${minSide} px`,
    );
  }
  return { pixels: rgb, width, height, notes, originalWidth: originalWidth!, originalHeight: originalHeight! };
}

/**
 * Decodes, resizes and preprocesses an image for the network (NCHW float32,
 * BGR, minus the ImageNet mean); see {@link decodeWebImage}.
 */
export async function loadWebImage(source: WebImageSource, o: WebImageOptions = {}): Promise<WebLoadedImage> {
  const d = await decodeWebImage(source, o);
  return {
    data: fromPixels(d.pixels, d.width, d.height),
    width: d.width,
    height: d.height,
    notes: d.notes,
    originalWidth: d.originalWidth,
    originalHeight: d.originalHeight,
  };
}

/**
 * Resizes 8-bit RGB pixels on a canvas (the browser's high-quality smoothing):
 * 'fill' = exactly width x height; 'cover' = scale to cover, centre-crop. The
 * same size returns a copy, untouched. The resize of the portable core's web environment.
 */
export async function canvasResize(
  image: { pixels: Uint8Array; width: number; height: number },
  width: number,
  height: number,
  fit: 'fill' | 'cover',
): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  if (image.width === width && image.height === height) return { pixels: Uint8Array.from(image.pixels), width, height };
  const n = image.width * image.height;
  const four = new Uint8ClampedArray(n * 4);
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 3, q += 4) {
    four[q] = image.pixels[p] as number;
    four[q + 1] = image.pixels[p + 1] as number;
    four[q + 2] = image.pixels[p + 2] as number;
    four[q + 3] = 255;
  }
  const d = await decodeWebImage(
    new ImageData(four, image.width, image.height),
    fit === 'cover' ? { width, height, minSide: 1 } : { width, height, minSide: 1, fill: true },
  );
  return { pixels: d.pixels, width: d.width, height: d.height };
}

/**
 * An image as ImageData (RGBA, opaque), ready for putImageData: its 8-bit
 * `pixels` when it has them (a stylised image, colour transfer included), else
 * its preprocessed data (NCHW BGR, mean subtracted) deprocessed.
 */
export function toImageData(image: StyleImage & { pixels?: Uint8Array }): ImageData {
  const rgb = image.pixels ?? toPixels(image.data, image.width, image.height);
  const n = image.width * image.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 3, q += 4) {
    rgba[q] = rgb[p] as number;
    rgba[q + 1] = rgb[p + 1] as number;
    rgba[q + 2] = rgb[p + 2] as number;
    rgba[q + 3] = 255;
  }
  return new ImageData(rgba, image.width, image.height);
}

/**
 * A preprocessed image encoded by the browser (default 'image/png'; `quality`
 * 0..1 for JPEG and WebP). Needs OffscreenCanvas (workers and modern pages).
 */
export async function toBlob(
  image: StyleImage & { pixels?: Uint8Array },
  type = 'image/png',
  quality?: number,
): Promise<Blob> {
  if (typeof OffscreenCanvas === 'undefined')
    throw new StyleError('IMAGE', 'OffscreenCanvas is needed to encode images');
  const c = new OffscreenCanvas(image.width, image.height);
  const ctx = c.getContext('2d');
  if (ctx === null) throw new StyleError('IMAGE', 'Cannot get a 2D canvas context to encode images');
  ctx.putImageData(toImageData(image), 0, 0);
  return c.convertToBlob(quality === undefined ? { type } : { type, quality });
}
