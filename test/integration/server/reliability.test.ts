// Reliability through the HTTP API (inject): request timeouts by class and Qdrant's `timeout`
// parameter, shedding on sustained event-loop lag (and not on one stall), the write lock and
// low-disk read-only mode, and breaker state in readiness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { DependencyPolicies, DiskSpaceMonitor, WriteGate } from '../../../src/reliability/index.js';
import { requestClassOf } from '../../../src/server/reliability-hooks.js';
import { assertError, call, resultOf, startServer } from './helpers.js';

const MIB = 1024 * 1024;
const point = (id: number): { id: number; vector: number[]; payload: { id: number } } => ({ id, vector: [1, id, 0, 0], payload: { id } });

async function withCollection(app: FastifyInstance): Promise<void> {
  resultOf(await call(app, 'PUT', '/collections/c', { vectors: { size: 4, distance: 'Dot' } }));
  resultOf(await call(app, 'PUT', '/collections/c/points?wait=true', { points: [point(1), point(2)] }));
}

test('route classes follow the permission: *:read/system:metrics/system:health read, *:write write, *:admin admin', () => {
  assert.equal(requestClassOf({ permission: 'collection:read' }), 'read');
  assert.equal(requestClassOf({ permission: 'cluster:read' }), 'read');
  assert.equal(requestClassOf({ permission: 'system:metrics' }), 'read');
  assert.equal(requestClassOf({ permission: 'system:health' }), 'read');
  assert.equal(requestClassOf({ permission: 'collection:write' }), 'write');
  assert.equal(requestClassOf({ permission: 'cluster:write' }), 'write');
  assert.equal(requestClassOf({ permission: 'collection:admin' }), 'admin');
  assert.equal(requestClassOf({ permission: 'system:admin' }), 'admin');
  assert.equal(requestClassOf({}), 'admin', 'no permission: system:admin is required, so admin');
});

test('a request over its class limit gets 504 RV_TIMEOUT (retryable) without waiting for the work; a timed-out write may still commit and its retry is idempotent', async (t) => {
  const { app, db } = await startServer(t, { requestTimeouts: { readMs: 100, writeMs: 150, adminMs: 60_000 } });
  // Stand-ins for slow work on real routes: the only way to make an engine call slow at will.
  let slowWrites = 0;
  app.post('/test/slow-read', { config: { permission: 'collection:read' } }, async () => { await sleep(2000); return { done: true }; });
  app.post('/test/slow-write', { config: { permission: 'collection:write' } }, async () => {
    await sleep(400);
    slowWrites++;
    return db.collection('c').upsert({ points: [point(7)] });
  });
  await withCollection(app);

  let started = Date.now();
  const read = await call(app, 'POST', '/test/slow-read', {});
  assertError(read, 504, 'RV_TIMEOUT', /the read request did not finish within 100 ms/);
  assert.equal((read.json() as { retryable: boolean }).retryable, true);
  assert.ok(Date.now() - started < 1900, 'answered before the work finished');

  started = Date.now();
  const write = await call(app, 'POST', '/test/slow-write', {});
  assertError(write, 504, 'RV_TIMEOUT', /write request did not finish within 150 ms; the operation may still be applied: retry it with the same point ids/);
  // The abandoned write still commits, atomically; retrying it with the same id changes nothing.
  for (let i = 0; slowWrites === 0; i++) {
    assert.ok(i < 500, 'the abandoned write never ran');
    await sleep(10);
  }
  for (let i = 0; db.collection('c').count({}).count !== 3; i++) {
    assert.ok(i < 500, 'the abandoned write did not commit');
    await sleep(10);
  }
  resultOf(await call(app, 'PUT', '/collections/c/points?wait=true', { points: [point(7)] }));
  assert.equal(db.collection('c').count({}).count, 3, 'the retry with the same id is idempotent');

  // Real routes finish well within their limits.
  resultOf(await call(app, 'POST', '/collections/c/points/query', { query: [1, 0, 0, 0], limit: 2 }));
});

test("Qdrant's timeout parameter (seconds) replaces the class limit, capped at max_timeout_seconds", async (t) => {
  const { app } = await startServer(t, { requestTimeouts: { readMs: 100, maxTimeoutSeconds: 1 } });
  app.post('/test/sleep', { config: { permission: 'collection:read' } }, async (request) => {
    await sleep(Number((request.query as { ms: string }).ms));
    return { slept: true };
  });
  assertError(await call(app, 'POST', '/test/sleep?ms=300', {}), 504, 'RV_TIMEOUT', /within 100 ms/);
  assert.equal((await call(app, 'POST', '/test/sleep?ms=300&timeout=1', {})).statusCode, 200, 'timeout=1 allows 1 s');
  assertError(await call(app, 'POST', '/test/sleep?ms=1500&timeout=30', {}), 504, 'RV_TIMEOUT', /within 1000 ms/);
});

test('batch queries stop between queries once the deadline has passed', async (t) => {
  const { app, db } = await startServer(t, { requestTimeouts: { readMs: 100 } });
  await withCollection(app);
  // Each query of the batch takes 60 ms (a stand-in for a heavy query on a big collection).
  const collection = db.collection('c');
  const search = collection.search.bind(collection);
  let searched = 0;
  collection.search = (body) => {
    searched++;
    const until = Date.now() + 60;
    while (Date.now() < until) { /* a slow query */ }
    return search(body);
  };
  const searches = Array.from({ length: 5 }, () => ({ vector: [1, 0, 0, 0], limit: 1 }));
  assertError(await call(app, 'POST', '/collections/c/points/search/batch', { searches }), 504, 'RV_TIMEOUT', /read request did not finish within 100 ms/);
  assert.ok(searched >= 1 && searched < 5, `the batch stopped after ${searched} of 5 queries`);
});

/** Hogs the event loop in back-to-back slices until stopped; each slice blocks it `sliceMs`. */
function hogLoop(sliceMs: number): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) {
      const until = Date.now() + sliceMs;
      while (Date.now() < until) { /* CPU-bound work */ }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return { stop: async () => { running = false; await done; } };
}

test('a hogged event loop sheds new requests with 503 RV_OVERLOADED + Retry-After; probes still answer; service resumes', async (t) => {
  const { app } = await startServer(t, { loadShedding: { maxEventLoopDelayMs: 30, eventLoopSustainedMs: 200, eventLoopProbeIntervalMs: 5, retryAfterSeconds: 2 } });
  const hog = hogLoop(60);
  t.after(() => hog.stop());
  let refused: Awaited<ReturnType<typeof call>> | undefined;
  const deadline = Date.now() + 20_000;
  while (refused === undefined && Date.now() < deadline) {
    // inject() needs no I/O: yield to timers and immediates, or the hog and the probe never run.
    await sleep(5);
    const response = await call(app, 'GET', '/collections');
    if (response.statusCode !== 200) refused = response;
  }
  assert.ok(refused !== undefined, 'never shed within 20 s of a hogged loop');
  assertError(refused, 503, 'RV_OVERLOADED', /the event loop has lagged over 30 ms for \d+ ms/);
  assert.equal(refused.headers['retry-after'], '2');
  assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200, 'liveness answers while shedding');
  assert.equal((await call(app, 'GET', '/readyz')).statusCode, 200, 'readiness answers while shedding');
  const health = (await call(app, 'GET', '/health')).json() as { checks: { load: { event_loop_lagging: boolean } } };
  assert.equal(health.checks.load.event_loop_lagging, true);
  await hog.stop();
  for (let i = 0; (await call(app, 'GET', '/collections')).statusCode !== 200; i++) {
    assert.ok(i < 2000, 'service did not resume');
    await sleep(5);
  }
});

test('one long stall does not shed: the requests queued behind it are served', async (t) => {
  // Margins well above what CPU contention on a busy test machine causes; the stall is twice the window.
  const { app } = await startServer(t, { loadShedding: { maxEventLoopDelayMs: 250, eventLoopSustainedMs: 700, eventLoopProbeIntervalMs: 10 } });
  await sleep(100); // the probe has on-time samples
  const until = Date.now() + 1500;
  while (Date.now() < until) { /* one 1.5 s stall, as a big synchronous task would cause */ }
  await sleep(1); // the probe records the stall: one tick 1.5 s late
  for (let i = 0; i < 10; i++) {
    const response = await call(app, 'GET', '/collections');
    assert.equal(response.statusCode, 200, `after the stall, request ${i}: ${response.body}`);
    await sleep(10);
  }
});

test('POST /locks {write: true} refuses writes with 503 RV_READ_ONLY and Retry-After; reads keep working; {write: false} lifts it', async (t) => {
  const { app } = await startServer(t);
  app.post('/test/system-admin', { config: { permission: 'system:admin' } }, async () => ({ result: 'done', status: 'ok', time: 0 }));
  await withCollection(app);
  assert.deepEqual(resultOf(await call(app, 'GET', '/locks')), { write: false, error_message: null });
  assert.deepEqual(resultOf(await call(app, 'POST', '/locks', { write: true, error_message: 'maintenance window' })), { write: false, error_message: null }, 'answers the previous lock');
  assert.deepEqual(resultOf(await call(app, 'GET', '/locks')), { write: true, error_message: 'maintenance window' });

  const refused = await call(app, 'PUT', '/collections/c/points?wait=true', { points: [point(3)] });
  assertError(refused, 503, 'RV_READ_ONLY', /read-only: maintenance window/);
  assert.equal((refused.json() as { retryable: boolean }).retryable, true);
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assertError(await call(app, 'PUT', '/collections/d', { vectors: { size: 4, distance: 'Dot' } }), 503, 'RV_READ_ONLY');
  assertError(await call(app, 'DELETE', '/collections/c'), 503, 'RV_READ_ONLY', /maintenance window/);
  assert.equal((resultOf(await call(app, 'POST', '/collections/c/points/count', {})) as { count: number }).count, 2, 'nothing was written');
  assert.equal(resultOf(await call(app, 'POST', '/test/system-admin', {})), 'done', 'system administration stays open');
  assert.equal((resultOf(await call(app, 'POST', '/collections/c/points/query', { query: [1, 0, 0, 0], limit: 5 })) as { points: unknown[] }).points.length, 2, 'reads work');

  const ready = await call(app, 'GET', '/ready');
  assert.equal(ready.statusCode, 200, 'a read-only node stays ready: reads still work');
  assert.deepEqual((ready.json() as { checks: { writes: unknown } }).checks.writes, { status: 'fail', mode: 'read-only', reason: 'lock', message: 'maintenance window' });
  assertError(await call(app, 'POST', '/locks', { write: 'yes' }), 422, 'RV_INVALID_ARGUMENT');

  resultOf(await call(app, 'POST', '/locks', { write: false }));
  resultOf(await call(app, 'PUT', '/collections/c/points?wait=true', { points: [point(3)] }));
});

test('low free disk makes the node read-only (deletes still allowed: they free space) and it lifts itself when space returns', async (t) => {
  const gate = new WriteGate(5);
  let free = 50 * MIB;
  const monitor = new DiskSpaceMonitor({ path: '/data', minFreeBytes: 100 * MIB, intervalMs: 10, gate, readFree: async () => free });
  t.after(() => monitor.stop());
  const { app } = await startServer(t, { writeGate: gate });
  await withCollection(app);
  resultOf(await call(app, 'PUT', '/collections/old', { vectors: { size: 4, distance: 'Dot' } }));
  await monitor.start();

  const refused = await call(app, 'POST', '/collections/c/points/delete?wait=true', { points: [1] });
  assertError(refused, 503, 'RV_READ_ONLY', /free disk space on the data directory "\/data" is 50\.0 MiB, below the threshold of 100\.0 MiB/);
  assert.equal(refused.headers['retry-after'], '5');
  assert.equal((resultOf(await call(app, 'POST', '/collections/c/points/scroll', {})) as { points: unknown[] }).points.length, 2, 'reads work');
  assert.equal(resultOf(await call(app, 'DELETE', '/collections/old')), true, 'dropping a collection frees space: allowed');

  free = 500 * MIB;
  for (let i = 0; (await call(app, 'PUT', '/collections/c/points?wait=true', { points: [point(3)] })).statusCode !== 200; i++) {
    assert.ok(i < 500, 'read-only mode did not lift');
    await sleep(10);
  }
});

test('open breakers are listed in /ready; only a critical one makes the node unready', async (t) => {
  const dependencies = new DependencyPolicies();
  const { app } = await startServer(t, { dependencies });
  const jwks = dependencies.create({ name: 'jwks', retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000 });
  await assert.rejects(jwks.execute(async () => { throw new Error('connect ECONNREFUSED 10.0.0.1:443'); }));
  let ready = await call(app, 'GET', '/ready');
  assert.equal(ready.statusCode, 200);
  assert.deepEqual((ready.json() as { checks: { dependencies: unknown } }).checks.dependencies, {
    status: 'ok', breakers: [{ name: 'jwks', state: 'open', critical: false, last_failure: 'connect ECONNREFUSED 10.0.0.1:443' }],
  });
  assert.equal((await call(app, 'GET', '/readyz')).statusCode, 200);

  const cluster = dependencies.create({ name: 'cluster', retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000, critical: true });
  await assert.rejects(cluster.execute(async () => { throw new Error('no quorum'); }));
  ready = await call(app, 'GET', '/ready');
  assert.equal(ready.statusCode, 503);
  assert.equal((ready.json() as { checks: { dependencies: { status: string } } }).checks.dependencies.status, 'fail');
  assert.equal((await call(app, 'GET', '/readyz')).statusCode, 503);
});
