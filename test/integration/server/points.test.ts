// Point routes through inject(): upsert (both forms), get, retrieve, delete, payload and vector
// updates, batch, scroll (to the end, and ordered), count; bodies checked against Qdrant's schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, qdrant, resultOf, startServer } from './helpers.js';

const UUID = '550e8400-e29b-41d4-a716-446655440000';

async function seeded(t: Parameters<typeof startServer>[0]) {
  const fixture = await startServer(t);
  await call(fixture.app, 'PUT', '/collections/c', { vectors: { size: 3, distance: 'Euclid' } });
  return fixture;
}

test('upsert in both forms with integer and UUID ids, then get and retrieve', async (t) => {
  const { app } = await seeded(t);
  const listForm = qdrant.result(await call(app, 'PUT', '/collections/c/points?wait=true', { points: [
    { id: 1, vector: [0, 0, 0], payload: { color: 'red', n: 1 } },
    { id: UUID.toUpperCase(), vector: [1, 0, 0], payload: { color: 'blue', n: 2 } },
  ] }), 'UpdateResult') as { status: string; operation_id: number };
  assert.equal(listForm.status, 'completed');
  const batchForm = qdrant.result(await call(app, 'PUT', '/collections/c/points?wait=false&ordering=strong', {
    batch: { ids: [2, 3], vectors: [[0, 1, 0], [0, 0, 1]], payloads: [{ color: 'green' }, null] },
  }), 'UpdateResult') as { status: string; operation_id: number };
  assert.equal(batchForm.status, 'acknowledged');
  assert.ok(batchForm.operation_id > listForm.operation_id);

  const one = qdrant.result(await call(app, 'GET', `/collections/c/points/${UUID}`), 'Record');
  assert.deepEqual(one, { id: UUID, payload: { color: 'blue', n: 2 }, vector: [1, 0, 0] });
  assert.deepEqual(resultOf(await call(app, 'GET', '/collections/c/points/2')), { id: 2, payload: { color: 'green' }, vector: [0, 1, 0] });
  assertError(await call(app, 'GET', '/collections/c/points/99'), 404, 'RV_POINT_NOT_FOUND');
  assertError(await call(app, 'GET', '/collections/c/points/not-an-id'), 400, 'RV_POINT_ID');

  const retrieved = qdrant.result(await call(app, 'POST', '/collections/c/points', { ids: [3, 1, 404], with_vector: true, with_payload: ['color'] }), 'Record[]');
  assert.deepEqual(retrieved, [{ id: 3, payload: {}, vector: [0, 0, 1] }, { id: 1, payload: { color: 'red' }, vector: [0, 0, 0] }]);
  const noPayload = resultOf(await call(app, 'POST', '/collections/c/points', { ids: [1], with_payload: false }));
  assert.deepEqual(noPayload, [{ id: 1 }]);
  const excluded = resultOf(await call(app, 'POST', '/collections/c/points', { ids: [1], with_payload: { exclude: ['color'] } }));
  assert.deepEqual(excluded, [{ id: 1, payload: { n: 1 } }]);
});

test('payload operations: set (with key), overwrite, delete keys, clear; by ids and by filter', async (t) => {
  const { app } = await seeded(t);
  await call(app, 'PUT', '/collections/c/points', { points: [
    { id: 1, vector: [0, 0, 0], payload: { a: 1, nested: { x: 1 } } },
    { id: 2, vector: [1, 0, 0], payload: { a: 2 } },
  ] });
  const payloadOf = async (id: number) => (resultOf(await call(app, 'GET', `/collections/c/points/${id}`)) as { payload: unknown }).payload;
  qdrant.result(await call(app, 'POST', '/collections/c/points/payload', { payload: { b: 2 }, points: [1] }), 'UpdateResult');
  qdrant.result(await call(app, 'POST', '/collections/c/points/payload', { payload: { y: 2 }, points: [1], key: 'nested' }), 'UpdateResult');
  assert.deepEqual(await payloadOf(1), { a: 1, nested: { x: 1, y: 2 }, b: 2 });
  qdrant.result(await call(app, 'POST', '/collections/c/points/payload/delete', { keys: ['a', 'nested.x'], points: [1] }), 'UpdateResult');
  assert.deepEqual(await payloadOf(1), { nested: { y: 2 }, b: 2 });
  qdrant.result(await call(app, 'PUT', '/collections/c/points/payload', { payload: { only: true }, filter: { must: [{ key: 'a', match: { value: 2 } }] } }), 'UpdateResult');
  assert.deepEqual(await payloadOf(2), { only: true });
  qdrant.result(await call(app, 'POST', '/collections/c/points/payload/clear', { points: [1, 2] }), 'UpdateResult');
  assert.deepEqual(await payloadOf(1), {});

  assertError(await call(app, 'POST', '/collections/c/points/payload', { payload: { z: 1 }, points: [42] }), 404, 'RV_POINT_NOT_FOUND');
  assertError(await call(app, 'POST', '/collections/c/points/payload', { points: [1] }), 422, 'RV_INVALID_ARGUMENT', /missing field "payload"/);
  assertError(await call(app, 'POST', '/collections/c/points/payload', { payload: { z: 1 } }), 400, 'RV_INVALID_ARGUMENT', /exactly one of "points" \(ids\) or "filter"/);
  assertError(await call(app, 'PUT', '/collections/c/points/payload', { payload: { z: 1 }, points: [1], key: 'nested' }), 400, 'RV_INVALID_ARGUMENT', /key: overwriting a nested key/);
  assertError(await call(app, 'POST', '/collections/c/points/payload', { payload: { z: 1 }, points: [1], shard_key: 'eu' }), 400, 'RV_INVALID_ARGUMENT', /shard_key: custom sharding is not supported/);
});

test('vectors: update, delete; delete points by ids and by filter', async (t) => {
  const { app } = await seeded(t);
  await call(app, 'PUT', '/collections/c/points', { points: [
    { id: 1, vector: [0, 0, 0], payload: { keep: true } },
    { id: 2, vector: [1, 0, 0], payload: { keep: false } },
    { id: 3, vector: [2, 0, 0], payload: { keep: false } },
  ] });
  qdrant.result(await call(app, 'PUT', '/collections/c/points/vectors', { points: [{ id: 1, vector: [5, 5, 5] }] }), 'UpdateResult');
  assert.deepEqual((resultOf(await call(app, 'GET', '/collections/c/points/1')) as { vector: number[] }).vector, [5, 5, 5]);
  assertError(await call(app, 'PUT', '/collections/c/points/vectors', { points: [{ id: 1, vector: [5, 5] }] }), 400, 'RV_POINT_DIMENSION', /expected dim: 3, got 2/);
  assertError(await call(app, 'POST', '/collections/c/points/vectors/delete', { points: [1], vector: ['image'] }), 400, 'RV_INVALID_ARGUMENT', /one unnamed vector/);
  qdrant.result(await call(app, 'POST', '/collections/c/points/vectors/delete', { points: [3], vector: [''] }), 'UpdateResult');

  qdrant.result(await call(app, 'POST', '/collections/c/points/delete', { filter: { must: [{ key: 'keep', match: { value: false } }] } }), 'UpdateResult');
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', {})), { count: 1 });
  qdrant.result(await call(app, 'POST', '/collections/c/points/delete', { points: [1] }), 'UpdateResult');
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', { exact: true })), { count: 0 });
});

test('batch applies operations in order and rejects a bad one before applying any', async (t) => {
  const { app } = await seeded(t);
  const results = qdrant.result(await call(app, 'POST', '/collections/c/points/batch', { operations: [
    { upsert: { points: [{ id: 1, vector: [0, 0, 0], payload: { v: 1 } }, { id: 2, vector: [1, 1, 1] }] } },
    { set_payload: { payload: { v: 2 }, points: [1] } },
    { overwrite_payload: { payload: { w: 1 }, points: [2] } },
    { delete_payload: { keys: ['w'], points: [2] } },
    { update_vectors: { points: [{ id: 2, vector: [2, 2, 2] }] } },
    { clear_payload: { points: [2] } },
    { delete: { points: [2] } },
  ] }), 'UpdateResult[]') as unknown[];
  assert.equal(results.length, 7);
  assert.deepEqual(resultOf(await call(app, 'GET', '/collections/c/points/1')), { id: 1, payload: { v: 2 }, vector: [0, 0, 0] });
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', {})), { count: 1 });

  assertError(await call(app, 'POST', '/collections/c/points/batch', { operations: [
    { upsert: { points: [{ id: 9, vector: [0, 0, 0] }] } },
    { upsert: { points: [{ id: 10, vector: [0, 0] }] } },
  ] }), 400, 'RV_POINT_DIMENSION');
  assertError(await call(app, 'POST', '/collections/c/points/batch', { operations: [{ upsert: { points: [] }, delete: { points: [1] } }] }), 422, 'RV_INVALID_ARGUMENT', /exactly one of/);
  assertError(await call(app, 'POST', '/collections/c/points/batch', { operations: [{ delete: { points: [1], shard_key: 'x' } }] }), 400, 'RV_INVALID_ARGUMENT', /operations\[0\]\.delete\.shard_key/);
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', {})), { count: 1 }, 'nothing of the rejected batches was applied');
});

test('scroll pages to the end by id, with filters and projections; ordered scroll by payload', async (t) => {
  const { app } = await seeded(t);
  const points = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, vector: [i, 0, 0], payload: { i, even: i % 2 === 0, price: (i * 7) % 25 } }));
  points.push({ id: UUID as unknown as number, vector: [0, 0, 9], payload: { i: 99, even: false, price: 100 } });
  await call(app, 'PUT', '/collections/c/points', { points });

  const seen: unknown[] = [];
  let offset: unknown = null;
  let pages = 0;
  do {
    const page = qdrant.result(await call(app, 'POST', '/collections/c/points/scroll', { limit: 10, offset, with_payload: false }), 'ScrollResult') as { points: { id: unknown }[]; next_page_offset: unknown };
    seen.push(...page.points.map((p) => p.id));
    offset = page.next_page_offset;
    pages += 1;
  } while (offset !== null && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...Array.from({ length: 25 }, (_, i) => i + 1), UUID], 'integers ascending, then UUIDs');

  const even = resultOf(await call(app, 'POST', '/collections/c/points/scroll', { limit: 100, filter: { must: [{ key: 'even', match: { value: true } }] }, with_vector: true })) as { points: { id: number; vector: number[]; payload: unknown }[] };
  assert.equal(even.points.length, 13);
  assert.deepEqual(even.points[0].vector, [0, 0, 0]);
  assert.ok(even.points[0].payload !== undefined, 'scroll returns payloads by default');

  const ordered = qdrant.result(await call(app, 'POST', '/collections/c/points/scroll', { limit: 5, order_by: { key: 'price', direction: 'desc' }, with_payload: ['price'] }), 'ScrollResult') as { points: { id: unknown; payload: { price: number }; order_value: number }[]; next_page_offset: unknown };
  assert.deepEqual(ordered.points.map((p) => p.payload.price), [100, 24, 23, 22, 21]);
  assert.deepEqual(ordered.points.map((p) => p.order_value), [100, 24, 23, 22, 21]);
  assert.equal(ordered.next_page_offset, null);
  const fromStart = resultOf(await call(app, 'POST', '/collections/c/points/scroll', { limit: 3, order_by: { key: 'price', start_from: 10 } })) as { points: { order_value: number }[] };
  assert.deepEqual(fromStart.points.map((p) => p.order_value), [10, 11, 12]);
  assertError(await call(app, 'POST', '/collections/c/points/scroll', { order_by: 'price', offset: 3 }), 400, 'RV_INVALID_ARGUMENT', /offset: cannot be combined with order_by/);
  assertError(await call(app, 'POST', '/collections/c/points/scroll', { limit: 0 }), 422, 'RV_INVALID_ARGUMENT', /limit: value 0 invalid/);
  assertError(await call(app, 'POST', '/collections/c/points/scroll', { limit: 20000 }), 400, 'RV_SEARCH_INVALID', /limit must be an integer from 1 to 10000/);

  assert.deepEqual(qdrant.result(await call(app, 'POST', '/collections/c/points/count', { filter: { must: [{ key: 'price', range: { gte: 20 } }] } }), 'CountResult'), { count: 6 });
  assertError(await call(app, 'POST', '/collections/c/points/count', { filter: { must: [{ key: 'price', range: { gte: 'x' } }] } }), 400, 'RV_FILTER_INVALID');
});
