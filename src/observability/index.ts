/** observability/: metrics (prom-client), structured logs (pino), tracing (OpenTelemetry). Imports only config/ and errors.ts. */
export {
  RuVectorMetrics, processMetricsRegistry, METRICS_CONTENT_TYPE, METRIC_PREFIX,
  type CollectionStats, type CollectionStatsSource, type MetricsOptions,
} from './metrics.js';
export {
  createLogger, setLogLevel, formatTextLine, correlationIdOf, CORRELATION_ID_HEADERS, REDACT_PATHS, REDACTED_VALUE,
  type LoggerOptions,
} from './logger.js';
export { Tracing, DEFAULT_SAMPLE_RATIO, type TracingOptions, type HttpSpan, type HttpRequestInfo } from './tracing.js';
