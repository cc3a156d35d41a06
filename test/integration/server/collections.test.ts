// Collection, alias and payload-index routes through inject(), bodies checked against Qdrant's schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, qdrant, resultOf, startServer } from './helpers.js';

interface Info {
  status: string;
  optimizer_status: string;
  points_count: number;
  segments_count: number;
  payload_schema: Record<string, unknown>;
  config: {
    params: { vectors: unknown };
    hnsw_config: { m: number; ef_construct: number };
    optimizer_config: { indexing_threshold: number };
    metadata?: unknown;
  };
}

test('create, list, info, exists, update, delete a collection', async (t) => {
  const { app } = await startServer(t);
  assert.equal(resultOf(await call(app, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Cosine' }, hnsw_config: { m: 8 }, metadata: { team: 'search' } })), true);
  assert.equal(resultOf(await call(app, 'PUT', '/collections/other', { vectors: { size: 2, distance: 'Euclid' } })), true);

  const list = qdrant.result(await call(app, 'GET', '/collections'), 'CollectionsResponse') as { collections: { name: string }[] };
  assert.deepEqual(list.collections.map((c) => c.name), ['docs', 'other']);

  await call(app, 'PUT', '/collections/docs/points', { points: [{ id: 1, vector: [1, 0, 0, 0], payload: { lang: 'en' } }] });
  const info = qdrant.result(await call(app, 'GET', '/collections/docs'), 'CollectionInfo') as Info;
  assert.equal(info.points_count, 1);
  assert.ok(['green', 'yellow'].includes(info.status));
  assert.equal(info.optimizer_status, 'ok');
  assert.equal(info.segments_count, 1);
  assert.deepEqual(info.config.params.vectors, { size: 4, distance: 'Cosine', on_disk: false });
  assert.equal(info.config.hnsw_config.m, 8);
  assert.deepEqual(info.config.metadata, { team: 'search' });
  assert.deepEqual(info.payload_schema, {});

  assert.deepEqual(qdrant.result(await call(app, 'GET', '/collections/docs/exists'), 'CollectionExistence'), { exists: true });
  assert.deepEqual(qdrant.result(await call(app, 'GET', '/collections/nope/exists'), 'CollectionExistence'), { exists: false });

  assert.equal(resultOf(await call(app, 'PATCH', '/collections/docs', { hnsw_config: { ef_construct: 200 }, optimizers_config: { indexing_threshold: 5000 } })), true);
  const patched = qdrant.result(await call(app, 'GET', '/collections/docs'), 'CollectionInfo') as Info;
  assert.equal(patched.config.hnsw_config.ef_construct, 200);
  assert.equal(patched.config.optimizer_config.indexing_threshold, 5000);

  assert.equal(resultOf(await call(app, 'DELETE', '/collections/docs')), true);
  assert.equal(resultOf(await call(app, 'DELETE', '/collections/docs')), false);
  assertError(await call(app, 'GET', '/collections/docs'), 404, 'RV_COLLECTION_NOT_FOUND', /Collection `docs` doesn't exist/);
});

test('collection errors: exists (409), bad names and configs (400), unknown fields (422)', async (t) => {
  const { app } = await startServer(t);
  await call(app, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Dot' } });
  assertError(await call(app, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Dot' } }), 409, 'RV_COLLECTION_EXISTS', /already exists/);
  assertError(await call(app, 'PUT', '/collections/.hidden', { vectors: { size: 4, distance: 'Dot' } }), 400, 'RV_COLLECTION_NAME');
  assertError(await call(app, 'PUT', '/collections/x', { vectors: { size: 0, distance: 'Dot' } }), 400, 'RV_COLLECTION_CONFIG', /vectors\.size/);
  assertError(await call(app, 'PUT', '/collections/x', { vectors: { size: 4, distance: 'Hamming' } }), 400, 'RV_COLLECTION_CONFIG', /distance/);
  assertError(await call(app, 'PUT', '/collections/x', { vectors: { size: 4, distance: 'Dot' }, hnsw_config: { mm: 3 } }), 400, 'RV_COLLECTION_CONFIG', /unknown field "mm"/);
  assertError(await call(app, 'PUT', '/collections/x', { vectors: { size: 4, distance: 'Dot' }, colour: 'red' }), 422, 'RV_INVALID_ARGUMENT', /Validation error in JSON body: \[unknown field "colour"/);
  assertError(await call(app, 'PUT', '/collections/x', { vectors: { size: 4, distance: 'Dot' }, shard_number: '2' }), 422, 'RV_INVALID_ARGUMENT', /shard_number: must be integer or null, got string/);
  assertError(await call(app, 'PATCH', '/collections/nope', { hnsw_config: { m: 4 } }), 404, 'RV_COLLECTION_NOT_FOUND');
  assertError(await call(app, 'GET', `/collections/${'a'.repeat(256)}`), 422, 'RV_INVALID_ARGUMENT', /collection_name/);
  assert.deepEqual((resultOf(await call(app, 'GET', '/collections')) as { collections: unknown[] }).collections, [{ name: 'docs' }]);
});

test('aliases: create, list, resolve, rename, delete, atomic failure', async (t) => {
  const { app } = await startServer(t);
  await call(app, 'PUT', '/collections/v1', { vectors: { size: 2, distance: 'Dot' } });
  await call(app, 'PUT', '/collections/v2', { vectors: { size: 2, distance: 'Dot' } });
  assert.equal(resultOf(await call(app, 'POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'v1', alias_name: 'current' } }, { create_alias: { collection_name: 'v2', alias_name: 'next' } }] })), true);
  assert.deepEqual(qdrant.result(await call(app, 'GET', '/aliases'), 'CollectionsAliasesResponse'), {
    aliases: [{ alias_name: 'current', collection_name: 'v1' }, { alias_name: 'next', collection_name: 'v2' }],
  });
  assert.deepEqual(qdrant.result(await call(app, 'GET', '/collections/v1/aliases'), 'CollectionsAliasesResponse'), { aliases: [{ alias_name: 'current', collection_name: 'v1' }] });
  assertError(await call(app, 'GET', '/collections/nope/aliases'), 404, 'RV_COLLECTION_NOT_FOUND');

  // Points written through the alias land in the collection.
  await call(app, 'PUT', '/collections/current/points', { points: [{ id: 7, vector: [1, 0] }] });
  assert.deepEqual(qdrant.result(await call(app, 'POST', '/collections/v1/points/count', {}), 'CountResult'), { count: 1 });

  assertError(await call(app, 'POST', '/collections/aliases', { actions: [
    { rename_alias: { old_alias_name: 'current', new_alias_name: 'latest' } },
    { delete_alias: { alias_name: 'missing' } },
  ] }), 404, 'RV_ALIAS_NOT_FOUND');
  assert.equal((resultOf(await call(app, 'GET', '/aliases')) as { aliases: unknown[] }).aliases.length, 2, 'the failed batch changed nothing');

  assertError(await call(app, 'POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'v1' } }] }), 422, 'RV_INVALID_ARGUMENT', /actions\[0\]\.create_alias: missing field "alias_name"/);
  assertError(await call(app, 'POST', '/collections/aliases', { actions: [{ drop_alias: { alias_name: 'x' } }] }), 422, 'RV_INVALID_ARGUMENT', /unknown field "drop_alias"/);
  assertError(await call(app, 'POST', '/collections/aliases', { actions: [{}] }), 422, 'RV_INVALID_ARGUMENT', /exactly one of create_alias, delete_alias, rename_alias/);

  assert.equal(resultOf(await call(app, 'POST', '/collections/aliases', { actions: [{ rename_alias: { old_alias_name: 'current', new_alias_name: 'latest' } }, { delete_alias: { alias_name: 'next' } }] })), true);
  assert.deepEqual((resultOf(await call(app, 'GET', '/aliases')) as { aliases: unknown[] }).aliases, [{ alias_name: 'latest', collection_name: 'v1' }]);
});

test('payload indexes: create, shown in payload_schema, used by filters, delete', async (t) => {
  const { app } = await startServer(t);
  await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Cosine' } });
  await call(app, 'PUT', '/collections/c/points', { points: [
    { id: 1, vector: [1, 0], payload: { lang: 'en', year: 2020 } },
    { id: 2, vector: [0, 1], payload: { lang: 'de', year: 2024 } },
  ] });
  const created = qdrant.result(await call(app, 'PUT', '/collections/c/index?wait=true', { field_name: 'lang', field_schema: 'keyword' }), 'UpdateResult') as { status: string };
  assert.equal(created.status, 'completed');
  qdrant.result(await call(app, 'PUT', '/collections/c/index', { field_name: 'year', field_schema: { type: 'integer', range: true, lookup: false } }), 'UpdateResult');
  const info = qdrant.result(await call(app, 'GET', '/collections/c'), 'CollectionInfo') as { payload_schema: Record<string, { data_type: string; points: number }> };
  assert.equal(info.payload_schema.lang.data_type, 'keyword');
  assert.equal(info.payload_schema.lang.points, 2);
  assert.equal(info.payload_schema.year.data_type, 'integer');

  const count = resultOf(await call(app, 'POST', '/collections/c/points/count', { filter: { must: [{ key: 'lang', match: { value: 'de' } }] } }));
  assert.deepEqual(count, { count: 1 });

  assertError(await call(app, 'PUT', '/collections/c/index', { field_name: 'x', field_schema: 'vector' }), 400, 'RV_PAYLOAD_INDEX_INVALID');
  assertError(await call(app, 'PUT', '/collections/c/index', { field_schema: 'keyword' }), 422, 'RV_INVALID_ARGUMENT', /missing field "field_name"/);

  const deleted = qdrant.result(await call(app, 'DELETE', '/collections/c/index/lang?wait=false'), 'UpdateResult') as { status: string };
  assert.equal(deleted.status, 'acknowledged');
  const after = resultOf(await call(app, 'GET', '/collections/c')) as { payload_schema: Record<string, unknown> };
  assert.deepEqual(Object.keys(after.payload_schema), ['year']);
});
