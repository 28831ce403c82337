/**
 * Multi-member GZIP on any DecompressionStream. Node's reads every member, but
 * Chromium's stops after the first and errors ("Junk found after end of
 * compressed data"), dropping output still queued. So the input is written in
 * pieces split at every `1f 8b 08` (where a member can start), and before such
 * a piece all output so far is read out. If the stream then rejects that piece
 * and the 4 bytes before it equal the member's output size mod 2^32 (gzip's
 * ISIZE trailer), the member ended there: a fresh stream takes the rest.
 */
import { TFRecordError } from '../errors.js';
import { iterateChunks } from '../framing/source.js';
import type { ByteSource } from '../framing/source.js';

/** The readable/writable pair of a (de)compression stream. */
export interface WebTransform {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

type ReadOutcome = { done: true } | { done: false; value: Uint8Array } | { error: unknown };

const EMPTY = new Uint8Array(0);
const WRITTEN: unique symbol = Symbol('written');
const IDLE: unique symbol = Symbol('idle');

function le32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function gzipError(e: unknown): TFRecordError {
  const detail = e instanceof Error ? e.message : String(e);
  return new TFRecordError('COMPRESSION', `invalid or truncated gzip data: ${detail}`, { cause: e });
}

/** One decompression stream and the bookkeeping of the member it is reading. */
class Member {
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  pending: Promise<ReadOutcome> | undefined;
  /** Output bytes so far, mod 2^32 (gzip's ISIZE). */
  size = 0;
  /** Input bytes written so far. */
  written = 0;
  /** The last 4 input bytes written (where the ISIZE trailer would be). */
  readonly tail = new Uint8Array(4);

  constructor(t: WebTransform) {
    this.writer = t.writable.getWriter();
    this.reader = t.readable.getReader();
  }

  next(): Promise<ReadOutcome> {
    this.pending ??= this.reader.read().then(
      (r): ReadOutcome => (r.done ? { done: true } : { done: false, value: r.value }),
      (error: unknown): ReadOutcome => ({ error }),
    );
    return this.pending;
  }

  remember(piece: Uint8Array): void {
    this.written += piece.length;
    if (piece.length >= 4) this.tail.set(piece.subarray(piece.length - 4));
    else {
      this.tail.copyWithin(0, piece.length);
      this.tail.set(piece, 4 - piece.length);
    }
  }

  release(): void {
    this.reader.cancel().catch(() => undefined);
    this.writer.abort().catch(() => undefined);
  }
}

/** Every member of a gzip stream, decompressed with streams made by `factory`. */
export async function* gunzipMembers(
  source: ByteSource,
  factory: () => WebTransform,
): AsyncGenerator<Uint8Array, void, undefined> {
  let m = new Member(factory());
  let finished = false;

  // Writes `piece`, yielding output meanwhile; returns the write's error, if any.
  async function* write(piece: Uint8Array): AsyncGenerator<Uint8Array, unknown, undefined> {
    let error: unknown;
    let failed = false;
    const written: Promise<typeof WRITTEN> = m.writer.write(piece).then(
      () => WRITTEN,
      (e: unknown) => {
        failed = true;
        error = e;
        return WRITTEN;
      },
    );
    for (;;) {
      const r = await Promise.race([m.next(), written]);
      if (r === WRITTEN) break;
      m.pending = undefined;
      if ('error' in r || r.done) {
        await written;
        if (!failed) {
          failed = true;
          error = 'error' in r ? r.error : new Error('decompressor ended early');
        }
        break;
      }
      m.size = (m.size + r.value.length) >>> 0;
      yield r.value;
    }
    if (!failed) m.remember(piece);
    return failed ? (error ?? new Error('write failed')) : undefined;
  }

  // Reads out all output already produced, so an error cannot discard it.
  async function* drain(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const idle = new Promise<typeof IDLE>((resolve) => setTimeout(resolve, 0, IDLE));
      const r = await Promise.race([m.next(), idle]);
      if (r === IDLE || 'error' in r || r.done) return;
      m.pending = undefined;
      m.size = (m.size + r.value.length) >>> 0;
      yield r.value;
    }
  }

  async function* feed(piece: Uint8Array, atMagic: boolean): AsyncGenerator<Uint8Array, void, undefined> {
    if (piece.length === 0) return;
    if (atMagic && m.written >= 18) {
      yield* drain();
      const error = yield* write(piece);
      if (error === undefined) return;
      if (le32(m.tail, 0) !== m.size) throw gzipError(error);
      // The previous member ended exactly here: start a fresh stream.
      m.release();
      m = new Member(factory());
    }
    const error = yield* write(piece);
    if (error !== undefined) throw gzipError(error);
  }

  try {
    let carry = EMPTY;
    for await (const chunk of iterateChunks(source)) {
      let data = chunk;
      if (carry.length > 0) {
        data = new Uint8Array(carry.length + chunk.length);
        data.set(carry);
        data.set(chunk, carry.length);
      }
      // Hold back 2 bytes so a magic number never straddles two pieces.
      const end = Math.max(0, data.length - 2);
      let start = 0;
      for (let q = 1; q < end; q++) {
        if (data[q] === 0x1f && data[q + 1] === 0x8b && data[q + 2] === 0x08) {
          yield* feed(data.subarray(start, q), start === 0 ? isMagic(data, 0) : true);
          start = q;
        }
      }
      yield* feed(data.subarray(start, end), start === 0 ? isMagic(data, 0) : true);
      carry = data.slice(end);
    }
    yield* feed(carry, isMagic(carry, 0));
    const closed = m.writer.close().then(
      () => undefined,
      (e: unknown) => e ?? new Error('close failed'),
    );
    for (;;) {
      const r = await m.next();
      m.pending = undefined;
      if ('error' in r) throw gzipError(r.error);
      if (r.done) break;
      yield r.value;
    }
    const e = await closed;
    if (e !== undefined) throw gzipError(e);
    finished = true;
  } finally {
    if (!finished) m.release();
  }
}

function isMagic(b: Uint8Array, p: number): boolean {
  return b.length >= p + 3 && b[p] === 0x1f && b[p + 1] === 0x8b && b[p + 2] === 0x08;
}

// Two gzip members holding "a" and "b" (from gzip(1), no file name).
const PROBE = Uint8Array.from([
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x04, 0x00, 0x43, 0xbe, 0xb7, 0xe8, 0x01, 0x00,
  0x00, 0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x02, 0x00, 0xf9, 0xef, 0xbe, 0x71,
  0x01, 0x00, 0x00, 0x00,
]);

let probe: Promise<boolean> | undefined;

/**
 * Whether this platform's DecompressionStream('gzip') reads every member
 * (Node 20 does, Chromium does not). Checked once on a 42-byte sample.
 */
export function gzipStreamReadsAllMembers(factory: () => WebTransform): Promise<boolean> {
  probe ??= (async () => {
    try {
      const t = factory();
      const w = t.writable.getWriter();
      const r = t.readable.getReader();
      w.write(PROBE).catch(() => undefined);
      w.close().catch(() => undefined);
      let text = '';
      for (;;) {
        const { done, value } = await r.read();
        if (done) break;
        for (const b of value) text += String.fromCharCode(b);
      }
      return text === 'ab';
    } catch {
      return false;
    }
  })();
  return probe;
}
