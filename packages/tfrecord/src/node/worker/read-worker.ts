/**
 * The read worker's entry: reads one file through the entry's byte source
 * (fileBytes: open, read, detect and decompress), frames and verifies it with
 * the one RecordChunkDecoder, and posts the records in batches, packed into
 * a buffer that is transferred, so the main thread only makes views and
 * decodes. It posts only while it holds credits (bounded read-ahead) and
 * stops, closing the file, when told to or at the end. One file at a time,
 * one after another: the main thread keeps an idle worker for the next file
 * (client.ts), so start-up is paid once per process, not per file.
 */
import { Buffer } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import { RecordChunkDecoder } from '../../framing/decode.js';
import { fileBytes } from '../source/bytes.js';
import { serialiseError } from './protocol.js';
import type { BatchMessage, MainMessage, ReadJob, WorkerMessage } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('read-worker.js runs as a worker thread only');
let credits = 0;
let stopping = false;
let wake: (() => void) | undefined;
port.on('message', (m: MainMessage) => {
  if (typeof m === 'object') {
    credits = m.credits;
    stopping = false;
    void run(m);
    return;
  }
  if (m === 'stop') stopping = true;
  else credits += m;
  const w = wake;
  wake = undefined;
  w?.();
});

function post(m: WorkerMessage, transfer?: ArrayBuffer[]): void {
  port!.postMessage(m, transfer);
}

/**
 * The records completed by `chunk` as a message, and the buffers to transfer.
 * A buffer moves to the main thread when nothing here writes to it again: a
 * chunk that covers its whole ArrayBuffer (the byte source lets go of those,
 * see readFileBytes; zlib starts a new output buffer once one is full) and
 * the decoder's buffer of a record that spanned chunks (its own, dropped once
 * the record is out). Records in a part of a shared buffer are copied.
 */
function batch(records: Uint8Array[], chunk: Uint8Array): BatchMessage {
  const cb = chunk.buffer as ArrayBuffer;
  const whole = chunk.byteOffset === 0 && chunk.byteLength === cb.byteLength;
  let copyBytes = 0;
  if (!whole) for (let i = 0; i < records.length; i++) if (records[i]!.buffer === cb) copyBytes += records[i]!.length;
  const buffers: ArrayBuffer[] = [];
  // Not pooled, so its ArrayBuffer is its own and can be transferred; not zero-filled: every byte is written.
  const packed = copyBytes > 0 ? Buffer.allocUnsafeSlow(copyBytes) : undefined;
  if (packed !== undefined) buffers.push(packed.buffer as ArrayBuffer);
  const spans = new Float64Array(3 * records.length);
  let at = 0;
  let last: ArrayBufferLike | undefined;
  let lastIndex = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ab = r.buffer;
    if (packed !== undefined && ab === cb) {
      packed.set(r, at);
      spans[3 * i] = 0;
      spans[3 * i + 1] = at;
      at += r.length;
    } else {
      if (ab !== last) {
        last = ab;
        lastIndex = buffers.indexOf(ab as ArrayBuffer);
        if (lastIndex < 0) lastIndex = buffers.push(ab as ArrayBuffer) - 1;
      }
      spans[3 * i] = lastIndex;
      spans[3 * i + 1] = r.byteOffset;
    }
    spans[3 * i + 2] = r.length;
  }
  return { t: 'batch', buffers, spans };
}

/** Reads one file; its last message is 'end', 'error' or (told to stop) 'stopped', sent after the file is closed. */
async function run(job: ReadJob): Promise<void> {
  const bytes = fileBytes(job.path, { compression: job.compression, chunkBytes: job.chunkBytes });
  const out: Uint8Array[] = [];
  let last: WorkerMessage = { t: 'stopped' };
  try {
    const decoder = new RecordChunkDecoder(job.reader);
    for (;;) {
      if (stopping) return;
      const r = await bytes.next();
      if (r.done === true) {
        const err = decoder.end();
        if (!stopping) last = err === undefined ? { t: 'end' } : { t: 'error', error: serialiseError(err) };
        return;
      }
      const err = decoder.push(r.value, out);
      if (out.length > 0) {
        while (credits === 0 && !stopping) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        if (stopping) return;
        credits--;
        const m = batch(out, r.value);
        out.length = 0;
        post(m, [...m.buffers, m.spans.buffer as ArrayBuffer]);
      }
      if (err !== undefined) {
        last = { t: 'error', error: serialiseError(err) };
        return;
      }
    }
  } catch (e) {
    if (!stopping) last = { t: 'error', error: serialiseError(e) };
  } finally {
    await bytes.return(undefined).catch(() => undefined);
    post(last);
  }
}
