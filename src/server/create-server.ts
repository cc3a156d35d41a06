/**
 * The HTTP server: a Qdrant-compatible REST API over a Database, on Fastify.
 *
 * Request path: correlation id (header in, header out) → trace span (when tracing is given;
 * W3C traceparent in and out) → in-flight gauge → load shedding → authenticate (onRequest, before any
 * body is read) → parse JSON (size-limited) → validate against the route schema → handler
 * (one engine call, wrapped in Qdrant's envelope) → metrics (onResponse). Errors from any
 * step go through one handler that picks the status from error-status.ts.
 */
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { Database } from '../engine/index.js';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import { RvError } from '../errors.js';
import { createAuthHook } from './auth.js';
import { registerRateLimits, type RateLimitOptions } from './rate-limit.js';
import { CertificateReloader, httpsOptions, loadTlsMaterial, type TlsSettings } from './tls.js';
import { createSecurityContext, type SecurityContext } from '../security/security-context.js';
import type { Permission } from '../security/permissions.js';
import { registerAdminKeyRoutes } from './routes/admin-keys.js';
import { registerAdminRoleRoutes } from './routes/admin-roles.js';
import { registerAdminEncryptionRoutes, type EncryptionAdmin } from './routes/admin-encryption.js';
import { frameworkErrorHandler, registerErrorHandling } from './error-reply.js';
import { registerJsonParser } from './json-body.js';
import { Lifecycle } from './lifecycle.js';
import { HttpMetrics } from './metrics.js';
import { correlationIdOf, createLogger, moduleLogger, type HttpSpan, type OperationalMetrics, type Tracing } from '../observability/index.js';
import { LoadShedder, WriteGate, DEFAULT_REQUEST_TIMEOUTS, type DependencyPolicies, type LoadSheddingOptions, type RequestTimeoutLimits } from '../reliability/index.js';
import { registerLockRoutes, registerReliabilityHooks } from './reliability-hooks.js';
import { closeGracefully, type GracefulCloseOptions } from './graceful-close.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { registerCollectionRoutes } from './routes/collections.js';
import { registerClusterRoutes } from './routes/cluster.js';
import { registerClusterDataRoutes } from './routes/cluster-data.js';
import type { ClusterNode } from '../cluster/index.js';
import { registerPointRoutes } from './routes/points.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerServiceRoutes } from './routes/service.js';
import { registerSnapshotRoutes } from './routes/snapshots.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerAuditHook } from './audit-hook.js';
import type { AuditLog } from '../security/audit/index.js';
import { registerBackupRoutes } from './routes/backups.js';
import type { BackupService } from '../backup/index.js';
import { registerAdminLogLevelRoutes } from './routes/admin-log-level.js';
import { registerAdminProfileRoutes } from './routes/admin-profile.js';
import { inSpan, installContextManager, Profiler, runInRequestContext, SPAN } from '../observability/index.js';
import { prefetchSchema } from './schemas/search.js';
import { createValidatorCompiler } from './validation.js';

/** How to serve: address, keys, limits, logger, reported version. */
export interface ServerOptions {
  host: string;
  port: number;
  /** Full-access API key (Qdrant's `api_key`). */
  apiKey?: string;
  /** Key that opens only read routes; writes answer 403 (Qdrant's `read_only_api_key`). */
  readOnlyApiKey?: string;
  /**
   * Full access for any key it accepts: for a key kept only as a salted hash. A key that
   * verified once is remembered by its SHA-256, so the slow check runs once per key.
   */
  verifyApiKey?: (presented: string) => Promise<boolean>;
  /**
   * Authentication and RBAC (stored keys, roles, JWT issuers): main.ts builds it over the data
   * directory. Absent: built from apiKey/readOnlyApiKey/verifyApiKey with in-memory keys and roles.
   */
  security?: SecurityContext;
  /** HTTPS (and client certificates); files are re-read when they change. Absent: plain HTTP. */
  tls?: TlsSettings & { reloadIntervalSeconds?: number };
  /** Per-address and per-credential limits; false: none. Default: security/… defaults of the config. */
  rateLimit?: RateLimitOptions | false;
  /** Origins allowed by CORS; absent or empty: CORS off. */
  corsOrigins?: string[];
  /**
   * Addresses or CIDRs of the proxies in front, whose `X-Forwarded-For` is believed (Fastify's
   * `trustProxy`): `request.ip` (rate limits per address, audit) is then the client's. Unset: none.
   */
  trustedProxies?: string[];
  /** No authentication: allowed only when `host` is a loopback address, else createServer throws. */
  authDisabled?: boolean;
  /** Largest JSON body; default 32 MiB. */
  bodyLimitBytes?: number;
  /** Largest snapshot upload; default 16 GiB. */
  snapshotUploadLimitBytes?: number;
  /** pino logger; false for none; default a pino logger writing JSON lines to stdout. */
  logger?: Logger | false;
  /** Reported by `GET /`. */
  version: string;
  /** OpenTelemetry tracing (a span per request, W3C traceparent in and out); none when absent. The caller shuts it down. */
  tracing?: Tracing;
  /** Load shedding limit (requests in flight); default in reliability/load-shedder.ts. */
  loadShedding?: LoadSheddingOptions;
  /** Backups of this node: `/backups` admin routes and the backup-age metric; none when absent. The caller closes it. */
  backups?: BackupService;
  /** Time limits by request class and the cap on Qdrant's `timeout` parameter; defaults in reliability/request-timeouts.ts. */
  requestTimeouts?: Partial<RequestTimeoutLimits>;
  /** Read-only mode (operator lock, low disk); default a gate of its own (lock only, no disk monitor). */
  writeGate?: WriteGate;
  /** Outbound dependency policies: open breakers are listed in /ready, critical ones fail readiness. */
  dependencies?: DependencyPolicies;
  /** Cluster mode: collection, point and search routes go through the cluster (routes/cluster-data.ts); absent: the local Database. */
  cluster?: ClusterNode;
  /** Audit trail: writes, admin actions, 401s and 403s are recorded; `GET /audit/events` reads it. The caller closes it after the server. */
  audit?: AuditLog;
  /** Encryption at rest (engine's MasterKeyRotation): `/admin/encryption/*`; absent: encryption is off. */
  encryption?: EncryptionAdmin;
}

/** One registered route. */
export interface RouteEntry {
  method: string;
  url: string;
  permission?: Permission;
}

/** A built server: the Fastify app (for inject) and its lifecycle controls. */
export interface RuVectorServer {
  app: FastifyInstance;
  /** Starts listening; resolves to the address, e.g. `http://127.0.0.1:6333`. */
  listen(): Promise<string>;
  /** Every registered route and the permission it declares (none: it needs `system:admin`). */
  routes(): readonly RouteEntry[];
  /**
   * Readiness 503, then (after `readinessDelayMs`) stops accepting connections and lets in-flight
   * requests finish (at most `drainTimeoutMs`), then resolves (server/graceful-close.ts). The
   * caller closes the database.
   */
  close(options?: GracefulCloseOptions): Promise<void>;
  /** The read-only switch (operator lock, low disk) that the write routes consult. */
  writeGate: WriteGate;
  /** Setters for the series other layers feed (breakers, audit backlog, backups, TLS expiry, cluster). */
  operationalMetrics: OperationalMetrics;
}

/** Rate limits when none are given (the config's defaults). */
export const DEFAULT_RATE_LIMITS: RateLimitOptions = { windowSeconds: 1, perIp: 20_000, readPerPrincipal: 20_000, writePerPrincipal: 10_000, adminPerPrincipal: 100 };

/** Default largest JSON body (Qdrant's default too). */
export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
/** Default largest snapshot upload. */
export const DEFAULT_SNAPSHOT_UPLOAD_LIMIT_BYTES = 16 * 1024 * 1024 * 1024;

/**
 * Builds the server (not yet listening; `app.inject()` works at once).
 * @example
 *   const db = await Database.open({ path: './data' });
 *   const server = await createServer(db, { host: '127.0.0.1', port: 6333, apiKey: process.env.API_KEY, version: '0.1.0' });
 *   console.log(await server.listen());
 *   process.once('SIGTERM', async () => { await server.close(); await db.close(); });
 */
export async function createServer(db: Database, options: ServerOptions): Promise<RuVectorServer> {
  const cluster = options.cluster;
  // Throws for an unsafe auth configuration before anything is bound.
  const security = options.security ?? await createSecurityContext({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.readOnlyApiKey === undefined ? {} : { readOnlyApiKey: options.readOnlyApiKey }),
    ...(options.verifyApiKey === undefined ? {} : { verifyBootstrapKey: options.verifyApiKey }),
  });
  const authenticate = createAuthHook({
    host: options.host,
    ...(options.authDisabled === undefined ? {} : { authDisabled: options.authDisabled }),
    authenticator: security.authenticator,
    authorizer: security.authorizer,
    // Permissions are checked on the collection an alias points to (an alias never widens a
    // scope): in cluster mode the aliases are the cluster's, not the local database's.
    resolveCollection: cluster === undefined
      ? (name) => (db.hasCollection(name) ? db.collection(name).name : name)
      : (name) => (cluster.hasCollection(name) ? cluster.resolve(name).name : name),
  });
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const uploadLimitBytes = options.snapshotUploadLimitBytes ?? DEFAULT_SNAPSHOT_UPLOAD_LIMIT_BYTES;
  // The default logger redacts credentials and secrets by construction (observability/logger.ts).
  const logger = options.logger === undefined ? createLogger({ level: 'info', format: 'json' }) : options.logger;

  const tlsMaterial = options.tls === undefined ? undefined : await loadTlsMaterial(options.tls);
  const app = Fastify({
    // Request lines carry module "http" (their level can be set alone: PUT /admin/log-level {"module": "http"}).
    ...(logger === false ? { logger: false } : { loggerInstance: moduleLogger(logger, 'http') }),
    ...(tlsMaterial === undefined || options.tls === undefined ? {} : { https: httpsOptions(tlsMaterial, options.tls.clientAuth) }),
    bodyLimit: bodyLimitBytes,
    ...(options.trustedProxies === undefined || options.trustedProxies.length === 0 ? {} : { trustProxy: options.trustedProxies }),
    // X-Correlation-ID or X-Request-ID from the client when sane, else a fresh UUID.
    genReqId: (request) => correlationIdOf(request.headers),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: frameworkErrorHandler(bodyLimitBytes),
    // Collection names may be 255 characters, snapshot names longer.
    routerOptions: { maxParamLength: 1024 },
    // A pino logger makes the instance generic over pino's type; callers see the default one.
  }) as unknown as FastifyInstance;

  const lifecycle = new Lifecycle();
  const metrics = new HttpMetrics(db);

  app.setValidatorCompiler(createValidatorCompiler([prefetchSchema]));
  // Response schemas document the API; bodies are plain JSON (payloads are arbitrary objects).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addSchema(prefetchSchema);
  registerJsonParser(app);
  registerErrorHandling(app, bodyLimitBytes);

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    reply.header('x-correlation-id', request.id);
  });
  const tracing = options.tracing;
  const spans = new WeakMap<object, HttpSpan>();
  if (tracing !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      const span = tracing.startHttpSpan({ method: request.method, path: request.url.split('?')[0], headers: request.headers, correlationId: request.id });
      spans.set(request, span);
      for (const [name, value] of Object.entries(span.responseHeaders)) reply.header(name, value);
    });
    app.addHook('onResponse', async (request, reply) => {
      spans.get(request)?.end(request.routeOptions.url, reply.statusCode);
    });
    app.addHook('onRequestAbort', async (request) => {
      spans.get(request)?.end(request.routeOptions.url, 499, new Error('client closed the request'));
    });
  }
  // The rest of the request (hooks, body parsing, handler, engine work) runs with its correlation
  // id and span active: engine child spans and log lines find them (observability/request-context.ts).
  installContextManager();
  app.addHook('onRequest', (request, _reply, done) => {
    runInRequestContext({ correlationId: request.id, traceContext: spans.get(request)?.context }, done);
  });
  app.addHook('onRequest', async (request) => {
    metrics.started(request);
  });
  // Shed load before authentication (which may run scrypt): probes and docs are never shed.
  const shedder = new LoadShedder(options.loadShedding);
  app.addHook('onClose', async () => shedder.stop());
  const admitted = new WeakSet<object>();
  app.addHook('onRequest', async (request) => {
    if (!request.is404 && request.routeOptions.config.permission === 'public') return;
    try {
      shedder.admit();
    } catch (error) {
      metrics.metrics.operational.requestShed();
      throw error;
    }
    admitted.add(request);
  });
  const releaseAdmitted = async (request: object): Promise<void> => {
    if (admitted.delete(request)) shedder.release();
  };
  app.addHook('onResponse', releaseAdmitted);
  app.addHook('onRequestAbort', releaseAdmitted);
  // A client certificate that is presented must verify, even when it is optional.
  if (options.tls?.clientAuth === 'optional') {
    app.addHook('onRequest', async (request) => {
      const socket = request.raw.socket as TLSSocket;
      if (typeof socket.getPeerCertificate === 'function' && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) {
        throw new RvError('RV_AUTH_INVALID', `Client certificate not trusted: ${String(socket.authorizationError)}`);
      }
    });
  }
  const limits = options.rateLimit === false ? undefined : await registerRateLimits(app, options.rateLimit ?? DEFAULT_RATE_LIMITS);
  if (limits !== undefined) app.addHook('onRequest', limits.perIp);
  app.addHook('onRequest', (request, reply) => inSpan(SPAN.authenticate, undefined, () => authenticate(request, reply)));
  if (limits !== undefined) app.addHook('onRequest', limits.perPrincipal);
  app.addHook('onResponse', async (request, reply) => {
    metrics.finished(request, reply);
  });
  app.addHook('onRequestAbort', async (request) => {
    metrics.aborted(request);
  });
  const audit = options.audit;
  if (audit !== undefined) {
    registerAuditHook(app, audit, { onError: (error) => app.log.error({ error: error.message }, 'audit event not recorded') });
    metrics.metrics.operational.setAuditBacklogSource(() => audit.backlog());
    // Key changes made in the keys file outside this process (`ruvector keys … --data-dir` while
    // the server runs) are audited when the store notices them (the file is checked every 2 s).
    security.keyStore.onFileChange(({ change, key }) => {
      try {
        audit.record({
          principal: 'cli:keys-file', action: `keys.${change}`, resource: `/admin/keys/${key.id}`, result: 'success',
          metadata: { key_id: key.id, key_name: key.name, roles: key.roles.join(','), collections: key.collections?.join(',') ?? '*', ...(key.rotated_from === undefined ? {} : { rotated_from: key.rotated_from }) },
        });
      } catch (error) {
        app.log.error({ error: (error as Error).message }, 'audit event not recorded');
      }
    });
    const stopKeysFileWatch = security.keyStore.watchFile((error) => app.log.warn({ error: error.message }, 'checking the API keys file failed'));
    app.addHook('onClose', async () => stopKeysFileWatch());
  }
  // The documentation is public: it describes the API, holds no data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, permission: 'public' };
  });
  // The route table with each route's permission: test/integration/server/route-permissions.test.ts
  // checks that every route declares one.
  const routeTable: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, ...(route.config?.permission === undefined ? {} : { permission: route.config.permission }) });
    }
  });
  app.addHook('onReady', async () => {
    lifecycle.set('serving');
  });

  // Security headers on every response; the CSP lets the API docs page load its own assets.
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameAncestors: ["'none'"] } },
    hsts: tlsMaterial !== undefined,
  });
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    await app.register(cors, { origin: options.corsOrigins, credentials: false, allowedHeaders: ['content-type', 'api-key', 'authorization', 'x-request-id', 'x-correlation-id', 'traceparent', 'tracestate'] });
  }
  if (tlsMaterial !== undefined && options.tls !== undefined) {
    const tls = options.tls;
    metrics.metrics.operational.setTlsCertificateExpiry('server', tlsMaterial.notAfter);
    const reloader = new CertificateReloader(tls, (material) => {
      (app.server as unknown as { setSecureContext(options: object): void }).setSecureContext(httpsOptions(material, tls.clientAuth));
      metrics.metrics.operational.setTlsCertificateExpiry('server', material.notAfter);
      app.log.info({ notAfter: material.notAfter.toISOString() }, 'TLS certificate reloaded');
    }, (error) => app.log.error({ error: (error as Error).message }, 'TLS certificate reload failed; the previous certificate stays in use'));
    await reloader.start((tls.reloadIntervalSeconds ?? 60) * 1000);
    app.addHook('onClose', async () => reloader.stop());
  }
  await app.register(multipart, { limits: { fileSize: uploadLimitBytes, files: 1, fields: 10, parts: 20 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'RuVector', description: 'Qdrant-compatible REST API of the RuVector vector database', version: options.version },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const writeGate = options.writeGate ?? new WriteGate();
  registerReliabilityHooks(app, { timeouts: { ...DEFAULT_REQUEST_TIMEOUTS, ...options.requestTimeouts }, gate: writeGate });
  registerLockRoutes(app, writeGate);
  registerServiceRoutes(app, { db, version: options.version, lifecycle, metrics, reliability: { writeGate, shedder, ...(options.dependencies === undefined ? {} : { dependencies: options.dependencies }) } });
  app.get('/openapi.json', { schema: { hide: true }, config: { permission: 'public' } }, async () => app.swagger());
  registerClusterRoutes(app, options.cluster);
  if (options.cluster === undefined) {
    registerCollectionRoutes(app, db);
    registerPointRoutes(app, db);
    registerSearchRoutes(app, db);
    registerSnapshotRoutes(app, db, { uploadLimitBytes });
  } else {
    registerClusterDataRoutes(app, options.cluster);
  }
  registerAdminLogLevelRoutes(app, logger);
  registerAdminProfileRoutes(app, new Profiler());
  registerAdminKeyRoutes(app, security.keyStore);
  registerAdminRoleRoutes(app, security.roles);
  registerAdminEncryptionRoutes(app, options.encryption);
  if (options.audit !== undefined) registerAuditRoutes(app, options.audit);
  if (options.backups !== undefined) {
    registerBackupRoutes(app, options.backups);
    options.backups.attachMetrics(metrics.metrics.operational);
  }

  return {
    app,
    listen: () => app.listen({ host: options.host, port: options.port }),
    routes: () => routeTable,
    operationalMetrics: metrics.metrics.operational,
    close: (closeOptions?: GracefulCloseOptions) => closeGracefully(app, lifecycle, closeOptions),
    writeGate,
  };
}
