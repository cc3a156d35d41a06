/**
 * The `[cluster]` config section → a started ClusterNode (or none without `cluster.servers`),
 * its NATS credentials read from the `[secrets]` provider, and the membership/lag/fan-out/
 * reconnect feed into the operational metrics.
 */
import type { RuVectorConfig } from '../config/index.js';
import { RvError } from '../errors.js';
import type { Database, EngineLogger } from '../engine/index.js';
import type { DependencyPolicies } from '../reliability/index.js';
import { createSecretProvider, type SecretProvider, type SecretProviderOutbound } from '../security/secrets/index.js';
import { ClusterNode, type ClusterOptions } from './cluster-node.js';

/** Where cluster figures go (observability's OperationalMetrics has these setters). */
export interface ClusterMetricsSink {
  setClusterNodes(total: number, healthy: number): void;
  observeReplicationLag(ops: number, seconds?: number): void;
  observeClusterFanOut(op: string, seconds: number, outcome: 'ok' | 'error'): void;
  natsReconnected(): void;
  streamLeaderChanged(): void;
  shardReassigned(): void;
}

/** The ClusterOptions of a config; undefined when `cluster.servers` is unset. */
export function clusterOptionsFrom(config: RuVectorConfig, listenUrl?: string): ClusterOptions | undefined {
  const c = config.cluster;
  if (c.servers === undefined) return undefined;
  if (c.node_id === undefined) throw new RvError('RV_CONFIG_INVALID', 'cluster.node_id is required with cluster.servers (--node-id N)', { details: { field: 'cluster.node_id' } });
  const tls = c.tls_ca_file === undefined && c.tls_cert_file === undefined ? undefined : {
    ...(c.tls_ca_file === undefined ? {} : { caFile: c.tls_ca_file }),
    ...(c.tls_cert_file === undefined ? {} : { certFile: c.tls_cert_file }),
    ...(c.tls_key_file === undefined ? {} : { keyFile: c.tls_key_file }),
  };
  const advertiseUrl = c.advertise_url ?? listenUrl;
  return {
    servers: c.servers.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    nodeId: c.node_id,
    ...(advertiseUrl === undefined ? {} : { advertiseUrl }),
    ...(tls === undefined ? {} : { tls }),
    defaultReplicationFactor: c.replication_factor,
    maxStreamReplicas: c.max_stream_replicas,
    metaReplicas: c.meta_replicas,
    heartbeatMs: c.heartbeat_ms,
    nodeTtlMs: c.node_ttl_ms,
    requestTimeoutMs: c.request_timeout_ms,
    writeTimeoutMs: c.write_timeout_ms,
    readWaitMs: c.read_wait_ms,
    snapshotEveryOps: c.snapshot_every_ops,
    streamRetainOps: c.stream_retain_ops,
  };
}

/** NATS credentials: a user with a password, or a token (never both); values never logged. */
export type NatsCredentials = Pick<ClusterOptions, 'user' | 'pass' | 'token'>;

/**
 * Reads `cluster.nats_password_secret` / `cluster.nats_token_secret` through the secrets
 * provider (`cluster.nats_user` is not secret). Nothing configured: no credentials.
 * @throws RV_CONFIG_INVALID for a password without a user, a user without a password, or a
 *   token together with a user; RV_SECRET_NOT_FOUND when a named secret has no value.
 * @example
 *   // RUVECTOR__CLUSTER__NATS_USER=ruvector, RUVECTOR__CLUSTER__NATS_PASSWORD_SECRET=nats_password,
 *   // [secrets] provider = "env": the password is RUVECTOR_NATS_PASSWORD
 *   const credentials = await natsCredentialsFrom(config, createSecretProvider(config.secrets));
 */
export async function natsCredentialsFrom(config: Pick<RuVectorConfig, 'cluster'>, secrets: () => SecretProvider): Promise<NatsCredentials> {
  const { nats_user: user, nats_password_secret: passwordSecret, nats_token_secret: tokenSecret } = config.cluster;
  if (tokenSecret !== undefined && (user !== undefined || passwordSecret !== undefined)) {
    throw new RvError('RV_CONFIG_INVALID', 'cluster.nats_token_secret cannot be combined with cluster.nats_user / cluster.nats_password_secret: NATS takes a token or a user and password', { details: { field: 'cluster.nats_token_secret' } });
  }
  if ((user === undefined) !== (passwordSecret === undefined)) {
    const missing = user === undefined ? 'cluster.nats_user' : 'cluster.nats_password_secret';
    throw new RvError('RV_CONFIG_INVALID', `cluster.nats_user and cluster.nats_password_secret go together: ${missing} is unset`, { details: { field: missing } });
  }
  if (tokenSecret !== undefined) return { token: await secrets().get(tokenSecret) };
  if (user !== undefined && passwordSecret !== undefined) return { user, pass: await secrets().get(passwordSecret) };
  return {};
}

export interface StartClusterOptions extends SecretProviderOutbound {
  /** The process's breaker registry: the fan-out's per-node breakers join it (`/ready`, breaker gauge). */
  dependencies?: DependencyPolicies;
  /** Default: the `[secrets]` provider over process.env. */
  secrets?: SecretProvider;
  listenUrl?: string;
  /** Traces shard requests under the sender's span (main.ts: Tracing.runJob); absent: untraced. */
  traceRemote?: ClusterOptions['traceRemote'];
}

/** Starts the node's cluster membership when configured; undefined otherwise. */
export async function startClusterFromConfig(config: RuVectorConfig, db: Database, logger: EngineLogger, options: StartClusterOptions = {}): Promise<ClusterNode | undefined> {
  const clusterOptions = clusterOptionsFrom(config, options.listenUrl);
  if (clusterOptions === undefined) return undefined;
  const credentials = await natsCredentialsFrom(config, () => options.secrets ?? createSecretProvider(config.secrets, process.env, options));
  return ClusterNode.start(db, {
    ...clusterOptions, ...credentials, logger,
    ...(options.dependencies === undefined ? {} : { dependencies: options.dependencies }),
    ...(options.traceRemote === undefined ? {} : { traceRemote: options.traceRemote }),
  });
}

/**
 * Feeds membership and replication lag into `sink` every `intervalMs`, and each fan-out's
 * duration, NATS reconnect, stream leader change and replica reassignment as they happen; returns the stop function. (The per-node
 * breakers reach `ruvector_circuit_breaker_state` through the shared DependencyPolicies.)
 */
export function feedClusterMetrics(cluster: ClusterNode, sink: ClusterMetricsSink, intervalMs = 5000): () => void {
  const stopObserving = cluster.observe({
    onFanOut: (op, seconds, outcome) => sink.observeClusterFanOut(op, seconds, outcome),
    onReconnect: () => sink.natsReconnected(),
    onStreamLeaderElected: () => sink.streamLeaderChanged(),
    onReplicaReassigned: () => sink.shardReassigned(),
  });
  const timer = setInterval(() => {
    const nodes = cluster.nodeStatuses();
    const healthy = nodes.filter((n) => n.healthy).length;
    sink.setClusterNodes(Math.max(nodes.length, healthy), healthy);
    void cluster.replicationLags().then((lags) => {
      for (const lag of lags) sink.observeReplicationLag(lag.ops, lag.seconds);
    }, () => undefined);
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    stopObserving();
  };
}
