/**
 * The `[cluster]` config section → a started ClusterNode (or none without `cluster.servers`),
 * and the membership/lag feed into the operational metrics.
 */
import type { RuVectorConfig } from '../config/index.js';
import { RvError } from '../errors.js';
import type { Database, EngineLogger } from '../engine/index.js';
import { ClusterNode, type ClusterOptions } from './cluster-node.js';

/** Where cluster figures go (observability's OperationalMetrics has these setters). */
export interface ClusterMetricsSink {
  setClusterNodes(total: number, healthy: number): void;
  observeReplicationLag(ops: number, seconds?: number): void;
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

/** Starts the node's cluster membership when configured; undefined otherwise. */
export async function startClusterFromConfig(config: RuVectorConfig, db: Database, logger: EngineLogger, listenUrl?: string): Promise<ClusterNode | undefined> {
  const options = clusterOptionsFrom(config, listenUrl);
  if (options === undefined) return undefined;
  return ClusterNode.start(db, { ...options, logger });
}

/** Feeds membership and replication lag into `sink` every `intervalMs`; returns the stop function. */
export function feedClusterMetrics(cluster: ClusterNode, sink: ClusterMetricsSink, intervalMs = 5000): () => void {
  const timer = setInterval(() => {
    const nodes = cluster.nodeStatuses();
    const healthy = nodes.filter((n) => n.healthy).length;
    sink.setClusterNodes(Math.max(nodes.length, healthy), healthy);
    for (const replica of cluster.localReplicas()) sink.observeReplicationLag(replica.lag);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
