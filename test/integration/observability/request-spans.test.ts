// Child spans of the request span, through a real server and engine (inject): the span tree
// (parent/child ids within one trace) and attributes of a search, a quantized search (rescore),
// an upsert (commit → op-log append) and a snapshot, with the in-memory exporter; an unsampled
// request records nothing; engine log lines carry the request's correlation id; and the
// OTLP/HTTP exporter delivers the tree to a small loopback receiver (a stand-in: no
// OpenTelemetry collector can be installed on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger, moduleLogger, Tracing } from '../../../src/observability/index.js';
import type { EngineLogger } from '../../../src/engine/index.js';
import { mulberry32 } from '../../helpers/random.js';
import { call, resultOf, startServer, vec } from '../server/helpers.js';

const API_KEY = 'spans-test-key-0c1d';
const TRACE = '5bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '10f067aa0ba902b7';
const auth = (extra: Record<string, string> = {}): Record<string, string> => ({ 'api-key': API_KEY, ...extra });
const sampled = (n: number): Record<string, string> => auth({ traceparent: `00-${TRACE}-${CALLER_SPAN}-01`, 'x-correlation-id': `corr-${n}` });

type T = Parameters<typeof startServer>[0];

async function tracedServer(t: T, sampleRatio = 1, dbOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing({ exporter, sampleRatio });
  t.after(() => tracing.shutdown());
  const fixture = await startServer(t, { tracing, authDisabled: false, apiKey: API_KEY }, dbOptions);
  return { ...fixture, exporter, tracing };
}

/** The finished spans of the trace of the response, by name (one each expected unless noted). */
function treeOf(exporter: InMemorySpanExporter, correlationId: string): { http: ReadableSpan; byName: Map<string, ReadableSpan[]>; all: ReadableSpan[] } {
  const http = exporter.getFinishedSpans().find((s) => s.attributes['ruvector.correlation_id'] === correlationId);
  assert.ok(http, `an HTTP span for ${correlationId}`);
  const all = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === http.spanContext().traceId);
  const byName = new Map<string, ReadableSpan[]>();
  for (const span of all) byName.set(span.name, [...(byName.get(span.name) ?? []), span]);
  return { http, byName, all };
}

function only(tree: ReturnType<typeof treeOf>, name: string): ReadableSpan {
  const spans = tree.byName.get(name) ?? [];
  assert.equal(spans.length, 1, `one ${name} span, got ${spans.length} (have: ${[...tree.byName.keys()].join(', ')})`);
  return spans[0];
}

function assertChild(child: ReadableSpan, parent: ReadableSpan): void {
  assert.equal(child.spanContext().traceId, parent.spanContext().traceId, `${child.name} is in ${parent.name}'s trace`);
  assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId, `${child.name} is a child of ${parent.name}`);
}

async function seed(app: Awaited<ReturnType<typeof tracedServer>>['app'], body: Record<string, unknown> = {}, count = 50): Promise<void> {
  const rand = mulberry32(5);
  resultOf(await call(app, 'PUT', '/collections/c', { vectors: { size: 8, distance: 'Cosine' }, ...body }, auth()));
  const points = Array.from({ length: count }, (_, i) => ({ id: i, vector: vec(rand, 8), payload: { group: i % 3 } }));
  resultOf(await call(app, 'PUT', '/collections/c/points?wait=true', { points }, auth()));
}

test('a search: HTTP span (child of the caller) → authenticate, plan, index search; attributes', async (t) => {
  const { app, exporter } = await tracedServer(t);
  await seed(app);
  exporter.reset();
  const response = await call(app, 'POST', '/collections/c/points/search', { vector: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 3 }, sampled(1));
  assert.equal((resultOf(response) as unknown[]).length, 3);
  const tree = treeOf(exporter, 'corr-1');
  assert.equal(tree.http.spanContext().traceId, TRACE);
  assert.equal(tree.http.parentSpanContext?.spanId, CALLER_SPAN);
  assert.equal(tree.http.name, 'POST /collections/:collection_name/points/search');
  const authenticate = only(tree, 'ruvector.authenticate');
  const plan = only(tree, 'ruvector.search.plan');
  const search = only(tree, 'ruvector.index.search');
  for (const span of [authenticate, plan, search]) assertChild(span, tree.http);
  assert.equal(plan.attributes['ruvector.search.strategy'], 'graph');
  assert.equal(plan.attributes['ruvector.search.k'], 3);
  assert.equal(plan.attributes['ruvector.search.filtered'], false);
  assert.equal(search.attributes['ruvector.search.found'], 3);
  assert.equal(search.attributes['ruvector.search.quantized'], false);
  assert.equal(tree.byName.has('ruvector.search.rescore'), false, 'no quantizer, no rescore');
  // (No ordering checks on times: the SDK anchors each span's clock to Date.now(), so sibling
  // spans' timestamps may be off by up to a millisecond relative to one another.)

  // A filtered exact search plans an exact scan over the candidates.
  exporter.reset();
  resultOf(await call(app, 'POST', '/collections/c/points/search', { vector: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 2, filter: { must: [{ key: 'group', match: { value: 1 } }] }, params: { exact: true } }, sampled(2)));
  const filtered = treeOf(exporter, 'corr-2');
  assert.equal(only(filtered, 'ruvector.search.plan').attributes['ruvector.search.strategy'], 'exact');
  assert.equal(only(filtered, 'ruvector.search.plan').attributes['ruvector.search.filtered'], true);

  // A failed authentication is recorded on its span.
  exporter.reset();
  const denied = await call(app, 'POST', '/collections/c/points/search', { vector: [1, 0, 0, 0, 0, 0, 0, 0] }, { 'api-key': 'wrong', 'x-correlation-id': 'corr-3' });
  assert.equal(denied.statusCode, 401);
  const deniedTree = treeOf(exporter, 'corr-3');
  assert.equal(only(deniedTree, 'ruvector.authenticate').status.code, 2, 'ERROR');
  assert.equal(deniedTree.byName.has('ruvector.search.plan'), false, 'the engine never ran');
});

test('a quantized search adds a rescore span after the index search', async (t) => {
  const { app, exporter, db } = await tracedServer(t);
  await seed(app, { quantization_config: { scalar: { type: 'int8' } } }, 300);
  db.collection('c').shard.flushIndex(); // trains the quantizer now (else the background does, in slices)
  exporter.reset();
  resultOf(await call(app, 'POST', '/collections/c/points/search', { vector: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 4, params: { quantization: { rescore: true, oversampling: 2 } } }, sampled(4)));
  const tree = treeOf(exporter, 'corr-4');
  const search = only(tree, 'ruvector.index.search');
  const rescore = only(tree, 'ruvector.search.rescore');
  assertChild(rescore, tree.http);
  assert.equal(search.attributes['ruvector.search.quantized'], true);
  assert.equal(rescore.attributes['ruvector.search.candidates'], 8, 'k × oversampling candidates rescored');
});

test('an upsert: storage commit (child of the request) → op-log append; a snapshot span', async (t) => {
  const { app, exporter } = await tracedServer(t);
  await seed(app);
  exporter.reset();
  const upsert = resultOf(await call(app, 'PUT', '/collections/c/points?wait=true', { points: [{ id: 1000, vector: [1, 0, 0, 0, 0, 0, 0, 0] }] }, sampled(5))) as { operation_id: number };
  const tree = treeOf(exporter, 'corr-5');
  const commit = only(tree, 'ruvector.storage.commit');
  const append = only(tree, 'ruvector.oplog.append');
  assertChild(commit, tree.http);
  assertChild(append, commit);
  assert.equal(commit.attributes['ruvector.operation'], 'upsert');
  assert.equal(commit.attributes['ruvector.oplog.seq'], upsert.operation_id);
  assert.equal(commit.attributes['ruvector.commit.batch_ops'], 1);

  // A rejected write still ends its commit span, with the error.
  exporter.reset();
  const bad = await call(app, 'POST', '/collections/c/points/payload?wait=true', { payload: { a: 1 }, filter: { must: [{ key: 'x', bogus: 1 }] } }, sampled(6));
  assert.equal(bad.statusCode, 400, bad.body);

  exporter.reset();
  resultOf(await call(app, 'POST', '/collections/c/snapshots', undefined, sampled(7)));
  const snapshotTree = treeOf(exporter, 'corr-7');
  const snapshot = only(snapshotTree, 'ruvector.snapshot.create');
  assertChild(snapshot, snapshotTree.http);
  assert.equal(snapshot.attributes['ruvector.collection'], 'c');
  assert.ok((snapshot.attributes['ruvector.snapshot.bytes'] as number) > 0);
});

test('an unsampled request records no span at all; the engine answers the same', async (t) => {
  const { app, exporter } = await tracedServer(t, 0);
  await seed(app);
  const unsampled = auth({ traceparent: `00-${TRACE}-${CALLER_SPAN}-00` });
  resultOf(await call(app, 'POST', '/collections/c/points/search', { vector: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 3 }, unsampled));
  resultOf(await call(app, 'PUT', '/collections/c/points?wait=true', { points: [{ id: 7, vector: [0, 1, 0, 0, 0, 0, 0, 0] }] }, unsampled));
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), []);
});

test('engine log lines written during a request carry its correlation id', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json' }, sink);
  const engineLog = moduleLogger(logger, 'engine');
  const engineLogger: EngineLogger = (level, message, fields) => engineLog[level](fields ?? {}, message);
  const { app } = await startServer(t, { logger, authDisabled: true }, { logger: engineLogger });
  resultOf(await call(app, 'PUT', '/collections/logged', { vectors: { size: 2, distance: 'Dot' } }, { 'x-correlation-id': 'create-42' }));
  resultOf(await call(app, 'POST', '/collections/logged/snapshots', undefined, { 'x-request-id': 'snap-43' }));
  const created = lines.find((l) => l.msg === 'collection created');
  const snapshot = lines.find((l) => l.msg === 'snapshot created');
  assert.equal(created?.correlationId, 'create-42');
  assert.equal(created?.module, 'engine');
  assert.equal(snapshot?.correlationId, 'snap-43');
  // A line written outside any request has none.
  logger.info('outside');
  assert.equal(lines.find((l) => l.msg === 'outside')?.correlationId, undefined);
});

test('the OTLP/HTTP exporter delivers the span tree to a loopback receiver (collector stand-in)', async (t) => {
  // A stand-in for an OpenTelemetry collector, which cannot be installed here: it accepts
  // OTLP/HTTP JSON posts on /v1/traces and keeps the bodies.
  const bodies: { url: string; body: string }[] = [];
  const receiver = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push({ url: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const { port } = receiver.address() as AddressInfo;
  const tracing = new Tracing({ sampleRatio: 1, otlpEndpoint: `http://127.0.0.1:${port}/v1/traces` });
  t.after(() => tracing.shutdown());
  const { app } = await startServer(t, { tracing, authDisabled: false, apiKey: API_KEY });
  await seed(app);
  resultOf(await call(app, 'POST', '/collections/c/points/search', { vector: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], limit: 3 }, sampled(8)));
  await tracing.forceFlush();

  type OtlpSpan = { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: { key: string }[] };
  const spans: OtlpSpan[] = bodies.flatMap(({ body }) => (JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] })
    .resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  assert.ok(bodies.every((b) => b.url === '/v1/traces'));
  const inTrace = spans.filter((s) => s.traceId === TRACE);
  const http = inTrace.find((s) => s.name === 'POST /collections/:collection_name/points/search');
  assert.ok(http, `received: ${inTrace.map((s) => s.name).join(', ')}`);
  for (const name of ['ruvector.authenticate', 'ruvector.search.plan', 'ruvector.index.search']) {
    const child = inTrace.find((s) => s.name === name);
    assert.equal(child?.parentSpanId, http.spanId, `${name} arrives as a child of the HTTP span`);
  }
});
