/**
 * What the tfrecord commands share: record kinds and their detection, reading
 * a file's records with errors that name the file, and file facts (size,
 * compression) for summaries.
 */
import { open, stat } from 'node:fs/promises';
import {
  ProtoReader,
  decodeExample,
  decodeSequenceExample,
  detectCompression,
  isTFRecordError,
  openRecordStream,
} from '@pastiche/tfrecord/node';
import type { Compression } from '@pastiche/tfrecord/node';
import { CliError, ExitCode } from '../errors.js';
import { exampleText, rawText, sequenceExampleText } from './canonical.js';

/** How a record's bytes are interpreted. */
export type RecordKind = 'example' | 'sequence' | 'raw';

/** Values of `--kind` for commands that read records; `auto` looks at each file's first record. */
export const KIND_CHOICES = ['example', 'sequence', 'raw', 'auto'] as const;

/** A `--kind` value. */
export type KindChoice = (typeof KIND_CHOICES)[number];

/**
 * Guesses the kind of a record: a SequenceExample has field 2 (feature_lists)
 * at the top level, an Example only field 1; bytes that are not a protobuf
 * message of either shape are raw. Both messages share field 1, so an empty
 * SequenceExample reads as an Example; that is harmless for display.
 */
export function detectKind(record: Uint8Array): RecordKind {
  try {
    const r = new ProtoReader(record);
    let sawSequence = false;
    while (!r.done()) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if ((field === 1 || field === 2) && wire !== 2) return 'raw';
      if (field === 2) sawSequence = true;
      r.skip(wire, field);
    }
    if (sawSequence) {
      decodeSequenceExample(record);
      return 'sequence';
    }
    decodeExample(record);
    return 'example';
  } catch {
    return 'raw';
  }
}

/** The canonical JSON line (without newline) of `record` read as `kind`. */
export function recordText(kind: RecordKind, record: Uint8Array): string {
  switch (kind) {
    case 'example':
      return exampleText(decodeExample(record));
    case 'sequence':
      return sequenceExampleText(decodeSequenceExample(record));
    case 'raw':
      return rawText(record);
  }
}

/** Facts about a file on disk. */
export interface FileFacts {
  /** Size on disk in bytes. */
  size: number;
  /** Compression detected from the first bytes. */
  compression: Compression;
}

/** Size and compression of `path`; a missing or unreadable file is a CliError naming it. */
export async function fileFacts(path: string): Promise<FileFacts> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new CliError(`${path}: is a directory, not a file`);
    const fh = await open(path, 'r');
    try {
      const head = new Uint8Array(16);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return { size: s.size, compression: detectCompression(head.subarray(0, bytesRead)) };
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fileError(e, path);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'not a directory',
};

/** Turns any error met while reading `path` into one whose message starts with the path. */
export function fileError(e: unknown, path: string): unknown {
  if (e instanceof CliError) return e;
  if (isTFRecordError(e)) {
    const errno = (e.cause as { code?: unknown } | undefined)?.code;
    if (typeof errno === 'string' && ERRNO_TEXT[errno] !== undefined) {
      return new CliError(`${path}: ${ERRNO_TEXT[errno]}`, { cause: e });
    }
    const named = e.file === undefined && !e.message.startsWith(`${path}: `) ? e.withFile(path) : e;
    // A bad first header usually means the file is not a TFRecord file at all.
    if (
      e.offset === 0 &&
      (e.code === 'CORRUPTED_LENGTH' || e.code === 'RECORD_TOO_LARGE' || e.code === 'TRUNCATED_RECORD')
    ) {
      return new CliError(`${named.message} (is this a TFRecord file?)`, { cause: named });
    }
    return named;
  }
  const errno = (e as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && ERRNO_TEXT[errno] !== undefined) {
    return new CliError(`${path}: ${ERRNO_TEXT[errno]}`, { cause: e });
  }
  return e;
}

/** Options for {@link readFileRecords}. */
export interface ReadFileOptions {
  /** Verify CRCs (default true). */
  verifyChecksums?: boolean;
  /** Aborts reading. */
  signal?: AbortSignal;
}

/**
 * The records of `path` (compression detected), with every error naming the
 * file: a corrupt record is reported with its byte offset and kind of problem.
 */
export async function* readFileRecords(
  path: string,
  options: ReadFileOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* openRecordStream(path, {
      compression: 'auto',
      verifyChecksums: options.verifyChecksums ?? true,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (e) {
    if (options.signal?.aborted === true)
      throw new CliError('interrupted', { exitCode: ExitCode.INTERRUPTED, cause: e });
    throw fileError(e, path);
  }
}

/** Decodes `record` as `kind`, turning a decode error into one naming the file and record number. */
export function recordLine(kind: RecordKind, record: Uint8Array, path: string, index: number): string {
  try {
    return recordText(kind, record);
  } catch (e) {
    if (isTFRecordError(e)) {
      const what = kind === 'sequence' ? 'SequenceExample' : 'Example';
      throw new CliError(
        `${path}: record ${index} is not a valid ${what}: ${e.message} (try --kind raw or --kind auto)`,
        { cause: e },
      );
    }
    throw e;
  }
}
