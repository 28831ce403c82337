/**
 * The two image-record layouts Pastiche reads and writes.
 *
 * - `cs20`: the Stanford CS20 lecture's Example: `label` int64, `shape` bytes
 *   (int32 little-endian [height, width, channels]) and `image` bytes (raw uint8
 *   pixels, row-major HWC). Pixels are exact; no codec is involved.
 * - `encoded`: TensorFlow's object-detection layout, keeping the original file:
 *   `image/encoded`, `image/format`, `image/height`, `image/width`,
 *   `image/filename`, `image/class/label`, `image/class/text`.
 */
import { buildExample, decodeRaw, int64List, type Example, type Feature } from '@pastiche/tfrecord';
import { StyleError } from '../errors.js';

/** Names of the supported record layouts. */
export type ImageSchema = 'cs20' | 'encoded';

/** Every {@link ImageSchema}, for option validation. */
export const IMAGE_SCHEMAS: readonly ImageSchema[] = ['cs20', 'encoded'];

/** One image as a record holds it, in either schema. */
export interface ImageRecord {
  /** Which layout the record used. */
  schema: ImageSchema;
  /** Integer class label; -1 when the record has none. */
  label: number;
  /** Class name (`encoded` only; '' otherwise). */
  text: string;
  /** Original file name (`encoded` only; '' otherwise). */
  filename: string;
  /** Size in pixels. */
  width: number;
  /** Size in pixels. */
  height: number;
  /** `cs20`: raw pixels, HWC uint8 (a view into the record). */
  pixels?: Uint8Array;
  /** `cs20`: channels of `pixels` (1..4). */
  channels?: number;
  /** `encoded`: the original file's bytes (a view into the record). */
  encoded?: Uint8Array;
  /** `encoded`: 'jpeg', 'png', ... as stored in `image/format`. */
  format?: string;
  /** Every other feature of the record, kept so rewriting a record loses nothing. */
  extra: Record<string, Feature>;
}

const CS20_KEYS = new Set(['label', 'shape', 'image']);
const ENCODED_KEYS = new Set([
  'image/encoded',
  'image/format',
  'image/height',
  'image/width',
  'image/filename',
  'image/class/label',
  'image/class/text',
]);
const utf8 = new TextDecoder();

/** Builds the lecture's Example from raw HWC pixels. */
export function cs20Example(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  label: number,
): Example {
  if (pixels.length !== width * height * channels) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected ${width * height * channels} pixel bytes for a ${width}x${height}x${channels} image but received ${pixels.length}`,
    );
  }
  const shape = new Uint8Array(12);
  const view = new DataView(shape.buffer);
  view.setInt32(0, height, true);
  view.setInt32(4, width, true);
  view.setInt32(8, channels, true);
  return buildExample({ label: int64List([label]), shape, image: pixels });
}

/** Fields of an `encoded` record. */
export interface EncodedImage {
  /** The original file's bytes. */
  bytes: Uint8Array;
  /** 'jpeg', 'png', 'webp', ... */
  format: string;
  /** Size in pixels. */
  width: number;
  /** Size in pixels. */
  height: number;
  /** File name (no directories). */
  filename: string;
  /** Integer class label, -1 for none. */
  label: number;
  /** Class name, '' for none. */
  text: string;
}

/** Builds an object-detection-layout Example keeping the original encoded bytes. */
export function encodedExample(img: EncodedImage): Example {
  return buildExample({
    'image/encoded': [img.bytes],
    'image/format': img.format,
    'image/height': int64List([img.height]),
    'image/width': int64List([img.width]),
    'image/filename': img.filename,
    'image/class/label': int64List([img.label]),
    'image/class/text': img.text,
  });
}

/** Which schema an Example follows, or undefined if neither. */
export function detectSchema(ex: Example): ImageSchema | undefined {
  if (ex.features['image/encoded'] !== undefined) return 'encoded';
  if (ex.features['image'] !== undefined && ex.features['shape'] !== undefined) return 'cs20';
  return undefined;
}

function bad(where: string, what: string): never {
  throw new StyleError('IMAGE', `${where}: ${what}`);
}

function one(ex: Example, key: string, kind: Feature['kind'], where: string, required: boolean): Feature | undefined {
  const f = ex.features[key];
  if (f === undefined || f.kind === 'none') {
    if (required) bad(where, `feature '${key}' is missing`);
    return undefined;
  }
  if (f.kind !== kind) bad(where, `feature '${key}' is a ${f.kind}_list, expected ${kind}_list`);
  const n = f.kind === 'bytes' ? f.values.length : f.values.length;
  if (n !== 1) bad(where, `feature '${key}' has ${n} values, expected 1`);
  return f;
}

function int(f: Feature | undefined, fallback: number): number {
  if (f === undefined || f.kind !== 'int64') return fallback;
  return Number(f.values[0]);
}

function bytes(f: Feature | undefined): Uint8Array | undefined {
  return f !== undefined && f.kind === 'bytes' ? f.values[0] : undefined;
}

function text(f: Feature | undefined): string {
  const b = bytes(f);
  return b === undefined ? '' : utf8.decode(b);
}

/**
 * Reads the image held by an Example of either schema. `where` names the record
 * in messages (e.g. "data.tfrecord record 7"). Throws StyleError 'IMAGE' when
 * the record is neither schema or its fields disagree (e.g. the pixel count
 * does not match `shape`).
 */
export function readImageRecord(ex: Example, where = 'record'): ImageRecord {
  const schema = detectSchema(ex);
  const extra: Record<string, Feature> = Object.create(null) as Record<string, Feature>;
  if (schema === 'cs20') {
    for (const [k, v] of Object.entries(ex.features)) if (!CS20_KEYS.has(k)) extra[k] = v;
    const shapeBytes = bytes(one(ex, 'shape', 'bytes', where, true))!;
    if (shapeBytes.length !== 12)
      bad(where, `feature 'shape' holds ${shapeBytes.length} bytes, expected 12 (int32 [height, width, channels])`);
    const [height, width, channels] = Array.from(decodeRaw(shapeBytes, 'int32')) as [number, number, number];
    if (!(height > 0 && width > 0 && channels >= 1 && channels <= 4)) {
      bad(where, `feature 'shape' is [${height}, ${width}, ${channels}], expected positive [height, width, 1..4]`);
    }
    const pixels = bytes(one(ex, 'image', 'bytes', where, true))!;
    if (pixels.length !== height * width * channels) {
      bad(
        where,
        `feature 'image' holds ${pixels.length} bytes, shape [${height}, ${width}, ${channels}] needs ${height * width * channels}`,
      );
    }
    return {
      schema,
      label: int(one(ex, 'label', 'int64', where, false), -1),
      text: '',
      filename: '',
      width,
      height,
      pixels,
      channels,
      extra,
    };
  }
  if (schema === 'encoded') {
    for (const [k, v] of Object.entries(ex.features)) if (!ENCODED_KEYS.has(k)) extra[k] = v;
    const encoded = bytes(one(ex, 'image/encoded', 'bytes', where, true))!;
    return {
      schema,
      label: int(one(ex, 'image/class/label', 'int64', where, false), -1),
      text: text(one(ex, 'image/class/text', 'bytes', where, false)),
      filename: text(one(ex, 'image/filename', 'bytes', where, false)),
      width: int(one(ex, 'image/width', 'int64', where, false), 0),
      height: int(one(ex, 'image/height', 'int64', where, false), 0),
      encoded,
      format: text(one(ex, 'image/format', 'bytes', where, false)),
      extra,
    };
  }
  return bad(
    where,
    `holds neither schema: expected features 'image' + 'shape' (cs20) or 'image/encoded' (encoded), found ${
      Object.keys(ex.features)
        .map((k) => `'${k}'`)
        .join(', ') || 'none'
    }`,
  );
}
