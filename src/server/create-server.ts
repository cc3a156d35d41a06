/**
 * The HTTP server: a Qdrant-compatible REST API over a Database, on Fastify.
 *
 * Request path: correlation id (header in, header out) → trace span (when tracing is given;
 * W3C traceparent in and out) → in-flight gauge → load shedding → authenticate (onRequest, before any
 * body is read) → parse JSON (size-limited) → validate against the route schema → handler
 * (one engine call, wrapped in Qdrant's envelope) → metrics (onResponse). Errors from any
 * step go through one handler that picks the status from error-status.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { Database } from '../engine/index.js';
import { createAuthHook } from './auth.js';
import { frameworkErrorHandler, registerErrorHandling } from './error-reply.js';
import { registerJsonParser } from './json-body.js';
import { Lifecycle } from './lifecycle.js';
import { HttpMetrics } from './metrics.js';
import { correlationIdOf, createLogger, type HttpSpan, type Tracing } from '../observability/index.js';
import { LoadShedder, type LoadSheddingOptions } from '../reliability/index.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { registerCollectionRoutes } from './routes/collections.js';
import { registerPointRoutes } from './routes/points.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerServiceRoutes } from './routes/service.js';
import { registerSnapshotRoutes } from './routes/snapshots.js';
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
}

/** A built server: the Fastify app (for inject) and its lifecycle controls. */
export interface RuVectorServer {
  app: FastifyInstance;
  /** Starts listening; resolves to the address, e.g. `http://127.0.0.1:6333`. */
  listen(): Promise<string>;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. The caller closes the database. */
  close(): Promise<void>;
}

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
  // Throws for an unsafe auth configuration before anything is bound.
  const authenticate = createAuthHook(options);
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const uploadLimitBytes = options.snapshotUploadLimitBytes ?? DEFAULT_SNAPSHOT_UPLOAD_LIMIT_BYTES;
  // The default logger redacts credentials and secrets by construction (observability/logger.ts).
  const logger = options.logger === undefined ? createLogger({ level: 'info', format: 'json' }) : options.logger;

  const app = Fastify({
    ...(logger === false ? { logger: false } : { loggerInstance: logger }),
    bodyLimit: bodyLimitBytes,
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
  if (tracing !== undefined) {
    const spans = new WeakMap<object, HttpSpan>();
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
  app.addHook('onRequest', async (request) => {
    metrics.started(request);
  });
  // Shed load before authentication (which may run scrypt): probes and docs are never shed.
  const shedder = new LoadShedder(options.loadShedding);
  const admitted = new WeakSet<object>();
  app.addHook('onRequest', async (request) => {
    if (!request.is404 && request.routeOptions.config.access === 'public') return;
    shedder.admit();
    admitted.add(request);
  });
  const releaseAdmitted = async (request: object): Promise<void> => {
    if (admitted.delete(request)) shedder.release();
  };
  app.addHook('onResponse', releaseAdmitted);
  app.addHook('onRequestAbort', releaseAdmitted);
  app.addHook('onRequest', authenticate);
  app.addHook('onResponse', async (request, reply) => {
    metrics.finished(request, reply);
  });
  app.addHook('onRequestAbort', async (request) => {
    metrics.aborted(request);
  });
  // The documentation is public: it describes the API, holds no data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, access: 'public' };
  });
  app.addHook('onReady', async () => {
    lifecycle.set('serving');
  });

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

  registerServiceRoutes(app, { db, version: options.version, lifecycle, metrics });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
  registerCollectionRoutes(app, db);
  registerPointRoutes(app, db);
  registerSearchRoutes(app, db);
  registerSnapshotRoutes(app, db, { uploadLimitBytes });

  return {
    app,
    listen: () => app.listen({ host: options.host, port: options.port }),
    close: async () => {
      lifecycle.set('draining');
      await app.close();
      lifecycle.set('closed');
    },
  };
}
