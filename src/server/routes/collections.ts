/** Collection, alias and payload-index routes. */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../engine/index.js';
import { collectionInfo } from '../collection-info.js';
import { writeOptionsOf } from '../compat.js';
import { ok } from '../envelope.js';
import { collectionSchemas as schemas } from '../schemas/collections.js';
import { mayReadCollection } from '../auth.js';

interface NameParams { collection_name: string }
interface FieldParams extends NameParams { field_name: string }

/** Registers the collection, alias and payload-index routes on `app`. */
export function registerCollectionRoutes(app: FastifyInstance, db: Database): void {
  const read = { permission: 'collection:read' as const };
  const admin = { permission: 'collection:admin' as const };
  // Listings answer to anyone who may read some collection; the handler shows only those.
  const readAny = { permission: 'collection:read' as const, collectionTarget: 'any' as const };

  app.get('/collections', { schema: schemas.list, config: readAny }, async (request, reply) =>
    ok(reply, { collections: db.listCollections().filter((name) => mayReadCollection(request, name)).map((name) => ({ name })) }));

  app.get<{ Params: NameParams }>('/collections/:collection_name', { schema: schemas.get, config: read }, async (request, reply) =>
    ok(reply, collectionInfo(db.collection(request.params.collection_name))));

  app.put<{ Params: NameParams; Body: unknown }>('/collections/:collection_name', { schema: schemas.create, config: admin }, async (request, reply) => {
    await db.createCollection(request.params.collection_name, request.body ?? {});
    return ok(reply, true);
  });

  app.patch<{ Params: NameParams; Body: unknown }>('/collections/:collection_name', { schema: schemas.update, config: admin }, async (request, reply) => {
    await db.updateCollection(request.params.collection_name, request.body ?? {});
    return ok(reply, true);
  });

  app.delete<{ Params: NameParams }>('/collections/:collection_name', { schema: schemas.delete, config: admin }, async (request, reply) =>
    ok(reply, await db.deleteCollection(request.params.collection_name)));

  app.get<{ Params: NameParams }>('/collections/:collection_name/exists', { schema: schemas.exists, config: read }, async (request, reply) =>
    ok(reply, { exists: db.hasCollection(request.params.collection_name) }));

  app.post<{ Body: { actions: unknown[] } }>('/collections/aliases', { schema: schemas.updateAliases, config: admin }, async (request, reply) => {
    await db.updateAliases(request.body.actions);
    return ok(reply, true);
  });

  app.get('/aliases', { schema: schemas.listAliases, config: readAny }, async (request, reply) =>
    ok(reply, { aliases: db.listAliases().filter((alias) => mayReadCollection(request, alias.collection_name)) }));

  app.get<{ Params: NameParams }>('/collections/:collection_name/aliases', { schema: schemas.collectionAliases, config: read }, async (request, reply) => {
    const collection = db.collection(request.params.collection_name); // 404 for an unknown collection
    return ok(reply, { aliases: db.listAliases(collection.name) });
  });

  app.put<{ Params: NameParams; Body: { field_name: string; field_schema?: unknown } }>('/collections/:collection_name/index', { schema: schemas.createIndex, config: admin }, async (request, reply) => {
    const collection = db.collection(request.params.collection_name);
    return ok(reply, await collection.createPayloadIndex(request.body.field_name, request.body.field_schema, writeOptionsOf(request.query)));
  });

  app.delete<{ Params: FieldParams }>('/collections/:collection_name/index/:field_name', { schema: schemas.deleteIndex, config: admin }, async (request, reply) => {
    const collection = db.collection(request.params.collection_name);
    return ok(reply, await collection.deletePayloadIndex(request.params.field_name, writeOptionsOf(request.query)));
  });
}
