/**
 * Load shedding: when too many requests are in flight, new ones are refused at once with a
 * retryable 503 and Retry-After, instead of queueing until every one of them times out.
 * Health probes are never shed (the caller exempts them).
 *
 * Written here rather than with @fastify/under-pressure: that plugin has no in-flight limit,
 * and this layer must not import Fastify (ARCHITECTURE.md: only server/ does). Shedding on
 * event-loop delay is issue #6's next step: a first version built on monitorEventLoopDelay
 * sampled too coarsely under a hogged loop to be reliable, so it was left out.
 */
import { RvError } from '../errors.js';

export interface LoadSheddingOptions {
  /** Requests admitted at once; default 1024. */
  maxInFlight?: number;
  /** Sent as Retry-After; default 1 s. */
  retryAfterSeconds?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 1024;

export class LoadShedder {
  private readonly maxInFlight: number;
  private readonly retryAfterSeconds: number;
  private current = 0;

  constructor(options: LoadSheddingOptions = {}) {
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    if (!(this.maxInFlight >= 0) || !(this.retryAfterSeconds > 0)) throw new RvError('RV_INVALID_ARGUMENT', 'load shedding limits must be positive');
  }

  get inFlight(): number {
    return this.current;
  }

  /** Admits a request (call release() when it ends) or throws a retryable RV_OVERLOADED. */
  admit(): void {
    if (this.current >= this.maxInFlight) {
      throw new RvError('RV_OVERLOADED', `Service unavailable: ${this.current} requests in flight, at the limit of ${this.maxInFlight}; retry after ${this.retryAfterSeconds} s`, {
        details: { retryAfterSeconds: this.retryAfterSeconds },
      });
    }
    this.current++;
  }

  release(): void {
    if (this.current > 0) this.current--;
  }
}
