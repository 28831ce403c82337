/**
 * Output helpers for convert and from-jsonl: compression from the file name,
 * shard names, opening a writer (creating its directory), and errors that
 * name the output. Files are written by the library under temporary names and
 * renamed into place only when complete.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { TFRecordWriter, isTFRecordError, outputShardPath, splitShardName } from '@pastiche/tfrecord/node';
import type { Compression } from '@pastiche/tfrecord/node';
import { CliError } from '../errors.js';
import { literal } from '../guard.js';

/** Creates the directory that will hold `path` (as tf.io and most shard writers do). */
export async function ensureDirectory(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (e) {
    throw writeError(e, path);
  }
}

/** Opens a writer for one output file (temporary name until close), creating its directory. */
export async function openWriter(path: string, compression: Compression): Promise<TFRecordWriter> {
  await ensureDirectory(path);
  try {
    return await TFRecordWriter.open(path, { compression });
  } catch (e) {
    throw writeError(e, path);
  }
}

/** Every file name of a shard set of `count` shards for `output` (`d.tfrecord` -> `d-00000-of-00002.tfrecord`, ...). */
export function shardNames(output: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => outputShardPath(output, i, count));
}

/** A pattern matching every shard name of `output` whatever the count (for shards cut by size). */
export function shardPattern(output: string): { dir: string; name: RegExp; shown: string } {
  const { prefix, suffix } = splitShardName(output);
  const base = basename(prefix);
  return {
    dir: dirname(output),
    name: new RegExp(`^${literal(base)}-\\d{5}-of-\\d{5}${literal(suffix)}$`),
    shown: `${prefix}-NNNNN-of-NNNNN${suffix}`,
  };
}

/** A CliError for an output that could not be written, naming the output. */
export function writeError(e: unknown, path: string): CliError {
  if (e instanceof CliError) return e;
  const message = e instanceof Error ? e.message : String(e);
  // Library errors that name their file (a shard) already say where.
  const named = isTFRecordError(e) && e.file !== undefined;
  return new CliError(named || message.startsWith(path) ? message : `${path}: ${message}`, { cause: e });
}
