/**
 * Qdrant's CollectionInfo for a collection. A collection here is one segment with one
 * HNSW graph; it is "green" when every point is linked into the graph and "yellow" while
 * the background indexer still has a tail to link (searches are exact over that tail).
 */
import type { Collection } from '../engine/index.js';

/** The figures CollectionInfo reports, from one collection or summed over a cluster's shards. */
export interface CollectionInfoStats {
  points: number;
  indexedVectors: number;
  pendingLinks: number;
  payloadSchema: unknown;
  segments: number;
}

/** The `result` of `GET /collections/{name}` for a configuration and its figures. */
export function collectionInfoOf(config: Collection['config'], stats: CollectionInfoStats): Record<string, unknown> {
  return {
    status: stats.pendingLinks === 0 ? 'green' : 'yellow',
    optimizer_status: 'ok',
    indexed_vectors_count: stats.indexedVectors,
    points_count: stats.points,
    segments_count: stats.segments,
    config: {
      params: {
        vectors: { size: config.vectors.size, distance: config.vectors.distance, on_disk: config.vectors.on_disk },
        shard_number: config.shard_number,
        replication_factor: config.replication_factor,
        write_consistency_factor: config.write_consistency_factor,
        on_disk_payload: config.on_disk_payload,
      },
      hnsw_config: config.hnsw_config,
      optimizer_config: config.optimizers_config,
      wal_config: config.wal_config,
      quantization_config: config.quantization_config,
      ...(Object.keys(config.metadata).length === 0 ? {} : { metadata: config.metadata }),
    },
    payload_schema: stats.payloadSchema,
  };
}

/** The `result` of `GET /collections/{name}` for a local collection (one segment). */
export function collectionInfo(collection: Collection): Record<string, unknown> {
  const info = collection.info();
  return collectionInfoOf(collection.config, { ...info, segments: 1 });
}
