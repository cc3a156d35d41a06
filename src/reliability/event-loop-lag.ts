/**
 * Event-loop lag, measured by our own drift probe and judged over a sustained window.
 *
 * The probe is a self-rescheduling timer: each tick records how late it fired (actual minus
 * scheduled time). Why not `monitorEventLoopDelay` (what the first version used): its histogram
 * is read on a timer of its own, so under a hogged loop the reading arrives as late as the
 * work it measures, and one window's max cannot tell a single long stall (a big checkpoint, a
 * GC pause) from a loop that stays behind. Shedding on one stall would refuse traffic exactly
 * when the loop has just caught up.
 *
 * The rule (`SustainedLagDetector`): a sample later than `maxDelayMs` is late. Late samples form
 * a run as long as the loop was on time for at most `recoveryMs` between them (a hogged loop still
 * lets the odd tick through on time; that must not reset the evidence). The loop is lagging
 * while the run spans at least `sustainedMs`, from the first late sample's arrival to the
 * latest one's. One stall gives a single late sample, so it never sheds however long it was;
 * a loop hogged by back-to-back work gives late sample after late sample and sheds once the
 * run is long enough. After `recoveryMs` without a late sample the run is over.
 * The detector is pure (samples and times are passed in), so it is unit-tested with fixed data.
 */
import { performance } from 'node:perf_hooks';

export interface SustainedLagOptions {
  /** Lateness above which a sample counts as lagging. */
  maxDelayMs: number;
  /** How long a run of lagging samples must last before the loop counts as lagging (0: one sample). */
  sustainedMs: number;
  /** A run ends once the loop has been on time this long; default `maxDelayMs`. */
  recoveryMs?: number;
}

/** The decision: is the event loop behind, persistently? Fed by a probe (or by a test). */
export class SustainedLagDetector {
  private runStartMs: number | undefined;
  private runLastMs = 0;
  private lastDelayMs = 0;
  private readonly recoveryMs: number;

  constructor(private readonly options: SustainedLagOptions) {
    this.recoveryMs = options.recoveryMs ?? options.maxDelayMs;
  }

  /** One probe sample: the tick fired `delayMs` late, observed at time `atMs` (any monotonic clock). */
  record(delayMs: number, atMs: number): void {
    this.lastDelayMs = delayMs;
    // The loop was on time from the previous late sample until this tick became due (its own
    // lateness is time the loop was busy, not a pause in the lag).
    const runOver = this.runStartMs !== undefined && atMs - Math.max(0, delayMs) - this.runLastMs > this.recoveryMs;
    if (delayMs > this.options.maxDelayMs) {
      if (this.runStartMs === undefined || runOver) this.runStartMs = atMs;
      this.runLastMs = atMs;
    } else if (runOver) {
      this.runStartMs = undefined;
    }
  }

  /** True while the current run of late samples has lasted `sustainedMs` or more. */
  get lagging(): boolean {
    return this.runStartMs !== undefined && this.runLastMs - this.runStartMs >= this.options.sustainedMs;
  }

  /** Lateness of the latest sample, for messages and health output. */
  get lastDelayMilliseconds(): number {
    return this.lastDelayMs;
  }

  /** Milliseconds the current run of late samples has lasted (0 when none). */
  get runMilliseconds(): number {
    return this.runStartMs === undefined ? 0 : this.runLastMs - this.runStartMs;
  }

  get maxDelayMs(): number {
    return this.options.maxDelayMs;
  }

  get sustainedMs(): number {
    return this.options.sustainedMs;
  }
}

/** A timer that fires every `intervalMs` and reports how late each tick was. Unref'd: never keeps the process alive. */
export class EventLoopDriftProbe {
  private timer: NodeJS.Timeout | undefined;
  private expectedAt = 0;

  constructor(
    private readonly detector: SustainedLagDetector,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.expectedAt = this.now() + this.intervalMs;
    this.timer = setTimeout(() => {
      const at = this.now();
      this.detector.record(Math.max(0, at - this.expectedAt), at);
      this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }
}
