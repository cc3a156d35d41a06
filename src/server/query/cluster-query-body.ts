/**
 * The universal query (`POST /points/query`) in cluster mode. Its two common forms, with
 * filter, params, score_threshold, limit, offset, with_payload and with_vector, are exactly a
 * legacy request the cluster already fans out and merges:
 *   - a nearest-neighbour query by vector (`query: [..]` or `query: {nearest: [..]}`) → a
 *     SearchRequest;
 *   - `query: {recommend: {positive, negative, strategy}}` → a RecommendRequest.
 * This turns such a body into that request (validated like the single-node route, by
 * planQuery); every other form (prefetch, fusion, order_by, MMR, a point id or sparse vector as
 * the query, no query) is refused with RV_CLUSTER_UNSUPPORTED naming the field, never answered
 * differently from a single node.
 */
import { RvError } from '../../errors.js';
import type { EngineLimits } from '../../engine/index.js';
import { planQuery } from './query-plan.js';

type Body = Record<string, unknown>;

function unsupported(field: string, what: string): RvError {
  return new RvError('RV_CLUSTER_UNSUPPORTED',
    `${field}: ${what} is not supported by /points/query in cluster mode yet; a nearest-neighbour query by vector (query: [..] or query: {nearest: [..]}) and query: {recommend: ..} are, with filter, limit, offset, score_threshold, with_payload, with_vector`,
    { details: { field } });
}

/** The name of the query form in the raw body (`query.recommend`, `query.rrf`, ...), for the message. */
function formField(query: unknown, prefix: string): string {
  if (typeof query === 'object' && query !== null && !Array.isArray(query)) {
    const key = Object.keys(query)[0];
    if (key !== undefined) return `${prefix}query.${key}`;
  }
  return `${prefix}query`;
}

/** What a QueryRequest becomes in cluster mode: a legacy search or recommend body. */
export type ClusterQuery = { op: 'search' | 'recommend'; body: Body };

/**
 * A QueryRequest body → the equivalent SearchRequest or RecommendRequest body, or
 * RV_CLUSTER_UNSUPPORTED. `field` is the body's place in a batch (`searches[2]`), '' for a single query.
 * @example clusterQueryBody({ query: [0.1, 0.2], limit: 5 }, db.limits) // { op: 'search', body: { vector: [0.1, 0.2], limit: 5, offset: 0, ... } }
 */
export function clusterQueryBody(body: Body, limits: EngineLimits, field = ''): ClusterQuery {
  const plan = planQuery(body, limits, field);
  const prefix = field === '' ? '' : `${field}.`;
  if (plan.prefetch.length > 0) throw unsupported(`${prefix}prefetch`, 'prefetch (and the fusion or re-scoring over it)');
  const query = plan.query;
  if (query.kind === 'none') throw unsupported(`${prefix}query`, 'a query without a vector (id order)');
  const common = {
    ...(plan.filter === undefined ? {} : { filter: plan.filter }),
    ...(plan.params === undefined ? {} : { params: plan.params }),
    ...(plan.scoreThreshold === undefined ? {} : { score_threshold: plan.scoreThreshold }),
    limit: plan.limit,
    offset: plan.offset,
    with_payload: plan.withPayload ?? false,
    with_vector: plan.withVector ?? false,
  };
  if (query.kind === 'recommend') {
    return { op: 'recommend', body: { ...common, positive: query.positive, negative: query.negative, ...(query.strategy === undefined ? {} : { strategy: query.strategy }) } };
  }
  if (query.kind !== 'nearest') throw unsupported(formField(body.query, prefix), `the ${query.kind} form`);
  if (query.mmr !== undefined) throw unsupported(`${prefix}query.mmr`, 'MMR re-ranking');
  if (!Array.isArray(query.input)) throw unsupported(formField(body.query, prefix), 'a point id, sparse or multi-vector as the query');
  return { op: 'search', body: { ...common, vector: query.input } };
}
