/**
 * Image output: deprocess a network tensor and encode it as PNG, JPEG or WebP,
 * written to a temporary name and renamed, so a reader never sees half a file.
 */
import { extname } from 'node:path';
import { writeFileAtomic } from '@pastiche/tfrecord/node';
import sharp from 'sharp';
import { StyleError } from '../errors.js';
import { checkChoice, checkInteger } from '../validate.js';
import { toPixels } from './preprocess.js';

/** Output formats. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The formats {@link saveImage} writes. */
export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];

const EXTENSIONS: Record<string, ImageFormat> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

/**
 * The output format implied by a path's extension (.png, .jpg, .jpeg, .webp,
 * case-insensitive). Throws StyleError 'INVALID_OPTION' for anything else.
 */
export function formatFromPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  const format = EXTENSIONS[ext];
  if (format === undefined) {
    const found = ext === '' ? 'no extension' : `extension '${extname(path)}'`;
    throw new StyleError(
      'INVALID_OPTION',
      `Cannot tell the output format of '${path}' from its ${found}: use .png, .jpg, .jpeg or .webp`,
      {
        file: path,
      },
    );
  }
  return format;
}

/** Options for {@link saveImage} and {@link encodeImage}. */
export interface SaveImageOptions {
  /** Output format; default from the path's extension. */
  format?: ImageFormat;
  /** JPEG/WebP quality 1..100; default 92. PNG is lossless and ignores it. */
  quality?: number;
}

/** Encodes a preprocessed NCHW image (see {@link toPixels}) as PNG, JPEG or WebP bytes. */
export async function encodeImage(
  data: Float32Array,
  width: number,
  height: number,
  options: SaveImageOptions = {},
): Promise<Uint8Array> {
  const format = options.format === undefined ? 'png' : checkChoice('format', options.format, IMAGE_FORMATS);
  const quality = options.quality === undefined ? 92 : checkInteger('quality', options.quality, 1, 100);
  const pixels = toPixels(data, width, height);
  const img = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
    raw: { width, height, channels: 3 },
  });
  const out = format === 'png' ? img.png() : format === 'jpeg' ? img.jpeg({ quality }) : img.webp({ quality });
  const buf = await out.toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Writes a preprocessed NCHW image to `path` atomically (temporary name in the
 * same folder, then rename). Format from `options.format` or the extension.
 * Throws StyleError 'INVALID_OPTION' for an unknown extension, 'IMAGE' when
 * the file cannot be written.
 */
export async function saveImage(
  path: string,
  data: Float32Array,
  width: number,
  height: number,
  options: SaveImageOptions = {},
): Promise<void> {
  const format = options.format ?? formatFromPath(path);
  const bytes = await encodeImage(data, width, height, { ...options, format });
  await writeImageFile(path, bytes);
}

/**
 * Writes encoded image bytes to `path` with the one safe-write mechanism
 * (`writeFileAtomic` of `@pastiche/tfrecord/node`: temporary beside it, fsync,
 * rename), so an existing file is replaced whole or not at all. Throws
 * StyleError 'IMAGE' naming `path`.
 */
export async function writeImageFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause ?? e;
    const code = (cause as { code?: unknown } | null)?.code;
    const known =
      code === 'ENOENT'
        ? 'its folder does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : undefined;
    // A known errno is fully said by the message; the CLI would print an attached cause again.
    if (known !== undefined) throw new StyleError('IMAGE', `Cannot write image '${path}': ${known}`, { file: path });
    throw new StyleError(
      'IMAGE',
      `Cannot write image '${path}': ${cause instanceof Error ? cause.message : String(cause)}`,
      { file: path, cause },
    );
  }
}
