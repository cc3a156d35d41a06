/** cluster/: RuVector on NATS JetStream (metadata KV, one stream per shard, fan-out reads). The only layer that imports `nats`. */
export { ClusterNode, type ClusterOptions, type ClusterObservers, type ClusterTlsOptions, type NodeStatus, type ClusterCollectionStats, type ClusterWriteResult } from './cluster-node.js';
export { formatToken, parseToken, type CollectionMeta } from './collection-meta.js';
export type { RequestContext } from './fan-out.js';
export { shardOfPoint, rankByRendezvous } from './hashing.js';
export { ClusterWriter } from './cluster-writer.js';
export { clusterOptionsFrom, natsCredentialsFrom, startClusterFromConfig, feedClusterMetrics, type ClusterMetricsSink, type NatsCredentials, type StartClusterOptions } from './from-config.js';
