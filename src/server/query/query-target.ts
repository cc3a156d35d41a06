/**
 * What a universal query (execute-query.ts) and a payload-ordered scroll (order-by.ts) run
 * against: one local collection, or a collection of the cluster (cluster-query-target.ts),
 * whose shards answer over NATS. The calls take and return Qdrant's request and response
 * shapes; they are async because the cluster's are.
 */
import type { Distance, PointId } from '../../core/types.js';
import { parsePointId, type Collection, type PointRecord, type ScoredPoint } from '../../engine/index.js';

type Body = Record<string, unknown>;

export interface QueryTarget {
  /** Whether a higher score is better (similarities) or lower (distances). */
  readonly higherIsBetter: boolean;
  readonly distance: Distance;
  /** Qdrant's SearchRequest (`vector` set). */
  search(body: Body): Promise<ScoredPoint[]>;
  /** A search by the stored vector of point `id`, that point excluded (a point id as the query). */
  searchNearPoint(idInput: unknown, body: Body): Promise<ScoredPoint[]>;
  /** Qdrant's RecommendRequest. */
  recommend(body: Body): Promise<ScoredPoint[]>;
  /** Qdrant's ScrollRequest (id order). */
  scroll(body: Body): Promise<{ points: PointRecord[]; next_page_offset: PointId | null }>;
  /** Qdrant's PointRequest. */
  retrieve(body: Body): Promise<PointRecord[]>;
  /** The version (last write's operation id) of each point; a point missing is left out. */
  versionsOf(ids: readonly PointId[]): Promise<Map<string, number>>;
}

/** A local collection as a query target (its calls are synchronous underneath). */
export function localQueryTarget(collection: Collection): QueryTarget {
  return {
    higherIsBetter: collection.metric.higherIsBetter,
    distance: collection.config.vectors.distance,
    search: async (body) => collection.search(body),
    searchNearPoint: async (idInput, body) => {
      const id = parsePointId(idInput, 'query');
      return collection.searchWith(collection.vectorOfPoint(id, 'query'), body, new Set([String(id)]));
    },
    recommend: async (body) => collection.recommend(body),
    scroll: async (body) => collection.scroll(body),
    retrieve: async (body) => collection.retrieve(body),
    versionsOf: async (ids) => {
      const versions = new Map<string, number>();
      for (const id of ids) {
        const internalId = collection.shard.internalIdOf(id);
        const version = internalId === undefined ? undefined : collection.shard.point(internalId, false)?.version;
        if (version !== undefined) versions.set(String(id), version);
      }
      return versions;
    },
  };
}
