// Service routes: version, probes, health, metrics, the generated OpenAPI document and Swagger UI,
// request ids on every response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, setLogLevel, Tracing } from '../../../src/observability/index.js';
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
    assert.deepEqual(response.json(), {
      status: 'ok', version: '0.1.0-test',
      checks: {
        database: { status: 'ok', collections: 1 }, server: { status: 'ok', state: 'serving' },
        writes: { status: 'ok', mode: 'read-write' }, load: { status: 'ok', in_flight: 0, event_loop_lagging: false },
      },
    });
  }
  // Without --cluster: Qdrant's answer for a disabled cluster; a collection's cluster view names what is missing.
  assert.deepEqual(resultOf(await call(app, 'GET', '/cluster')), { status: 'disabled' });
  const shards = await call(app, 'GET', '/collections/a/cluster');
  assert.equal(shards.statusCode, 400);
  assert.equal(shards.json().code, 'RV_CLUSTER_UNSUPPORTED');
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
  // X-Correlation-ID is preferred over X-Request-ID; the id goes back in both headers.
  const correlated = await call(app, 'GET', '/collections', undefined, { 'x-correlation-id': 'corr-1', 'x-request-id': 'req-1' });
  assert.equal(correlated.headers['x-correlation-id'], 'corr-1');
  assert.equal(correlated.headers['x-request-id'], 'corr-1');
  const fallback = await call(app, 'GET', '/collections', undefined, { 'x-correlation-id': 'bad id', 'x-request-id': 'req-2' });
  assert.equal(fallback.headers['x-correlation-id'], 'req-2');
});

/** Parses the text format into `name{labels}` → value (comments checked against the grammar). */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.trim().split('\n')) {
    if (line === '') continue; // blank lines separate metric families
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? ([-+]?[0-9.e+-]+|NaN|Nan|[+-]Inf))$/, line); // prom-client writes "Nan"; Prometheus parses any case
    if (line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

test('metrics: prom-client set with route patterns, engine gauges, process and cluster series', async (t) => {
  const { app } = await startServer(t, { authDisabled: false, apiKey: 'metrics-key' });
  const key = { 'api-key': 'metrics-key' };
  await call(app, 'PUT', '/collections/m1', { vectors: { size: 2, distance: 'Dot' } }, key);
  await call(app, 'PUT', '/collections/m1/points', { points: [{ id: 1, vector: [1, 1] }, { id: 2, vector: [1, 0] }, { id: 3, vector: [0, 1] }] }, key);
  await call(app, 'POST', '/collections/m1/points/search', { vector: [1, 1], limit: 2 }, key);
  await call(app, 'POST', '/collections/m1/points/search', { vector: [1, 1, 1], limit: 2 }, key);
  await call(app, 'POST', '/collections/m1/points/delete', { points: [3] }, key);
  await call(app, 'GET', '/collections/m1', undefined, key);
  await call(app, 'GET', '/collections/m2', undefined, key);
  await call(app, 'GET', '/nowhere', undefined, key);
  await call(app, 'GET', '/collections');
  await call(app, 'GET', '/collections', undefined, { 'api-key': 'wrong' });

  const started = process.hrtime.bigint();
  const response = await call(app, 'GET', '/metrics', undefined, key);
  const scrapeMs = Number(process.hrtime.bigint() - started) / 1e6;
  t.diagnostic(`scrape of /metrics took ${scrapeMs.toFixed(2)} ms (${response.body.length} bytes)`);
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  const samples = parseExposition(response.body);
  const value = (series: string): number | undefined => samples.get(series);

  assert.equal(value('ruvector_http_requests_total{method="GET",endpoint="/collections/:collection_name",status="200"}'), 1);
  assert.equal(value('ruvector_http_requests_total{method="GET",endpoint="/collections/:collection_name",status="404"}'), 1);
  assert.equal(value('ruvector_http_requests_total{method="GET",endpoint="unmatched",status="404"}'), 1);
  assert.equal(value('ruvector_http_requests_total{method="GET",endpoint="/collections",status="401"}'), 2);
  assert.equal(value('ruvector_http_request_duration_seconds_count{method="PUT",endpoint="/collections/:collection_name/points",status="200"}'), 1);
  assert.equal(value('ruvector_http_request_duration_seconds_bucket{le="+Inf",method="PUT",endpoint="/collections/:collection_name/points",status="200"}'), 1);
  assert.ok(![...samples.keys()].some((k) => k.includes('/collections/m1')), 'raw URLs never become labels');
  // The scrape itself is in flight while it renders.
  assert.equal(value('ruvector_http_requests_in_flight'), 1);

  assert.equal(value('ruvector_search_requests_total{outcome="ok"}'), 1);
  assert.equal(value('ruvector_search_requests_total{outcome="client_error"}'), 1);
  assert.equal(value('ruvector_search_latency_seconds_count{collection="m1"}'), 1);
  assert.equal(value('ruvector_insert_requests_total{outcome="ok"}'), 1);
  assert.equal(value('ruvector_inserted_points_total{collection="m1"}'), 3);
  assert.equal(value('ruvector_insert_latency_seconds_count{collection="m1"}'), 1);
  assert.equal(value('ruvector_delete_requests_total{outcome="ok"}'), 1);
  assert.equal(value('ruvector_delete_latency_seconds_count{collection="m1"}'), 1);
  assert.equal(value('ruvector_auth_rejections_total{reason="unauthenticated"}'), 2);
  assert.equal(value('ruvector_auth_rejections_total{reason="forbidden"}'), 0);

  assert.equal(value('ruvector_collections'), 1);
  assert.equal(value('ruvector_collection_points{collection="m1"}'), 2);
  assert.ok((value('ruvector_collection_applied_sequence{collection="m1"}') ?? 0) >= 2);
  assert.ok((value('ruvector_collection_memory_bytes{collection="m1"}') ?? 0) > 0);
  assert.ok((value('ruvector_collection_disk_bytes{collection="m1"}') ?? 0) > 0);
  for (const name of ['indexed_vectors', 'pending_links', 'deleted_ratio']) assert.notEqual(value(`ruvector_collection_${name}{collection="m1"}`), undefined, name);

  assert.equal(value('ruvector_cluster_nodes_total'), 0);
  assert.equal(value('ruvector_cluster_nodes_healthy'), 0);
  assert.equal(value('ruvector_replication_lag_seconds_count'), 0);
  assert.ok((value('ruvector_process_resident_memory_bytes') ?? 0) > 0);
  assert.ok((value('ruvector_memory_usage_bytes{type="rss"}') ?? 0) > 0);
  assert.ok((value('ruvector_cpu_usage_percent') ?? -1) >= 0);
  assert.notEqual(value('ruvector_nodejs_eventloop_lag_p99_seconds'), undefined);
  assert.ok(response.body.includes('# TYPE ruvector_nodejs_gc_duration_seconds histogram'));
  assert.ok([...samples.keys()].every((k) => k.startsWith('ruvector_')), 'every series has the ruvector_ prefix');
  const names = new Set([...samples.keys()].map((k) => k.replace(/\{.*$/, '').replace(/_(bucket|sum|count)$/, '')));
  t.diagnostic(`${samples.size} series, ${names.size} metric names`);
  assert.ok(samples.size >= 50, `at least 50 series (got ${samples.size})`);

  // Values move between scrapes; the scrape's own duration is reported.
  await call(app, 'POST', '/collections/m1/points/search', { vector: [1, 0], limit: 1 }, key);
  const again = parseExposition((await call(app, 'GET', '/metrics', undefined, key)).body);
  assert.equal(again.get('ruvector_search_requests_total{outcome="ok"}'), 2);
  assert.equal(again.get('ruvector_http_requests_total{method="GET",endpoint="/metrics",status="200"}'), 1);
  assert.ok((again.get('ruvector_metrics_scrape_duration_seconds') ?? 0) > 0);
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

test('a full run at trace level through the production logger: correlation id on every line, no secret in the log', async (t) => {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const secrets = { apiKey: 'full-secret-7f3a9c', readOnly: 'ro-secret-41d2e8', bogus: 'bogus-secret-99aa01' };
  const logger = createLogger({ level: 'info', format: 'json' }, sink);
  const { app } = await startServer(t, { logger, authDisabled: false, apiKey: secrets.apiKey, readOnlyApiKey: secrets.readOnly });
  setLogLevel(app.log as unknown as Logger, 'trace');
  const full = { 'api-key': secrets.apiKey, 'x-correlation-id': 'corr-log-1' };
  await call(app, 'PUT', '/collections/s', { vectors: { size: 2, distance: 'Dot' } }, full);
  await call(app, 'PUT', '/collections/s/points', { points: [{ id: 1, vector: [0.25, 0.5], payload: { note: 'x' } }] }, full);
  await call(app, 'POST', '/collections/s/points/search', { vector: [0.25, 0.5], limit: 1 }, { authorization: `Bearer ${secrets.apiKey}` });
  await call(app, 'PUT', '/collections/s/points', { points: [{ id: 2, vector: [1, 1] }] }, { 'api-key': secrets.readOnly });
  await call(app, 'GET', '/collections', undefined, { 'api-key': secrets.bogus });
  await call(app, 'GET', '/collections', undefined, { authorization: `Bearer ${secrets.bogus}` });
  await call(app, 'GET', '/metrics', undefined, full);
  // A handler that logged the raw headers would still not leak them: redaction is in the logger.
  app.log.info({ req: { headers: { 'api-key': secrets.apiKey, authorization: `Bearer ${secrets.bogus}` } }, apiKey: secrets.readOnly }, 'headers seen');

  const log = chunks.join('');
  const lines = log.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.diagnostic(`${lines.length} log lines, ${log.length} bytes`);
  assert.ok(lines.length >= 14);
  for (const secret of Object.values(secrets)) assert.ok(!log.includes(secret), `secret ${secret} is not in the log`);
  assert.ok(log.includes('[REDACTED]'));
  assert.ok(lines.some((l) => l.msg === 'log level changed' && l.to === 'trace'));
  const requestLines = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
  assert.ok(requestLines.length >= 14);
  for (const line of requestLines) {
    assert.equal(typeof line.reqId, 'string', JSON.stringify(line));
    assert.equal(line.module, 'http', 'request lines name their module');
  }
  assert.ok(requestLines.some((l) => l.reqId === 'corr-log-1'));
});

test('tracing: one SERVER span per request, traceparent in and out, route and status attributes', async (t) => {
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing({ exporter, sampleRatio: 0 });
  t.after(() => tracing.shutdown());
  const { app } = await startServer(t, { tracing });
  const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const created = await call(app, 'PUT', '/collections/tr', { vectors: { size: 2, distance: 'Dot' } }, { traceparent: parent, 'x-correlation-id': 'corr-tr' });
  assert.match(created.headers.traceparent as string, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  const missing = await call(app, 'GET', '/collections/nope', undefined, { traceparent: parent });
  assert.equal(missing.statusCode, 404);
  // Sampling ratio 0 and no parent: propagated but not recorded.
  const unsampled = await call(app, 'GET', '/collections');
  assert.match(unsampled.headers.traceparent as string, /-00$/);

  // The request (SERVER) spans; their children are tested in test/integration/observability/.
  const spans = exporter.getFinishedSpans().filter((s) => s.kind === 1);
  assert.deepEqual(spans.map((s) => s.name), ['PUT /collections/:collection_name', 'GET /collections/:collection_name']);
  for (const span of spans) {
    assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(span.kind, 1, 'SERVER');
  }
  assert.equal(spans[0].attributes['ruvector.correlation_id'], 'corr-tr');
  assert.equal(spans[0].attributes['http.response.status_code'], 200);
  assert.equal(spans[1].attributes['url.path'], '/collections/nope');
  assert.equal(spans[1].attributes['http.response.status_code'], 404);
  assert.equal(created.headers.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${spans[0].spanContext().spanId}-01`);
});

