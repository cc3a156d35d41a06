// The bounded graceful close on real sockets (readiness delay, drain timeout) and the shutdown
// hook order of the composition root (hooks around the database close).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../../src/config/index.js';
import { startRuVector } from '../../../src/main.js';
import { createLogger } from '../../../src/observability/index.js';
import { startServer } from './helpers.js';

test('readiness answers 503 during the readiness delay while other requests are still served', async (t) => {
  const { server } = await startServer(t);
  const url = new URL(await server.listen());
  const closing = server.close({ readinessDelayMs: 3000 }); // generous: a loaded CI machine is slow to connect
  assert.equal((await fetch(new URL('/readyz', url))).status, 503);
  assert.equal((await fetch(new URL('/collections', url))).status, 200, 'still serving during the delay');
  assert.equal((await fetch(new URL('/healthz', url))).status, 200, 'alive while draining');
  await closing;
  await assert.rejects(fetch(new URL('/healthz', url)), 'the listener is closed afterwards');
});

test('an in-flight request that outlives the drain timeout has its connection closed; close() does not wait for it', async (t) => {
  const { server, app } = await startServer(t);
  let handlerStarted = false;
  app.post('/test/stuck', { config: { permission: 'collection:read', timeout: false } }, async () => {
    handlerStarted = true;
    await sleep(20_000);
    return { done: true };
  });
  const url = new URL(await server.listen());
  const stuck = fetch(new URL('/test/stuck', url), { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).then((r) => r.status, (error: Error) => error);
  for (let i = 0; !handlerStarted; i++) {
    assert.ok(i < 500, 'the request never reached its handler');
    await sleep(10);
  }
  const started = Date.now();
  await server.close({ drainTimeoutMs: 200 });
  const tookMs = Date.now() - started;
  assert.ok(tookMs < 10_000, `close() took ${tookMs} ms`);
  assert.ok(tookMs >= 150, `close() waited for the drain timeout (${tookMs} ms)`);
  assert.ok((await stuck) instanceof Error, 'the stuck request\'s connection was closed');
});

test('startRuVector: breaker state reaches /metrics and /ready; shutdown hooks run around the database close, a failing hook does not stop the shutdown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-hooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { config } = loadConfig({
    cwd: dir,
    env: { RUVECTOR__STORAGE__PATH: dir, RUVECTOR__SERVICE__PORT: '0', RUVECTOR__SERVICE__AUTH_DISABLED: 'true', RUVECTOR__RELIABILITY__MIN_FREE_DISK_MB: '0' },
  });
  const running = await startRuVector({ config, logger: createLogger({ level: 'silent', format: 'json' }), version: 'test', adminKey: {} });
  t.after(() => running.close());
  await running.db.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });

  const target = running.dependencies.create({ name: 'test-target', retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000 });
  await assert.rejects(target.execute(async () => { throw new Error('connect ECONNREFUSED'); }));
  const metrics = await (await fetch(new URL('/metrics', running.url))).text();
  assert.match(metrics, /^ruvector_circuit_breaker_state\{name="test-target"\} 2$/m, `open = 2 on the gauge:\n${metrics.split('\n').filter((line) => line.includes('circuit')).join('\n')}`);
  const ready = await fetch(new URL('/ready', running.url));
  assert.equal(ready.status, 200, 'an optional dependency does not make the node unready');
  assert.deepEqual(((await ready.json()) as { checks: { dependencies: { breakers: { name: string }[] } } }).checks.dependencies.breakers.map((b) => b.name), ['test-target']);
  const order: string[] = [];
  running.shutdownHooks.register('audit flush', () => {
    order.push(`before: database open=${running.db.hasCollection('c')}`);
  });
  running.shutdownHooks.register('broken exporter', () => { throw new Error('exporter down'); });
  running.shutdownHooks.register('after close', () => {
    try {
      running.db.collection('c');
      order.push('after: database still open');
    } catch (error) {
      order.push(`after: ${(error as { code: string }).code}`);
    }
  }, { phase: 'after-database-close' });
  await running.close();
  await running.close(); // idempotent
  assert.deepEqual(order, ['before: database open=true', 'after: RV_DATABASE_CLOSED']);
});
