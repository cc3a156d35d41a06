/**
 * Service routes: `GET /` (name and version, as Qdrant's VersionInfo, no envelope), the
 * Kubernetes-style probes (plain text, no auth), RuVector's JSON health and readiness with
 * their checks (no auth), and Prometheus metrics (needs a key: series names reveal
 * collection names).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../../engine/index.js';
import type { Lifecycle } from '../lifecycle.js';
import { METRICS_CONTENT_TYPE } from '../../observability/index.js';
import type { HttpMetrics } from '../metrics.js';
import { serviceSchemas as schemas } from '../schemas/service.js';
import { reliabilityChecks, reliabilityReady, type ReliabilityStatus } from '../reliability-status.js';

export interface ServiceContext {
  db: Database;
  version: string;
  lifecycle: Lifecycle;
  metrics: HttpMetrics;
  /** Write mode, load shedding and dependency breakers, reported in /health and /ready. */
  reliability?: ReliabilityStatus;
}

type Check = { status: 'ok' | 'fail' } & Record<string, unknown>;

function checks(context: ServiceContext): Record<string, Check> {
  let database: Check;
  try {
    database = { status: 'ok', collections: context.db.listCollections().length };
  } catch (error) {
    database = { status: 'fail', error: (error as Error).message };
  }
  const state = context.lifecycle.state;
  return { database, server: { status: state === 'serving' ? 'ok' : 'fail', state }, ...reliabilityChecks(context.reliability) };
}

function sendHealth(reply: FastifyReply, context: ServiceContext, healthy: boolean): FastifyReply {
  return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'fail', version: context.version, checks: checks(context) });
}

/** Registers `/`, the probes, health, readiness and metrics on `app`. */
export function registerServiceRoutes(app: FastifyInstance, context: ServiceContext): void {
  const pub = { permission: 'public' as const };
  const text = (reply: FastifyReply, status: number, body: string): FastifyReply => reply.code(status).type('text/plain; charset=utf-8').send(body);

  app.get('/', { schema: schemas.root, config: pub }, async () => ({ title: 'ruvector', version: context.version }));
  app.get('/healthz', { schema: schemas.healthz, config: pub }, async (_request, reply) => text(reply, 200, 'healthz check passed'));
  app.get('/livez', { schema: schemas.livez, config: pub }, async (_request, reply) => text(reply, 200, 'livez check passed'));
  app.get('/readyz', { schema: schemas.readyz, config: pub }, async (_request, reply) =>
    (context.lifecycle.ready && reliabilityReady(context.reliability) ? text(reply, 200, 'all shards are ready') : text(reply, 503, 'some shards are not ready')));

  app.get('/health', { schema: schemas.health, config: pub }, async (_request, reply) => {
    const result = checks(context);
    return sendHealth(reply, context, result.database.status === 'ok' && context.lifecycle.state !== 'closed');
  });
  app.get('/ready', { schema: schemas.ready, config: pub }, async (_request, reply) => {
    const result = checks(context);
    return sendHealth(reply, context, result.database.status === 'ok' && context.lifecycle.ready && reliabilityReady(context.reliability));
  });

  app.get('/metrics', { schema: schemas.metrics, config: { permission: 'system:metrics' } }, async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(await context.metrics.render()));
}
