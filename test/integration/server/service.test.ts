// Service routes: version, probes, health, metrics, the generated OpenAPI document and Swagger UI,
// request ids on every response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { call, qdrant, resultOf, startServer } from './helpers.js';

test('version, probes and health checks', async (t) => {
  const { app } = await startServer(t);
  const root = await call(app, 'GET', '/');
  assert.equal(root.statusCode, 200);
  qdrant.assertValid(root.json(), 'VersionInfo');
  assert.deepEqual(root.json(), { title: 'ruvector', version: '0.1.0-test' });

  for (const [url, text] of [['/healthz', 'healthz check passed'], ['/livez', 'livez check passed'], ['/readyz', 'all shards are ready']]) {
    const response = await call(app, 'GET', url);
    assert.equal(response.statusCode, 200, url);
    assert.match(response.headers['content-type'] as string, /^text\/plain/);
    assert.equal(response.body, text);
  }
  await call(app, 'PUT', '/collections/a', { vectors: { size: 2, distance: 'Dot' } });
  for (const url of ['/health', '/ready']) {
    const response = await call(app, 'GET', url);
    assert.equal(response.statusCode, 200, url);
    assert.deepEqual(response.json(), { status: 'ok', version: '0.1.0-test', checks: { database: { status: 'ok', collections: 1 }, server: { status: 'ok', state: 'serving' } } });
  }
});

test('request ids: taken from the client when sane, generated otherwise, on every response', async (t) => {
  const { app } = await startServer(t);
  const given = await call(app, 'GET', '/collections', undefined, { 'x-request-id': 'trace-abc.123' });
  assert.equal(given.headers['x-request-id'], 'trace-abc.123');
  const hostile = await call(app, 'GET', '/collections', undefined, { 'x-request-id': 'bad id\nwith newline' });
  assert.match(hostile.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
  const failed = await call(app, 'GET', '/collections/missing');
  assert.equal(failed.statusCode, 404);
  assert.match(failed.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
  const unknown = await call(app, 'GET', '/nowhere');
  assert.match(unknown.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
});

test('metrics count requests by route template and status', async (t) => {
  const { app } = await startServer(t);
  await call(app, 'PUT', '/collections/m1', { vectors: { size: 2, distance: 'Dot' } });
  await call(app, 'PUT', '/collections/m1/points', { points: [{ id: 1, vector: [1, 1] }] });
  await call(app, 'GET', '/collections/m1');
  await call(app, 'GET', '/collections/m2');
  await call(app, 'GET', '/nowhere');
  const response = await call(app, 'GET', '/metrics');
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  const text = response.body;
  assert.match(text, /^ruvector_http_requests_total\{method="GET",route="\/collections\/:collection_name",status="200"\} 1$/m);
  assert.match(text, /^ruvector_http_requests_total\{method="GET",route="\/collections\/:collection_name",status="404"\} 1$/m);
  assert.match(text, /^ruvector_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
  assert.match(text, /^ruvector_http_request_duration_seconds_count\{method="PUT",route="\/collections\/:collection_name\/points",status="200"\} 1$/m);
  assert.match(text, /^ruvector_collection_points\{collection="m1"\} 1$/m);
  assert.match(text, /^ruvector_collections 1$/m);
  // Every line is a comment or `name{labels} value` (the text format's grammar).
  for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+]?[0-9.e+-]+)$/, line);
});

test('the OpenAPI document lists every route with its schemas; Swagger UI is served', async (t) => {
  const { app } = await startServer(t);
  const doc = (await call(app, 'GET', '/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; operationId?: string }>>; components: { schemas: Record<string, unknown> } };
  assert.match(doc.openapi, /^3\./);
  const expected: [string, string][] = [
    ['get', '/collections'], ['get', '/collections/{collection_name}'], ['put', '/collections/{collection_name}'], ['patch', '/collections/{collection_name}'],
    ['delete', '/collections/{collection_name}'], ['get', '/collections/{collection_name}/exists'], ['post', '/collections/aliases'], ['get', '/aliases'],
    ['get', '/collections/{collection_name}/aliases'], ['put', '/collections/{collection_name}/index'], ['delete', '/collections/{collection_name}/index/{field_name}'],
    ['put', '/collections/{collection_name}/points'], ['get', '/collections/{collection_name}/points/{id}'], ['post', '/collections/{collection_name}/points'],
    ['post', '/collections/{collection_name}/points/delete'], ['post', '/collections/{collection_name}/points/payload'], ['put', '/collections/{collection_name}/points/payload'],
    ['post', '/collections/{collection_name}/points/payload/delete'], ['post', '/collections/{collection_name}/points/payload/clear'],
    ['put', '/collections/{collection_name}/points/vectors'], ['post', '/collections/{collection_name}/points/vectors/delete'], ['post', '/collections/{collection_name}/points/batch'],
    ['post', '/collections/{collection_name}/points/scroll'], ['post', '/collections/{collection_name}/points/count'], ['post', '/collections/{collection_name}/points/search'],
    ['post', '/collections/{collection_name}/points/search/batch'], ['post', '/collections/{collection_name}/points/recommend'], ['post', '/collections/{collection_name}/points/recommend/batch'],
    ['post', '/collections/{collection_name}/points/query'], ['post', '/collections/{collection_name}/points/query/batch'],
    ['post', '/collections/{collection_name}/snapshots'], ['get', '/collections/{collection_name}/snapshots'], ['get', '/collections/{collection_name}/snapshots/{snapshot_name}'],
    ['delete', '/collections/{collection_name}/snapshots/{snapshot_name}'], ['put', '/collections/{collection_name}/snapshots/recover'], ['post', '/collections/{collection_name}/snapshots/upload'],
    ['get', '/'], ['get', '/healthz'], ['get', '/livez'], ['get', '/readyz'], ['get', '/health'], ['get', '/ready'], ['get', '/metrics'],
  ];
  for (const [method, path] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
  assert.ok(doc.paths['/collections/{collection_name}/points/query'].post.requestBody, 'request bodies are documented');
  assert.ok(doc.components.schemas.Prefetch, 'the recursive Prefetch schema is a component');
  // operationIds follow Qdrant's, so generated clients keep their method names.
  assert.equal(doc.paths['/collections/{collection_name}/points/query'].post.operationId, 'query_points');
  assert.equal(doc.paths['/collections/{collection_name}/points'].put.operationId, 'upsert_points');

  const ui = await call(app, 'GET', '/docs');
  assert.equal(ui.statusCode, 200);
  assert.match(ui.body, /swagger/i);
  assert.ok(resultOf(await call(app, 'GET', '/collections')));
});

test('JSON log lines carry the request id; keys and bodies are not logged', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const { app, db } = await startServer(t, { logger: pino({ level: 'info' }, sink), authDisabled: false, apiKey: 'log-secret-key' });
  const headers = { 'api-key': 'log-secret-key', 'x-request-id': 'req-42' };
  await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, headers);
  await call(app, 'GET', '/collections/missing', undefined, { ...headers, 'x-request-id': 'req-43' });
  const collection = db.collection('c');
  const original = collection.count.bind(collection);
  collection.count = () => {
    throw new Error('boom');
  };
  t.after(() => {
    collection.count = original;
  });
  await call(app, 'POST', '/collections/c/points/count', {}, { ...headers, 'x-request-id': 'req-44' });
  collection.count = original;

  assert.ok(lines.length >= 6);
  for (const line of lines) assert.equal(typeof line.reqId, 'string', JSON.stringify(line));
  assert.ok(lines.some((l) => l.reqId === 'req-42' && l.msg === 'request completed'));
  assert.ok(lines.some((l) => l.reqId === 'req-43' && l.msg === 'request rejected' && l.code === 'RV_COLLECTION_NOT_FOUND'));
  const failure = lines.find((l) => l.reqId === 'req-44' && l.level === 50) as { err?: { message: string; stack: string } } | undefined;
  assert.equal(failure?.err?.message, 'boom', 'a 500 is logged with its error and stack');
  assert.ok(!JSON.stringify(lines).includes('log-secret-key'), 'the API key never reaches the log');
});
