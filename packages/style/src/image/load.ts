/**
 * Image input: any format sharp decodes (JPEG, PNG, WebP, GIF, TIFF, AVIF/HEIF,
 * SVG) to a preprocessed {@link StyleImage}, with EXIF orientation applied,
 * alpha flattened away, grey or CMYK converted to sRGB, and a size check for
 * the network.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, OutputInfo, Sharp } from 'sharp';
import { StyleError } from '../errors.js';
import { checkInteger, invalidOption } from '../validate.js';
import { MAX_IMAGE_SIDE, MIN_IMAGE_SIDE } from '../limits.js';
import { fromPixels, type StyleImage } from './preprocess.js';

/** Raw 8-bit pixels, row-major, interleaved; 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. */
export interface RawImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** An image file path, the bytes of an encoded image, or raw pixels. */
export type ImageSource = string | Uint8Array | RawImage;

/** Options for {@link loadImage}. Sizes are in pixels. */
export interface LoadImageOptions {
  /**
   * Resize so that the longer side is `maxSide` (up or down), keeping the
   * aspect ratio. Cannot be combined with width/height.
   */
  maxSide?: number;
  /**
   * Output width. With `height` too, the image is scaled to cover width x height
   * and centre-cropped (as PIL's ImageOps.fit, which the CS20 seed used);
   * alone, the height follows the aspect ratio.
   */
  width?: number;
  /** Output height; see `width`. */
  height?: number;
  /** Smallest accepted shorter side after resizing; default {@link MIN_IMAGE_SIDE}. */
  minSide?: number;
  /** Name used in messages when the source is not a path (default 'image'). */
  name?: string;
}

/** A decoded image: 8-bit RGB pixels (HWC, row-major) plus what was done to it. */
export interface DecodedImage {
  /** width * height * 3 bytes, RGB. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Things the user may want to know (e.g. an alpha channel was dropped). */
  notes: string[];
  /** Format found by sharp ('jpeg', 'png', ... or 'raw'). */
  format: string;
  /** Size before resizing but after EXIF orientation, in pixels. */
  originalWidth: number;
  /** Size before resizing but after EXIF orientation, in pixels. */
  originalHeight: number;
}

/** A loaded image: preprocessed data plus what was done to it. */
export interface LoadedImage extends StyleImage {
  /** Things the user may want to know (e.g. an alpha channel was dropped). */
  notes: string[];
  /** Format found by sharp ('jpeg', 'png', ... or 'raw'). */
  format: string;
  /** Size before resizing but after EXIF orientation, in pixels. */
  originalWidth: number;
  /** Size before resizing but after EXIF orientation, in pixels. */
  originalHeight: number;
}

/**
 * Loads, orients, resizes and preprocesses an image for the network (NCHW
 * float32, BGR, minus the ImageNet mean). Throws StyleError 'IMAGE' for a
 * missing or unreadable file, an unsupported or corrupt format, or a result
 * smaller than `minSide` on its shorter side; 'INVALID_OPTION' for bad sizes.
 */
export async function loadImage(source: ImageSource, options: LoadImageOptions = {}): Promise<LoadedImage> {
  const { pixels, ...rest } = await decodeImage(source, options);
  return { data: fromPixels(pixels, rest.width, rest.height), ...rest };
}

/**
 * {@link loadImage} without the preprocessing: oriented, flattened, sRGB,
 * resized 8-bit RGB pixels (sharp's Lanczos-3 for any resize). Same errors.
 */
export async function decodeImage(source: ImageSource, options: LoadImageOptions = {}): Promise<DecodedImage> {
  const { maxSide, width, height } = options;
  if (maxSide !== undefined) checkInteger('maxSide', maxSide, 1, MAX_IMAGE_SIDE);
  if (width !== undefined) checkInteger('width', width, 1, MAX_IMAGE_SIDE);
  if (height !== undefined) checkInteger('height', height, 1, MAX_IMAGE_SIDE);
  if (maxSide !== undefined && (width !== undefined || height !== undefined)) {
    throw invalidOption('maxSide', 'no width or height alongside it', maxSide);
  }
  const minSide =
    options.minSide === undefined ? MIN_IMAGE_SIDE : checkInteger('minSide', options.minSide, 1, MAX_IMAGE_SIDE);

  const name = typeof source === 'string' ? source : (options.name ?? 'image');
  const file = typeof source === 'string' ? source : undefined;
  const fail = (message: string, cause?: unknown): StyleError =>
    new StyleError('IMAGE', message, {
      ...(file === undefined ? {} : { file }),
      ...(cause === undefined ? {} : { cause }),
    });

  let input: Buffer;
  let raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 } | undefined;
  if (typeof source === 'string') {
    input = await readImageFile(source, fail);
  } else if (source instanceof Uint8Array) {
    input = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  } else {
    checkRaw(source);
    input = Buffer.from(source.pixels.buffer, source.pixels.byteOffset, source.pixels.byteLength);
    raw = { width: source.width, height: source.height, channels: source.channels };
  }
  if (input.length === 0) throw fail(`Cannot read image '${name}': the file is empty`);

  const open = (): Sharp => (raw === undefined ? sharp(input) : sharp(input, { raw }));
  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (e) {
    if (raw === undefined && /unsupported image format/i.test(messageOf(e))) {
      throw fail(`Unsupported image format in '${name}': found ${describeBytes(input)}`, e);
    }
    throw fail(`Cannot decode image '${name}': ${firstLine(e)}`, e);
  }
  const format = raw === undefined ? (meta.format ?? 'unknown') : 'raw';
  const notes: string[] = [];
  const swap = (meta.orientation ?? 1) >= 5;
  const originalWidth = (swap ? meta.height : meta.width) ?? 0;
  const originalHeight = (swap ? meta.width : meta.height) ?? 0;

  let pipeline = open().autoOrient();
  if (meta.hasAlpha === true) {
    // Flattening onto white is what a viewer shows for transparent regions;
    // plain channel removal would expose whatever colour hides under alpha 0.
    pipeline = pipeline.flatten({ background: '#ffffff' });
    notes.push(`'${name}' has an alpha channel; it was dropped (flattened onto white)`);
  }
  if (maxSide !== undefined) {
    pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside' });
  } else if (width !== undefined || height !== undefined) {
    pipeline = pipeline.resize({
      ...(width === undefined ? {} : { width }),
      ...(height === undefined ? {} : { height }),
      fit: 'cover',
      position: 'centre',
    });
  }
  let pixels: Buffer;
  let info: OutputInfo;
  try {
    ({ data: pixels, info } = await pipeline
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw fail(`Cannot decode image '${name}' (${format}): ${firstLine(e)}`, e);
  }
  if (info.channels !== 3) {
    throw fail(`Cannot convert image '${name}' (${format}) to RGB: sharp returned ${info.channels} channels`);
  }
  const shorter = Math.min(info.width, info.height);
  if (shorter < minSide) {
    const resized = info.width !== originalWidth || info.height !== originalHeight ? ' after resizing' : '';
    throw fail(
      `Image '${name}' is too small for the network: ${info.width}x${info.height} pixels${resized}; ` +
        `the shorter side must be at least ${minSide} px`,
    );
  }
  const rgb = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return { pixels: rgb, width: info.width, height: info.height, notes, format, originalWidth, originalHeight };
}

async function readImageFile(path: string, fail: (m: string, cause?: unknown) => StyleError): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    // These messages say all the errno would, so no cause (which the CLI would print again).
    if (code === 'ENOENT') throw fail(`Image file not found: '${path}'`);
    if (code === 'EISDIR') throw fail(`Cannot read image '${path}': it is a directory`);
    if (code === 'EACCES' || code === 'EPERM') throw fail(`Cannot read image '${path}': permission denied`);
    throw fail(`Cannot read image '${path}': ${messageOf(e)}`, e);
  }
}

function checkRaw(r: RawImage): void {
  checkInteger('width', r.width, 1, MAX_IMAGE_SIDE);
  checkInteger('height', r.height, 1, MAX_IMAGE_SIDE);
  checkInteger('channels', r.channels, 1, 4);
  if (!(r.pixels instanceof Uint8Array) || r.pixels.length !== r.width * r.height * r.channels) {
    const got = r.pixels instanceof Uint8Array ? r.pixels.length : r.pixels;
    throw invalidOption('pixels', `Uint8Array of ${r.width * r.height * r.channels} bytes`, got);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** sharp repeats libvips warnings after the message; the first line is the useful one. */
function firstLine(e: unknown): string {
  return messageOf(e).split('\n')[0]!.trim();
}

const MAGIC: [string, number[]][] = [
  ['a BMP image (not supported; convert it to PNG)', [0x42, 0x4d]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip-compressed data', [0x1f, 0x8b]],
  ['a Photoshop document', [0x38, 0x42, 0x50, 0x53]],
  ['a Windows icon', [0x00, 0x00, 0x01, 0x00]],
];

/** What an unsupported file looks like, for the error message. */
export function describeBytes(bytes: Uint8Array): string {
  for (const [what, magic] of MAGIC) {
    if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return what;
  }
  const head = bytes.subarray(0, 32);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const printable = /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd');
  if (printable) return `text starting ${JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}...` : text)}`;
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `bytes ${hex}${bytes.length > 8 ? ' ...' : ''} (${bytes.length} bytes)`;
}
