/**
 * Writing a stream of Examples as one file or as TensorFlow-named shards,
 * atomically either way.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  TFRecordWriter,
  compressionFromPath,
  encodeExample,
  splitShardName,
  writeShards,
  type Compression,
  type Example,
  type ShardInfo,
} from '@pastiche/tfrecord/node';
import { StyleError } from '../errors.js';

/** Options for {@link writeDataset}. */
export interface DatasetOutputOptions {
  /** 1 (default): one file named exactly as the output; N > 1: shards named by tfrecord's `outputShardPath`. */
  shards?: number;
  /** Default: from the output's extension (.gz gzip, .zz zlib), else none. */
  compression?: Compression;
  /** Stops writing; nothing appears under the output name(s). */
  signal?: AbortSignal;
}

/** Files written by {@link writeDataset}. */
export interface DatasetOutput {
  /** Each file written, with its record count. */
  files: ShardInfo[];
  /** Records written in all. */
  records: number;
}

/** Writes `examples` to `output` (see {@link DatasetOutputOptions.shards}). */
export async function writeDataset(
  output: string,
  examples: AsyncIterable<Example | Uint8Array>,
  options: DatasetOutputOptions = {},
): Promise<DatasetOutput> {
  const shards = options.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > 99999) {
    throw new StyleError(
      'INVALID_OPTION',
      `Expected integer between 1 and 99999 for shards but received ${String(shards)} of type ${typeof shards}`,
    );
  }
  const compression = options.compression ?? compressionFromPath(output);
  // As tf.io and most shard writers do: the output's folder is created.
  await mkdir(dirname(output), { recursive: true });
  if (shards > 1) {
    const { prefix, suffix } = splitShardName(output);
    const files = await writeShards(prefix, examples, {
      numShards: shards,
      suffix,
      compression,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { files, records: files.reduce((n, f) => n + f.records, 0) };
  }
  const writer = await TFRecordWriter.open(output, { compression });
  let records = 0;
  let bytes = 0;
  try {
    for await (const item of examples) {
      options.signal?.throwIfAborted();
      const rec = item instanceof Uint8Array ? item : encodeExample(item);
      await writer.write(rec);
      records++;
      bytes += rec.length + 16;
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    if (options.signal?.aborted === true)
      throw new StyleError('ABORTED', `writing ${output} was aborted; nothing was written under that name`, {
        cause: e,
      });
    throw e;
  }
  return { files: [{ path: output, records, bytes }], records };
}
