/**
 * Stylising a whole TFRecord image dataset into a new one of the same schema.
 *
 * - One {@link Stylizer} serves the run: weights are loaded once, the graph is
 *   built once per distinct image size and the style targets computed once per
 *   size (see Stylizer).
 * - `shard: { index, count }` takes the records whose position p (in reading
 *   order over all input files) has p mod count == index, and writes TensorFlow's
 *   shard name (`out.tfrecord` -> `out-0000i-of-0000n.tfrecord`), so n processes or machines split a
 *   dataset with no coordination and their outputs form one dataset.
 * - Resuming: records are appended to `<output>.partial` (uncompressed, one
 *   fsync per record: a stylised image costs seconds, an fsync microseconds),
 *   beside a `<output>.partial.json` that names the inputs (path, size, mtime)
 *   and settings. A rerun with the same inputs and settings keeps every complete record of the partial
 *   file, cuts a torn tail, and continues from the next record; different
 *   settings start over. On completion the partial file becomes the output
 *   (compressed if asked) by an atomic rename.
 * - Exclusive: `<output>.lock` is held for the whole run, so a second run on
 *   the same output fails at once instead of appending duplicates.
 */
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  TFRecordWriter,
  acquireLock,
  writeFileAtomic,
  buildExample,
  countRecords,
  crc32c,
  encodeExample,
  encodeRecord,
  files as listFiles,
  floatList,
  maskCrc,
  openRecordStream,
  outputShardPath,
  compressionFromPath,
  readRecordHeader,
  type Example,
  type Feature,
} from '@pastiche/tfrecord/node';
import sharp from 'sharp';
import { StyleError } from '../errors.js';
import type { LossRecord } from '../stylize/settings.js';
import { createStylizer, type Stylizer, type StylizerOptions } from '../stylize/stylizer.js';
import { cs20Example, encodedExample, type ImageRecord } from './schema.js';
import { decodeLocated, locatedRecords } from './read.js';

/** Options for {@link stylizeDataset}. */
export interface StylizeDatasetOptions extends Omit<StylizerOptions, 'signal' | 'style'> {
  /** Style image: a path, encoded bytes or raw pixels (required unless `stylizer` is given). */
  style?: StylizerOptions['style'];
  /** Input TFRecord files or patterns (either schema; compression detected). */
  inputs: string | readonly string[];
  /** Output path (with `shard.count` > 1, the shard prefix). `.gz`/`.zz` compress. */
  output: string;
  /** This process's part of the work (default { index: 0, count: 1 }). */
  shard?: { index: number; count: number };
  /** Called after each record with the counts so far and an ETA in seconds. */
  onRecord?: (p: DatasetProgress) => void;
  /** Called at start when a previous run is continued, with the records kept. */
  onResume?: (kept: number) => void;
  /** Called once the work is known: records of this shard, and how many are already done. */
  onStart?: (total: number, kept: number) => void;
  /** Called after every iteration of the record being stylised. */
  onIteration?: StylizerOptions['onProgress'];
  /**
   * A ready Stylizer to use instead of creating one from these options (it is
   * not closed here). For tests and for callers stylising several datasets.
   */
  stylizer?: Stylizer;
  /** Aborts between records and iterations; the partial file stays for a resume. */
  signal?: AbortSignal;
}

/** Progress of {@link stylizeDataset}. */
export interface DatasetProgress {
  /** Records of this shard finished, including those kept from a previous run. */
  done: number;
  /** Records this shard will write. */
  total: number;
  /** Records done in this run. */
  thisRun: number;
  /** Seconds since this run started. */
  seconds: number;
  /** Estimated seconds left. */
  remaining: number;
  /** The record just finished. */
  file: string;
  index: number;
  /** Its final total loss. */
  loss: number;
  /** The losses of the image written (the lowest-loss one), by term. */
  losses: LossRecord | undefined;
  /** The record's label (-1 when none). */
  label: number;
}

/** What {@link stylizeDataset} did. */
export interface StylizeDatasetResult {
  /** The finished output file. */
  path: string;
  /** Records written. */
  records: number;
  /** Of those, kept from an interrupted run. */
  resumed: number;
  /** Distinct image sizes met in this run (each had its own graph). */
  sizes: number;
  /** Records of the input in all shards. */
  inputRecords: number;
}

/** Features that record how a stylised image was made. */
function provenance(styleName: string, settings: unknown, loss: number): Record<string, Feature> {
  const ex = buildExample({
    'style/image': styleName,
    'style/settings': JSON.stringify(settings),
    'style/loss': floatList([loss]),
  });
  return ex.features;
}

/** The stylised record: same schema and extra features, new pixels, plus provenance. */
async function stylisedExample(
  r: ImageRecord,
  pixels: Uint8Array,
  width: number,
  height: number,
  extra: Record<string, Feature>,
): Promise<Example> {
  let ex: Example;
  if (r.schema === 'cs20') {
    ex = cs20Example(pixels, width, height, 3, r.label);
  } else {
    const img = sharp(pixels, { raw: { width, height, channels: 3 } });
    // JPEG stays JPEG; everything else becomes PNG (lossless), and the file name says so.
    const jpeg = r.format === 'jpeg';
    const bytes = new Uint8Array(await (jpeg ? img.jpeg({ quality: 95 }) : img.png()).toBuffer());
    const filename =
      jpeg || r.format === 'png' || r.filename === '' ? r.filename : r.filename.replace(/(\.[^./\\]*)?$/, '.png');
    ex = encodedExample({
      bytes,
      format: jpeg ? 'jpeg' : 'png',
      width,
      height,
      filename,
      label: r.label,
      text: r.text,
    });
  }
  Object.assign(ex.features, r.extra, extra);
  return ex;
}

/**
 * Counts the complete, intact records at the start of a partial file and cuts
 * off whatever follows (a crash mid-write leaves a torn last record). Reads one
 * record at a time, so memory stays bounded by the largest record.
 */
async function keepCompleteRecords(path: string): Promise<number> {
  let fh;
  try {
    fh = await open(path, 'r+');
  } catch {
    return 0;
  }
  let count = 0;
  let pos = 0;
  try {
    const size = (await fh.stat()).size;
    const header = new Uint8Array(12);
    const footer = new Uint8Array(4);
    while (pos + 16 <= size) {
      await fh.read(header, 0, 12, pos);
      let length: number;
      try {
        length = readRecordHeader(header, 0);
      } catch {
        break;
      }
      if (pos + 16 + length > size) break;
      const data = new Uint8Array(length);
      await fh.read(data, 0, length, pos + 12);
      await fh.read(footer, 0, 4, pos + 12 + length);
      const stored = new DataView(footer.buffer).getUint32(0, true);
      if (maskCrc(crc32c(data)) !== stored) break;
      count++;
      pos += 16 + length;
    }
    if (pos < size) await fh.truncate(pos);
  } finally {
    await fh.close();
  }
  return count;
}

function checkShard(shard: { index: number; count: number }): void {
  const ok = (n: unknown, min: number, max: number): boolean =>
    typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
  if (!ok(shard.count, 1, 99999) || !ok(shard.index, 0, shard.count - 1)) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected shard i/n with 0 <= i < n <= 99999 but received ${shard.index}/${shard.count}`,
    );
  }
}

/** How many of positions 0..n-1 fall to shard `index` of `count` (p mod count == index). */
export function shardSize(n: number, index: number, count: number): number {
  return n <= index ? 0 : Math.floor((n - 1 - index) / count) + 1;
}

/**
 * Stylises every image record of `inputs` (or this shard's part) with the
 * style image and settings, writing a dataset of the same schema; see the
 * module notes for sharding and resuming. Unless `size`, `width` or `height`
 * is given, each image keeps its own size.
 * The run holds `<output>.lock` (acquireLock of `@pastiche/tfrecord/node`)
 * from start to finish, partial file and journal included; a second run on
 * the same output fails at once with TFRecordError 'LOCKED'.
 * Throws StyleError: INVALID_OPTION, IMAGE (a record holds no readable image),
 * WEIGHTS/WEIGHTS_MISSING, ABORTED (the partial output stays for a rerun).
 */
export async function stylizeDataset(options: StylizeDatasetOptions): Promise<StylizeDatasetResult> {
  const shard = options.shard ?? { index: 0, count: 1 };
  checkShard(shard);
  if (typeof options.output !== 'string' || options.output === '') {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected a path for output but received ${String(options.output)} of type ${typeof options.output}`,
    );
  }
  const finalPath = shard.count === 1 ? options.output : outputShardPath(options.output, shard.index, shard.count);
  // One run per output at a time: two would append to the same partial file.
  await mkdir(dirname(finalPath), { recursive: true });
  const lock = await acquireLock(finalPath, { what: 'stylize-dataset' });
  try {
    return await stylizeLocked(options, shard, finalPath);
  } finally {
    await lock.release();
  }
}

/** stylizeDataset once it holds the output's lock. */
async function stylizeLocked(
  options: StylizeDatasetOptions,
  shard: { index: number; count: number },
  finalPath: string,
): Promise<StylizeDatasetResult> {
  const { signal } = options;
  const partial = `${finalPath}.partial`;
  const journal = `${partial}.json`;

  const inputFiles = await (await listFiles(options.inputs)).toArray();
  for (const f of inputFiles) {
    if (resolve(f) === resolve(finalPath))
      throw new StyleError('INVALID_OPTION', `The output ${finalPath} is also an input; choose another output name`);
  }
  let inputRecords = 0;
  for (const f of inputFiles) inputRecords += await countRecords(f);
  const total = shardSize(inputRecords, shard.index, shard.count);

  const own = options.stylizer === undefined;
  const keepSize = options.size === undefined && options.width === undefined && options.height === undefined;
  const {
    inputs: _inputs,
    output: _output,
    shard: _shard,
    onRecord: _onRecord,
    onResume: _onResume,
    onStart: _onStart,
    onIteration,
    stylizer: _stylizer,
    ...stylizerOptions
  } = options;
  const style = options.style;
  if (options.stylizer === undefined && style === undefined)
    throw new StyleError('INVALID_OPTION', 'Expected a style image for style but received undefined of type undefined');
  const stylizer: Stylizer =
    options.stylizer ??
    (await createStylizer({
      ...stylizerOptions,
      style: style!,
      ...(keepSize ? { keepSize: true } : {}),
      ...(onIteration === undefined ? {} : { onProgress: onIteration }),
    }));
  const sizesBefore = stylizer.sizes;
  try {
    // What the partial output depends on: a rerun continues it only if all of this is unchanged.
    const inputs: { path: string; size: number; mtimeMs: number }[] = [];
    for (const f of inputFiles) {
      const st = await stat(f);
      inputs.push({ path: resolve(f), size: st.size, mtimeMs: st.mtimeMs });
    }
    const identity = JSON.stringify({ inputs, inputRecords, settings: stylizer.describe(), shard });
    let kept = 0;
    let previous: string | undefined;
    try {
      previous = await readFile(journal, 'utf8');
    } catch {
      previous = undefined;
    }
    if (previous === identity) kept = Math.min(await keepCompleteRecords(partial), total);
    else await rm(partial, { force: true });
    if (kept > 0) options.onResume?.(kept);
    if (previous !== identity) await writeFileAtomic(journal, new TextEncoder().encode(identity));
    options.onStart?.(total, kept);

    // Settings that are the same for every record, recorded with each (the style's digest, the weights).
    const { styleSha256, weights } = stylizer.describe();
    const shared = { styleSha256, weights };
    const mine = (await locatedRecords(inputFiles)).filter((r) => r.position % shard.count === shard.index).skip(kept);
    const fh = await open(partial, 'a');
    const start = performance.now();
    let done = kept;
    try {
      for await (const located of mine.iterate(signal === undefined ? {} : { signal })) {
        signal?.throwIfAborted();
        const r = decodeLocated(located);
        const result = await stylizer.run(
          r.schema === 'cs20'
            ? { pixels: r.pixels!, width: r.width, height: r.height, channels: r.channels as 1 | 2 | 3 | 4 }
            : r.encoded!,
          `${r.file} record ${r.index}`,
          signal === undefined ? {} : { signal },
        );
        const best = result.best;
        const ex = await stylisedExample(
          r,
          best.pixels,
          best.width,
          best.height,
          provenance(stylizer.styleName, { ...shared, ...result.settings }, best.total),
        );
        await fh.write(encodeRecord(encodeExample(ex)));
        // A stylised image costs seconds and an fsync microseconds: each record is made durable.
        await fh.datasync();
        done++;
        const seconds = (performance.now() - start) / 1000;
        const thisRun = done - kept;
        const losses = result.history.find((h) => h.iteration === best.iteration);
        options.onRecord?.({
          done,
          total,
          thisRun,
          seconds,
          remaining: (seconds / thisRun) * (total - done),
          file: r.file,
          index: r.index,
          loss: best.total,
          losses,
          label: r.label,
        });
      }
    } catch (e) {
      if (signal?.aborted === true) {
        throw new StyleError(
          'ABORTED',
          `stylize-dataset aborted after ${done} of ${total} records; run it again to continue from ${partial}`,
          { cause: e },
        );
      }
      throw e;
    } finally {
      await fh.close();
    }
    if (done !== total) {
      throw new StyleError(
        'IMAGE',
        `The inputs changed while being read: expected ${total} records for ${finalPath} but found ${done}`,
      );
    }

    const compression = compressionFromPath(finalPath);
    if (compression === 'none') {
      await rename(partial, finalPath);
    } else {
      const writer = await TFRecordWriter.open(finalPath, { compression });
      try {
        for await (const record of openRecordStream(partial, { compression: 'none' })) await writer.write(record);
        await writer.close();
      } catch (e) {
        await writer.abort();
        throw e;
      }
      await rm(partial);
    }
    await rm(journal, { force: true });
    return { path: finalPath, records: done, resumed: kept, sizes: stylizer.sizes - sizesBefore, inputRecords };
  } finally {
    if (own) await stylizer.close();
  }
}
