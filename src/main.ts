/**
 * The composition root: wires config → Database (engine) → HTTP server. Only this file (and the
 * CLI above it) knows every layer; each layer below gets what it needs injected.
 *
 * @example
 *   const { config } = loadConfig();
 *   const running = await startRuVector({ config, logger, version: '0.1.0', adminKey: { apiKey } });
 *   // ... on SIGTERM:
 *   await running.close();   // in-flight requests finish, then the engine checkpoints
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { RuVectorConfig } from './config/index.js';
import { Database, type EngineLimits, type EngineLogger } from './engine/index.js';
import { RvError } from './errors.js';
import { createServer, type ServerOptions } from './server/index.js';
import { Tracing } from './observability/index.js';

/** The admin credential the server enforces: a plain key, or a verifier over a stored hash. */
export interface AdminKeyOption {
  apiKey?: string;
  /** Checks a presented key against the stored bootstrap-key hash (see cli/bootstrap-key.ts). */
  verifyApiKey?: (presented: string) => Promise<boolean>;
}

export interface StartOptions {
  config: RuVectorConfig;
  logger: Logger;
  version: string;
  adminKey: AdminKeyOption;
}

export interface RunningRuVector {
  /** Where the server listens, e.g. http://127.0.0.1:6333 */
  url: string;
  db: Database;
  /** Stops accepting, lets in-flight requests finish, then closes the engine (final checkpoints). Idempotent. */
  close(): Promise<void>;
}

/** The engine's limits from the `[limits]` section (snake_case → EngineLimits). */
export function engineLimitsFrom(limits: RuVectorConfig['limits']): EngineLimits {
  return {
    maxVectorDimension: limits.max_vector_dimension,
    maxBatchPoints: limits.max_batch_points,
    maxSearchLimit: limits.max_search_limit,
    maxPayloadBytes: limits.max_payload_bytes,
    maxFilterDepth: limits.max_filter_depth,
    maxCollectionNameLength: limits.max_collection_name_length,
    maxBatchQueries: limits.max_batch_queries,
  };
}

function engineLogger(logger: Logger): EngineLogger {
  const child = logger.child({ component: 'engine' });
  return (level, message, fields) => child[level](fields ?? {}, message);
}

function listenError(error: unknown, config: RuVectorConfig): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const reason = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges this process lacks' : 'is not an address of this machine';
    return new RvError('RV_LISTEN_FAILED', `cannot listen on ${config.service.host}:${config.service.port}: it ${reason} (service.host, service.port)`, { cause: error, details: { host: config.service.host, port: config.service.port } });
  }
  return error;
}

/** Opens the data directory, builds the server and starts listening. */
export async function startRuVector(options: StartOptions): Promise<RunningRuVector> {
  const { config, logger } = options;
  const db = await Database.open({
    path: resolve(config.storage.path),
    durability: config.storage.durability,
    limits: engineLimitsFrom(config.limits),
    logger: engineLogger(logger),
  });
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  // Tracing is on only with an OTLP endpoint to send spans to.
  const tracing = config.tracing.otlp_endpoint === undefined ? undefined
    : new Tracing({ otlpEndpoint: config.tracing.otlp_endpoint, sampleRatio: config.tracing.sample_ratio, serviceName: 'ruvector', serviceVersion: options.version });
  const stopTracing = async (): Promise<void> => {
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'tracing shutdown failed'));
  };
  try {
    const serverOptions: ServerOptions = {
      host: config.service.host,
      port: config.service.port,
      apiKey: options.adminKey.apiKey,
      readOnlyApiKey: config.service.read_only_api_key,
      authDisabled: config.service.auth_disabled,
      bodyLimitBytes: config.service.max_request_size_mb * 1024 * 1024,
      logger,
      version: options.version,
      ...(tracing === undefined ? {} : { tracing }),
    };
    if (options.adminKey.verifyApiKey !== undefined) serverOptions.verifyApiKey = options.adminKey.verifyApiKey;
    server = await createServer(db, serverOptions);
    const url = await server.listen().catch((error: unknown) => { throw listenError(error, config); });
    let closing: Promise<void> | undefined;
    const running = server;
    return {
      url,
      db,
      close: () => (closing ??= (async () => {
        try {
          await running.close();
        } finally {
          await db.close();
          await stopTracing();
        }
      })()),
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await db.close();
    await stopTracing();
    throw error;
  }
}
