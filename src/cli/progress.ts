/**
 * Progress on stderr for long commands (import, export): a redrawn bar with rate and ETA on a
 * terminal; plain periodic lines when stderr is a file or pipe (logs and CI stay readable).
 */

export interface ProgressOptions {
  /** `import` or `export`: starts every line. */
  label: string;
  /** What is counted: `points`. */
  unit: string;
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Seconds between plain lines when not a terminal. */
  plainIntervalSeconds?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * @example
 *   const progress = new Progress({ label: 'import', unit: 'points', stream: process.stderr });
 *   progress.update(500, 0.1);   // 500 points done, 10 % of the input consumed
 *   progress.finish(5000);
 */
export class Progress {
  private readonly startMs: number;
  private lastDrawMs = -Infinity;
  private readonly tty: boolean;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.startMs = this.now();
    this.tty = options.stream.isTTY === true;
    // Plain lines start one interval in, so a short run prints only its summary.
    if (!this.tty) this.lastDrawMs = this.startMs;
  }

  /** `done` units so far; `fraction` (0..1) of the whole, when known, gives the percentage and ETA. */
  update(done: number, fraction?: number): void {
    const now = this.now();
    const interval = this.tty ? REDRAW_MS : (this.options.plainIntervalSeconds ?? 5) * 1000;
    if (now - this.lastDrawMs < interval) return;
    this.lastDrawMs = now;
    const seconds = (now - this.startMs) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const f = fraction === undefined ? undefined : Math.min(1, Math.max(0, fraction));
    const eta = f !== undefined && f > 0 ? formatDuration((seconds * (1 - f)) / f) : '?';
    const { label, unit } = this.options;
    if (this.tty) {
      const filled = f === undefined ? 0 : Math.round(f * BAR_WIDTH);
      const bar = f === undefined ? '' : `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(f * 100).toFixed(1).padStart(5)}%  `;
      const line = `${label} ${bar}${formatCount(done)} ${unit}  ${formatCount(rate)} ${unit}/s  ETA ${eta}`;
      this.options.stream.write(`\r\x1b[K${line.slice(0, (this.options.stream.columns ?? 120) - 1)}`);
    } else {
      const percent = f === undefined ? '' : ` (${(f * 100).toFixed(1)}%)`;
      this.options.stream.write(`${label}: ${formatCount(done)} ${unit}${percent}, ${formatCount(rate)} ${unit}/s, ETA ${eta}\n`);
    }
  }

  /** Ends the bar and prints the total, elapsed time and mean rate. */
  finish(done: number): void {
    const seconds = (this.now() - this.startMs) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const summary = `${this.options.label}: ${formatCount(done)} ${this.options.unit} in ${seconds.toFixed(1)} s (${formatCount(rate)} ${this.options.unit}/s)`;
    this.options.stream.write(this.tty ? `\r\x1b[K${summary}\n` : `${summary}\n`);
  }
}
