/**
 * The process logger from the `[log]` config. It lives in observability/ (redaction, run-time
 * level, correlation ids); re-exported here for the CLI's existing imports.
 */
export { createLogger, formatTextLine } from '../observability/index.js';
