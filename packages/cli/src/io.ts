/**
 * Output for commands: buffered text writers over Node streams (with
 * backpressure and EPIPE handling) or in memory (for tests), and the
 * {@link Context} every command receives.
 */
import { OutputClosedError } from './errors.js';

/** Where a command writes: stdout or stderr. */
export interface Output {
  /**
   * Queues `chunk`. Returns a promise when the caller should wait (buffer flushed
   * into a full stream); await it. Throws {@link OutputClosedError} once the reader
   * has gone away.
   */
  write(chunk: string | Uint8Array): void | Promise<void>;
  /** Writes out everything queued and waits for the stream to accept it. */
  flush(): Promise<void>;
  /** True when the output is an interactive terminal (progress bars draw only then). */
  readonly isTTY: boolean;
  /** Terminal width in columns (80 when unknown). */
  readonly columns: number;
}

/** Everything a command may use from its surroundings; tests build their own. */
export interface Context {
  /** Standard output: data (JSON lines, counts). */
  readonly stdout: Output;
  /** Standard error: progress, warnings. Errors are printed by `main`. */
  readonly stderr: Output;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory for relative paths. */
  readonly cwd: string;
  /** Aborted on SIGINT, SIGTERM or SIGHUP; pass it to long operations. */
  readonly signal: AbortSignal;
  /** Standard input, read by the commands that take `-` as a file name. */
  readonly stdin: AsyncIterable<Uint8Array>;
  /** Clock in milliseconds (monotonic where possible); injectable for tests. */
  readonly now: () => number;
}

/** The subset of a Node `Writable` that {@link StreamOutput} uses. */
export interface WritableLike {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  once(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly writableLength?: number;
}

/** Buffer up to this many characters before handing them to the stream (64 Ki). */
const FLUSH_CHARS = 1 << 16;

function isPipeClosed(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/**
 * A buffered writer over a Node stream. Small writes are joined into 64 Ki-char
 * chunks, which matters for `cat` (millions of short lines); when the stream's
 * buffer is full, `write` returns a promise resolved on 'drain'. An EPIPE turns
 * every later write into an {@link OutputClosedError}.
 */
export class StreamOutput implements Output {
  private readonly stream: WritableLike;
  private pending: string[] = [];
  private pendingChars = 0;
  private closedBy: unknown = undefined;
  private closed = false;

  private readonly bufferChars: number;

  /** `bufferChars`: characters to collect before writing through; default 64 Ki, 0 for unbuffered (stderr). */
  constructor(stream: WritableLike, options: { bufferChars?: number } = {}) {
    this.stream = stream;
    this.bufferChars = options.bufferChars ?? FLUSH_CHARS;
    stream.on('error', (e) => {
      // Without a listener an EPIPE would be an uncaught exception.
      this.closed = true;
      this.closedBy = e;
    });
  }

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  get columns(): number {
    const c = this.stream.columns;
    return typeof c === 'number' && c > 0 ? c : 80;
  }

  write(chunk: string | Uint8Array): void | Promise<void> {
    if (this.closed) throw new OutputClosedError(this.closedBy);
    if (typeof chunk !== 'string') {
      const before = this.pending.length > 0 ? this.push(this.takePending()) : undefined;
      return before === undefined ? this.push(chunk) : before.then(() => this.push(chunk));
    }
    this.pending.push(chunk);
    this.pendingChars += chunk.length;
    if (this.pendingChars >= this.bufferChars) return this.push(this.takePending());
    return undefined;
  }

  async flush(): Promise<void> {
    if (this.closed) throw new OutputClosedError(this.closedBy);
    if (this.pendingChars > 0 || this.pending.length > 0) await this.push(this.takePending());
    // Wait until the stream has accepted everything, so an EPIPE is seen here.
    await new Promise<void>((resolve, reject) => {
      try {
        this.stream.write('', (e) => (e ? reject(e) : resolve()));
      } catch (e) {
        reject(e);
      }
    }).catch((e: unknown) => {
      if (isPipeClosed(e) || this.closed) throw new OutputClosedError(e);
      throw e;
    });
  }

  private takePending(): string {
    const s = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    return s;
  }

  private push(chunk: string | Uint8Array): void | Promise<void> {
    let ok: boolean;
    try {
      ok = this.stream.write(chunk);
    } catch (e) {
      if (isPipeClosed(e)) {
        this.closed = true;
        throw new OutputClosedError(e);
      }
      throw e;
    }
    if (ok) return undefined;
    const stream = this.stream;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onError = (e: unknown): void => {
        cleanup();
        this.closed = true;
        this.closedBy = e;
        reject(new OutputClosedError(e));
      };
      const onClose = (): void => onError(this.closedBy ?? new Error('stream closed'));
      const cleanup = (): void => {
        stream.off('drain', onDrain);
        stream.off('error', onError);
        stream.off('close', onClose);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
      stream.once('close', onClose);
    });
  }
}

/** An in-memory output that collects text; for tests and for capturing help. */
export class MemoryOutput implements Output {
  private chunks: string[] = [];
  private readonly decoder = new TextDecoder();
  readonly isTTY: boolean;
  readonly columns: number;

  /** `isTTY` default false, `columns` default 80. */
  constructor(options: { isTTY?: boolean; columns?: number } = {}) {
    this.isTTY = options.isTTY ?? false;
    this.columns = options.columns ?? 80;
  }

  write(chunk: string | Uint8Array): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : this.decoder.decode(chunk));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Everything written so far. */
  text(): string {
    return this.chunks.join('');
  }
}

/** A context over the real process: stdout, stderr, env, cwd, a monotonic clock. */
export function processContext(signal: AbortSignal): Context {
  return {
    stdout: new StreamOutput(process.stdout),
    stderr: new StreamOutput(process.stderr, { bufferChars: 0 }),
    env: process.env,
    cwd: process.cwd(),
    signal,
    stdin: process.stdin,
    now: () => performance.now(),
  };
}
