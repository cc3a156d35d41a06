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
import { parseTrustedProxies } from './config/index.js';
import { Database, MasterKeyRotation, type EngineLimits, type EngineLogger } from './engine/index.js';
import { keyringFromConfig } from './security/crypto/index.js';
import { createSecretProvider, type SecretProviderOutbound } from './security/secrets/index.js';
import { RvError } from './errors.js';
import { createServer, type ServerOptions } from './server/index.js';
import { createSecurityContext, type SecurityContext } from './security/security-context.js';
import { moduleLogger, Tracing } from './observability/index.js';
import { DependencyPolicies, DiskSpaceMonitor, ShutdownHooks, WriteGate, reliabilitySettingsFrom, secretsOutboundFor } from './reliability/index.js';
import { BackupScheduler, backupServiceFromConfig, scheduleFrom, type BackupService } from './backup/index.js';
import { auditLogFromConfig, type AuditLog } from './security/audit/index.js';
import { feedClusterMetrics, startClusterFromConfig, type ClusterNode } from './cluster/index.js';

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
  /**
   * The graceful shutdown (docs/operations/reliability.md): readiness 503, listener closed,
   * in-flight requests finish (bounded by reliability.shutdown_timeout_ms), `before-database-close`
   * hooks, the engine closes (queued writes flushed, indexes checkpointed), `after-database-close`
   * hooks, tracing flushed. Idempotent; never rejects because of a hook.
   */
  close(): Promise<void>;
  /** Register shutdown work here (audit flush, backup scheduler stop, cluster leave). */
  shutdownHooks: ShutdownHooks;
  /** Circuit breakers + retries + timeouts for outbound dependencies (reliability/policies.ts). */
  dependencies: DependencyPolicies;
  /** Read-only mode: operator lock (POST /locks) and the free-disk monitor. */
  writeGate: WriteGate;
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

/**
 * A module logger (`module` field on every line; its level can be overridden alone with
 * PUT /admin/log-level {"module": "engine"}) in the engine's logging shape.
 */
function engineLogger(logger: Logger, module = 'engine'): EngineLogger {
  const child = moduleLogger(logger, module);
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

/**
 * Authentication and RBAC over the data directory: stored keys and roles in `<data>/.auth`,
 * roles and JWT issuers from the files the config names; JWKS fetches go through a breaker.
 */
async function securityFromConfig(config: RuVectorConfig, adminKey: AdminKeyOption, dependencies: DependencyPolicies): Promise<SecurityContext> {
  const jwks = dependencies.create({ name: 'jwks', timeoutMs: 5000, retries: 1 });
  return createSecurityContext({
    ...(adminKey.apiKey === undefined ? {} : { apiKey: adminKey.apiKey }),
    ...(config.service.read_only_api_key === undefined ? {} : { readOnlyApiKey: config.service.read_only_api_key }),
    ...(adminKey.verifyApiKey === undefined ? {} : { verifyBootstrapKey: adminKey.verifyApiKey }),
    dataDir: resolve(config.storage.path),
    ...(config.auth.roles_file === undefined ? {} : { rolesFile: config.auth.roles_file }),
    ...(config.auth.jwt_issuers_file === undefined ? {} : { jwtIssuersFile: config.auth.jwt_issuers_file }),
    jwt: {
      leewaySeconds: config.auth.jwt_leeway_seconds,
      jwksRefreshSeconds: config.auth.jwks_refresh_seconds,
      jwksCooldownSeconds: config.auth.jwks_cooldown_seconds,
      // A JWKS endpoint answering an error counts as a failure of the dependency.
      wrapFetch: (fetchJwks) => (url, init) => jwks.execute(async (signal) => {
        const response = await fetchJwks(url, { ...init, signal: init.signal === undefined ? signal : AbortSignal.any([init.signal, signal]) });
        if (!response.ok) throw new Error(`JWKS ${url} answered HTTP ${response.status}`);
        return response;
      }),
    },
  });
}

/**
 * HTTPS, rate limits and CORS from the `[tls]`, `[rate_limit]` and `[service]` sections. Each
 * TLS PEM comes from its file or from a secret of `[secrets]` (`*_secret`), re-read (past the
 * provider's cache) every `tls.reload_interval_seconds`.
 */
function serverTransportFromConfig(config: RuVectorConfig, secretsOutbound: SecretProviderOutbound): Pick<ServerOptions, 'tls' | 'rateLimit' | 'corsOrigins' | 'trustedProxies'> {
  const { tls, rate_limit: limits } = config;
  const hasCert = tls.cert_file !== undefined || tls.cert_secret !== undefined;
  const hasKey = tls.key_file !== undefined || tls.key_secret !== undefined;
  if (hasCert !== hasKey) {
    throw new RvError('RV_CONFIG_INVALID', 'the TLS certificate and key go together: set tls.cert_file or tls.cert_secret and tls.key_file or tls.key_secret for HTTPS, or neither', { details: { field: hasCert ? 'tls.key_file' : 'tls.cert_file' } });
  }
  const usesSecrets = tls.cert_secret !== undefined || tls.key_secret !== undefined || tls.ca_secret !== undefined;
  const secrets = usesSecrets ? createSecretProvider(config.secrets, process.env, secretsOutbound) : undefined;
  const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : { [key]: value } as Record<K, V>);
  return {
    ...(!hasCert ? {} : {
      tls: {
        ...optional('certFile', tls.cert_file), ...optional('keyFile', tls.key_file), ...optional('caFile', tls.ca_file),
        ...optional('certSecret', tls.cert_secret), ...optional('keySecret', tls.key_secret), ...optional('caSecret', tls.ca_secret),
        ...(secrets === undefined ? {} : { readSecret: (name: string) => secrets.get(name), refreshSecrets: () => secrets.refresh() }),
        clientAuth: tls.client_auth, reloadIntervalSeconds: tls.reload_interval_seconds,
      },
    }),
    rateLimit: !limits.enabled ? false : {
      windowSeconds: limits.window_seconds, perIp: limits.per_ip,
      readPerPrincipal: limits.read_per_principal, writePerPrincipal: limits.write_per_principal, adminPerPrincipal: limits.admin_per_principal,
    },
    ...(config.service.cors_origins === undefined ? {} : { corsOrigins: config.service.cors_origins.split(',').map((o) => o.trim()).filter((o) => o.length > 0) }),
    ...(config.service.trusted_proxies === undefined ? {} : { trustedProxies: parseTrustedProxies(config.service.trusted_proxies) }),
  };
}

/** Opens the data directory, builds the server and starts listening. */
export async function startRuVector(options: StartOptions): Promise<RunningRuVector> {
  const { config, logger } = options;
  const dependencies = new DependencyPolicies();
  // Vault is an outbound dependency (env and file secrets are local): its calls go through a breaker.
  const secretsOutbound = secretsOutboundFor(config.secrets, dependencies);
  // [storage] encryption: the master key from [secrets]; a missing or malformed key stops the start here.
  const encryption = await keyringFromConfig(config, process.env, secretsOutbound);
  const db = await Database.open({
    ...(encryption === undefined ? {} : { sealing: encryption.keyring }),
    path: resolve(config.storage.path),
    durability: config.storage.durability,
    limits: engineLimitsFrom(config.limits),
    logger: engineLogger(logger),
    // With backups configured the op log keeps every record no backup holds yet.
    retainOpsForBackup: config.backup.target !== undefined,
  });
  let backups: BackupService | undefined;
  let audit: AuditLog | undefined;
  let backupScheduler: BackupScheduler | undefined;
  const stopBackups = async (): Promise<void> => {
    await backupScheduler?.stop();
    await backups?.close();
  };
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  let cluster: ClusterNode | undefined;
  const rotation = encryption === undefined ? undefined
    : new MasterKeyRotation({ db, keyring: encryption.keyring, secrets: encryption.secrets, logger: engineLogger(logger) });
  const reliability = reliabilitySettingsFrom(config.reliability);
  const shutdownHooks = new ShutdownHooks();
  const writeGate = new WriteGate(Math.max(1, Math.ceil(reliability.diskCheckIntervalMs / 1000)));
  const reliabilityLog = moduleLogger(logger, 'reliability');
  const diskMonitor = new DiskSpaceMonitor({
    path: db.path, minFreeBytes: reliability.minFreeDiskBytes, intervalMs: reliability.diskCheckIntervalMs, gate: writeGate,
    onChange: (readOnly, freeBytes) => (readOnly
      ? reliabilityLog.error({ free_bytes: freeBytes, min_free_bytes: reliability.minFreeDiskBytes }, 'free disk space below reliability.min_free_disk_mb: writes refused (read-only) until space returns')
      : reliabilityLog.warn({ free_bytes: freeBytes }, 'free disk space is back above the threshold: writes accepted again')),
    onError: (error) => reliabilityLog.warn({ error: (error as Error).message }, 'free disk space check failed'),
  });
  // Tracing is on only with an OTLP endpoint to send spans to.
  const tracing = config.tracing.otlp_endpoint === undefined ? undefined
    : new Tracing({ otlpEndpoint: config.tracing.otlp_endpoint, sampleRatio: config.tracing.sample_ratio, serviceName: 'ruvector', serviceVersion: options.version });
  const stopTracing = async (): Promise<void> => {
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ error: (error as Error).message }, 'tracing shutdown failed'));
  };
  try {
    const backupLog = moduleLogger(logger, 'backup');
    // With storage.encryption on, backup parts are sealed under the keyring's 'backup' purpose key.
    backups = await backupServiceFromConfig({
      config, db, policies: dependencies, log: (level, message, fields) => backupLog[level](fields ?? {}, message),
      secrets: () => createSecretProvider(config.secrets, process.env, secretsOutbound),
      ...(encryption === undefined ? {} : { envelope: encryption.keyring.purposeEnvelope('backup') }),
    });
    const auditLogger = moduleLogger(logger, 'audit');
    audit = await auditLogFromConfig(config, { ...secretsOutbound, onError: (error) => auditLogger.error({ error: error.message }, 'audit batch not yet durable (retried)') });
    // [cluster] servers set: join the cluster; the routes then go through it (docs/cluster.md).
    // NATS credentials from [secrets]; the per-node breakers join `dependencies` (/ready, breaker gauge).
    cluster = await startClusterFromConfig(config, db, engineLogger(logger, 'cluster'), {
      ...secretsOutbound, dependencies,
      ...(tracing === undefined ? {} : { traceRemote: (name, carrier, fn) => tracing.runJob(name, () => fn(), { carrier }) }),
    });
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
      loadShedding: reliability.loadShedding,
      requestTimeouts: reliability.requestTimeouts,
      writeGate,
      dependencies,
      ...(backups === undefined ? {} : { backups }),
      ...(audit === undefined ? {} : { audit }),
      ...(rotation === undefined ? {} : { encryption: rotation }),
      ...(cluster === undefined ? {} : { cluster }),
    };
    const security = await securityFromConfig(config, options.adminKey, dependencies);
    serverOptions.security = security;
    // In a cluster, stored API keys and API-managed roles are the same on every node.
    await cluster?.replicateSecurity(security.keyStore, security.roles);
    Object.assign(serverOptions, serverTransportFromConfig(config, secretsOutbound));
    server = await createServer(db, serverOptions);
    const metricsSink = server.operationalMetrics;
    dependencies.observe((name, state) => metricsSink.setCircuitBreakerState(name, state));
    await diskMonitor.start();
    const url = await server.listen().catch((error: unknown) => { throw listenError(error, config); });
    cluster?.advertise(url);
    const stopClusterMetrics = cluster === undefined ? undefined : feedClusterMetrics(cluster, metricsSink);
    if (backups !== undefined) {
      backupScheduler = new BackupScheduler(backups, scheduleFrom(config.backup), (level, message, fields) => backupLog[level](fields ?? {}, message),
        tracing === undefined ? undefined : (name, fn) => tracing.runJob(name, () => fn()));
      backupScheduler.start();
    }
    let closing: Promise<void> | undefined;
    const running = server;
    const hookLog = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>): void => reliabilityLog[level](fields, message);
    return {
      url,
      db,
      shutdownHooks,
      dependencies,
      writeGate,
      close: () => (closing ??= (async () => {
        try {
          await running.close(reliability.shutdown);
          // After the server: the last requests' events are recorded, then made durable.
          await audit?.close().catch((error: unknown) => logger.error({ error: (error as Error).message }, 'audit log close failed'));
        } finally {
          diskMonitor.stop();
          await stopBackups();
          await shutdownHooks.run('before-database-close', hookLog);
          await rotation?.stop(); // a re-seal pass resumes with the next rotate call
          stopClusterMetrics?.();
          await cluster?.close();
          await db.close();
          await shutdownHooks.run('after-database-close', hookLog);
          await stopTracing();
        }
      })()),
    };
  } catch (error) {
    diskMonitor.stop();
    await stopBackups().catch(() => undefined);
    await audit?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await rotation?.stop().catch(() => undefined);
    await cluster?.close().catch(() => undefined);
    await db.close();
    await stopTracing();
    throw error;
  }
}
