/**
 * The read side of an image dataset, through the Dataset pipeline: files ->
 * records -> parse. `cs20Records` is the lecture's own recipe (FixedLen spec,
 * then decodeRaw and a reshape); `imageRecords` accepts either schema and keeps
 * each record's file and position, which resuming and sharding need.
 */
import {
  Dataset,
  decodeExample,
  decodeRaw,
  files as listFiles,
  fixedLen,
  parseExample,
  recordsOfFiles,
  type FileDatasetOptions,
  type ParsedFeatures,
} from '@pastiche/tfrecord/node';
import { StyleError } from '../errors.js';
import { readImageRecord, type ImageRecord } from './schema.js';

/** The lecture's parse spec: FixedLen([], int64 / string / string). */
export const CS20_SPEC = {
  label: fixedLen({ shape: [], dtype: 'int64' }),
  shape: fixedLen({ shape: [], dtype: 'string' }),
  image: fixedLen({ shape: [], dtype: 'string' }),
};

/** One lecture record after parsing: pixels reshaped by the stored shape. */
export interface Cs20Image {
  label: bigint;
  /** [height, width, channels]. */
  shape: [number, number, number];
  /** Raw uint8 pixels, HWC. */
  pixels: Uint8Array;
}

/** Parses one serialized lecture Example with {@link CS20_SPEC} and decodeRaw, as the lecture's parse function does. */
export function parseCs20(record: Uint8Array): Cs20Image {
  return decodeCs20(parseExample(record, CS20_SPEC));
}

/** The second half of the lecture's parse function: decodeRaw of `shape` and `image`, and the reshape check. */
function decodeCs20(parsed: ParsedFeatures<typeof CS20_SPEC>): Cs20Image {
  const shapeBytes = parsed.shape.values[0]!;
  const dims = decodeRaw(shapeBytes, 'int32');
  if (dims.length !== 3) throw new StyleError('IMAGE', `feature 'shape' holds ${dims.length} int32 values, expected 3`);
  const shape: [number, number, number] = [dims[0]!, dims[1]!, dims[2]!];
  const pixels = decodeRaw(parsed.image.values[0]!, 'uint8');
  if (pixels.length !== shape[0] * shape[1] * shape[2]) {
    throw new StyleError(
      'IMAGE',
      `feature 'image' holds ${pixels.length} bytes, shape [${shape.join(', ')}] needs ${shape[0] * shape[1] * shape[2]}`,
    );
  }
  return { label: parsed.label.values[0]!, shape, pixels };
}

/**
 * The lecture's read side as a Dataset pipeline:
 * `files(patterns) -> records -> parse(CS20_SPEC) -> map(decodeRaw + reshape)`.
 */
export async function cs20Records(
  patterns: string | readonly string[],
  options: FileDatasetOptions = {},
): Promise<Dataset<Cs20Image>> {
  return recordsOfFiles(await listFiles(patterns), options)
    .parse(CS20_SPEC)
    .map(decodeCs20);
}

/** A serialized record with where it came from. */
export interface LocatedRecord {
  /** The file it was read from. */
  file: string;
  /** Zero-based record number within that file. */
  index: number;
  /** Zero-based position across all files, in reading order. */
  position: number;
  /** The serialized Example (not yet decoded). */
  record: Uint8Array;
}

/** An image record with where it came from. */
export interface LocatedImageRecord extends ImageRecord {
  /** The file it was read from. */
  file: string;
  /** Zero-based record number within that file. */
  index: number;
  /** Zero-based position across all files, in reading order. */
  position: number;
}

/**
 * Every record of the matched files (expanded and sorted as {@link listFiles}
 * does), one file after another, with its file, index and position: records
 * can be selected (a shard, a resume point) before any is decoded.
 */
export async function locatedRecords(
  patterns: string | readonly string[],
  options: FileDatasetOptions = {},
): Promise<Dataset<LocatedRecord>> {
  return (await listFiles(patterns))
    .flatMap((file) =>
      recordsOfFiles(Dataset.from([file]), options)
        .enumerate()
        .map(([index, record]) => ({ file, index, record })),
    )
    .enumerate()
    .map(([position, r]) => ({ ...r, position }));
}

/** Decodes a located record as an image record of either schema (StyleError 'IMAGE' names the file and record). */
export function decodeLocated(r: LocatedRecord): LocatedImageRecord {
  const where = `${r.file} record ${r.index}`;
  let ex;
  try {
    ex = decodeExample(r.record);
  } catch (e) {
    throw new StyleError('IMAGE', `${where}: not a tf.train.Example: ${(e as Error).message}`, {
      file: r.file,
      cause: e,
    });
  }
  return { ...readImageRecord(ex, where), file: r.file, index: r.index, position: r.position };
}

/** Every image record of the matched files (either schema), with its file, index and position. */
export async function imageRecords(
  patterns: string | readonly string[],
  options: FileDatasetOptions = {},
): Promise<Dataset<LocatedImageRecord>> {
  return (await locatedRecords(patterns, options)).map(decodeLocated);
}
