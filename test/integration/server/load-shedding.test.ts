// Load shedding: over the in-flight limit, or while the event loop lags, new requests get a
// retryable 503 with Retry-After at once; health probes keep answering; service resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, startServer } from './helpers.js';

test('over the in-flight limit: 503 RV_OVERLOADED with Retry-After, probes still answer', async (t) => {
  const { app } = await startServer(t, { loadShedding: { maxInFlight: 0 } });
  const refused = await call(app, 'GET', '/collections');
  assertError(refused, 503, 'RV_OVERLOADED', /requests in flight, at the limit of 0/);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal((refused.json() as { retryable: boolean }).retryable, true);
  assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200);
  assert.equal((await call(app, 'GET', '/readyz')).statusCode, 200);
});

test('a lagging event loop sheds new requests, and service resumes once it recovers', async (t) => {
  const { app } = await startServer(t, { loadShedding: { maxEventLoopDelayMs: 50, sampleIntervalMs: 50 } });
  assert.equal((await call(app, 'GET', '/collections')).statusCode, 200);
  const until = Date.now() + 250;
  while (Date.now() < until) { /* block the event loop, as a runaway synchronous task would */ }
  // The lag is seen at the next sampling window: poll (bounded) for the refusal, then for recovery.
  const poll = async (status: number, withinMs: number): Promise<Awaited<ReturnType<typeof call>>> => {
    const deadline = Date.now() + withinMs;
    let response = await call(app, 'GET', '/collections');
    while (response.statusCode !== status && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      response = await call(app, 'GET', '/collections');
    }
    return response;
  };
  assertError(await poll(503, 500), 503, 'RV_OVERLOADED', /event loop lags \d+ ms, over the limit of 50 ms/);
  assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200, 'probes are not shed');
  assert.equal((await poll(200, 2000)).statusCode, 200, 'service resumes');
});

test('admitted requests are released when they finish', async (t) => {
  const { app } = await startServer(t, { loadShedding: { maxInFlight: 1 } });
  for (let i = 0; i < 5; i++) assert.equal((await call(app, 'GET', '/collections')).statusCode, 200, `request ${i}`);
});
