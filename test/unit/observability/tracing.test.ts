// Tracing on its own: W3C propagation, parent-based sampling, attributes, and the OTLP/HTTP
// exporter against a small loopback receiver (no OpenTelemetry collector can be installed here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Tracing } from '../../../src/observability/index.js';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

function inMemory(t: { after: (fn: () => unknown) => void }, sampleRatio?: number): { tracing: Tracing; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing({ exporter, serviceVersion: '0.1.0-test', ...(sampleRatio === undefined ? {} : { sampleRatio }) });
  t.after(() => tracing.shutdown());
  return { tracing, exporter };
}

test('a sampled traceparent is continued: same trace, child of the caller, named by route', (t) => {
  const { tracing, exporter } = inMemory(t, 0);
  const span = tracing.startHttpSpan({ method: 'POST', path: '/collections/a/points/search', headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=x' }, correlationId: 'c-1' });
  assert.match(span.responseHeaders.traceparent, new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-01$`));
  assert.equal(span.responseHeaders.tracestate, 'vendor=x');
  span.end('/collections/:collection_name/points/search', 200);
  span.end('/ignored', 500); // idempotent
  const [finished] = exporter.getFinishedSpans();
  assert.equal(exporter.getFinishedSpans().length, 1);
  assert.equal(finished.name, 'POST /collections/:collection_name/points/search');
  assert.equal(finished.spanContext().traceId, PARENT_TRACE);
  assert.equal(finished.parentSpanContext?.spanId, PARENT_SPAN);
  assert.deepEqual(finished.attributes, {
    'http.request.method': 'POST', 'url.path': '/collections/a/points/search', 'ruvector.correlation_id': 'c-1',
    'http.route': '/collections/:collection_name/points/search', 'http.response.status_code': 200,
  });
  assert.equal(finished.resource.attributes['service.name'], 'ruvector');
});

test('parent-based sampling: an unsampled parent is followed, new roots by ratio', (t) => {
  const never = inMemory(t, 0);
  const unsampled = never.tracing.startHttpSpan({ method: 'GET', path: '/', headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` }, correlationId: 'c' });
  assert.match(unsampled.responseHeaders.traceparent, /-00$/, 'the trace id still propagates, unsampled');
  unsampled.end('/', 200);
  never.tracing.startHttpSpan({ method: 'GET', path: '/', headers: {}, correlationId: 'c' }).end('/', 200);
  // A malformed or all-zero traceparent is no parent: a new root, sampled by ratio (not forced on).
  for (const bad of ['garbage', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`, `00-${PARENT_TRACE}-${PARENT_SPAN}`]) {
    const span = never.tracing.startHttpSpan({ method: 'GET', path: '/', headers: { traceparent: bad }, correlationId: 'c' });
    assert.match(span.responseHeaders.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, `a fresh unsampled trace for ${bad}`);
    span.end('/', 200);
  }
  assert.equal(never.exporter.getFinishedSpans().length, 0);

  const always = inMemory(t, 1);
  const root = always.tracing.startHttpSpan({ method: 'GET', path: '/x', headers: {}, correlationId: 'c' });
  assert.match(root.responseHeaders.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  root.end(undefined, 503, new Error('down'));
  const [span] = always.exporter.getFinishedSpans();
  assert.equal(span.parentSpanContext, undefined);
  assert.equal(span.status.code, 2, 'ERROR');
  assert.equal(span.events[0]?.name, 'exception');

  // The default ratio is 1%: of 2000 new roots, far fewer than half are kept.
  const fallback = inMemory(t);
  for (let i = 0; i < 2000; i++) fallback.tracing.startHttpSpan({ method: 'GET', path: '/', headers: {}, correlationId: 'c' }).end('/', 200);
  const kept = fallback.exporter.getFinishedSpans().length;
  t.diagnostic(`default sampling kept ${kept} of 2000 root spans`);
  assert.ok(kept < 100, `kept ${kept}`);
  assert.throws(() => new Tracing({ sampleRatio: 1.5 }), { code: 'RV_INVALID_ARGUMENT' });
});

test('the OTLP/HTTP exporter posts spans to the configured endpoint (loopback receiver)', async (t) => {
  const received: { url: string; contentType: string; body: string }[] = [];
  const receiver = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ url: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const { port } = receiver.address() as AddressInfo;
  const tracing = new Tracing({ sampleRatio: 1, otlpEndpoint: `http://127.0.0.1:${port}/v1/traces` });
  t.after(() => tracing.shutdown());
  tracing.startHttpSpan({ method: 'GET', path: '/collections', headers: {}, correlationId: 'otlp-1' }).end('/collections', 200);
  await tracing.forceFlush();
  assert.equal(received.length, 1);
  assert.equal(received[0].url, '/v1/traces');
  assert.match(received[0].contentType, /^application\/json/);
  const body = JSON.parse(received[0].body) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
  assert.equal(body.resourceSpans[0].scopeSpans[0].spans[0].name, 'GET /collections');
  assert.ok(received[0].body.includes('otlp-1'));
});
