/**
 * Folders of images to a TFRecord dataset, as the CS20 lecture does it: one
 * Example per image, streamed (one image in memory at a time), written
 * atomically, with unreadable files reported by name.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import sharp from 'sharp';
import type { Compression, Example } from '@pastiche/tfrecord';
import { outputShardPath, writeFileAtomic } from '@pastiche/tfrecord/node';
import { StyleError } from '../errors.js';
import { describeBytes } from '../image/index.js';
import { listByCsv, listByFolder, formatLabelMap, type ImageFile } from './labels.js';
import { cs20Example, encodedExample, type ImageSchema } from './schema.js';
import { writeDataset, type DatasetOutput } from './output.js';

/** Options for {@link imagesToTFRecord}. */
export interface ImagesToTFRecordOptions {
  /** Folders to read (recursively; hidden files ignored). */
  inputs: readonly string[];
  /** Output file, or shard prefix when `shards` > 1. */
  output: string;
  /** 'dir' (default): labels from sub-folder names; otherwise the path of a `filename,label` CSV. */
  labels?: 'dir' | (string & {});
  /** Record layout (default 'cs20'). */
  schema?: ImageSchema;
  /** Number of shards (default 1: a single file named `output`). */
  shards?: number;
  /**
   * This process's part of a shard set written by `count` processes: the files
   * at positions p (in listing order) with p mod count == index, written as the
   * one file `outputShardPath(output, index, count)`. Not with `shards` > 1.
   */
  shard?: { index: number; count: number };
  /** Default: from the output's extension (.gz gzip, .zz zlib), else none. */
  compression?: Compression;
  /** What to do with a file that is not a readable image: 'skip' (default; reported) or 'fail'. */
  onError?: 'skip' | 'fail';
  /** Called after each file: files done (written + skipped), total files, the file. */
  onProgress?: (done: number, total: number, file: string) => void;
  /** Called for each skipped file with the reason. */
  onSkip?: (file: string, reason: string) => void;
  /** Stops the conversion; nothing is left under the output name. */
  signal?: AbortSignal;
}

/** What {@link imagesToTFRecord} did. */
export interface ImagesToTFRecordResult extends DatasetOutput {
  /** Files skipped, with the reason for each. */
  skipped: { file: string; reason: string }[];
  /** Class names; label i is classes[i]. Empty when labels were bare integers or absent. */
  classes: string[];
  /** Where the label map was written, if there were classes. */
  labelMap: string | undefined;
}

/** Formats TensorFlow's decode_image reads, kept as they are in the `encoded` schema. */
const TF_FORMATS = new Set(['jpeg', 'png', 'gif', 'bmp']);

/** RGB pixels of an image file, upright (EXIF orientation applied), alpha dropped. */
export async function decodeRgb(
  bytes: Uint8Array,
  name: string,
): Promise<{ pixels: Uint8Array; width: number; height: number; format: string }> {
  let format: string;
  try {
    format = (await sharp(bytes).metadata()).format ?? 'unknown';
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new StyleError(
      'IMAGE',
      /unsupported image format/i.test(msg)
        ? `${name}: not an image (found ${describeBytes(bytes)})`
        : `${name}: cannot decode: ${msg}`,
      { file: name, cause: e },
    );
  }
  try {
    const { data, info } = await sharp(bytes)
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      format,
    };
  } catch (e) {
    throw new StyleError(
      'IMAGE',
      `${name}: cannot decode ${format}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      { file: name, cause: e },
    );
  }
}

async function toExample(file: ImageFile, schema: ImageSchema): Promise<Example> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file.path);
  } catch (e) {
    throw new StyleError('IMAGE', `${file.path}: cannot read: ${(e as Error).message}`, { file: file.path, cause: e });
  }
  if (bytes.length === 0) throw new StyleError('IMAGE', `${file.path}: the file is empty`, { file: file.path });
  if (schema === 'cs20') {
    const img = await decodeRgb(bytes, file.path);
    return cs20Example(img.pixels, img.width, img.height, 3, file.label);
  }
  // A full decode, so a truncated or corrupt file is caught here and not by whoever reads the dataset.
  await decodeRgb(bytes, file.path);
  const meta = await sharp(bytes).metadata();
  let format = meta.format ?? 'unknown';
  let encoded = bytes;
  let name = basename(file.path);
  if (!TF_FORMATS.has(format)) {
    // TensorFlow's decode_image cannot read WebP/TIFF/AVIF: store PNG instead.
    encoded = new Uint8Array(await sharp(bytes).png().toBuffer());
    name = `${basename(name, extname(name))}.png`;
    format = 'png';
  }
  // Stored width/height are the encoded image's own (what tf.io.decode_image returns; it ignores EXIF orientation).
  return encodedExample({
    bytes: encoded,
    format,
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    filename: name,
    label: file.label,
    text: file.className,
  });
}

/**
 * Converts folders of images into a TFRecord dataset of the chosen schema and
 * writes the label map (`<output>.labels.txt`, `label:name` lines) beside it.
 * Throws StyleError 'IMAGE' on the first bad file when `onError` is 'fail'.
 */
export async function imagesToTFRecord(options: ImagesToTFRecordOptions): Promise<ImagesToTFRecordResult> {
  const schema = options.schema ?? 'cs20';
  const onError = options.onError ?? 'skip';
  const labels = options.labels ?? 'dir';
  if (options.inputs.length === 0) throw new StyleError('INVALID_OPTION', 'Expected at least one input folder');
  const listing = labels === 'dir' ? await listByFolder(options.inputs) : await listByCsv(options.inputs, labels);
  const skipped: { file: string; reason: string }[] = [];
  const skip = (file: string, reason: string): void => {
    skipped.push({ file, reason });
    options.onSkip?.(file, reason);
  };
  // Files a labels CSV does not list (the CSV itself, notes, ...) are not images of the dataset: reported, never fatal.
  const unlisted: string[] = 'unlisted' in listing ? (listing.unlisted as string[]) : [];
  for (const f of unlisted) skip(f, `not listed in ${labels}`);
  const missing: string[] = 'missing' in listing ? (listing.missing as string[]) : [];
  for (const name of missing) {
    if (onError === 'fail')
      throw new StyleError(
        'IMAGE',
        `${name}: listed in the labels CSV '${labels}' but not found in ${options.inputs.join(', ')}`,
        { file: labels },
      );
    skip(name, `listed in ${labels} but not found`);
  }
  const shard = options.shard;
  if (shard !== undefined && (options.shards ?? 1) !== 1) {
    throw new StyleError('INVALID_OPTION', 'Options shard and shards cannot be used together');
  }
  // Split by listing position, before decoding, so that the split does not depend on which files turn out unreadable.
  const mine = shard === undefined ? listing.files : listing.files.filter((_, p) => p % shard.count === shard.index);
  const total = mine.length + unlisted.length;
  let done = unlisted.length;

  async function* examples(): AsyncGenerator<Example> {
    for (const file of mine) {
      let ex: Example | undefined;
      try {
        ex = await toExample(file, schema);
      } catch (e) {
        if (onError === 'fail' || !(e instanceof StyleError)) throw e;
        skip(file.path, e.message.startsWith(file.path) ? e.message.slice(file.path.length + 2) : e.message);
      }
      done++;
      options.onProgress?.(done, total, file.path);
      if (ex !== undefined) yield ex;
    }
  }

  const target = shard === undefined ? options.output : outputShardPath(options.output, shard.index, shard.count);
  const out = await writeDataset(target, examples(), {
    shards: options.shards ?? 1,
    ...(options.compression === undefined ? {} : { compression: options.compression }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  let labelMap: string | undefined;
  if (listing.classes.length > 0) {
    labelMap = `${options.output}.labels.txt`;
    await writeFileAtomic(labelMap, new TextEncoder().encode(formatLabelMap(listing.classes)));
  }
  return { ...out, skipped, classes: listing.classes, labelMap };
}
