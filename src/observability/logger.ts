/**
 * The process logger (pino): JSON lines (or readable text lines for a terminal), with secrets
 * redacted by construction, a level changeable at run time, and the request's correlation id.
 *
 * Redaction is pino's `redact` (paths compiled once, applied on every line): credentials in
 * request headers, any field named like a secret, and vector contents (large, and user data).
 *
 * Correlation: a mixin adds `correlationId` to every line written while a request's (or a
 * job's) work runs — engine lines included — read from the active OpenTelemetry context
 * (request-context.ts). Levels: the root level and per-module overrides (`moduleLogger`)
 * change at run time (`setLogLevel`, served by `PUT /admin/log-level`).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../config/index.js';
import { RvError } from '../errors.js';
import { currentCorrelationId } from './request-context.js';

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
  const options = { level: log.level, base: { pid: process.pid }, redact: { paths: [...REDACT_PATHS], censor: REDACTED_VALUE }, mixin: correlationMixin };
  if (log.format === 'json') return pino(options, stream as DestinationStream);
  const text: DestinationStream = { write: (line: string) => void stream.write(formatTextLine(line)) };
  return pino(options, text);
}

/** The field that carries the correlation id of the work a line was written for. */
export const CORRELATION_ID_FIELD = 'correlationId';

/** pino mixin: the active correlation id (one context lookup per line). A fresh object each time: pino merges into it. */
function correlationMixin(): Record<string, unknown> {
  const correlationId = currentCorrelationId();
  return correlationId === undefined ? {} : { [CORRELATION_ID_FIELD]: correlationId };
}

interface ModuleEntry {
  logger: Logger;
  /** The module's own level; undefined: it follows the root. */
  override: LogLevel | undefined;
}

/** Module loggers per root logger, so the level API finds them from the root alone. */
const modulesByRoot = new WeakMap<Logger, Map<string, ModuleEntry>>();

function modulesOf(root: Logger): Map<string, ModuleEntry> {
  let modules = modulesByRoot.get(root);
  if (modules === undefined) {
    modules = new Map();
    modulesByRoot.set(root, modules);
  }
  return modules;
}

/**
 * The logger of a module (`module` field on each line), whose level can be overridden alone.
 * One child per name and root.
 * @example
 *   const log = moduleLogger(logger, 'engine');
 */
export function moduleLogger(root: Logger, module: string): Logger {
  const modules = modulesOf(root);
  let entry = modules.get(module);
  if (entry === undefined) {
    entry = { logger: root.child({ module }), override: undefined };
    modules.set(module, entry);
  }
  return entry.logger;
}

function checkLevel(level: unknown): LogLevel {
  if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new RvError('RV_INVALID_ARGUMENT', `log level ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`, { details: { field: 'level', allowed: LOG_LEVELS } });
  }
  return level as LogLevel;
}

/** The root level and each module's effective level (and whether it is an override). */
export interface LogLevels {
  level: LogLevel;
  modules: Record<string, { level: LogLevel; override: boolean }>;
}

export function getLogLevels(root: Logger): LogLevels {
  const modules: LogLevels['modules'] = {};
  for (const [name, entry] of [...modulesOf(root)].sort(([a], [b]) => a.localeCompare(b))) {
    modules[name] = { level: entry.override ?? (root.level as LogLevel), override: entry.override !== undefined };
  }
  return { level: root.level as LogLevel, modules };
}

/**
 * Changes the level of a running logger, or with `module` only that module's (a module logger
 * made by `moduleLogger`); `level: null` with a module drops its override (it follows the root
 * again). Validates everything before changing anything; throws RV_INVALID_ARGUMENT naming the
 * field. Children made with `logger.child()` follow the root unless they set a level.
 * @example
 *   setLogLevel(logger, 'debug');
 *   setLogLevel(logger, 'trace', 'engine');
 */
export function setLogLevel(root: Logger, level: string | null, module?: string): LogLevels {
  const modules = modulesOf(root);
  if (module !== undefined) {
    const entry = modules.get(module);
    if (entry === undefined) {
      const known = [...modules.keys()].sort();
      throw new RvError('RV_INVALID_ARGUMENT', `module ${JSON.stringify(module)} has no logger; known modules: ${known.length === 0 ? '(none)' : known.join(', ')}`, { details: { field: 'module', allowed: known } });
    }
    const override = level === null ? undefined : checkLevel(level);
    const previous = entry.override ?? root.level;
    entry.override = override;
    entry.logger.level = override ?? root.level;
    root.info({ module, from: previous, to: entry.logger.level, override: override !== undefined }, 'module log level changed');
    return getLogLevels(root);
  }
  const next = checkLevel(level);
  const previous = root.level;
  root.level = next;
  for (const entry of modules.values()) if (entry.override === undefined) entry.logger.level = next;
  root.info({ from: previous, to: next }, 'log level changed');
  return getLogLevels(root);
}
