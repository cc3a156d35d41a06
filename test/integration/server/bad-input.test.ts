// Bad input of every kind gets a clear 4xx naming the problem, nothing is written, and the
// server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, resultOf, startServer } from './helpers.js';

const raw = (app: Awaited<ReturnType<typeof startServer>>['app'], method: 'PUT' | 'POST', url: string, payload: string, contentType = 'application/json') =>
  app.inject({ method, url, payload, headers: { 'content-type': contentType } });

test('malformed, mistyped, oversized and hostile bodies are refused and nothing is written', async (t) => {
  const { app } = await startServer(t, { bodyLimitBytes: 4096 }, { limits: { maxBatchPoints: 5, maxFilterDepth: 4 } });
  await call(app, 'PUT', '/collections/c', { vectors: { size: 3, distance: 'Dot' } });
  resultOf(await call(app, 'PUT', '/collections/c/points', { points: [{ id: 1, vector: [1, 2, 3], payload: { keep: true } }] }));
  const upsert = '/collections/c/points';

  // Not JSON at all, or JSON with NaN (which JSON has no spelling for).
  assertError(await raw(app, 'PUT', upsert, '{"points": [{"id": 2, "vector": [1, 2, 3]}'), 400, 'RV_INVALID_ARGUMENT', /^Format error in JSON body: /);
  assertError(await raw(app, 'PUT', upsert, '{"points": [{"id": 2, "vector": [1, NaN, 3]}]}'), 400, 'RV_INVALID_ARGUMENT', /^Format error in JSON body: /);
  assertError(await raw(app, 'PUT', upsert, '{"points": [{"id": 2, "vector": [1, 1e999, 3]}]}'), 422, 'RV_INVALID_ARGUMENT', /points\[0\]\.vector\[1\]: must be number, got Infinity \(numbers must be finite\)/);
  assertError(await raw(app, 'PUT', upsert, '{"__proto__": {"admin": true}, "points": []}'), 400, 'RV_INVALID_ARGUMENT', /"__proto__" is not allowed/);
  assertError(await raw(app, 'PUT', upsert, '{"points": [{"id": 2, "vector": [1, 2, 3], "payload": {"constructor": {"prototype": {"x": 1}}}}]}'), 400, 'RV_INVALID_ARGUMENT', /constructor\.prototype/);
  assertError(await raw(app, 'PUT', upsert, 'points=1', 'application/x-www-form-urlencoded'), 415, 'RV_INVALID_ARGUMENT', /application\/json/);
  assertError(await raw(app, 'PUT', upsert, ''), 422, 'RV_INVALID_ARGUMENT', /Validation error in JSON body: \[must be object, got null\]/);

  // Wrong types and unknown fields: 422 naming the field.
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: 'NaN' }] }), 422, 'RV_INVALID_ARGUMENT', /points\[0\]\.vector/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [1, 'NaN', 3] }] }), 422, 'RV_INVALID_ARGUMENT', /points\[0\]\.vector/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: true, vector: [1, 2, 3] }] }), 422, 'RV_INVALID_ARGUMENT', /points\[0\]\.id: does not match any accepted form/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [1, 2, 3], payload: [1] }] }), 422, 'RV_INVALID_ARGUMENT', /points\[0\]\.payload: must be object or null, got array/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [1, 2, 3], colour: 'red' }] }), 422, 'RV_INVALID_ARGUMENT', /points\[0\]: unknown field "colour", expected one of id, vector, payload/);
  assertError(await call(app, 'PUT', upsert, { pionts: [] }), 422, 'RV_INVALID_ARGUMENT', /unknown field "pionts"/);

  // Meaningful but wrong: 400 from the engine, with Qdrant's wording where it has one.
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [1, 2] }] }), 400, 'RV_POINT_DIMENSION', /^Wrong input: Vector dimension error: expected dim: 3, got 2/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [] }] }), 400, 'RV_POINT_VECTOR', /empty/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2 ** 60, vector: [1, 2, 3] }] }), 400, 'RV_POINT_ID', /2\^53-1/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 'not-a-uuid', vector: [1, 2, 3] }] }), 400, 'RV_POINT_ID');
  assertError(await call(app, 'PUT', upsert, { points: Array.from({ length: 6 }, (_, i) => ({ id: i + 10, vector: [1, 2, 3] })) }), 400, 'RV_LIMIT_EXCEEDED', /over the batch limit of 5/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [1, 2, 3] }], update_mode: 'insert_only' }), 400, 'RV_INVALID_ARGUMENT', /update_mode: only "upsert"/);
  assertError(await call(app, 'PUT', upsert, { points: [{ id: 2, vector: [1, 2, 3] }], update_filter: { must: [] } }), 400, 'RV_INVALID_ARGUMENT', /update_filter/);
  let filter: Record<string, unknown> = { must: [{ key: 'keep', match: { value: true } }] };
  for (let i = 0; i < 6; i++) filter = { must: [filter] };
  assertError(await call(app, 'POST', '/collections/c/points/count', { filter }), 400, 'RV_FILTER_INVALID', /deep|depth/);

  // Over the body limit: 413 naming the limit.
  const big = { points: [{ id: 2, vector: [1, 2, 3], payload: { text: 'x'.repeat(5000) } }] };
  assertError(await call(app, 'PUT', upsert, big), 413, 'RV_REQUEST_TOO_LARGE', /larger than the limit of 4096 bytes/);

  // Bad URLs and query strings.
  assertError(await call(app, 'PUT', `${upsert}?wait=maybe`, { points: [] }), 422, 'RV_INVALID_ARGUMENT', /Validation error in query parameters: \[wait: must be boolean/);
  assertError(await call(app, 'GET', '/collections/%E0%A4%A'), 400, 'RV_INVALID_ARGUMENT');

  // Nothing of the above was written, and the server still serves.
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', {})), { count: 1 });
  assert.deepEqual(resultOf(await call(app, 'GET', '/collections/c/points/1')), { id: 1, payload: { keep: true }, vector: [1, 2, 3] });
  assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200);
});

test('an engine failure becomes a 500 without internals, and the next request is served', async (t) => {
  const { app, db } = await startServer(t);
  await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } });
  const collection = db.collection('c');
  const original = collection.count.bind(collection);
  collection.count = () => {
    throw new TypeError('secret internal detail');
  };
  t.after(() => {
    collection.count = original;
  });
  const response = await call(app, 'POST', '/collections/c/points/count', {});
  assertError(response, 500, 'RV_INTERNAL', /^Service internal error: an unexpected error occurred \(request id [\w-]+\)$/);
  assert.ok(!response.body.includes('secret'));
  collection.count = original;
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', {})), { count: 0 });
});
