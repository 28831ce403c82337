/**
 * In-memory records with the checksums verified on a worker thread: the
 * worker walks a shared copy of the stream with the checksums on (the one
 * portable reader), while this thread frames the same bytes with them off
 * and decodes, handing out a record only once the worker has verified it.
 * The CRCs were 40-50 % of framing and decoding on one thread.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { TFRecordError } from '../../errors.js';
import { decodeRecords } from '../../framing/decode.js';
import { resolveReaderOptions } from '../../framing/options.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { deserialiseError } from './protocol.js';
import type { SerialError } from './protocol.js';
import { EPOCH, FAILED, PROGRESS, RUNNING, STATE, STOP, WORDS } from './verify-words.js';

/** The worker's script, next to this module (a bundle keeps this module's own URL, see the CLI's bundle.mjs). */
const SCRIPT = new URL('./verify-worker.js', import.meta.url);

/** A worker that has not moved for this long has died (it reports every 256 KiB verified): 60 s. */
const STALL_MS = 60_000;

/** Largest stream the shared progress word (int32) can count: 2 GiB - 1. */
const MAX_BYTES = 0x7fff_ffff;

/**
 * The records of the whole in-memory TFRecord stream `buf`, exactly as
 * `decodeRecords(buf, options)` gives them (zero-copy views into `buf`, the
 * same errors after the same records), with the checksums verified on a
 * worker thread: this thread only frames, and whatever the loop does with a
 * record (decoding) overlaps with the verifying. A record is handed out only
 * after the worker has verified it; while the worker is behind, this thread
 * waits (Atomics.wait, blocking). Unless `buf` lies in a SharedArrayBuffer,
 * the worker gets a shared copy (one memcpy, about 0.1 ms per MB). Starting the
 * worker takes tens of milliseconds, so this pays for buffers of about
 * 100 MB and more, on a machine with a core to spare (bench/tfrecord.mjs).
 * With `verifyChecksums: false`, or a buffer of 2 GiB or more, it is
 * `decodeRecords` on this thread. Breaking the loop stops the worker.
 */
export function decodeRecordsParallel(
  buf: Uint8Array,
  options?: RecordReaderOptions,
): Generator<Uint8Array, void, undefined> {
  const o = resolveReaderOptions(options);
  if (!o.verifyChecksums || buf.length > MAX_BYTES || buf.length === 0) return decodeRecords(buf, o);
  return verified(buf, o.maxRecordBytes);
}

function* verified(buf: Uint8Array, maxRecordBytes: number): Generator<Uint8Array, void, undefined> {
  let bytes: SharedArrayBuffer;
  let byteOffset: number;
  if (buf.buffer instanceof SharedArrayBuffer) {
    bytes = buf.buffer;
    byteOffset = buf.byteOffset;
  } else {
    bytes = new SharedArrayBuffer(buf.length);
    new Uint8Array(bytes).set(buf);
    byteOffset = 0;
  }
  const ctrl = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(SCRIPT, {
    workerData: {
      bytes,
      byteOffset,
      length: buf.length,
      ctrl: ctrl.buffer,
      port: port2,
      reader: { verifyChecksums: true, maxRecordBytes },
    },
    transferList: [port2],
  });
  // It must never keep the process alive: this thread waits on it synchronously, or not at all.
  worker.unref();
  // A crash shows here as no progress (its events cannot reach this blocked thread); the
  // listener only keeps it from being an unhandled 'error' event later.
  worker.on('error', () => undefined);
  const base = buf.byteOffset;
  let failed: { e: unknown } | undefined;
  /** The worker's error, once it has failed: the one decodeRecords with checksums would throw. */
  const failure = (): unknown => {
    if (failed === undefined) {
      const m = receiveMessageOnPort(port1);
      failed = {
        e:
          m === undefined
            ? new TFRecordError('IO', 'the verify worker failed without saying why')
            : deserialiseError(m.message as SerialError),
      };
    }
    return failed.e;
  };
  /** Waits until the worker has verified the stream up to byte `end`, or has ended; true if verified. */
  const until = (end: number): boolean => {
    for (;;) {
      const epoch = Atomics.load(ctrl, EPOCH);
      if (Atomics.load(ctrl, PROGRESS) >= end) return true;
      const state = Atomics.load(ctrl, STATE);
      if (state === FAILED) throw failure();
      if (state !== RUNNING) return false;
      // Woken by the worker's next bump (every 256 KiB verified, and at its end). Its 'error'
      // and 'exit' events cannot reach this blocked thread, hence the bound on the wait.
      if (Atomics.wait(ctrl, EPOCH, epoch, STALL_MS) === 'timed-out') {
        throw new TFRecordError('IO', `the verify worker made no progress for ${STALL_MS / 1000} s`);
      }
    }
  };
  const framed = decodeRecords(buf, { verifyChecksums: false, maxRecordBytes });
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array, void>;
      try {
        r = framed.next();
      } catch (e) {
        // A framing error: with checksums on, the worker meets the same record, or an earlier
        // bad checksum, first, and its error is the one decodeRecords would throw.
        until(Number.MAX_SAFE_INTEGER);
        throw e;
      }
      if (r.done === true) return;
      const record = r.value;
      if (!until(record.byteOffset - base + record.length + 4)) {
        // The same bytes framed the same way cannot end earlier there: never hand out an unchecked record.
        throw new TFRecordError('IO', 'the verify worker ended before the end of the stream');
      }
      yield record;
    }
  } finally {
    Atomics.store(ctrl, STOP, 1);
    port1.close();
    void worker.terminate();
  }
}
