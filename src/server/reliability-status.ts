/**
 * The reliability checks of `/health` and `/ready`:
 *
 * - `writes`: `fail` while the node is read-only (operator lock or low disk), with the reason.
 *   It never fails readiness: reads still work, and taking a read-only node out of the load
 *   balancer would turn "no writes" into "nothing at all".
 * - `load`: in-flight requests and whether the event loop is lagging (shedding); informative.
 * - `dependencies`: breakers that are not closed. Only a `critical` dependency's open breaker
 *   fails readiness (reliability/policies.ts says why).
 */
import type { DependencyPolicies, LoadShedder, WriteGate } from '../reliability/index.js';

export interface ReliabilityStatus {
  writeGate: WriteGate;
  shedder: LoadShedder;
  dependencies?: DependencyPolicies;
}

type Check = { status: 'ok' | 'fail' } & Record<string, unknown>;

export function reliabilityChecks(status: ReliabilityStatus | undefined): Record<string, Check> {
  if (status === undefined) return {};
  const readOnly = status.writeGate.readOnly;
  const checks: Record<string, Check> = {
    writes: readOnly === undefined ? { status: 'ok', mode: 'read-write' } : { status: 'fail', mode: 'read-only', reason: readOnly.kind, message: readOnly.message },
    load: { status: status.shedder.eventLoopLagging ? 'fail' : 'ok', in_flight: status.shedder.inFlight, event_loop_lagging: status.shedder.eventLoopLagging },
  };
  if (status.dependencies !== undefined) {
    const unhealthy = status.dependencies.unhealthy();
    checks.dependencies = {
      status: status.dependencies.ready ? 'ok' : 'fail',
      breakers: unhealthy.map((b) => ({ name: b.name, state: b.state, critical: b.critical, ...(b.lastFailure === undefined ? {} : { last_failure: b.lastFailure }) })),
    };
  }
  return checks;
}

/** False only when a critical dependency's breaker is open. */
export function reliabilityReady(status: ReliabilityStatus | undefined): boolean {
  return status?.dependencies?.ready ?? true;
}
