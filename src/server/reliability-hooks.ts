/**
 * The server side of reliability (docs/operations/reliability.md):
 *
 * - request timeouts: every route handler (except public ones and routes marked
 *   `config.timeout: false`: streamed uploads, taking/verifying backups and snapshots, profiles)
 *   runs under a Deadline whose limit comes from
 *   the route's class (read/write/admin, from its permission) or Qdrant's `timeout` query
 *   parameter, capped. On expiry the client gets 504 RV_TIMEOUT at once; `request.deadline`
 *   lets handlers stop between units of work (batch queries);
 * - read-only degradation: a preHandler refuses data writes and collection administration with
 *   503 RV_READ_ONLY while the WriteGate says so (operator lock, or low disk); reads and
 *   system administration pass;
 * - Qdrant's `GET /locks` and `POST /locks` (the operator's write lock).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { Deadline, timeLimitMs, type RequestClass, type RequestTimeoutLimits, type WriteGate } from '../reliability/index.js';
import type { Permission } from '../security/permissions.js';
import { ok } from './envelope.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the handler runs without a time limit (a streamed upload, a backup or snapshot). */
    timeout?: false;
    /** false: not refused in read-only mode (the lock routes themselves). */
    writeGate?: false;
  }
  interface FastifyRequest {
    /** The request's deadline while its handler runs (absent on public and untimed routes). */
    deadline?: Deadline;
  }
}

/**
 * A route's class from its permission: `*:read`, `system:metrics`, `system:health` (and
 * `public`) read; `collection:write`, `cluster:write` write; `*:admin` admin. Routes that still
 * declare the older `access` are classed by it; a route with neither needs `system:admin`
 * (server/auth.ts), so it is admin.
 */
export function requestClassOf(config: { permission?: Permission } | undefined): RequestClass {
  const permission = config?.permission;
  if (permission === undefined) {
    const access = (config as { access?: unknown } | undefined)?.access;
    return access === 'read' || access === 'public' ? 'read' : access === 'write' ? 'write' : 'admin';
  }
  if (permission === 'public' || permission.endsWith(':read') || permission === 'system:metrics' || permission === 'system:health') return 'read';
  if (permission.endsWith(':write')) return 'write';
  return 'admin';
}

/**
 * What read-only mode refuses: data writes (write class) and collection administration
 * (create, update, aliases, payload indexes, snapshots). System administration (keys, roles,
 * log level, locks) stays open: an operator fixing a full disk needs it.
 */
function isDataWrite(config: { permission?: Permission } | undefined): boolean {
  const requestClass = requestClassOf(config);
  if (requestClass === 'write') return true;
  return requestClass === 'admin' && (config?.permission === undefined ? (config as { access?: unknown } | undefined)?.access !== undefined : config.permission.startsWith('collection:'));
}

function isPublic(config: { permission?: Permission } | undefined): boolean {
  return config?.permission === 'public' || (config as { access?: unknown } | undefined)?.access === 'public';
}

/** Qdrant's `?timeout=` (seconds), when the request carries a usable one. */
function timeoutParameter(request: FastifyRequest): number | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const raw = query?.timeout;
  const seconds = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

export interface ReliabilityHookOptions {
  timeouts: RequestTimeoutLimits;
  gate: WriteGate;
}

/** Installs the timeout wrapper (on every route registered afterwards) and the write gate. Call before routes are registered. */
export function registerReliabilityHooks(app: FastifyInstance, options: ReliabilityHookOptions): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config as { permission?: Permission; timeout?: false } | undefined;
    if (isPublic(config) || config?.timeout === false || route.url.startsWith('/docs')) return;
    const requestClass = requestClassOf(config);
    const handler = route.handler;
    route.handler = async function timedHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
      const deadline = new Deadline(requestClass, timeLimitMs(requestClass, timeoutParameter(request), options.timeouts));
      request.deadline = deadline;
      try {
        return await deadline.race(Promise.resolve().then(() => handler.call(this, request, reply)));
      } finally {
        deadline.dispose();
      }
    };
  });

  app.addHook('preHandler', async (request) => {
    if (request.is404 || request.method === 'GET' || request.method === 'HEAD') return;
    const config = request.routeOptions.config as { permission?: Permission; writeGate?: false };
    if (config.writeGate === false || !isDataWrite(config)) return;
    // Deleting frees space: allowed while the disk is short, not under an operator's lock.
    if (request.method === 'DELETE' && options.gate.readOnly?.kind === 'disk') return;
    options.gate.assertWritable();
  });
}

interface LocksBody {
  write: boolean;
  error_message?: string | null;
}

const locksOption = {
  type: 'object',
  properties: { write: { type: 'boolean' }, error_message: { type: ['string', 'null'] } },
  required: ['write'],
} as const;

/**
 * Qdrant's lock API (GET/POST /locks): `{"write": true, "error_message": "..."}` refuses
 * writes on this node until `{"write": false}`; POST answers with the previous lock. Not
 * persisted (as in Qdrant): a restart lifts it.
 */
export function registerLockRoutes(app: FastifyInstance, gate: WriteGate): void {
  const config = { permission: 'system:admin' as const, writeGate: false as const };
  const envelope = (result: unknown): unknown => ({ type: 'object', properties: { result, status: { type: 'string' }, time: { type: 'number' } } });
  app.get('/locks', {
    config,
    schema: { tags: ['Service'], summary: 'Get the write lock', operationId: 'get_locks', response: { 200: envelope(locksOption) } },
  }, async (_request, reply) => {
    const lock = gate.currentLock;
    return ok(reply, { write: lock.write, error_message: lock.errorMessage });
  });
  app.post<{ Body: LocksBody }>('/locks', {
    config,
    schema: {
      tags: ['Service'], summary: 'Set the write lock (writes get 503 RV_READ_ONLY while it is on)', operationId: 'post_locks',
      body: { ...locksOption, additionalProperties: false },
      response: { 200: envelope(locksOption) },
    },
  }, async (request, reply) => {
    const previous = gate.setLock({ write: request.body.write, errorMessage: request.body.error_message ?? null });
    request.log.warn({ write: request.body.write, previous: previous.write }, 'write lock changed by an operator');
    return ok(reply, { write: previous.write, error_message: previous.errorMessage });
  });
}
