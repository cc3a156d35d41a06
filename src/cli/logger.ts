/**
 * The process logger (pino) from the `[log]` config: JSON lines, or readable text lines for a
 * terminal. The observability issue moves this into observability/ with redaction and tracing.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { RuVectorConfig } from '../config/index.js';

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
export function createLogger(log: RuVectorConfig['log'], stream: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level: log.level, base: { pid: process.pid } };
  if (log.format === 'json') return pino(options, stream as DestinationStream);
  const text: DestinationStream = { write: (line: string) => void stream.write(formatTextLine(line)) };
  return pino(options, text);
}
