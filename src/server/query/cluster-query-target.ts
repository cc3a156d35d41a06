/**
 * A cluster collection as a query target: the universal query (execute-query.ts) and the
 * payload-ordered scroll (order-by.ts) run on the receiving node over the cluster's fan-out
 * reads, so `/points/query` (prefetch, fusion, re-scoring, MMR, order_by, a point id as the
 * query) and scroll with `order_by` answer what a single node does. Every call carries the
 * request's read-your-writes token and context.
 */
import type { ClusterNode, RequestContext } from '../../cluster/index.js';
import { metricFor } from '../../core/distance/metric.js';
import { parsePointId } from '../../engine/index.js';
import { RvError } from '../../errors.js';
import type { QueryTarget } from './query-target.js';

export function clusterQueryTarget(cluster: ClusterNode, name: string, after: Map<number, number> | undefined, context: RequestContext | undefined): QueryTarget {
  const meta = cluster.resolve(name);
  const distance = cluster.configOf(meta).vectors.distance;
  return {
    higherIsBetter: metricFor(distance).higherIsBetter,
    distance,
    search: (body) => cluster.search(name, body, after, context),
    searchNearPoint: async (idInput, body) => {
      const id = parsePointId(idInput, 'query');
      const [record] = await cluster.retrieve(name, { ids: [id], with_payload: false, with_vector: true }, after, context);
      if (record === undefined || !Array.isArray(record.vector)) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${id} found (query)`, { details: { id, field: 'query' } });
      const exclude = { has_id: [id] };
      const filter = body.filter === undefined || body.filter === null ? { must_not: [exclude] } : { must: [body.filter], must_not: [exclude] };
      return cluster.search(name, { ...body, vector: record.vector, filter }, after, context);
    },
    recommend: (body) => cluster.recommend(name, body, after, context),
    scroll: (body) => cluster.scroll(name, body, after, context),
    retrieve: (body) => cluster.retrieve(name, body, after, context),
    versionsOf: (ids) => cluster.versions(name, ids, after, context),
  };
}
