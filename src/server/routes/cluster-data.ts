/**
 * The collection, point and search routes in cluster mode: the same paths, schemas and
 * validation as the single-node routes (collections.ts, points.ts, search.ts), answered
 * through the cluster (cluster/cluster-node.ts) instead of the local Database. createServer
 * registers these instead of those when it is given a ClusterNode; single-node serving is
 * untouched.
 *
 * Read-your-writes: every write answers with the header `x-ruvector-write-token` (the
 * acknowledged sequence per shard, e.g. `0:12,1:40`); a read that sends it back as
 * `x-ruvector-read-after` is served only by replicas that have applied those sequences.
 * Without it, reads are eventually consistent (any caught-up replica).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatToken, parseToken, type ClusterNode, type ClusterWriter, type RequestContext } from '../../cluster/index.js';
import { RvError } from '../../errors.js';
import { checkUpdateMode, rejectUnsupported, writeOptionsOf } from '../compat.js';
import { ok } from '../envelope.js';
import { propagationHeaders } from '../../observability/index.js';
import { mayReadCollection } from '../auth.js';
import { collectionInfoOf } from '../collection-info.js';
import { checkBatchSize, legacyRecommendBody, legacySearchBody } from './search.js';
import { clusterQueryTarget } from '../query/cluster-query-target.js';
import { executeQuery } from '../query/execute-query.js';
import { orderedScroll } from '../query/order-by.js';
import { planQuery } from '../query/query-plan.js';
import { collectionSchemas } from '../schemas/collections.js';
import { pointSchemas } from '../schemas/points.js';
import { searchSchemas } from '../schemas/search.js';

type Body = Record<string, unknown>;
interface NameParams { collection_name: string }
interface BatchBody { searches: Body[] }

export const WRITE_TOKEN_HEADER = 'x-ruvector-write-token';
export const READ_AFTER_HEADER = 'x-ruvector-read-after';

/**
 * What travels with the shard requests: the correlation id, and the trace context of this
 * node's request span (its traceparent, so the replicas' spans are its children, not the
 * client's; sampled or not as the request is).
 */
function contextOf(request: FastifyRequest): RequestContext {
  const carried = propagationHeaders();
  return { correlationId: request.id, traceparent: carried.traceparent, tracestate: carried.tracestate };
}

function readAfterOf(request: FastifyRequest): Map<number, number> | undefined {
  const value = request.headers[READ_AFTER_HEADER];
  if (value === undefined) return undefined;
  const token = typeof value === 'string' && value.length <= 4096 ? parseToken(value) : undefined;
  if (token === undefined) {
    throw new RvError('RV_INVALID_ARGUMENT', `${READ_AFTER_HEADER}: expected the ${WRITE_TOKEN_HEADER} of a write ("shard:seq,…"), got ${JSON.stringify(String(value).slice(0, 64))}`, { details: { field: READ_AFTER_HEADER } });
  }
  return token;
}

/** Registers the cluster-mode collection, point and search routes. */
export function registerClusterDataRoutes(app: FastifyInstance, cluster: ClusterNode): void {
  const read = { permission: 'collection:read' as const };
  const write = { permission: 'collection:write' as const };
  const admin = { permission: 'collection:admin' as const };

  /** Runs a write through the cluster and answers Qdrant's result plus the write token header. */
  const writeRoute = async <T>(request: FastifyRequest<{ Params: NameParams }>, reply: FastifyReply, run: (writer: ClusterWriter) => Promise<T>): Promise<unknown> => {
    const { result, token } = await cluster.write(request.params.collection_name, run, contextOf(request));
    reply.header(WRITE_TOKEN_HEADER, formatToken(token));
    return ok(reply, result);
  };

  // ---------------------------------------------------------------- collections

  // The universal query runs on this node over the cluster's reads (query/cluster-query-target.ts).
  const queryTarget = async (request: FastifyRequest<{ Params: NameParams }>) =>
    clusterQueryTarget(cluster, (await cluster.resolveFresh(request.params.collection_name)).name, readAfterOf(request), contextOf(request));

  // Listings: any read grant lets a key list, filtered to the collections it may read (as on a single node).
  const readAny = { permission: 'collection:read' as const, collectionTarget: 'any' as const };
  app.get('/collections', { schema: collectionSchemas.list, config: readAny }, async (request, reply) =>
    ok(reply, { collections: cluster.listCollections().filter((name) => mayReadCollection(request, name)).map((name) => ({ name })) }));

  app.get<{ Params: NameParams }>('/collections/:collection_name', { schema: collectionSchemas.get, config: read }, async (request, reply) => {
    const stats = await cluster.collectionStats(request.params.collection_name, contextOf(request));
    return ok(reply, collectionInfoOf(stats.config, { ...stats, segments: stats.meta.shardNumber }));
  });

  app.put<{ Params: NameParams; Body: unknown }>('/collections/:collection_name', { schema: collectionSchemas.create, config: admin }, async (request, reply) => {
    await cluster.createCollection(request.params.collection_name, request.body ?? {});
    return ok(reply, true);
  });

  app.patch<{ Params: NameParams; Body: unknown }>('/collections/:collection_name', { schema: collectionSchemas.update, config: admin }, async (request, reply) => {
    await cluster.updateCollection(request.params.collection_name, request.body ?? {});
    return ok(reply, true);
  });

  app.delete<{ Params: NameParams }>('/collections/:collection_name', { schema: collectionSchemas.delete, config: admin }, async (request, reply) =>
    ok(reply, await cluster.deleteCollection(request.params.collection_name)));

  app.get<{ Params: NameParams }>('/collections/:collection_name/exists', { schema: collectionSchemas.exists, config: read }, async (request, reply) => {
    const exists = await cluster.resolveFresh(request.params.collection_name).then(() => true, () => false);
    return ok(reply, { exists });
  });

  app.post<{ Body: { actions: unknown[] } }>('/collections/aliases', { schema: collectionSchemas.updateAliases, config: admin }, async (request, reply) => {
    await cluster.updateAliases(request.body.actions);
    return ok(reply, true);
  });

  app.get('/aliases', { schema: collectionSchemas.listAliases, config: readAny }, async (request, reply) =>
    ok(reply, { aliases: cluster.listAliases().filter((alias) => mayReadCollection(request, alias.collection_name)) }));

  app.get<{ Params: NameParams }>('/collections/:collection_name/aliases', { schema: collectionSchemas.collectionAliases, config: read }, async (request, reply) => {
    const meta = await cluster.resolveFresh(request.params.collection_name);
    return ok(reply, { aliases: cluster.listAliases(meta.name) });
  });

  app.put<{ Params: NameParams; Body: { field_name: string; field_schema?: unknown } }>('/collections/:collection_name/index', { schema: collectionSchemas.createIndex, config: admin }, async (request, reply) =>
    writeRoute(request, reply, (w) => w.createPayloadIndex(request.body.field_name, request.body.field_schema, writeOptionsOf(request.query))));

  app.delete<{ Params: NameParams & { field_name: string } }>('/collections/:collection_name/index/:field_name', { schema: collectionSchemas.deleteIndex, config: admin }, async (request, reply) =>
    writeRoute(request, reply, (w) => w.deletePayloadIndex(request.params.field_name, writeOptionsOf(request.query))));

  // ---------------------------------------------------------------- points: writes

  const UNSUPPORTED_WRITE_FIELDS = ['shard_key', 'update_filter'] as const;

  app.put<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points', { schema: pointSchemas.upsert, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, UNSUPPORTED_WRITE_FIELDS);
    checkUpdateMode(request.body.update_mode);
    return writeRoute(request, reply, (w) => w.upsert(request.body, writeOptionsOf(request.query)));
  });

  const selectorWrite = (path: string, method: 'post' | 'put', schema: object, run: (w: ClusterWriter, body: Body, wait: ReturnType<typeof writeOptionsOf>) => Promise<unknown>, check?: (body: Body) => void): void => {
    app[method]<{ Params: NameParams; Body: Body }>(path, { schema, config: write }, async (request, reply) => {
      rejectUnsupported(request.body, ['shard_key']);
      check?.(request.body);
      return writeRoute(request, reply, (w) => run(w, request.body, writeOptionsOf(request.query)));
    });
  };
  selectorWrite('/collections/:collection_name/points/delete', 'post', pointSchemas.delete, (w, b, o) => w.delete(b, o));
  selectorWrite('/collections/:collection_name/points/payload', 'post', pointSchemas.setPayload, (w, b, o) => w.setPayload(b, o));
  selectorWrite('/collections/:collection_name/points/payload', 'put', pointSchemas.overwritePayload, (w, b, o) => w.overwritePayload(b, o), (body) => {
    if (body.key !== undefined && body.key !== null) throw new RvError('RV_INVALID_ARGUMENT', 'key: overwriting a nested key is not supported; use set payload with "key"', { details: { field: 'key' } });
  });
  selectorWrite('/collections/:collection_name/points/payload/delete', 'post', pointSchemas.deletePayload, (w, b, o) => w.deletePayload(b, o));
  selectorWrite('/collections/:collection_name/points/payload/clear', 'post', pointSchemas.clearPayload, (w, b, o) => w.clearPayload(b, o));
  selectorWrite('/collections/:collection_name/points/vectors', 'put', pointSchemas.updateVectors, (w, b, o) => w.updateVectors(b, o), (body) => rejectUnsupported(body, ['update_filter']));
  selectorWrite('/collections/:collection_name/points/vectors/delete', 'post', pointSchemas.deleteVectors, (w, b, o) => w.deleteVectors(b, o), (body) => {
    const named = (Array.isArray(body.vector) ? body.vector : []).find((name) => name !== '');
    if (named !== undefined) throw new RvError('RV_INVALID_ARGUMENT', `vector: collections have one unnamed vector (""), there is no vector ${JSON.stringify(named)}`, { details: { field: 'vector' } });
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/batch', { schema: pointSchemas.batch, config: write }, async (request, reply) => {
    const operations = Array.isArray(request.body.operations) ? request.body.operations as Body[] : [];
    operations.forEach((operation, i) => {
      for (const [kind, value] of Object.entries(operation)) {
        rejectUnsupported(value as Body, UNSUPPORTED_WRITE_FIELDS, `operations[${i}].${kind}.`);
        if (kind === 'upsert') checkUpdateMode((value as Body).update_mode, `operations[${i}].${kind}.update_mode`);
      }
    });
    return writeRoute(request, reply, (w) => w.batch(request.body, writeOptionsOf(request.query)));
  });

  // ---------------------------------------------------------------- points: reads

  app.get<{ Params: NameParams & { id: string } }>('/collections/:collection_name/points/:id', { schema: pointSchemas.get, config: read }, async (request, reply) =>
    ok(reply, await cluster.getPoint(request.params.collection_name, request.params.id, readAfterOf(request), contextOf(request))));

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points', { schema: pointSchemas.retrieve, config: read }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    return ok(reply, await cluster.retrieve(request.params.collection_name, request.body, readAfterOf(request), contextOf(request)));
  });

  app.post<{ Params: NameParams; Body: Body | null | undefined }>('/collections/:collection_name/points/scroll', { schema: pointSchemas.scroll, config: read }, async (request, reply) => {
    const body = request.body ?? {};
    rejectUnsupported(body, ['shard_key']);
    if (body.order_by !== undefined && body.order_by !== null) return ok(reply, await orderedScroll(await queryTarget(request), body, cluster.limits.maxSearchLimit));
    return ok(reply, await cluster.scroll(request.params.collection_name, body, readAfterOf(request), contextOf(request)));
  });

  app.post<{ Params: NameParams; Body: Body | null | undefined }>('/collections/:collection_name/points/count', { schema: pointSchemas.count, config: read }, async (request, reply) => {
    const body = request.body ?? {};
    rejectUnsupported(body, ['shard_key']);
    return ok(reply, await cluster.count(request.params.collection_name, body, readAfterOf(request), contextOf(request)));
  });

  // ---------------------------------------------------------------- search

  const searchBody = legacySearchBody;

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/search', { schema: searchSchemas.search, config: read }, async (request, reply) =>
    ok(reply, await cluster.search(request.params.collection_name, searchBody(request.body, ''), readAfterOf(request), contextOf(request))));

  app.post<{ Params: NameParams; Body: BatchBody }>('/collections/:collection_name/points/search/batch', { schema: searchSchemas.searchBatch, config: read }, async (request, reply) => {
    checkBatchSize(request.body.searches.length, cluster.limits);
    const bodies = request.body.searches.map((search, i) => searchBody(search, `searches[${i}].`));
    const after = readAfterOf(request);
    return ok(reply, await Promise.all(bodies.map((body) => cluster.search(request.params.collection_name, body, after, contextOf(request)))));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/query', { schema: searchSchemas.query, config: read }, async (request, reply) => {
    const plan = planQuery(request.body, cluster.limits);
    return ok(reply, { points: await executeQuery(await queryTarget(request), plan, cluster.limits.maxSearchLimit) });
  });

  app.post<{ Params: NameParams; Body: BatchBody }>('/collections/:collection_name/points/query/batch', { schema: searchSchemas.queryBatch, config: read }, async (request, reply) => {
    checkBatchSize(request.body.searches.length, cluster.limits);
    // Every request is checked before any runs: a bad one fails the batch at once.
    const plans = request.body.searches.map((search, i) => planQuery(search, cluster.limits, `searches[${i}]`));
    const target = await queryTarget(request);
    // One query at a time (each fans out to every shard), the request's deadline checked between them, as on a single node.
    const results = [];
    for (const plan of plans) {
      request.deadline?.throwIfExpired();
      results.push({ points: await executeQuery(target, plan, cluster.limits.maxSearchLimit) });
    }
    return ok(reply, results);
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/recommend', { schema: searchSchemas.recommend, config: read }, async (request, reply) =>
    ok(reply, await cluster.recommend(request.params.collection_name, legacyRecommendBody(request.body, ''), readAfterOf(request), contextOf(request))));

  app.post<{ Params: NameParams; Body: BatchBody }>('/collections/:collection_name/points/recommend/batch', { schema: searchSchemas.recommendBatch, config: read }, async (request, reply) => {
    checkBatchSize(request.body.searches.length, cluster.limits);
    const bodies = request.body.searches.map((search, i) => legacyRecommendBody(search, `searches[${i}].`));
    const after = readAfterOf(request);
    return ok(reply, await Promise.all(bodies.map((body) => cluster.recommend(request.params.collection_name, body, after, contextOf(request)))));
  });

  // ---------------------------------------------------------------- snapshots

  // Not served in cluster mode: a collection is its shards' streams plus replicas on several
  // nodes, so one node's snapshot file is not the collection, and recovering one would bypass
  // the streams. The paths answer a clear 400 naming what to use instead, not "route not found".
  // (Replicas do snapshot themselves, into the JetStream object store, to start new replicas and
  // truncate streams: docs/cluster.md.)
  const snapshotRoutes: ['GET' | 'POST' | 'PUT' | 'DELETE', string][] = [
    ['GET', '/collections/:collection_name/snapshots'],
    ['POST', '/collections/:collection_name/snapshots'],
    ['GET', '/collections/:collection_name/snapshots/:snapshot_name'],
    ['DELETE', '/collections/:collection_name/snapshots/:snapshot_name'],
    ['PUT', '/collections/:collection_name/snapshots/recover'],
    ['POST', '/collections/:collection_name/snapshots/upload'],
  ];
  for (const [method, url] of snapshotRoutes) {
    app.route({ method, url, schema: { hide: true }, config: admin, handler: async () => {
      throw new RvError('RV_CLUSTER_UNSUPPORTED',
        'collection snapshots are not available in cluster mode: the data lives in the shard streams and their replicas on several nodes. '
        + 'Every replica keeps its own snapshot in the JetStream object store (new replicas start from it); to copy a collection out, export it (ruvector export --url …) or scroll it',
        { details: { field: 'snapshots' } });
    } });
  }
}
