// The request context on its own: AsyncLocalStorage propagation through awaits and timers,
// child spans only under a recording parent (one shared no-op span otherwise), carrier headers
// out and in (what the cluster will send between nodes), and runJob for background work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  contextFromHeaders, currentCorrelationId, detached, inSpan, installContextManager, NON_RECORDING_SPAN, propagationHeaders,
  runInRequestContext, SPAN, startSpan, Tracing,
} from '../../../src/observability/index.js';

installContextManager();

function inMemory(t: { after: (fn: () => unknown) => void }, sampleRatio = 1): { tracing: Tracing; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing({ exporter, sampleRatio });
  t.after(() => tracing.shutdown());
  return { tracing, exporter };
}

test('the correlation id follows the work through awaits and timers, not into detached work', async () => {
  assert.equal(currentCorrelationId(), undefined);
  let inTimer: string | undefined = 'unset';
  let inDetached: string | undefined = 'unset';
  await runInRequestContext({ correlationId: 'req-1' }, async () => {
    await sleep(1);
    assert.equal(currentCorrelationId(), 'req-1');
    await new Promise<void>((resolve) => setTimeout(() => {
      inTimer = currentCorrelationId();
      resolve();
    }, 1));
    await new Promise<void>((resolve) => setImmediate(detached(() => {
      inDetached = currentCorrelationId();
      resolve();
    })));
  });
  assert.equal(inTimer, 'req-1');
  assert.equal(inDetached, undefined);
  assert.equal(currentCorrelationId(), undefined);
});

test('child spans exist only under a recording parent; nested inSpan builds a tree', async (t) => {
  assert.equal(startSpan(SPAN.plan), NON_RECORDING_SPAN, 'no request: the shared no-op span');
  const { tracing, exporter } = inMemory(t);
  const http = tracing.startHttpSpan({ method: 'POST', path: '/x', headers: {}, correlationId: 'c' });
  await runInRequestContext({ correlationId: 'c', traceContext: http.context }, async () => {
    await inSpan(SPAN.snapshot, { 'ruvector.collection': 'docs' }, async () => {
      await sleep(1);
      startSpan(SPAN.storageCommit).end();
    });
    assert.throws(() => inSpan(SPAN.rescore, undefined, () => {
      throw new Error('boom');
    }), /boom/);
  });
  http.end('/x', 200);
  const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
  const snapshot = spans.get(SPAN.snapshot);
  assert.equal(snapshot?.parentSpanContext?.spanId, http.span.spanContext().spanId);
  assert.equal(snapshot?.attributes['ruvector.collection'], 'docs');
  assert.equal(spans.get(SPAN.storageCommit)?.parentSpanContext?.spanId, snapshot?.spanContext().spanId);
  assert.equal(spans.get(SPAN.rescore)?.status.code, 2, 'a thrown error marks the span');

  // Not sampled: nothing recorded, the same shared span handed out.
  const never = inMemory(t, 0);
  const unsampled = never.tracing.startHttpSpan({ method: 'GET', path: '/', headers: {}, correlationId: 'u' });
  runInRequestContext({ correlationId: 'u', traceContext: unsampled.context }, () => {
    assert.equal(startSpan(SPAN.indexSearch), NON_RECORDING_SPAN);
  });
  unsampled.end('/', 200);
  assert.equal(never.exporter.getFinishedSpans().length, 0);
});

test('carrier headers out and in: the remote work continues the trace and the correlation id', async (t) => {
  const { tracing, exporter } = inMemory(t);
  const http = tracing.startHttpSpan({ method: 'POST', path: '/search', headers: {}, correlationId: 'corr-77' });
  const carrier = runInRequestContext({ correlationId: 'corr-77', traceContext: http.context }, () => propagationHeaders());
  assert.match(carrier.traceparent, new RegExp(`^00-${http.span.spanContext().traceId}-${http.span.spanContext().spanId}-01$`));
  assert.equal(carrier['x-correlation-id'], 'corr-77');
  http.end('/search', 200);

  // The receiving node: a span of its own, child of the sender's, with engine spans under it.
  const seen = await tracing.runJob('ruvector.shard.search', async () => {
    startSpan(SPAN.indexSearch).end();
    return currentCorrelationId();
  }, { carrier: { TraceParent: carrier.traceparent, 'X-Correlation-ID': carrier['x-correlation-id'] } });
  assert.equal(seen, 'corr-77');
  const remote = exporter.getFinishedSpans().find((s) => s.name === 'ruvector.shard.search');
  assert.equal(remote?.spanContext().traceId, http.span.spanContext().traceId);
  assert.equal(remote?.parentSpanContext?.spanId, http.span.spanContext().spanId);
  assert.equal(exporter.getFinishedSpans().find((s) => s.name === SPAN.indexSearch)?.parentSpanContext?.spanId, remote?.spanContext().spanId);

  // A hostile correlation id is replaced; no traceparent: a new root.
  assert.match(currentCorrelationId(contextFromHeaders({ 'x-correlation-id': 'bad id\n' })) ?? '', /^[0-9a-f-]{36}$/);
  assert.deepEqual(propagationHeaders(), {}, 'outside any work: nothing to carry');

  // A background job (backup) outside any request: its own root span and a fresh correlation id.
  const job = await tracing.runJob(SPAN.backup, async (span) => ({ id: currentCorrelationId(), traceId: span.spanContext().traceId }), { attributes: { 'ruvector.backup.kind': 'full' } });
  assert.match(job.id ?? '', /^[0-9a-f-]{36}$/);
  const backup = exporter.getFinishedSpans().find((s) => s.name === SPAN.backup);
  assert.equal(backup?.parentSpanContext, undefined);
  assert.equal(backup?.attributes['ruvector.backup.kind'], 'full');
  assert.equal(backup?.spanContext().traceId, job.traceId);
});
