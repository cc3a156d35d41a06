/**
 * Reading the audit log: a stream of every entry in chain order (for export), and filtered,
 * paginated pages (for `GET /audit/events`). Pages are bounded twice: by `limit` results and by
 * `maxScan` lines read, so a filter that rarely matches cannot make one request read the whole
 * log; the returned cursor resumes where the scan stopped. This reads, it does not verify: see
 * verify-chain.ts. Damaged lines are skipped.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { listAuditFiles, utcDay } from './audit-files.js';
import { entryShapeProblem, type AuditEntry, type AuditResult } from './audit-entry.js';

export interface AuditScan {
  /** Only entries with seq greater than this (a page cursor). */
  afterSeq?: number;
  /** Only entries at or after this time. */
  since?: Date;
  /** Only entries at or before this time. */
  until?: Date;
}

export interface AuditFilter extends AuditScan {
  principal?: string;
  /** Exact, or a prefix ending in `*` (`PUT /collections*`). */
  action?: string;
  /** Exact, or a prefix ending in `*` (`collection/docs*`). */
  resource?: string;
  result?: AuditResult;
}

export interface AuditQuery extends AuditFilter {
  limit: number;
  /** Most lines read for one page; default 100,000. */
  maxScan?: number;
}

export interface AuditPage {
  events: AuditEntry[];
  /** Pass as `afterSeq` for the next page; null at the end of the log. */
  nextCursor: number | null;
}

export const DEFAULT_MAX_SCAN = 100_000;

function parseLine(line: string): AuditEntry | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return entryShapeProblem(value) === undefined ? (value as AuditEntry) : undefined;
  } catch {
    return undefined;
  }
}

async function firstSeqOf(path: string): Promise<number | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(16 * 1024), 0, 16 * 1024, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? undefined : parseLine(text.slice(0, end))?.seq;
  } finally {
    await handle.close();
  }
}

/**
 * Every entry of the log in `dir` in chain order, from `afterSeq`/`since` on, until `until`.
 * Whole files before the range are skipped without reading them.
 */
export async function* scanAuditLog(dir: string, scan: AuditScan = {}): AsyncGenerator<AuditEntry> {
  const files = await listAuditFiles(dir);
  const sinceMs = scan.since?.getTime();
  const untilMs = scan.until?.getTime();
  const sinceDay = scan.since === undefined ? undefined : utcDay(scan.since);
  const untilDay = scan.until === undefined ? undefined : utcDay(scan.until);
  for (let f = 0; f < files.length; f++) {
    const file = files[f];
    if (sinceDay !== undefined && file.day < sinceDay) continue;
    if (untilDay !== undefined && file.day > untilDay) return;
    if (scan.afterSeq !== undefined && f + 1 < files.length) {
      const nextFirst = await firstSeqOf(join(dir, files[f + 1].name));
      if (nextFirst !== undefined && nextFirst <= scan.afterSeq + 1) continue;
    }
    const lines = createInterface({ input: createReadStream(join(dir, file.name), { encoding: 'utf8' }), crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        const entry = parseLine(line);
        if (entry === undefined) continue;
        if (scan.afterSeq !== undefined && entry.seq <= scan.afterSeq) continue;
        const at = Date.parse(entry.timestamp);
        if (sinceMs !== undefined && at < sinceMs) continue;
        if (untilMs !== undefined && at > untilMs) return;
        yield entry;
      }
    } finally {
      lines.close();
    }
  }
}

function matches(pattern: string | undefined, value: string | null): boolean {
  if (pattern === undefined) return true;
  if (value === null) return false;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/** Whether an entry passes the filter's field conditions (the time range is the scan's). */
export function entryMatches(entry: AuditEntry, filter: AuditFilter): boolean {
  return matches(filter.principal, entry.principal)
    && matches(filter.action, entry.action)
    && matches(filter.resource, entry.resource)
    && (filter.result === undefined || entry.result === filter.result);
}

/**
 * One page of matching entries, oldest first.
 * @example
 *   let page = await queryAuditLog(dir, { principal: 'key:ops', limit: 100 });
 *   while (page.nextCursor !== null) page = await queryAuditLog(dir, { principal: 'key:ops', limit: 100, afterSeq: page.nextCursor });
 */
export async function queryAuditLog(dir: string, query: AuditQuery): Promise<AuditPage> {
  const maxScan = query.maxScan ?? DEFAULT_MAX_SCAN;
  const events: AuditEntry[] = [];
  let scanned = 0;
  let lastSeq: number | undefined;
  for await (const entry of scanAuditLog(dir, query)) {
    scanned += 1;
    lastSeq = entry.seq;
    if (entryMatches(entry, query)) events.push(entry);
    if (events.length >= query.limit || scanned >= maxScan) return { events, nextCursor: lastSeq };
  }
  return { events, nextCursor: null };
}
