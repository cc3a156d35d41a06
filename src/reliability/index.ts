/** reliability/: load shedding, request timeouts, dependency policies (cockatiel), read-only degradation, shutdown hooks. */
export {
  LoadShedder, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_EVENT_LOOP_DELAY_MS, DEFAULT_EVENT_LOOP_SUSTAINED_MS, DEFAULT_EVENT_LOOP_PROBE_INTERVAL_MS,
  type LoadSheddingOptions,
} from './load-shedder.js';
export { SustainedLagDetector, EventLoopDriftProbe, type SustainedLagOptions } from './event-loop-lag.js';
export {
  Deadline, DEFAULT_REQUEST_TIMEOUTS, requestTimeoutError, timeLimitMs, type RequestClass, type RequestTimeoutLimits,
} from './request-timeouts.js';
export { WriteGate, type DiskShortage, type ReadOnlyReason, type WriteLock } from './write-gate.js';
export { DiskSpaceMonitor, readFreeBytes, type DiskSpaceMonitorOptions, type FreeSpaceReader } from './disk-space-monitor.js';
export {
  DependencyPolicies, isTransientFailure,
  type BreakerListener, type BreakerState, type BreakerStatus, type DependencyPolicy, type DependencyPolicyOptions, type ReportedBreakerState,
} from './policies.js';
export { ShutdownHooks, type ShutdownHookOptions, type ShutdownLogger, type ShutdownPhase } from './shutdown-hooks.js';
export { reliabilitySettingsFrom, type ReliabilitySettings } from './reliability-config.js';
export { secretsOutboundFor, type SecretsOutbound } from './secrets-outbound.js';
