/** Records out of a byte source: framing, checksums, aborts, and errors naming the source. */
import { RecordChunkDecoder } from '../../framing/decode.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { ioError, readAbortError } from './files.js';

/** Options for {@link recordsOf}. */
export interface RecordsOfOptions extends RecordReaderOptions {
  /** Checked after every record handed out: ABORTED naming the source. */
  signal?: AbortSignal | undefined;
  /** Where the first byte of `bytes` lies in its file (default 0), so offsets in errors are file offsets. */
  startOffset?: number;
}

/** Only the framing options, for the decoder (which rejects unknown values, not unknown keys). */
export function readerOptionsOf(options: RecordReaderOptions): RecordReaderOptions {
  return {
    ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  };
}

/**
 * The records of the (decompressed) chunks `bytes` as zero-copy views where a
 * record lies inside one chunk. Errors are TFRecordErrors naming `name`, data
 * errors with the `offset` where the record starts. Options are checked before
 * `bytes` is first read. One async layer: the decoder is synchronous per chunk.
 */
export async function* recordsOf(
  bytes: AsyncGenerator<Uint8Array, void, undefined>,
  name: string,
  options: RecordsOfOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { signal } = options;
  let decoder: RecordChunkDecoder;
  try {
    decoder = new RecordChunkDecoder(readerOptionsOf(options), options.startOffset ?? 0);
  } catch (e) {
    await bytes.return(undefined);
    throw e;
  }
  const out: Uint8Array[] = [];
  try {
    for (;;) {
      const r = await bytes.next();
      if (r.done === true) break;
      const err = decoder.push(r.value, out);
      for (let i = 0; i < out.length; i++) {
        yield out[i]!;
        if (signal?.aborted === true) throw readAbortError(signal, name);
      }
      out.length = 0;
      if (err !== undefined) throw err;
    }
    const err = decoder.end();
    if (err !== undefined) throw err;
  } catch (e) {
    throw ioError(e, name);
  } finally {
    out.length = 0;
    await bytes.return(undefined);
  }
}
