/**
 * `GET /audit/events` (permission `system:admin`): the audit trail, oldest first, filtered by
 * time range, principal, action, resource and result, one bounded page at a time
 * (`limit` ≤ 1000; `cursor` from the previous page's `next_cursor`). Pending events are flushed
 * first, so a page includes everything recorded before the request. Every parameter is checked
 * here with a 400 naming it and its limit (Fastify's schema validation would answer 422).
 */
import type { FastifyInstance } from 'fastify';
import { RvError } from '../../errors.js';
import { AUDIT_RESULTS, FIELD_LIMITS, queryAuditLog, type AuditLog, type AuditQuery, type AuditResult } from '../../security/audit/index.js';
import { ok } from '../envelope.js';
import { object, type JsonSchema } from '../schemas/json-schema.js';

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;

const QUERY_PARAMS = ['since', 'until', 'principal', 'action', 'resource', 'result', 'cursor', 'limit'] as const;
type QueryParam = (typeof QUERY_PARAMS)[number];

const entrySchema: JsonSchema = { type: 'object', additionalProperties: true, description: 'An audit entry as stored (docs/security.md (Audit trail))' };
const schema = {
  tags: ['Audit'],
  summary: 'Audit events, filtered and paginated (oldest first)',
  operationId: 'audit_events',
  description: `Query parameters (all optional): since, until (ISO 8601 or epoch milliseconds), principal (≤ ${FIELD_LIMITS.principal} chars), action and resource (exact, or a prefix ending in *), result (${AUDIT_RESULTS.join(', ')}), cursor (next_cursor of the previous page), limit (1–${AUDIT_PAGE_MAX}, default ${AUDIT_PAGE_DEFAULT}).`,
  response: {
    200: {
      description: 'One page of events',
      ...object({
        result: object({ events: { type: 'array', items: entrySchema }, next_cursor: { type: ['string', 'null'] } }),
        status: { type: 'string' },
        time: { type: 'number' },
      }),
    },
  },
} as const;

function invalid(field: QueryParam | string, message: string): RvError {
  return new RvError('RV_INVALID_ARGUMENT', `${field}: ${message}`, { details: { field } });
}

function text(query: Record<string, unknown>, field: QueryParam, maxLength: number): string | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be given once');
  if (value.length === 0) throw invalid(field, 'must not be empty');
  if (value.length > maxLength) throw new RvError('RV_LIMIT_EXCEEDED', `${field}: at most ${maxLength} characters, got ${value.length}`, { details: { field, limit: maxLength } });
  return value;
}

function time(query: Record<string, unknown>, field: 'since' | 'until'): Date | undefined {
  const value = text(query, field, 40);
  if (value === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(field, `must be an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(value)}`);
  return new Date(ms);
}

function integer(query: Record<string, unknown>, field: 'cursor' | 'limit', min: number, max: number): number | undefined {
  const value = text(query, field, 16);
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw invalid(field, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  if (n > max) throw new RvError('RV_LIMIT_EXCEEDED', `${field}: at most ${max}, got ${n}`, { details: { field, limit: max } });
  return n;
}

/** The query string as an AuditQuery, or a 400 naming the first bad parameter. */
export function parseAuditQuery(raw: unknown): AuditQuery {
  const query = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  for (const key of Object.keys(query)) {
    if (!(QUERY_PARAMS as readonly string[]).includes(key)) throw invalid(key, `unknown query parameter; allowed: ${QUERY_PARAMS.join(', ')}`);
  }
  const result = text(query, 'result', 32);
  if (result !== undefined && !AUDIT_RESULTS.includes(result as AuditResult)) throw invalid('result', `must be one of ${AUDIT_RESULTS.join(', ')}, got ${JSON.stringify(result)}`);
  const since = time(query, 'since');
  const until = time(query, 'until');
  if (since !== undefined && until !== undefined && since > until) throw invalid('since', 'must not be after until');
  const out: AuditQuery = { limit: integer(query, 'limit', 1, AUDIT_PAGE_MAX) ?? AUDIT_PAGE_DEFAULT };
  const cursor = integer(query, 'cursor', 0, Number.MAX_SAFE_INTEGER);
  if (cursor !== undefined) out.afterSeq = cursor;
  if (since !== undefined) out.since = since;
  if (until !== undefined) out.until = until;
  const principal = text(query, 'principal', FIELD_LIMITS.principal);
  if (principal !== undefined) out.principal = principal;
  const action = text(query, 'action', FIELD_LIMITS.action);
  if (action !== undefined) out.action = action;
  const resource = text(query, 'resource', FIELD_LIMITS.resource);
  if (resource !== undefined) out.resource = resource;
  if (result !== undefined) out.result = result as AuditResult;
  return out;
}

/** Registers `GET /audit/events` over the server's audit log. */
export function registerAuditRoutes(app: FastifyInstance, audit: AuditLog): void {
  app.get('/audit/events', { schema, config: { permission: 'system:admin' } }, async (request, reply) => {
    const query = parseAuditQuery(request.query);
    await audit.flush();
    const page = await queryAuditLog(audit.dir, query);
    return ok(reply, { events: page.events, next_cursor: page.nextCursor === null ? null : String(page.nextCursor) });
  });
}
