/**
 * Schemas of the search routes: the Universal Query API (`QueryRequest`, `Prefetch`,
 * `QueryRequestBatch`) and the older `SearchRequest` / `RecommendRequest` that Qdrant 1.19
 * still serves. `Prefetch` is recursive, so it is a shared schema (`$ref: 'Prefetch#'`).
 */
import {
  collectionParams, filter, limit, lookupFrom, offset, orderBy, pointId, readQuery, responses, scoreThreshold,
  scoredPointResult, searchParams, shardKey, using, vector, withPayload, withVector,
} from './common.js';
import { arrayOf, nullable, object, type JsonSchema } from './json-schema.js';

const tags = ['Search'];

/** Qdrant's VectorInput for dense vectors: the vector itself, or the id of a point whose vector to use. */
const vectorInput: JsonSchema = { description: 'A vector or a point id', anyOf: [vector, pointId] };

const mmr = nullable(object({
  diversity: nullable({ type: 'number', minimum: 0, maximum: 1, description: '0 = relevance only, 1 = diversity only (default 0.5)' }),
  candidates_limit: nullable({ type: 'integer', minimum: 0, maximum: 16384, description: 'Candidates to re-rank (default: limit)' }),
}, { description: 'Maximal marginal relevance re-ranking' }));

const strategy = nullable({ type: 'string', enum: ['average_vector', 'best_score', 'sum_scores'] });

const recommendInput = object({
  positive: nullable(arrayOf(vectorInput)),
  negative: nullable(arrayOf(vectorInput)),
  strategy,
});

/** Qdrant's QueryInterface, restricted to what a single dense vector supports. */
export const query: JsonSchema = {
  description: 'A vector, a point id, {nearest[, mmr]}, {recommend}, {order_by}, {fusion: "rrf"|"dbsf"} or {rrf: {k, weights}}',
  anyOf: [
    vector,
    pointId,
    object({ nearest: vectorInput, mmr }, { required: ['nearest'] }),
    object({ recommend: recommendInput }, { required: ['recommend'] }),
    object({ order_by: orderBy }, { required: ['order_by'] }),
    object({ fusion: { type: 'string', enum: ['rrf', 'dbsf'] } }, { required: ['fusion'] }),
    object({ rrf: object({ k: nullable({ type: 'integer', minimum: 1 }), weights: nullable(arrayOf({ type: 'number', minimum: 0 })) }) }, { required: ['rrf'] }),
    { type: 'null' },
  ],
};

const prefetchRef: JsonSchema = { anyOf: [{ $ref: 'Prefetch#' }, arrayOf({ $ref: 'Prefetch#' }), { type: 'null' }] };

/** A prefetch stage: its own query, filter, params and limit; nested stages run first. */
export const prefetchSchema: JsonSchema = {
  $id: 'Prefetch',
  ...object({
    prefetch: prefetchRef,
    query,
    using,
    filter,
    params: searchParams,
    score_threshold: scoreThreshold,
    limit,
    lookup_from: lookupFrom,
  }, { description: 'A sub-request whose results the outer query re-scores or fuses' }),
};

const queryRequest = object({
  prefetch: prefetchRef,
  query,
  using,
  filter,
  params: searchParams,
  score_threshold: scoreThreshold,
  limit,
  offset,
  with_vector: withVector,
  with_payload: withPayload,
  lookup_from: lookupFrom,
  shard_key: shardKey,
});

const searchRequest = object({
  vector: { description: 'The query vector, or {name, vector}', anyOf: [vector, object({ name: { type: 'string' }, vector }, { required: ['vector'] })] },
  filter,
  params: searchParams,
  limit,
  top: limit,
  offset,
  with_payload: withPayload,
  with_vector: withVector,
  score_threshold: scoreThreshold,
  shard_key: shardKey,
}, { required: ['vector'] });

const recommendRequest = object({
  positive: nullable(arrayOf(vectorInput)),
  negative: nullable(arrayOf(vectorInput)),
  strategy,
  filter,
  params: searchParams,
  limit,
  offset,
  with_payload: withPayload,
  with_vector: withVector,
  score_threshold: scoreThreshold,
  using,
  lookup_from: lookupFrom,
  shard_key: shardKey,
});

const batchOf = (request: JsonSchema): JsonSchema => object({ searches: arrayOf(request) }, { required: ['searches'] });
const scored = arrayOf(scoredPointResult);
const queryResponse = object({ points: scored });
const read = { tags, params: collectionParams, querystring: readQuery };

export const searchSchemas = {
  query: { ...read, summary: 'Universal query: search, recommend, order, fuse, re-rank', operationId: 'query_points', body: queryRequest, response: responses(queryResponse) },
  queryBatch: { ...read, summary: 'Several universal queries', operationId: 'query_batch_points', body: batchOf(queryRequest), response: responses(arrayOf(queryResponse)) },
  search: { ...read, summary: 'Nearest-neighbour search (legacy)', operationId: 'search_points', body: searchRequest, response: responses(scored) },
  searchBatch: { ...read, summary: 'Several searches (legacy)', operationId: 'search_batch_points', body: batchOf(searchRequest), response: responses(arrayOf(scored)) },
  recommend: { ...read, summary: 'Recommend by examples (legacy)', operationId: 'recommend_points', body: recommendRequest, response: responses(scored) },
  recommendBatch: { ...read, summary: 'Several recommendations (legacy)', operationId: 'recommend_batch_points', body: batchOf(recommendRequest), response: responses(arrayOf(scored)) },
} as const;
