/**
 * Resilience policies for every outbound dependency (JWKS fetch, secrets provider, backup
 * targets, later the cluster), built with cockatiel rather than by hand: per attempt a timeout,
 * around it a circuit breaker, around that retries with exponential backoff and jitter
 * (cockatiel's decorrelated-jitter generator, so clients that failed together do not retry in
 * lock-step).
 *
 *   retry(backoff + jitter) → circuit breaker (consecutive failures) → timeout (per attempt) → call
 *
 * Only failures that may pass are retried and counted by the breaker: an RvError that is not
 * retryable (a 404 from a target, a malformed JWKS) is the dependency answering, not failing.
 * Failures reach the caller as RvErrors: an open breaker is RV_DEPENDENCY_UNAVAILABLE (with
 * Retry-After = the time until the breaker half-opens), a timed-out last attempt
 * RV_DEPENDENCY_TIMEOUT; other errors pass through unchanged, with their own code.
 *
 * Breaker state goes to the gauge `ruvector_circuit_breaker_state{name}` (observability's
 * OperationalMetrics: 0 closed, 1 half-open, 2 open; an isolated breaker reports open) through
 * `observe()`, and to readiness (`/ready` lists open breakers). An open breaker
 * makes the node unready only when its policy is `critical`: most dependencies are needed by
 * some requests only (a JWKS outage still lets cached keys and API keys through; a backup target
 * outage stops no request at all), and every node shares them, so failing readiness on them
 * would take the whole fleet out of the load balancer at once and turn a partial outage into a
 * total one.
 *
 * @example
 *   const policies = new DependencyPolicies();
 *   policies.observe((name, state) => operationalMetrics.setCircuitBreakerState(name, state));
 *   const jwks = policies.create({ name: 'jwks', timeoutMs: 3000 });
 *   const keys = await jwks.execute((signal) => fetch(url, { signal }).then((r) => r.json()));
 */
import {
  CircuitState, ConsecutiveBreaker, ExponentialBackoff, TaskCancelledError, TimeoutStrategy, circuitBreaker, handleWhen,
  isBrokenCircuitError, retry, timeout, wrap, type CircuitBreakerPolicy, type IPolicy,
} from 'cockatiel';
import { RvError, isRvError } from '../errors.js';

/** A breaker's state; `isolated` (held open by hand) is reported to listeners as `open`. */
export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

/** What listeners (the metric gauge) see. */
export type ReportedBreakerState = 'closed' | 'half_open' | 'open';

/** Called on every breaker state change. */
export type BreakerListener = (name: string, state: ReportedBreakerState) => void;

export interface DependencyPolicyOptions {
  /** Label in metrics and readiness, e.g. `jwks`, `secrets:vault`, `backup:s3://bucket/prefix`. */
  name: string;
  /** Time limit of one attempt; default 5000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 2 (0: no retry). */
  retries?: number;
  /** First backoff delay; default 100 ms (then exponential with jitter). */
  initialDelayMs?: number;
  /** Largest backoff delay; default 5000 ms. */
  maxDelayMs?: number;
  /** Consecutive failed attempts that open the breaker; default 5. */
  breakAfterFailures?: number;
  /** Open → half-open (one trial call) after this long; default 10000 ms. */
  halfOpenAfterMs?: number;
  /** An open breaker makes /readyz fail (see the header for why this is off by default). */
  critical?: boolean;
  /** Which errors are failures of the dependency (retried, counted); default: see isTransientFailure. */
  isFailure?: (error: Error) => boolean;
}

/** Default failure test: a retryable RvError, or any non-RvError (network errors, fetch failures). */
export function isTransientFailure(error: Error): boolean {
  return isRvError(error) ? error.retryable : true;
}

export interface BreakerStatus {
  name: string;
  state: BreakerState;
  critical: boolean;
  /** Message of the failure that opened it, when open. */
  lastFailure?: string;
}

/** One dependency's policy; share one instance for all calls to that dependency. */
export interface DependencyPolicy {
  readonly name: string;
  readonly state: BreakerState;
  /** Runs `call` under the policy; `call` receives a signal that aborts when its attempt times out or `signal` aborts. */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

function stateOf(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed: return 'closed';
    case CircuitState.Open: return 'open';
    case CircuitState.HalfOpen: return 'half_open';
    default: return 'isolated';
  }
}

/** The registry of dependency policies of one process: creates them and reports their breakers. */
export class DependencyPolicies {
  private readonly entries = new Map<string, { breaker: CircuitBreakerPolicy; critical: boolean; policy: DependencyPolicy }>();
  private readonly listeners: BreakerListener[] = [];

  /**
   * Adds a listener of breaker state changes; it is told every existing breaker's state at
   * once, so it may be attached after policies were created (the metrics come with the server).
   */
  observe(listener: BreakerListener): void {
    this.listeners.push(listener);
    for (const [name, { breaker }] of this.entries) callSafely(listener, name, reported(stateOf(breaker.state)));
  }

  /** Creates the policy for a dependency; a second call with the same name returns the first one. */
  create(options: DependencyPolicyOptions): DependencyPolicy {
    const existing = this.entries.get(options.name);
    if (existing !== undefined) return existing.policy;
    const isFailure = options.isFailure ?? isTransientFailure;
    // Timeouts of an attempt are failures too; an open breaker is not (retrying it is pointless).
    const failures = handleWhen((error) => !isBrokenCircuitError(error) && (isTaskCancelledError(error) || isFailure(error)));
    const halfOpenAfterMs = options.halfOpenAfterMs ?? 10000;
    const breaker = circuitBreaker(failures, { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.breakAfterFailures ?? 5) });
    const retries = retry(failures, {
      maxAttempts: options.retries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 100, maxDelay: options.maxDelayMs ?? 5000 }),
    });
    const perAttempt = timeout(options.timeoutMs ?? 5000, TimeoutStrategy.Aggressive);
    const combined: IPolicy = wrap(retries, breaker, perAttempt);
    const name = options.name;
    const notify = (): void => {
      for (const listener of this.listeners) callSafely(listener, name, reported(stateOf(breaker.state)));
    };
    breaker.onStateChange(notify);
    const policy: DependencyPolicy = {
      name,
      get state() { return stateOf(breaker.state); },
      execute: async <T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> => {
        try {
          return await combined.execute(({ signal: attemptSignal }) => call(attemptSignal), signal) as T;
        } catch (error) {
          throw translate(error, name, halfOpenAfterMs, options.timeoutMs ?? 5000);
        }
      },
    };
    this.entries.set(name, { breaker, critical: options.critical === true, policy });
    notify();
    return policy;
  }

  /** Every breaker's state, by name. */
  statuses(): BreakerStatus[] {
    return [...this.entries.entries()].map(([name, { breaker, critical }]) => {
      const state = stateOf(breaker.state);
      const failure = breaker.lastFailure;
      const lastFailure = state === 'closed' || failure === undefined ? undefined
        : 'error' in failure ? failure.error.message : 'isolated';
      return { name, state, critical, ...(lastFailure === undefined ? {} : { lastFailure }) };
    });
  }

  /** Breakers that are not closed (open, half-open or isolated). */
  unhealthy(): BreakerStatus[] {
    return this.statuses().filter((status) => status.state !== 'closed');
  }

  /** False when a critical dependency's breaker is open (readiness). */
  get ready(): boolean {
    return !this.statuses().some((status) => status.critical && (status.state === 'open' || status.state === 'isolated'));
  }
}

/**
 * cockatiel 3.2's own `isTaskCancelledError` tests for the wrong marker property
 * (`isBulkheadRejectedError`), so it never matches a timeout: test the class instead.
 */
function isTaskCancelledError(error: unknown): error is TaskCancelledError {
  return error instanceof TaskCancelledError;
}

/** A listener (the metrics gauge) that throws must never break the call it observes. */
function callSafely(listener: BreakerListener, name: string, state: ReportedBreakerState): void {
  try {
    listener(name, state);
  } catch {
    // The metric is lost for this change; the policy goes on.
  }
}

function reported(state: BreakerState): ReportedBreakerState {
  return state === 'isolated' ? 'open' : state;
}

function translate(error: unknown, name: string, halfOpenAfterMs: number, timeoutMs: number): unknown {
  if (isBrokenCircuitError(error)) {
    const retryAfterSeconds = Math.max(1, Math.ceil(halfOpenAfterMs / 1000));
    return new RvError('RV_DEPENDENCY_UNAVAILABLE', `dependency "${name}" is failing and its circuit breaker is open; retry after ${retryAfterSeconds} s`, {
      cause: error, details: { dependency: name, retryAfterSeconds },
    });
  }
  if (isTaskCancelledError(error)) {
    return new RvError('RV_DEPENDENCY_TIMEOUT', `dependency "${name}" did not answer within ${timeoutMs} ms`, { cause: error, details: { dependency: name, timeoutMs } });
  }
  return error;
}
