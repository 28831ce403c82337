/**
 * A progress bar on stderr with rate and ETA. On a terminal it redraws one
 * line at most every 100 ms. Otherwise (a log file, a batch scheduler's log,
 * a pipe) it writes a plain line, without the bar or control characters, once
 * every 5 s, and a last line at the end only if it wrote any: a command that
 * ends within 5 s leaves the log as clean as before, a long one shows it is
 * alive. Unknown totals show a running count and rate.
 */
import { formatBytes, formatCount, formatDuration } from './format.js';
import type { Output } from './io.js';

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Label before the bar, e.g. `convert`. */
  label?: string;
  /** Total units, if known (enables the bar, percentage and ETA). */
  total?: number;
  /** Unit: `bytes` (shown as kB/MB, rate as MB/s) or a noun like `records`; default `bytes`. */
  unit?: string;
  /** Clock in milliseconds; default `performance.now`. */
  now?: () => number;
  /** Minimum time between redraws in milliseconds; default 100. */
  intervalMs?: number;
  /** Draw even when the output is not a TTY (for tests); default false. */
  force?: boolean;
  /** When the output is not a TTY: milliseconds between plain progress lines; default 5000. */
  lineIntervalMs?: number;
}

/** A progress bar; call {@link Progress.update} or {@link Progress.add}, then {@link Progress.done}. */
export class Progress {
  private readonly out: Output;
  private readonly label: string;
  private readonly unit: string;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly enabled: boolean;
  private readonly lineIntervalMs: number;
  private linesWritten = false;
  private readonly start: number;
  private total: number | undefined;
  private value = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private finished = false;

  constructor(out: Output, options: ProgressOptions = {}) {
    this.out = out;
    this.label = options.label ?? '';
    this.unit = options.unit ?? 'bytes';
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 100;
    this.enabled = options.force === true || out.isTTY;
    this.lineIntervalMs = options.lineIntervalMs ?? 5000;
    this.total = options.total;
    this.start = this.now();
    this.lastDraw = this.enabled ? Number.NEGATIVE_INFINITY : this.start;
  }

  /** Sets or changes the total (e.g. once a size becomes known). */
  setTotal(total: number | undefined): void {
    this.total = total;
  }

  /** Sets the amount done so far. */
  update(value: number): void {
    this.value = value;
    this.maybeDraw();
  }

  /** Adds `n` to the amount done. */
  add(n: number): void {
    this.value += n;
    this.maybeDraw();
  }

  /** Draws the final state and ends the line (only if anything was drawn). */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.enabled) {
      if (this.linesWritten) this.safeWrite(`${this.render(false)}\n`);
      return;
    }
    this.draw();
    this.safeWrite('\n');
  }

  /** Erases the bar without a final line (e.g. before printing an error). */
  clear(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.enabled && this.drawn) this.safeWrite('\r\x1b[K');
  }

  /** The line as it would be drawn now (without control characters); `bar` false leaves out the bar. */
  render(bar = true): string {
    const elapsed = Math.max(1e-9, (this.now() - this.start) / 1000);
    const rate = this.value / elapsed;
    const fmt = (n: number): string => (this.unit === 'bytes' ? formatBytes(n) : formatCount(Math.round(n)));
    const rateText =
      this.unit === 'bytes' ? `${formatBytes(rate)}/s` : `${formatCount(Math.round(rate))} ${this.unit}/s`;
    const label = this.label === '' ? '' : `${this.label} `;
    if (this.total === undefined || this.total <= 0) {
      const noun = this.unit === 'bytes' ? '' : ` ${this.unit}`;
      return `${label}${fmt(this.value)}${noun}  ${rateText}  ${formatDuration(elapsed)}`;
    }
    const fraction = Math.min(1, this.value / this.total);
    const eta = rate > 0 ? (this.total - this.value) / rate : Number.NaN;
    const stats = ` ${(fraction * 100).toFixed(0).padStart(3)}%  ${fmt(this.value)}/${fmt(this.total)}  ${rateText}  ETA ${formatDuration(this.finished ? 0 : eta)}`;
    if (!bar) return `${label.trimEnd()}${stats.replace(/^ +/, ' ')}`;
    const width = Math.max(10, Math.min(40, this.out.columns - label.length - stats.length - 3));
    const filled = Math.round(fraction * width);
    return `${label}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${stats}`;
  }

  private maybeDraw(): void {
    if (this.finished) return;
    const t = this.now();
    if (t - this.lastDraw < (this.enabled ? this.intervalMs : this.lineIntervalMs)) return;
    this.lastDraw = t;
    if (this.enabled) this.draw();
    else {
      this.linesWritten = true;
      this.safeWrite(`${this.render(false)}\n`);
    }
  }

  private draw(): void {
    this.drawn = true;
    this.safeWrite(`\r${this.render()}\x1b[K`);
  }

  private safeWrite(text: string): void {
    try {
      const p = this.out.write(text);
      if (p !== undefined) p.catch(() => undefined);
    } catch {
      // A closed stderr must not break the work being reported on.
    }
  }
}

/**
 * The weights download's bar for the style commands: created on the first byte
 * (most runs find the weights and never draw it), finished by {@link done}.
 */
export class DownloadProgress {
  private bar: Progress | undefined;

  constructor(
    private readonly out: Output,
    private readonly now?: () => number,
  ) {}

  /** Pass as resolveWeights' `onProgress` (bytes received, total bytes if known). */
  readonly onProgress = (received: number, total: number | undefined): void => {
    this.bar ??= new Progress(this.out, {
      label: 'downloading VGG-19 weights',
      unit: 'bytes',
      ...(this.now === undefined ? {} : { now: this.now }),
    });
    this.bar.setTotal(total);
    this.bar.update(received);
  };

  /** Ends the bar's line, if one was drawn. */
  done(): void {
    this.bar?.done();
    this.bar = undefined;
  }

  /** Erases the bar (before an error message). */
  clear(): void {
    this.bar?.clear();
    this.bar = undefined;
  }
}
