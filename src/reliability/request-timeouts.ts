/**
 * Request time limits by class (read 5 s, write 30 s, admin 60 s by default) and Qdrant's
 * per-request `timeout` query parameter, plus the deadline object a request carries.
 *
 * What a deadline can and cannot do: when it expires the client is answered at once with 504
 * RV_TIMEOUT (retryable) and its AbortSignal fires, so work that checks the signal (batch
 * loops between queries, long async steps) stops. Work already inside one synchronous engine
 * call (a single search over an in-memory index) cannot be interrupted from the outside: it
 * finishes, and its answer is the response if it finishes first. A write is never half-applied
 * by a timeout: its operation commits atomically or not at all (engine/shard.ts); after a 504
 * it may still commit, so clients retry with the same point ids (upserts are idempotent).
 */
import { RvError } from '../errors.js';

/** What a route does, for its time limit: decided from its permission (server/request-class.ts). */
export type RequestClass = 'read' | 'write' | 'admin';

export interface RequestTimeoutLimits {
  readMs: number;
  writeMs: number;
  adminMs: number;
  /** Largest `timeout` query parameter honoured, in seconds; larger ones are capped. */
  maxTimeoutSeconds: number;
}

export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeoutLimits = { readMs: 5000, writeMs: 30000, adminMs: 60000, maxTimeoutSeconds: 600 };

/**
 * The time limit of one request: the `timeout` parameter (seconds) when the client sent one,
 * capped at `maxTimeoutSeconds`, else the class default.
 * @example timeLimitMs('read', undefined, DEFAULT_REQUEST_TIMEOUTS) // 5000
 * @example timeLimitMs('write', 3600, DEFAULT_REQUEST_TIMEOUTS)    // 600000 (capped)
 */
export function timeLimitMs(requestClass: RequestClass, timeoutSeconds: number | undefined, limits: RequestTimeoutLimits): number {
  if (timeoutSeconds !== undefined && Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
    return Math.min(timeoutSeconds, limits.maxTimeoutSeconds) * 1000;
  }
  return requestClass === 'read' ? limits.readMs : requestClass === 'write' ? limits.writeMs : limits.adminMs;
}

/** The RV_TIMEOUT error for a request of `requestClass` that passed `limitMs`. */
export function requestTimeoutError(requestClass: RequestClass, limitMs: number): RvError {
  const advice = requestClass === 'read'
    ? 'retry, or narrow the request (smaller limit, batch, or filter)'
    : 'the operation may still be applied: retry it with the same point ids (writes are idempotent by id) or check its effect first';
  return new RvError('RV_TIMEOUT', `Timeout: the ${requestClass} request did not finish within ${limitMs} ms; ${advice}`, {
    details: { requestClass, limitMs },
  });
}

/**
 * A request's deadline: a timer that aborts `signal` when the limit passes.
 * @example
 *   const deadline = new Deadline('read', 5000);
 *   try { return await deadline.race(work(deadline.signal)); } finally { deadline.dispose(); }
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly expiresAt: number;

  constructor(readonly requestClass: RequestClass, readonly limitMs: number, now: number = Date.now()) {
    this.expiresAt = now + limitMs;
    // Not unref'd: a pending race() must settle even when nothing else keeps the process alive.
    this.timer = setTimeout(() => this.controller.abort(requestTimeoutError(requestClass, limitMs)), limitMs);
  }

  /** Aborted (with the RV_TIMEOUT error as its reason) when the deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  /** For loops between units of work: throws RV_TIMEOUT once the deadline has passed. */
  throwIfExpired(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
    if (Date.now() >= this.expiresAt) {
      this.controller.abort(requestTimeoutError(this.requestClass, this.limitMs));
      throw this.controller.signal.reason;
    }
  }

  /**
   * Settles with `work`, or rejects with RV_TIMEOUT when the deadline passes first. The
   * abandoned promise keeps running (it cannot be cancelled from here); its late outcome is
   * swallowed so it cannot surface as an unhandled rejection.
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.controller.signal.aborted) {
      work.catch(() => undefined);
      return Promise.reject(this.controller.signal.reason as Error);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.controller.signal.reason as Error);
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => { this.controller.signal.removeEventListener('abort', onAbort); resolve(value); },
        (error: unknown) => { this.controller.signal.removeEventListener('abort', onAbort); reject(error as Error); },
      );
    });
  }

  /** Stops the timer (the request has ended). */
  dispose(): void {
    clearTimeout(this.timer);
  }
}
