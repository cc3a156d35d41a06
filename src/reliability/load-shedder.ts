/**
 * Load shedding: when too many requests are in flight, or the event loop has lagged for a
 * sustained window (event-loop-lag.ts), new requests are refused at once with a retryable 503
 * and Retry-After, instead of queueing until every one of them times out. Health probes are
 * never shed (the caller exempts them).
 *
 * Written here rather than with @fastify/under-pressure: that plugin has no in-flight limit,
 * sheds on a single window's max delay (one stall would shed), and this layer must not import
 * Fastify (ARCHITECTURE.md: only server/ does).
 */
import { RvError } from '../errors.js';
import { EventLoopDriftProbe, SustainedLagDetector } from './event-loop-lag.js';

export interface LoadSheddingOptions {
  /** Requests admitted at once; default 1024. */
  maxInFlight?: number;
  /** Sent as Retry-After; default 1 s. */
  retryAfterSeconds?: number;
  /**
   * Probe lateness that counts as lagging. Event-loop shedding is on only when this is given:
   * the server's config always gives it (`reliability.max_event_loop_delay_ms`, default 500 ms);
   * embedders and tests that build a server without it get the in-flight limit only, so a
   * CPU-starved test machine never sheds their requests.
   */
  maxEventLoopDelayMs?: number;
  /** How long the loop must lag, sample after sample, before shedding; default 3000 ms. */
  eventLoopSustainedMs?: number;
  /** Period of the drift probe; default 100 ms. */
  eventLoopProbeIntervalMs?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 1024;
export const DEFAULT_MAX_EVENT_LOOP_DELAY_MS = 500;
export const DEFAULT_EVENT_LOOP_SUSTAINED_MS = 3000;
export const DEFAULT_EVENT_LOOP_PROBE_INTERVAL_MS = 100;

export class LoadShedder {
  private readonly maxInFlight: number;
  private readonly retryAfterSeconds: number;
  private readonly lag: SustainedLagDetector | undefined;
  private readonly probe: EventLoopDriftProbe | undefined;
  private current = 0;

  constructor(options: LoadSheddingOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    const maxDelayMs = options.maxEventLoopDelayMs ?? DEFAULT_MAX_EVENT_LOOP_DELAY_MS;
    const sustainedMs = options.eventLoopSustainedMs ?? DEFAULT_EVENT_LOOP_SUSTAINED_MS;
    const probeIntervalMs = options.eventLoopProbeIntervalMs ?? DEFAULT_EVENT_LOOP_PROBE_INTERVAL_MS;
    if (!(this.maxInFlight >= 0) || !(this.retryAfterSeconds > 0) || !(maxDelayMs > 0) || !(sustainedMs >= 0) || !(probeIntervalMs > 0)) {
      throw new RvError('RV_INVALID_ARGUMENT', 'load shedding limits must be positive');
    }
    if (options.maxEventLoopDelayMs !== undefined) {
      this.lag = new SustainedLagDetector({ maxDelayMs, sustainedMs });
      this.probe = new EventLoopDriftProbe(this.lag, probeIntervalMs);
      this.probe.start();
    }
  }

  get inFlight(): number {
    return this.current;
  }

  /** True while the event loop has lagged for the sustained window. */
  get eventLoopLagging(): boolean {
    return this.lag?.lagging ?? false;
  }

  /** Admits a request (call release() when it ends) or throws a retryable RV_OVERLOADED. */
  admit(): void {
    const details = { retryAfterSeconds: this.retryAfterSeconds };
    if (this.current >= this.maxInFlight) {
      throw new RvError('RV_OVERLOADED', `Service unavailable: ${this.current} requests in flight, at the limit of ${this.maxInFlight}; retry after ${this.retryAfterSeconds} s`, { details });
    }
    if (this.lag?.lagging === true) {
      throw new RvError('RV_OVERLOADED', `Service unavailable: the event loop has lagged over ${this.lag.maxDelayMs} ms for ${Math.round(this.lag.runMilliseconds)} ms (latest ${Math.round(this.lag.lastDelayMilliseconds)} ms); retry after ${this.retryAfterSeconds} s`, { details });
    }
    this.current++;
  }

  release(): void {
    if (this.current > 0) this.current--;
  }

  /** Stops the drift probe (the server's onClose). */
  stop(): void {
    this.probe?.stop();
  }
}
