/**
 * The process logger (pino): JSON lines (or readable text lines for a terminal), with secrets
 * redacted by construction, a level changeable at run time, and the request's correlation id.
 *
 * Redaction is pino's `redact` (paths compiled once, applied on every line): credentials in
 * request headers, any field named like a secret, and vector contents (large, and user data).
 */
import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../config/index.js';
import { RvError } from '../errors.js';

/** What replaces a redacted value. */
export const REDACTED_VALUE = '[REDACTED]';

/** Field names whose values never reach a log line, at the top level or one level down. */
const SECRET_FIELDS = ['apiKey', 'api_key', 'readOnlyApiKey', 'read_only_api_key', 'password', 'secret', 'token', 'masterKey', 'master_key', 'privateKey', 'private_key', 'vector', 'vectors'];
const HEADER_FIELDS = ['"api-key"', 'authorization', 'cookie', '"set-cookie"', '"proxy-authorization"'];

/** pino `redact` paths: headers of a request however it is logged, and the secret fields. */
export const REDACT_PATHS: readonly string[] = [
  ...HEADER_FIELDS.flatMap((h) => [`headers[${h}]`, `req.headers[${h}]`, `request.headers[${h}]`, `res.headers[${h}]`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
].map((path) => path.replace(/\[([a-z]+)\]/g, '.$1'));

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** Renders one pino JSON line as `2026-01-01T12:00:00.000Z INFO message key=value …`. */
export function formatTextLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString() : '';
  const level = LEVEL_NAMES[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${time} ${level.padEnd(5)} ${String(entry.msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
}

/**
 * @example
 *   const logger = createLogger(config.log);
 *   logger.info({ url }, 'listening');
 */
export function createLogger(log: LoggerOptions, stream: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level: log.level, base: { pid: process.pid }, redact: { paths: [...REDACT_PATHS], censor: REDACTED_VALUE } };
  if (log.format === 'json') return pino(options, stream as DestinationStream);
  const text: DestinationStream = { write: (line: string) => void stream.write(formatTextLine(line)) };
  return pino(options, text);
}

/**
 * Changes the level of a running logger (children made before keep theirs only if they set
 * one explicitly; pino children follow the parent otherwise). Throws for an unknown level.
 * @example
 *   setLogLevel(logger, 'debug');
 */
export function setLogLevel(logger: Logger, level: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new RvError('RV_INVALID_ARGUMENT', `log level "${level}" is not one of ${LOG_LEVELS.join(', ')}`, { details: { field: 'level', allowed: LOG_LEVELS } });
  }
  const previous = logger.level as LogLevel;
  logger.level = level;
  logger.info({ from: previous, to: level }, 'log level changed');
  return level as LogLevel;
}

/** Headers a client may send its correlation id in, in order of preference. */
export const CORRELATION_ID_HEADERS = ['x-correlation-id', 'x-request-id'] as const;
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's correlation id: the client's (`X-Correlation-ID`, else `X-Request-ID`) when it
 * is a sane token — it is written into every log line, so length and alphabet are limited —
 * else a fresh UUID.
 */
export function correlationIdOf(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  for (const name of CORRELATION_ID_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && SANE_ID.test(value)) return value;
  }
  return randomUUID();
}
