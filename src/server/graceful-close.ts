/**
 * Graceful close of the HTTP side, in the order load balancers need:
 *
 *   readiness 503 (state `draining`) → wait `readinessDelayMs` (the balancer notices, stops
 *   routing) → listener closed, idle keep-alive connections closed → in-flight requests finish,
 *   at most `drainTimeoutMs`; then their connections are destroyed → state `closed`.
 *
 * The caller (main.ts) closes the database afterwards, so every write that was admitted either
 * finished and was acknowledged, or never began.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Lifecycle } from './lifecycle.js';

export interface GracefulCloseOptions {
  /** Time between readiness turning 503 and the listener closing; default 0. */
  readinessDelayMs?: number;
  /** Longest wait for in-flight requests; default 30000 ms. */
  drainTimeoutMs?: number;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 30000;

/** Resolves once the listener is closed and no request is in flight (or the drain timed out). */
export async function closeGracefully(app: FastifyInstance, lifecycle: Lifecycle, options: GracefulCloseOptions = {}): Promise<void> {
  if (lifecycle.state === 'closed') return;
  lifecycle.set('draining');
  if ((options.readinessDelayMs ?? 0) > 0 && app.server.listening) await sleep(options.readinessDelayMs);
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const timer = setTimeout(() => {
    app.log.warn({ drainTimeoutMs }, 'in-flight requests did not finish within the drain timeout; closing their connections');
    app.server.closeAllConnections();
  }, drainTimeoutMs);
  timer.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
    lifecycle.set('closed');
  }
}
