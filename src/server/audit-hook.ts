/**
 * The audit hook: after every response (onResponse) and every request the client abandoned
 * (onRequestAbort), records an audit event for
 *
 * - every write and admin action: routes needing collection:write, collection:admin,
 *   cluster:write, cluster:admin or system:admin, whatever their outcome;
 * - every authentication failure (401) and permission denial (403), on any route.
 *
 * The event holds who (principal id), what (method and route pattern, never the raw URL),
 * on what (the collection named in the path, or the route with its parameters: the key, role or
 * backup), the outcome, ip, user agent, correlation id, duration, counts from the body (points
 * upserted, ids deleted) and what a handler adds with auditDetails (the key id created, the
 * roles and scopes granted) — never the body itself.
 * record() only queues (security/audit/audit-log.ts), so the hook adds no I/O to a request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog, AuditMetadata, AuditResult } from '../security/audit/index.js';
import type { Permission } from '../security/permissions.js';
import { routePermission } from './auth.js';

/** Permissions whose routes are audited on every call. */
const AUDITED: ReadonlySet<Permission> = new Set<Permission>(['collection:write', 'collection:admin', 'cluster:write', 'cluster:admin', 'system:admin']);

export interface AuditHookOptions {
  /** Called when record() throws (the log closed); the request is not affected. */
  onError?: (error: Error) => void;
}

function resultOf(status: number): AuditResult {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  if (status >= 500) return 'error';
  return status >= 400 ? 'failure' : 'success';
}

/** Array length of `body[key]`, when it is an array. */
function countOf(value: unknown): number | undefined {
  return Array.isArray(value) ? value.length : undefined;
}

/** Counts from the request body — sizes only, never vectors or payloads. */
function bodyCounts(body: unknown): AuditMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const out: AuditMetadata = {};
  const points = countOf(b.points) ?? countOf((b.batch as { ids?: unknown } | undefined)?.ids);
  if (points !== undefined) out.points = points;
  for (const key of ['operations', 'searches', 'ids', 'keys', 'actions'] as const) {
    const n = countOf(b[key]);
    if (n !== undefined) out[key] = n;
  }
  if (typeof b.filter === 'object' && b.filter !== null) out.by_filter = true;
  return out;
}

/** Longest path parameter or detail value recorded (longer ones are cut, marked with …). */
const MAX_DETAIL_LENGTH = 256;

function bounded(value: unknown): string {
  const text = String(value);
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH)}…` : text;
}

/**
 * On what: `collection/<name>` for collection routes; otherwise the route pattern with its
 * parameters filled in (`/admin/keys/k_12ab`, `/admin/roles/docs-reader`, `/backups/<id>`), so an
 * admin action names the key, role or backup it touched.
 */
function resourceOf(request: FastifyRequest): string | null {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const collection = params.collection_name;
  if (typeof collection === 'string') return `collection/${bounded(collection)}`;
  if (request.is404 || request.routeOptions.url === undefined) return null;
  return request.routeOptions.url.replace(/:([A-Za-z_]+)/g, (whole, name: string) => (params[name] === undefined ? whole : encodeURIComponent(bounded(params[name]))));
}

/** A collection route's other path parameters (snapshot_name, field_name, id), for the metadata. */
function extraParams(request: FastifyRequest): AuditMetadata {
  const params = (request.params ?? {}) as Record<string, unknown>;
  if (typeof params.collection_name !== 'string') return {};
  const out: AuditMetadata = {};
  for (const [name, value] of Object.entries(params)) if (name !== 'collection_name' && value !== undefined) out[name] = bounded(value);
  return out;
}

/** Details a handler adds to its request's audit event (auditDetails): the key it made, the grants it set. */
const details = new WeakMap<FastifyRequest, AuditMetadata>();

/**
 * Adds fields to the audit event of `request` (what an admin action did: the key id it created,
 * the roles and scopes it granted). Never pass secrets, vectors or payloads. Values are cut to
 * 256 characters.
 * @example
 *   auditDetails(request, { key_id: created.record.id, roles: roles.join(',') });
 */
export function auditDetails(request: FastifyRequest, fields: AuditMetadata): void {
  const bound: AuditMetadata = {};
  for (const [name, value] of Object.entries(fields)) bound[name] = typeof value === 'string' ? bounded(value) : value;
  details.set(request, { ...details.get(request), ...bound });
}

function actionOf(request: FastifyRequest): string {
  return `${request.method} ${request.is404 ? '(no route)' : (request.routeOptions.url ?? '(no route)')}`;
}

function header(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : null;
}

/**
 * Adds the audit hooks to `app`.
 * @example
 *   registerAuditHook(app, audit);
 */
export function registerAuditHook(app: FastifyInstance, audit: AuditLog, options: AuditHookOptions = {}): void {
  const record = (request: FastifyRequest, status: number | undefined, durationMs: number): void => {
    const permission = routePermission(request);
    const audited = permission !== undefined && AUDITED.has(permission);
    if (!audited && status !== 401 && status !== 403) return;
    const metadata: AuditMetadata = { ...bodyCounts(request.body), ...extraParams(request), ...details.get(request), ...(status === undefined ? {} : { status }) };
    if (permission !== undefined) metadata.permission = permission;
    if (request.principal !== undefined) metadata.principal_kind = request.principal.kind;
    try {
      audit.record({
        principal: request.principal?.id ?? null,
        action: actionOf(request),
        resource: resourceOf(request),
        result: status === undefined ? 'aborted' : resultOf(status),
        ip: request.ip,
        userAgent: header(request, 'user-agent'),
        correlationId: request.id,
        durationMs,
        metadata,
      });
    } catch (error) {
      options.onError?.(error as Error);
    }
  };
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    record(request, reply.statusCode, reply.elapsedTime);
  });
  app.addHook('onRequestAbort', async (request: FastifyRequest) => {
    record(request, undefined, Number(process.hrtime.bigint() - startedAt(request)) / 1e6);
  });
  app.addHook('onRequest', async (request: FastifyRequest) => {
    starts.set(request, process.hrtime.bigint());
  });
}

/** When each request arrived, for the duration of an aborted one (no reply to ask). */
const starts = new WeakMap<FastifyRequest, bigint>();

function startedAt(request: FastifyRequest): bigint {
  return starts.get(request) ?? process.hrtime.bigint();
}
