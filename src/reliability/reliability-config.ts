/** The `[reliability]` config section (snake_case) → the options of each reliability part. */
import type { RuVectorConfig } from '../config/index.js';
import type { LoadSheddingOptions } from './load-shedder.js';
import type { RequestTimeoutLimits } from './request-timeouts.js';

export interface ReliabilitySettings {
  loadShedding: LoadSheddingOptions;
  requestTimeouts: RequestTimeoutLimits;
  minFreeDiskBytes: number;
  diskCheckIntervalMs: number;
  shutdown: { readinessDelayMs: number; drainTimeoutMs: number };
}

export function reliabilitySettingsFrom(section: RuVectorConfig['reliability']): ReliabilitySettings {
  return {
    loadShedding: {
      maxInFlight: section.max_in_flight,
      retryAfterSeconds: section.retry_after_seconds,
      maxEventLoopDelayMs: section.max_event_loop_delay_ms,
      eventLoopSustainedMs: section.event_loop_sustained_ms,
      eventLoopProbeIntervalMs: section.event_loop_probe_interval_ms,
    },
    requestTimeouts: {
      readMs: section.read_timeout_ms,
      writeMs: section.write_timeout_ms,
      adminMs: section.admin_timeout_ms,
      maxTimeoutSeconds: section.max_timeout_seconds,
    },
    minFreeDiskBytes: section.min_free_disk_mb * 1024 * 1024,
    diskCheckIntervalMs: section.disk_check_interval_ms,
    shutdown: { readinessDelayMs: section.shutdown_readiness_delay_ms, drainTimeoutMs: section.shutdown_timeout_ms },
  };
}
