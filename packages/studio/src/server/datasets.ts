/**
 * TFRecord files in the workspace, for the Datasets page: list them (shard
 * sets grouped), open one or a shard set (random access through an index,
 * built on first open and kept under `.pastiche/index/`, never beside the
 * user's file), read the features table over the first records, and serve any
 * record's features and image. Compressed files cannot be indexed; their
 * records are read in order, up to a cap.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  RecordFile,
  buildIndex,
  decodeExample,
  detectFileCompression,
  openRecordStream,
  readIndexFile,
  writeIndexFile,
  type RecordIndex,
} from '@pastiche/tfrecord/node';
import { StudioError } from '../errors.js';
import { FeatureTableBuilder, featureValues, groupShards, recordImage, type FeatureTable } from '../shared/records.js';
import { PRIVATE, type Workspace, resolveExisting, toRelative, walkFiles } from './workspace.js';

/** Names that look like TFRecord files. */
export const TFRECORD_NAME = /(\.(tfrecords?|tfrec)(\.(gz|zz|gzip|zlib))?|-\d{5}-of-\d{5})$/i;

/** Records read from a compressed file (which has no index) at most. */
export const MAX_SEQUENTIAL_RECORDS = 10000;

/** Records the features table is computed over. */
export const TABLE_RECORDS = 1000;

/** A file or shard set as the list shows it. */
export interface DatasetEntry {
  name: string;
  paths: string[];
  bytes: number;
}

/** What opening a dataset tells the page. */
export interface DatasetSummary {
  name: string;
  paths: string[];
  records: number;
  /** Per file: compression and whether an index was built now or found. */
  files: { path: string; compression: string; records: number; index: 'built' | 'found' | 'none' }[];
  table: FeatureTable;
}

/** Every TFRecord file (and shard set) in the workspace. */
export async function listDatasets(ws: Workspace): Promise<DatasetEntry[]> {
  const files = (await walkFiles(ws.root)).filter((p) => TFRECORD_NAME.test(p));
  const rel = files.map((f) => toRelative(ws, f));
  const sizes = new Map<string, number>();
  for (const f of files) sizes.set(toRelative(ws, f), (await stat(f)).size);
  return groupShards(rel).map((g) => ({ ...g, bytes: g.paths.reduce((n, p) => n + (sizes.get(p) ?? 0), 0) }));
}

interface OpenFile {
  path: string;
  compression: string;
  index: 'built' | 'found' | 'none';
  file?: RecordFile;
  records?: Uint8Array[];
  count: number;
}

interface OpenSet {
  files: OpenFile[];
  starts: number[];
  count: number;
}

/** Open datasets, kept for paging; closed with {@link DatasetBrowser.close}. */
export class DatasetBrowser {
  readonly #ws: Workspace;
  readonly #open = new Map<string, Promise<OpenSet>>();

  constructor(ws: Workspace) {
    this.#ws = ws;
  }

  async #openFile(rel: string): Promise<OpenFile> {
    const abs = await resolveExisting(this.#ws, rel);
    const compression = await detectFileCompression(abs);
    if (compression !== 'none') {
      const records: Uint8Array[] = [];
      for await (const r of openRecordStream(abs)) {
        records.push(r);
        if (records.length >= MAX_SEQUENTIAL_RECORDS) break;
      }
      return { path: rel, compression, index: 'none', records, count: records.length };
    }
    const s = await stat(abs);
    // Keyed by path, size and mtime: a changed file gets a new index.
    const key = createHash('sha256').update(`${abs}\0${s.size}\0${s.mtimeMs}`).digest('hex').slice(0, 32);
    const indexPath = join(this.#ws.root, PRIVATE, 'index', `${key}.idx`);
    let index: RecordIndex;
    let how: 'built' | 'found' = 'found';
    try {
      index = await readIndexFile(indexPath);
    } catch {
      index = await buildIndex(abs);
      how = 'built';
      await mkdir(join(this.#ws.root, PRIVATE, 'index'), { recursive: true });
      await writeIndexFile(indexPath, index);
    }
    const file = await RecordFile.open(abs, { index });
    return { path: rel, compression, index: how, file, count: file.count };
  }

  async #get(paths: string[]): Promise<OpenSet> {
    const key = paths.join('\n');
    let p = this.#open.get(key);
    if (p === undefined) {
      p = (async () => {
        const files: OpenFile[] = [];
        try {
          for (const rel of paths) files.push(await this.#openFile(rel));
        } catch (e) {
          for (const f of files) await f.file?.close();
          throw e;
        }
        const starts: number[] = [];
        let count = 0;
        for (const f of files) {
          starts.push(count);
          count += f.count;
        }
        return { files, starts, count };
      })();
      this.#open.set(key, p);
      p.catch(() => this.#open.delete(key));
    }
    return p;
  }

  async #record(set: OpenSet, i: number): Promise<{ file: string; index: number; bytes: Uint8Array }> {
    if (!Number.isInteger(i) || i < 0 || i >= set.count) {
      throw new StudioError('NOT_FOUND', `No record ${i}: the dataset has ${set.count} records (0..${set.count - 1})`);
    }
    let k = set.starts.length - 1;
    while (set.starts[k]! > i) k--;
    const f = set.files[k]!;
    const local = i - set.starts[k]!;
    const bytes = f.file !== undefined ? await f.file.get(local) : f.records![local]!;
    return { file: f.path, index: local, bytes };
  }

  /** Opens `paths` (one file or a shard set) and summarises it. */
  async summary(name: string, paths: string[]): Promise<DatasetSummary> {
    const set = await this.#get(paths);
    const table = new FeatureTableBuilder();
    for (let i = 0; i < Math.min(set.count, TABLE_RECORDS); i++) {
      const r = await this.#record(set, i);
      try {
        table.add(decodeExample(r.bytes));
      } catch {
        // Not an Example (a SequenceExample or raw bytes): it counts, with no features.
      }
    }
    return {
      name,
      paths,
      records: set.count,
      files: set.files.map((f) => ({ path: f.path, compression: f.compression, records: f.count, index: f.index })),
      table: table.table(),
    };
  }

  /** Record `i` of the dataset: where it lies, its features, and its image's facts. */
  async record(paths: string[], i: number): Promise<Record<string, unknown>> {
    const set = await this.#get(paths);
    const r = await this.#record(set, i);
    let ex;
    try {
      ex = decodeExample(r.bytes);
    } catch (e) {
      return {
        index: i,
        file: r.file,
        fileIndex: r.index,
        bytes: r.bytes.length,
        error: (e as Error).message,
        features: [],
      };
    }
    const img = recordImage(ex);
    return {
      index: i,
      file: r.file,
      fileIndex: r.index,
      bytes: r.bytes.length,
      features: featureValues(ex),
      image:
        img === undefined
          ? null
          : img.schema === 'cs20'
            ? { schema: 'cs20', width: img.width, height: img.height, channels: img.channels, label: img.label }
            : { schema: 'encoded', width: img.width, height: img.height, label: img.label, format: img.format },
    };
  }

  /** The image of record `i`: its encoded bytes, or cs20 raw pixels for the caller to encode. */
  async image(paths: string[], i: number): Promise<ReturnType<typeof recordImage>> {
    const set = await this.#get(paths);
    const r = await this.#record(set, i);
    let img;
    try {
      img = recordImage(decodeExample(r.bytes));
    } catch {
      img = undefined;
    }
    if (img === undefined) throw new StudioError('NOT_FOUND', `Record ${i} of ${r.file} holds no image`);
    return img;
  }

  /** Closes every open file. */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    for (const p of all) {
      const set = await p.catch(() => undefined);
      for (const f of set?.files ?? []) await f.file?.close();
    }
  }
}
