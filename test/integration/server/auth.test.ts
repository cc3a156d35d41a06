// API keys: missing or wrong → 401, read-only key → 403 on writes, probes and docs are public,
// unsafe configurations are refused at construction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../../../src/index.js';
import { createServer, isLoopbackHost } from '../../../src/server/index.js';
import { assertError, call, deferrer, resultOf, startServer, tempDir } from './helpers.js';

const FULL = 'full-key-0123456789';
const READ = 'read-only-key-9876543210';

test('keys: header and bearer accepted; missing, wrong and read-only-on-write refused', async (t) => {
  const { app } = await startServer(t, { authDisabled: false, apiKey: FULL, readOnlyApiKey: READ });
  const full = { 'api-key': FULL };
  const readOnly = { authorization: `Bearer ${READ}` };

  assertError(await call(app, 'GET', '/collections'), 401, 'RV_AUTH_REQUIRED', /Must provide an API key/);
  assertError(await call(app, 'GET', '/collections', undefined, { 'api-key': 'wrong' }), 401, 'RV_AUTH_INVALID', /Invalid API key/);
  assertError(await call(app, 'GET', '/collections', undefined, { authorization: `Basic ${FULL}` }), 401, 'RV_AUTH_REQUIRED');
  assertError(await call(app, 'GET', '/collections', undefined, { 'api-key': `${FULL}x` }), 401, 'RV_AUTH_INVALID');
  assertError(await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }), 401, 'RV_AUTH_REQUIRED');

  assert.equal(resultOf(await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, full)), true);
  resultOf(await call(app, 'PUT', '/collections/c/points', { points: [{ id: 1, vector: [1, 0] }] }, { authorization: `bearer ${FULL}` }));

  // The read-only key reads, searches and counts, but cannot write.
  resultOf(await call(app, 'GET', '/collections/c', undefined, readOnly));
  resultOf(await call(app, 'POST', '/collections/c/points/query', { query: [1, 0] }, readOnly));
  resultOf(await call(app, 'POST', '/collections/c/points/scroll', {}, readOnly));
  assert.equal((await call(app, 'GET', '/metrics', undefined, readOnly)).statusCode, 200);
  assertError(await call(app, 'PUT', '/collections/c/points', { points: [{ id: 2, vector: [0, 1] }] }, readOnly), 403, 'RV_AUTH_FORBIDDEN', /read_only_api_key lacks collection:write on collection "c"/);
  assertError(await call(app, 'DELETE', '/collections/c', undefined, readOnly), 403, 'RV_AUTH_FORBIDDEN');
  assertError(await call(app, 'POST', '/collections/c/snapshots', undefined, readOnly), 403, 'RV_AUTH_FORBIDDEN');
  assertError(await call(app, 'GET', '/no/such/route', undefined, readOnly), 404, 'RV_ROUTE_NOT_FOUND');
  assertError(await call(app, 'GET', '/no/such/route'), 401, 'RV_AUTH_REQUIRED');
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/c/points/count', {}, full)), { count: 1 }, 'the refused write left nothing');

  // Probes, version and documentation need no key.
  for (const url of ['/healthz', '/livez', '/readyz', '/health', '/ready', '/', '/openapi.json', '/docs']) {
    assert.equal((await call(app, 'GET', url)).statusCode, 200, url);
  }
  // An auth failure is still answered before the body is read: no 413/422 leaks through.
  assertError(await call(app, 'PUT', '/collections/c/points', { nonsense: true }), 401, 'RV_AUTH_REQUIRED');
});

test('unsafe auth configurations are refused when the server is built', async (t) => {
  const defer = deferrer(t);
  const db = await Database.open({ path: tempDir(defer) });
  defer(() => db.close());
  const base = { port: 0, logger: false as const, version: 'test' };
  await assert.rejects(createServer(db, { ...base, host: '0.0.0.0', authDisabled: true }), { code: 'RV_INVALID_ARGUMENT', message: /authDisabled is only allowed on a loopback address/ });
  await assert.rejects(createServer(db, { ...base, host: '127.0.0.1' }), { code: 'RV_INVALID_ARGUMENT', message: /no API key configured/ });
  await assert.rejects(createServer(db, { ...base, host: '10.1.2.3', apiKey: '' }), { code: 'RV_INVALID_ARGUMENT' });
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('127.8.9.10') && isLoopbackHost('::1') && isLoopbackHost('[::1]') && isLoopbackHost('localhost'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('::') && !isLoopbackHost('192.168.1.1') && !isLoopbackHost('example.com'));
});

test('a key kept only as a hash: verified once per key, wrong keys cached, concurrent checks shared', async (t) => {
  const stored = 'bootstrap-key-abcdef';
  const asked: string[] = [];
  const verifyApiKey = async (presented: string): Promise<boolean> => {
    asked.push(presented);
    await new Promise((resolve) => setTimeout(resolve, 20)); // scrypt is slow
    return presented === stored;
  };
  const { app } = await startServer(t, { authDisabled: false, verifyApiKey, readOnlyApiKey: READ });
  const responses = await Promise.all(Array.from({ length: 5 }, () => call(app, 'GET', '/collections', undefined, { 'api-key': stored })));
  for (const response of responses) resultOf(response);
  resultOf(await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, { authorization: `Bearer ${stored}` }));
  assert.deepEqual(asked, [stored], 'one verification for six requests');

  assertError(await call(app, 'GET', '/collections', undefined, { 'api-key': 'guess' }), 401, 'RV_AUTH_INVALID');
  assertError(await call(app, 'GET', '/collections', undefined, { 'api-key': 'guess' }), 401, 'RV_AUTH_INVALID');
  assert.deepEqual(asked, [stored, 'guess'], 'a repeated wrong key is not verified again');

  resultOf(await call(app, 'GET', '/collections', undefined, { 'api-key': READ }));
  assertError(await call(app, 'DELETE', '/collections/c', undefined, { 'api-key': READ }), 403, 'RV_AUTH_FORBIDDEN');
  assert.equal(asked.length, 2, 'the read-only key never reaches the verifier');
});
