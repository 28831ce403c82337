/**
 * A TFRecord image dataset (either schema) back to image files.
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { FileDatasetOptions } from '@pastiche/tfrecord/node';
import { StyleError } from '../errors.js';
import { writeImageFile } from '../image/index.js';
import { imageRecords, type LocatedImageRecord } from './read.js';

/** Output formats of {@link tfrecordToImages}. */
export type ExportFormat = 'png' | 'jpeg';

/** Options for {@link tfrecordToImages}. */
export interface TFRecordToImagesOptions extends FileDatasetOptions {
  /**
   * Output format. Default: PNG for `cs20` records (lossless, so pixels stay
   * exact); for `encoded` records the stored file is written byte for byte.
   */
  format?: ExportFormat;
  /** Called after each image with the count so far and the path written. */
  onImage?: (count: number, path: string) => void;
  /** Stops between images (images already written stay). */
  signal?: AbortSignal;
}

/** One image written by {@link tfrecordToImages}. */
export interface ExportedImage {
  path: string;
  label: number;
  width: number;
  height: number;
}

const EXT: Record<string, string> = { jpeg: '.jpg', png: '.png', gif: '.gif', bmp: '.bmp', webp: '.webp' };

function stem(file: string): string {
  let name = basename(file);
  for (;;) {
    const ext = extname(name);
    if (ext === '' || !/^\.(tfrecords?|gz|zz|z|zlib)$/i.test(ext)) return name;
    name = name.slice(0, -ext.length);
  }
}

/** Encodes one record's image in `format` (or keeps an `encoded` record's bytes when no format is asked). */
export async function recordToImageFile(
  r: LocatedImageRecord,
  format: ExportFormat | undefined,
): Promise<{ bytes: Uint8Array; ext: string }> {
  if (r.schema === 'encoded') {
    const stored = r.format ?? '';
    if (format === undefined || (format === stored && EXT[stored] !== undefined))
      return { bytes: r.encoded!, ext: EXT[stored] ?? '.bin' };
    const img = sharp(r.encoded!);
    return {
      bytes: new Uint8Array(await (format === 'png' ? img.png() : img.jpeg({ quality: 95 })).toBuffer()),
      ext: EXT[format]!,
    };
  }
  const img = sharp(r.pixels!, { raw: { width: r.width, height: r.height, channels: r.channels as 1 | 2 | 3 | 4 } });
  const f = format ?? 'png';
  return {
    bytes: new Uint8Array(await (f === 'png' ? img.png() : img.jpeg({ quality: 95 })).toBuffer()),
    ext: EXT[f]!,
  };
}

/**
 * Writes every image of the TFRecord files matched by `patterns` into `outDir`
 * (created if needed) as `<file stem>-<index><ext>`, or under the stored
 * `image/filename` for `encoded` records when it is unique.
 */
export async function tfrecordToImages(
  patterns: string | readonly string[],
  outDir: string,
  options: TFRecordToImagesOptions = {},
): Promise<ExportedImage[]> {
  const { format, onImage, signal, ...readOptions } = options;
  if (format !== undefined && format !== 'png' && format !== 'jpeg') {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected one of png, jpeg for format but received ${JSON.stringify(format)} of type ${typeof format}`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const used = new Set<string>();
  const out: ExportedImage[] = [];
  for await (const r of (await imageRecords(patterns, readOptions)).iterate(signal === undefined ? {} : { signal })) {
    const { bytes, ext } = await recordToImageFile(r, format);
    // Stored names may carry directories (even '..'): only the base name is used.
    const stored = basename(r.filename.replaceAll('\\', '/'));
    let name = stored !== '' && stored !== '.' && stored !== '..' ? `${basename(stored, extname(stored))}${ext}` : '';
    if (name === '' || used.has(name)) name = `${stem(r.file)}-${String(r.index).padStart(5, '0')}${ext}`;
    for (let k = 2; used.has(name); k++) name = `${stem(r.file)}-${String(r.index).padStart(5, '0')}-${k}${ext}`;
    used.add(name);
    const path = join(outDir, name);
    await writeImageFile(path, bytes);
    out.push({ path, label: r.label, width: r.width, height: r.height });
    onImage?.(out.length, path);
  }
  return out;
}
