/**
 * The verify worker's entry: walks a shared in-memory TFRecord stream with
 * the one portable reader (decodeRecords, checksums on) and publishes how
 * far it has verified, so the main thread, framing the same bytes without
 * checksums, hands out only records the worker has checked. See verify.ts
 * for the shared words.
 */
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import { decodeRecords } from '../../framing/decode.js';
import type { RecordReaderOptions } from '../../framing/options.js';
import { serialiseError } from './protocol.js';
import { EPOCH, FAILED, OK, PROGRESS, STATE, STOP } from './verify-words.js';

const data = workerData as {
  bytes: SharedArrayBuffer;
  byteOffset: number;
  length: number;
  ctrl: SharedArrayBuffer;
  port: MessagePort;
  reader: RecordReaderOptions;
};
const ctrl = new Int32Array(data.ctrl);
const buf = new Uint8Array(data.bytes, data.byteOffset, data.length);
/** Bytes verified between wake-ups of a waiting main thread: 256 KiB. */
const NOTIFY_BYTES = 256 * 1024;

function wake(): void {
  Atomics.add(ctrl, EPOCH, 1);
  Atomics.notify(ctrl, EPOCH);
}

let end = 0;
let notified = 0;
try {
  for (const r of decodeRecords(buf, data.reader)) {
    end = r.byteOffset - data.byteOffset + r.length + 4;
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
  data.port.postMessage(serialiseError(e));
  Atomics.store(ctrl, STATE, FAILED);
} finally {
  data.port.close();
  wake();
}
