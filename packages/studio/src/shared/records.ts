/**
 * What the Datasets page shows of TFRecord Examples, computed the same way on
 * the server (files in the workspace) and in the browser (a dropped file):
 * the features table that `pastiche tfrecord inspect` prints, one record's
 * features, and the image a record holds in either schema (cs20's
 * label/shape/image raw pixels, or object detection's `image/encoded`).
 * Portable: imports only the portable `@pastiche/tfrecord`.
 */
import type { Example, Feature } from '@pastiche/tfrecord';

/** One row of the features table. */
export interface FeatureRow {
  name: string;
  /** Kinds seen, most frequent first: `int64`, `bytes|none`. */
  kind: string;
  /** Records holding the feature. */
  present: number;
  /** Values per record: `1` or `1..3`. */
  values: string;
  /** Bytes per value (bytes features): `389118` or `10..20`, '-' otherwise. */
  bytes: string;
}

/** The table over some records: how many were read and a row per feature, by name. */
export interface FeatureTable {
  records: number;
  rows: FeatureRow[];
}

class Span {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  add(v: number): void {
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  text(): string {
    if (this.min > this.max) return '-';
    return this.min === this.max ? String(this.min) : `${this.min}..${this.max}`;
  }
}

/** Accumulates the features table record by record. */
export class FeatureTableBuilder {
  #records = 0;
  readonly #f = new Map<string, { present: number; kinds: Map<string, number>; values: Span; bytes: Span }>();

  /** Adds one Example. */
  add(ex: Example): void {
    this.#records++;
    for (const [name, f] of Object.entries(ex.features)) {
      let s = this.#f.get(name);
      if (s === undefined) {
        s = { present: 0, kinds: new Map(), values: new Span(), bytes: new Span() };
        this.#f.set(name, s);
      }
      s.present++;
      s.kinds.set(f.kind, (s.kinds.get(f.kind) ?? 0) + 1);
      if (f.kind === 'none') s.values.add(0);
      else s.values.add(f.values.length);
      if (f.kind === 'bytes') for (const b of f.values) s.bytes.add(b.length);
    }
  }

  /** The table so far, rows sorted by feature name. */
  table(): FeatureTable {
    const rows = [...this.#f.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, s]) => ({
        name,
        kind: [...s.kinds.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([k]) => k)
          .join('|'),
        present: s.present,
        values: s.values.text(),
        bytes: s.bytes.text(),
      }));
    return { records: this.#records, rows };
  }
}

/** One feature of one record, for display: kind, count and the first values as text. */
export interface FeatureValue {
  name: string;
  kind: Feature['kind'];
  count: number;
  /** The first values (bytes as UTF-8 text when printable, else their length). */
  preview: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesText(b: Uint8Array): string {
  if (b.length <= 200) {
    try {
      const s = utf8.decode(b);
      if (/^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(s)) return JSON.stringify(s);
    } catch {
      // not text
    }
  }
  return `<${b.length} bytes>`;
}

/** The features of one Example as display rows, sorted by name. */
export function featureValues(ex: Example, maxValues = 8): FeatureValue[] {
  return Object.entries(ex.features)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, f]) => {
      if (f.kind === 'none') return { name, kind: f.kind, count: 0, preview: '' };
      const n = f.values.length;
      const shown: string[] = [];
      for (let i = 0; i < Math.min(n, maxValues); i++) {
        if (f.kind === 'bytes') shown.push(bytesText(f.values[i]!));
        else if (f.kind === 'int64') shown.push(String(f.values[i]!));
        else shown.push(String(Number(f.values[i]!.toPrecision(6))));
      }
      return { name, kind: f.kind, count: n, preview: shown.join(', ') + (n > maxValues ? ', ...' : '') };
    });
}

/** The image a record holds. */
export type RecordImage =
  | { schema: 'cs20'; width: number; height: number; channels: number; label: number; pixels: Uint8Array }
  | { schema: 'encoded'; width: number; height: number; label: number; format: string; bytes: Uint8Array };

function int64At(f: Feature | undefined): number | undefined {
  return f?.kind === 'int64' && f.values.length > 0 ? Number(f.values[0]) : undefined;
}

function bytesAt(f: Feature | undefined): Uint8Array | undefined {
  return f?.kind === 'bytes' && f.values.length > 0 ? f.values[0] : undefined;
}

/** The image of a cs20 or object-detection record, or undefined for any other record. */
export function recordImage(ex: Example): RecordImage | undefined {
  const f = ex.features;
  const shape = bytesAt(f['shape']);
  const image = bytesAt(f['image']);
  if (shape !== undefined && image !== undefined && shape.length === 12) {
    const v = new DataView(shape.buffer, shape.byteOffset, 12);
    const height = v.getInt32(0, true);
    const width = v.getInt32(4, true);
    const channels = v.getInt32(8, true);
    if (width > 0 && height > 0 && channels >= 1 && channels <= 4 && image.length === width * height * channels) {
      return { schema: 'cs20', width, height, channels, label: int64At(f['label']) ?? -1, pixels: image };
    }
  }
  const encoded = bytesAt(f['image/encoded']);
  if (encoded !== undefined) {
    const fmt = bytesAt(f['image/format']);
    return {
      schema: 'encoded',
      width: int64At(f['image/width']) ?? 0,
      height: int64At(f['image/height']) ?? 0,
      label: int64At(f['image/class/label']) ?? -1,
      format: fmt === undefined ? sniffFormat(encoded) : new TextDecoder().decode(fmt).toLowerCase(),
      bytes: encoded,
    };
  }
  return undefined;
}

/** The MIME type for an image format name (jpeg, png, ...). */
export function mimeOf(format: string): string {
  const f = format === 'jpg' ? 'jpeg' : format;
  return /^(jpeg|png|gif|webp|avif|bmp)$/.test(f) ? `image/${f}` : 'application/octet-stream';
}

/** The image format of encoded bytes by their magic number: jpeg, png, gif, webp or unknown. */
export function sniffFormat(b: Uint8Array): string {
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpeg';
  if (b[0] === 0x89 && b[1] === 0x50) return 'png';
  if (b[0] === 0x47 && b[1] === 0x49) return 'gif';
  if (b[0] === 0x52 && b[1] === 0x49) return 'webp';
  return 'unknown';
}

/** RGBA pixels (for canvas ImageData) of raw HWC pixels with 1..4 channels. */
export function toRgba(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const o = i * 4;
    if (channels >= 3) {
      out[o] = pixels[j]!;
      out[o + 1] = pixels[j + 1]!;
      out[o + 2] = pixels[j + 2]!;
      out[o + 3] = channels === 4 ? pixels[j + 3]! : 255;
    } else {
      out[o] = out[o + 1] = out[o + 2] = pixels[j]!;
      out[o + 3] = channels === 2 ? pixels[j + 1]! : 255;
    }
  }
  return out;
}

/** Groups TFRecord file names into shard sets (`name-00000-of-00004.ext`) and single files. */
export function groupShards(paths: readonly string[]): { name: string; paths: string[] }[] {
  const sets = new Map<string, string[]>();
  const out: { name: string; paths: string[] }[] = [];
  for (const p of paths) {
    const m = /^(.*)-(\d{5})-of-(\d{5})(\.[^/]*)?$/.exec(p);
    if (m === null) {
      out.push({ name: p, paths: [p] });
      continue;
    }
    const key = `${m[1]}-?????-of-${m[3]}${m[4] ?? ''}`;
    const list = sets.get(key) ?? [];
    list.push(p);
    sets.set(key, list);
  }
  for (const [name, list] of sets) out.push({ name, paths: list.sort() });
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
