// Load shedding: over the in-flight limit new requests get a retryable 503 with Retry-After
// at once; health probes keep answering; admitted requests are released when they end.
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

test('admitted requests are released when they finish', async (t) => {
  const { app } = await startServer(t, { loadShedding: { maxInFlight: 1 } });
  for (let i = 0; i < 5; i++) assert.equal((await call(app, 'GET', '/collections')).statusCode, 200, `request ${i}`);
});
