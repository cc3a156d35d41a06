/** observability/: metrics (prom-client), structured logs (pino), tracing (OpenTelemetry). Imports only config/ and errors.ts. */
export {
  RuVectorMetrics, processMetricsRegistry, METRICS_CONTENT_TYPE, METRIC_PREFIX,
  type CollectionStats, type CollectionStatsSource, type MetricsOptions,
} from './metrics.js';
export { OperationalMetrics, CIRCUIT_BREAKER_STATES, type CircuitBreakerState, type OperationalMetricsOptions } from './operational-metrics.js';
export {
  createLogger, setLogLevel, getLogLevels, moduleLogger, formatTextLine, REDACT_PATHS, REDACTED_VALUE, CORRELATION_ID_FIELD,
  type LoggerOptions, type LogLevels,
} from './logger.js';
export { Tracing, DEFAULT_SAMPLE_RATIO, type TracingOptions, type HttpSpan, type HttpRequestInfo } from './tracing.js';
export { installContextManager } from './async-context.js';
export {
  correlationIdOf, CORRELATION_ID_HEADERS, CORRELATION_ID_HEADER, currentCorrelationId, runInRequestContext,
  propagationHeaders, contextFromHeaders,
} from './request-context.js';
export { SPAN, startSpan, endSpan, inSpan, runActive, contextWithSpan, detached, NON_RECORDING_SPAN } from './spans.js';
// The OpenTelemetry types other layers handle, so only observability/ imports the API.
export { ROOT_CONTEXT, type Context as TraceContext, type Span } from '@opentelemetry/api';
export { Profiler, MAX_CPU_PROFILE_SECONDS, type ProfilerOptions, type HeapSnapshotFile } from './profiler.js';
