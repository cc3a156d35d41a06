/** Point routes: upsert, retrieve, delete, payload and vector updates, batch, scroll, count. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RvError } from '../../errors.js';
import type { Collection, Database } from '../../engine/index.js';
import { checkUpdateMode, rejectUnsupported, writeOptionsOf } from '../compat.js';
import { ok } from '../envelope.js';
import { orderedScroll } from '../query/order-by.js';
import { localQueryTarget } from '../query/query-target.js';
import { pointSchemas as schemas } from '../schemas/points.js';

type Body = Record<string, unknown>;
interface NameParams { collection_name: string }
type BodyRequest = FastifyRequest<{ Params: NameParams; Body: Body | null | undefined }>;

const UNSUPPORTED_WRITE_FIELDS = ['shard_key', 'update_filter'] as const;

/** Fields of a batch's operations that a single node refuses, checked before anything is applied. */
function checkBatchOperations(body: Body): void {
  const operations = Array.isArray(body.operations) ? body.operations : [];
  operations.forEach((operation: Body, i: number) => {
    for (const [kind, value] of Object.entries(operation)) {
      const prefix = `operations[${i}].${kind}.`;
      rejectUnsupported(value as Body, UNSUPPORTED_WRITE_FIELDS, prefix);
      if (kind === 'upsert') checkUpdateMode((value as Body).update_mode, `${prefix}update_mode`);
      if (kind === 'overwrite_payload') checkOverwriteKey(value as Body, prefix);
      if (kind === 'delete_vectors') checkVectorNames(value as Body, prefix);
    }
  });
}

function checkOverwriteKey(body: Body, prefix = ''): void {
  if (body.key !== undefined && body.key !== null) {
    throw new RvError('RV_INVALID_ARGUMENT', `${prefix}key: overwriting a nested key is not supported; use set payload with "key"`, { details: { field: `${prefix}key` } });
  }
}

/** Collections have one unnamed vector, "" in Qdrant's naming. */
function checkVectorNames(body: Body, prefix = ''): void {
  const names = Array.isArray(body.vector) ? body.vector : [];
  const named = names.find((name) => name !== '');
  if (named !== undefined) {
    throw new RvError('RV_INVALID_ARGUMENT', `${prefix}vector: collections have one unnamed vector (""), there is no vector ${JSON.stringify(named)}`, { details: { field: `${prefix}vector` } });
  }
}

/** Registers the point routes on `app`. */
export function registerPointRoutes(app: FastifyInstance, db: Database): void {
  const read = { permission: 'collection:read' as const };
  const write = { permission: 'collection:write' as const };
  const collectionOf = (request: { params: NameParams }): Collection => db.collection(request.params.collection_name);
  const bodyOf = (request: BodyRequest): Body => request.body ?? {};

  app.put<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points', { schema: schemas.upsert, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, UNSUPPORTED_WRITE_FIELDS);
    checkUpdateMode(request.body.update_mode);
    return ok(reply, await collectionOf(request).upsert(request.body, writeOptionsOf(request.query)));
  });

  app.get<{ Params: NameParams & { id: string } }>('/collections/:collection_name/points/:id', { schema: schemas.get, config: read }, async (request, reply) =>
    ok(reply, collectionOf(request).getPoint(request.params.id)));

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points', { schema: schemas.retrieve, config: read }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    return ok(reply, collectionOf(request).retrieve(request.body));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/delete', { schema: schemas.delete, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    return ok(reply, await collectionOf(request).delete(request.body, writeOptionsOf(request.query)));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/payload', { schema: schemas.setPayload, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    return ok(reply, await collectionOf(request).setPayload(request.body, writeOptionsOf(request.query)));
  });

  app.put<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/payload', { schema: schemas.overwritePayload, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    checkOverwriteKey(request.body);
    return ok(reply, await collectionOf(request).overwritePayload(request.body, writeOptionsOf(request.query)));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/payload/delete', { schema: schemas.deletePayload, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    return ok(reply, await collectionOf(request).deletePayload(request.body, writeOptionsOf(request.query)));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/payload/clear', { schema: schemas.clearPayload, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    return ok(reply, await collectionOf(request).clearPayload(request.body, writeOptionsOf(request.query)));
  });

  app.put<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/vectors', { schema: schemas.updateVectors, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, UNSUPPORTED_WRITE_FIELDS);
    return ok(reply, await collectionOf(request).updateVectors(request.body, writeOptionsOf(request.query)));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/vectors/delete', { schema: schemas.deleteVectors, config: write }, async (request, reply) => {
    rejectUnsupported(request.body, ['shard_key']);
    checkVectorNames(request.body);
    return ok(reply, await collectionOf(request).deleteVectors(request.body, writeOptionsOf(request.query)));
  });

  app.post<{ Params: NameParams; Body: Body }>('/collections/:collection_name/points/batch', { schema: schemas.batch, config: write }, async (request, reply) => {
    checkBatchOperations(request.body);
    return ok(reply, await collectionOf(request).batch(request.body, writeOptionsOf(request.query)));
  });

  app.post<{ Params: NameParams; Body: Body | null | undefined }>('/collections/:collection_name/points/scroll', { schema: schemas.scroll, config: read }, async (request, reply) => {
    const body = bodyOf(request);
    rejectUnsupported(body, ['shard_key']);
    const collection = collectionOf(request);
    if (body.order_by === undefined || body.order_by === null) return ok(reply, collection.scroll(body));
    return ok(reply, await orderedScroll(localQueryTarget(collection), body, db.limits.maxSearchLimit));
  });

  app.post<{ Params: NameParams; Body: Body | null | undefined }>('/collections/:collection_name/points/count', { schema: schemas.count, config: read }, async (request, reply) => {
    const body = bodyOf(request);
    rejectUnsupported(body, ['shard_key']);
    return ok(reply, collectionOf(request).count(body));
  });
}
