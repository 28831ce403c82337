/**
 * Image checks and encoding for the server: the decoded-pixel limit is
 * checked on the header alone (sharp's metadata reads no pixels), so a small
 * file that would decode to gigabytes is refused before any decoding.
 */
import sharp, { type Metadata } from 'sharp';
import { StudioError } from '../errors.js';

/** What an image file's header says. */
export interface ImageHeader {
  format: string;
  width: number;
  height: number;
}

/**
 * Reads the header of an encoded image and checks width x height (x pages)
 * against `maxPixels`. Throws UNSUPPORTED_MEDIA when it is not an image sharp
 * reads, TOO_LARGE beyond the limit.
 */
export async function checkImage(bytes: Uint8Array, name: string, maxPixels: number): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new StudioError(
      'UNSUPPORTED_MEDIA',
      `'${name}' is not an image this studio reads (JPEG, PNG, WebP, GIF, TIFF, AVIF)`,
      {
        cause: e,
      },
    );
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const pages = meta.pages ?? 1;
  const pixels = width * height * pages;
  if (pixels > maxPixels) {
    throw new StudioError(
      'TOO_LARGE',
      `'${name}' decodes to ${width}x${height}${pages > 1 ? `x${pages} pages` : ''} = ${pixels} pixels; the limit is ${maxPixels}`,
    );
  }
  if (width === 0 || height === 0) throw new StudioError('UNSUPPORTED_MEDIA', `'${name}' has no pixels`);
  return { format: meta.format ?? 'unknown', width, height };
}

/** PNG bytes of raw HWC uint8 pixels (1..4 channels). */
export async function pngOf(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
): Promise<Uint8Array> {
  const buf = await sharp(pixels, { raw: { width, height, channels } }).png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** File extension for a sharp format name. */
export function extensionOf(format: string): string {
  switch (format) {
    case 'jpeg':
      return 'jpg';
    case 'heif':
      return 'heic';
    default:
      return /^[a-z0-9]{1,5}$/.test(format) ? format : 'bin';
  }
}
