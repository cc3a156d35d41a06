/**
 * The universal query (`POST /points/query`) in cluster mode: its common form, a plain
 * nearest-neighbour query by vector (`query: [..]` or `query: {nearest: [..]}`) with filter,
 * params, score_threshold, limit, offset, with_payload and with_vector, is exactly a legacy
 * SearchRequest, which the cluster already fans out and merges. This turns such a body into
 * that SearchRequest (validated like the single-node route, by planQuery); every other form
 * (prefetch, fusion, order_by, recommend, MMR, a point id or sparse vector as the query, no
 * query) is refused with RV_CLUSTER_UNSUPPORTED naming the field, never answered differently
 * from a single node.
 */
import { RvError } from '../../errors.js';
import type { EngineLimits } from '../../engine/index.js';
import { planQuery } from './query-plan.js';

type Body = Record<string, unknown>;

function unsupported(field: string, what: string): RvError {
  return new RvError('RV_CLUSTER_UNSUPPORTED',
    `${field}: ${what} is not supported by /points/query in cluster mode yet; a nearest-neighbour query by vector is (query: [..] or query: {nearest: [..]}), with filter, limit, offset, score_threshold, with_payload, with_vector`,
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

/**
 * A QueryRequest body → the equivalent SearchRequest body, or RV_CLUSTER_UNSUPPORTED.
 * `field` is the body's place in a batch (`searches[2]`), '' for a single query.
 * @example nearestSearchBody({ query: [0.1, 0.2], limit: 5 }, db.limits) // { vector: [0.1, 0.2], limit: 5, offset: 0, ... }
 */
export function nearestSearchBody(body: Body, limits: EngineLimits, field = ''): Body {
  const plan = planQuery(body, limits, field);
  const prefix = field === '' ? '' : `${field}.`;
  if (plan.prefetch.length > 0) throw unsupported(`${prefix}prefetch`, 'prefetch (and the fusion or re-scoring over it)');
  const query = plan.query;
  if (query.kind === 'none') throw unsupported(`${prefix}query`, 'a query without a vector (id order)');
  if (query.kind !== 'nearest') throw unsupported(formField(body.query, prefix), `the ${query.kind} form`);
  if (query.mmr !== undefined) throw unsupported(`${prefix}query.mmr`, 'MMR re-ranking');
  if (!Array.isArray(query.input)) throw unsupported(formField(body.query, prefix), 'a point id, sparse or multi-vector as the query');
  return {
    vector: query.input,
    ...(plan.filter === undefined ? {} : { filter: plan.filter }),
    ...(plan.params === undefined ? {} : { params: plan.params }),
    ...(plan.scoreThreshold === undefined ? {} : { score_threshold: plan.scoreThreshold }),
    limit: plan.limit,
    offset: plan.offset,
    with_payload: plan.withPayload ?? false,
    with_vector: plan.withVector ?? false,
  };
}
