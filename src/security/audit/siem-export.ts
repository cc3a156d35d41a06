/**
 * Shipping audit entries to a SIEM: NDJSON to a stream, batches POSTed to an HTTP collector
 * (Splunk HEC raw, Elastic, Loki, Vector… accept NDJSON), or syslog (RFC 5424) over UDP or TCP
 * (octet-counted framing, RFC 6587). Entries go out exactly as stored, hashes included, so the
 * receiver can keep verifying the chain.
 *
 * The syslog framing is a few lines of formatting over node:dgram / node:net; no maintained
 * package here does RFC 5424 with octet counting without pulling in a logging framework.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { connect, type Socket } from 'node:net';
import { RvError } from '../../errors.js';
import { entryLine, type AuditEntry, type AuditResult } from './audit-entry.js';

/** Writes entries as NDJSON; resolves to the number written. */
export async function writeNdjson(entries: AsyncIterable<AuditEntry>, out: NodeJS.WritableStream): Promise<number> {
  let count = 0;
  for await (const entry of entries) {
    if (!out.write(`${entryLine(entry)}\n`)) await once(out, 'drain');
    count += 1;
  }
  return count;
}

export interface HttpSinkOptions {
  url: string;
  /** Extra headers, e.g. `{ authorization: 'Splunk …' }` (never logged). */
  headers?: Record<string, string>;
  /** Entries per POST; default 500. */
  batchSize?: number;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Attempts per batch on network errors and 5xx/429; default 3. */
  attempts?: number;
}

/** POSTs one NDJSON body, retrying transient failures with a doubling delay. */
async function postBatch(options: HttpSinkOptions, body: string): Promise<void> {
  const attempts = options.attempts ?? 3;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...options.headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
  }
  const target = new URL(options.url);
  throw new RvError('RV_DEPENDENCY_UNAVAILABLE', `the SIEM endpoint ${target.origin}${target.pathname} refused an audit batch: ${lastError}`, { details: { url: `${target.origin}${target.pathname}` } });
}

/** Sends entries in NDJSON batches to an HTTP collector; resolves to the number sent. */
export async function sendToHttp(entries: AsyncIterable<AuditEntry>, options: HttpSinkOptions): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let batch: string[] = [];
  let count = 0;
  for await (const entry of entries) {
    batch.push(entryLine(entry));
    if (batch.length >= batchSize) {
      await postBatch(options, `${batch.join('\n')}\n`);
      count += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await postBatch(options, `${batch.join('\n')}\n`);
    count += batch.length;
  }
  return count;
}

export interface SyslogOptions {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  /** RFC 5424 facility; default 13 (log audit). */
  facility?: number;
  appName?: string;
  hostname?: string;
}

const SEVERITY: Record<AuditResult, number> = { success: 6, failure: 5, aborted: 5, unauthenticated: 4, denied: 4, error: 3 };

/** Printable US-ASCII without spaces, as RFC 5424 header fields require. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean.length === 0 ? '-' : clean;
}

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`, the MSG being the
 * entry's JSON line (MSGID is the action, cut to 32 characters).
 */
export function formatSyslog(entry: AuditEntry, options: Pick<SyslogOptions, 'facility' | 'appName' | 'hostname'> = {}): string {
  const pri = (options.facility ?? 13) * 8 + SEVERITY[entry.result];
  const host = headerField(options.hostname ?? hostname(), 255);
  const app = headerField(options.appName ?? 'ruvector', 48);
  return `<${pri}>1 ${entry.timestamp} ${host} ${app} ${process.pid} ${headerField(entry.action, 32)} - ${entryLine(entry)}`;
}

/** Sends entries as syslog messages; resolves to the number sent. */
export async function sendToSyslog(entries: AsyncIterable<AuditEntry>, options: SyslogOptions): Promise<number> {
  let count = 0;
  if (options.protocol === 'udp') {
    const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    try {
      for await (const entry of entries) {
        const message = Buffer.from(formatSyslog(entry, options), 'utf8');
        await new Promise<void>((resolve, reject) => socket.send(message, options.port, options.host, (error) => (error ? reject(error) : resolve())));
        count += 1;
      }
    } finally {
      socket.close();
    }
    return count;
  }
  const socket: Socket = connect({ host: options.host, port: options.port });
  try {
    await once(socket, 'connect');
    for await (const entry of entries) {
      const message = Buffer.from(formatSyslog(entry, options), 'utf8');
      // Octet counting (RFC 6587 §3.4.1): the length, a space, the message.
      if (!socket.write(`${message.length} `) || !socket.write(message)) await once(socket, 'drain');
      count += 1;
    }
    socket.end();
    await once(socket, 'close');
  } catch (error) {
    socket.destroy();
    throw new RvError('RV_DEPENDENCY_UNAVAILABLE', `syslog ${options.host}:${options.port}/tcp: ${(error as Error).message}`, { cause: error });
  }
  return count;
}
