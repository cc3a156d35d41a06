/**
 * Load shedding: when too many requests are in flight, or the event loop lags behind (a sign
 * that work is queueing), new requests are refused at once with a retryable 503 and
 * Retry-After, instead of queueing until every one of them times out. Health probes are
 * never shed (the caller exempts them).
 *
 * Written here rather than with @fastify/under-pressure: that plugin has no in-flight limit,
 * and this layer must not import Fastify (ARCHITECTURE.md: only server/ does).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { RvError } from '../errors.js';

export interface LoadSheddingOptions {
  /** Requests admitted at once; default 1024. */
  maxInFlight?: number;
  /** Event-loop delay (the max over the last sampling window) above which new requests are shed; default 1000 ms. */
  maxEventLoopDelayMs?: number;
  /** Sent as Retry-After; default 1 s. */
  retryAfterSeconds?: number;
  /** Sampling window of the event-loop delay; default 500 ms. */
  sampleIntervalMs?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 1024;
export const DEFAULT_MAX_EVENT_LOOP_DELAY_MS = 1000;

export class LoadShedder {
  private readonly maxInFlight: number;
  private readonly maxDelayMs: number;
  private readonly retryAfterSeconds: number;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private current = 0;
  private recentDelayMs = 0;

  constructor(options: LoadSheddingOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.maxDelayMs = options.maxEventLoopDelayMs ?? DEFAULT_MAX_EVENT_LOOP_DELAY_MS;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    if (!(this.maxInFlight >= 0) || !(this.maxDelayMs > 0)) throw new RvError('RV_INVALID_ARGUMENT', 'load shedding limits must be positive');
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), options.sampleIntervalMs ?? 500);
    this.timer.unref();
  }

  /** Takes the window's worst delay as the current lag, and starts a new window. */
  sample(): void {
    this.recentDelayMs = this.histogram.max / 1e6;
    this.histogram.reset();
  }

  get inFlight(): number {
    return this.current;
  }

  get eventLoopDelayMs(): number {
    return this.recentDelayMs;
  }

  /** Admits a request (call release() when it ends) or throws a retryable RV_OVERLOADED. */
  admit(): void {
    const details = { retryAfterSeconds: this.retryAfterSeconds };
    if (this.current >= this.maxInFlight) {
      throw new RvError('RV_OVERLOADED', `Service unavailable: ${this.current} requests in flight, at the limit of ${this.maxInFlight}; retry after ${this.retryAfterSeconds} s`, { details });
    }
    if (this.recentDelayMs > this.maxDelayMs) {
      throw new RvError('RV_OVERLOADED', `Service unavailable: the event loop lags ${Math.round(this.recentDelayMs)} ms, over the limit of ${this.maxDelayMs} ms; retry after ${this.retryAfterSeconds} s`, { details });
    }
    this.current++;
  }

  release(): void {
    if (this.current > 0) this.current--;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
