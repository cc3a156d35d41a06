/** Search routes: the universal query (and its batch), plus the legacy search and recommend. */
import type { FastifyInstance } from 'fastify';
import { RvError } from '../../errors.js';
import type { Collection, Database, EngineLimits } from '../../engine/index.js';
import { checkUsing, rejectUnsupported } from '../compat.js';
import { ok } from '../envelope.js';
import { executeQuery } from '../query/execute-query.js';
import { planQuery } from '../query/query-plan.js';
import { localQueryTarget } from '../query/query-target.js';
import { searchSchemas as schemas } from '../schemas/search.js';

type Body = Record<string, unknown>;
interface NameParams { collection_name: string }
interface BatchBody { searches: Body[] }

/** A batch of searches, queries or recommendations within the engine's batch limit (shared with the cluster routes). */
export function checkBatchSize(count: number, limits: EngineLimits): void {
  if (count > limits.maxBatchQueries) {
    throw new RvError('RV_LIMIT_EXCEEDED', `searches has ${count} requests, over the batch limit of ${limits.maxBatchQueries}`, { details: { field: 'searches', limit: limits.maxBatchQueries } });
  }
}

/** Qdrant's SearchRequest body with `vector` as the vector itself: `{name, vector}` unwrapped (name "" = the unnamed vector). */
export function legacySearchBody(body: Body, prefix: string): Body {
  rejectUnsupported(body, ['shard_key'], prefix);
  let vector = body.vector;
  if (typeof vector === 'object' && vector !== null && !Array.isArray(vector)) {
    const named = vector as { name?: unknown; vector: unknown };
    checkUsing(named.name, `${prefix}vector.name`);
    vector = named.vector;
  }
  return { ...body, vector };
}

/** Qdrant's SearchRequest on one local collection. */
function legacySearch(collection: Collection, body: Body, prefix: string): ReturnType<Collection['search']> {
  return collection.search(legacySearchBody(body, prefix));
}

/** A RecommendRequest checked for what RuVector refuses (shared with the cluster routes). */
export function legacyRecommendBody(body: Body, prefix: string): Body {
  rejectUnsupported(body, ['shard_key', 'lookup_from'], prefix);
  checkUsing(body.using, `${prefix}using`);
  return body;
}

function legacyRecommend(collection: Collection, body: Body, prefix: string): ReturnType<Collection['recommend']> {
  return collection.recommend(legacyRecommendBody(body, prefix));
}

/** Registers the query, search and recommend routes on `app`. */
export function registerSearchRoutes(app: FastifyInstance, db: Database): void {
  const read = { permission: 'collection:read' as const };
  const pageSize = db.limits.maxSearchLimit;

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/query', { schema: schemas.query, config: read }, async (request, reply) => {
    const target = localQueryTarget(db.collection(request.params.collection_name));
    const plan = planQuery(request.body, db.limits);
    return ok(reply, { points: await executeQuery(target, plan, pageSize) });
  });

  app.post<{ Params: NameParams; Body: BatchBody }>('/collections/:collection_name/points/query/batch', { schema: schemas.queryBatch, config: read }, async (request, reply) => {
    const target = localQueryTarget(db.collection(request.params.collection_name));
    checkBatchSize(request.body.searches.length, db.limits);
    // Every request is checked before any runs: a bad one fails the batch at once.
    const plans = request.body.searches.map((search, i) => planQuery(search, db.limits, `searches[${i}]`));
    // Between queries the request's deadline is checked: a batch past its time limit stops (504 RV_TIMEOUT).
    const results = [];
    for (const plan of plans) {
      request.deadline?.throwIfExpired();
      results.push({ points: await executeQuery(target, plan, pageSize) });
    }
    return ok(reply, results);
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/search', { schema: schemas.search, config: read }, async (request, reply) =>
    ok(reply, legacySearch(db.collection(request.params.collection_name), request.body, '')));

  app.post<{ Params: NameParams; Body: BatchBody }>('/collections/:collection_name/points/search/batch', { schema: schemas.searchBatch, config: read }, async (request, reply) => {
    const collection = db.collection(request.params.collection_name);
    checkBatchSize(request.body.searches.length, db.limits);
    return ok(reply, request.body.searches.map((search, i) => { request.deadline?.throwIfExpired(); return legacySearch(collection, search, `searches[${i}].`); }));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/recommend', { schema: schemas.recommend, config: read }, async (request, reply) =>
    ok(reply, legacyRecommend(db.collection(request.params.collection_name), request.body, '')));

  app.post<{ Params: NameParams; Body: BatchBody }>('/collections/:collection_name/points/recommend/batch', { schema: schemas.recommendBatch, config: read }, async (request, reply) => {
    const collection = db.collection(request.params.collection_name);
    checkBatchSize(request.body.searches.length, db.limits);
    return ok(reply, request.body.searches.map((search, i) => { request.deadline?.throwIfExpired(); return legacyRecommend(collection, search, `searches[${i}].`); }));
  });
}
