/**
 * The verify worker's entry: walks a shared in-memory TFRecord stream with
 * the one portable reader (decodeRecords, checksums on) and publishes how
 * far it has verified, so the main thread, framing the same bytes without
 * checksums, hands out only records the worker has checked. See verify.ts
 * for the shared words. One job per message, one after another: the main
 * thread keeps an idle worker for the next buffer.
 */
import type { MessagePort } from 'node:worker_threads';
import { parentPort } from 'node:worker_threads';
import { decodeRecords } from '../../framing/decode.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { serialiseError } from './protocol.js';
import { EPOCH, FAILED, OK, PROGRESS, STATE, STOP } from './verify-words.js';

/** One buffer to verify. */
export interface VerifyJob {
  bytes: SharedArrayBuffer;
  byteOffset: number;
  length: number;
  ctrl: SharedArrayBuffer;
  /** Where the error goes when verifying fails (read by the main thread synchronously). */
  port: MessagePort;
  reader: RecordReaderOptions;
}

/** Bytes verified between wake-ups of a waiting main thread: 256 KiB. */
const NOTIFY_BYTES = 256 * 1024;

function verify(job: VerifyJob): void {
  const ctrl = new Int32Array(job.ctrl);
  const buf = new Uint8Array(job.bytes, job.byteOffset, job.length);
  const wake = (): void => {
    Atomics.add(ctrl, EPOCH, 1);
    Atomics.notify(ctrl, EPOCH);
  };
  let notified = 0;
  try {
    for (const r of decodeRecords(buf, job.reader)) {
      const end = r.byteOffset - job.byteOffset + r.length + 4;
      Atomics.store(ctrl, PROGRESS, end);
      if (end - notified >= NOTIFY_BYTES) {
        notified = end;
        wake();
        if (Atomics.load(ctrl, STOP) !== 0) break;
      }
    }
    Atomics.store(ctrl, STATE, OK);
  } catch (e) {
    // The error travels first, so that the main thread finds it once it sees FAILED.
    job.port.postMessage(serialiseError(e));
    Atomics.store(ctrl, STATE, FAILED);
  } finally {
    job.port.close();
    wake();
  }
}

parentPort?.on('message', verify);
