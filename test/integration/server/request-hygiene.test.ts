// Rate limits (per address before authentication, per credential and route class after it),
// security headers on every response, and CORS only for configured origins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, call, startServer } from './helpers.js';

const ADMIN = 'hygiene-admin-key-012345';

test('rate limits: per address before auth (guessing is bounded), per credential by class; probes never limited', async (t) => {
  const { app } = await startServer(t, { authDisabled: false, apiKey: ADMIN, rateLimit: { windowSeconds: 60, perIp: 6, readPerPrincipal: 100, writePerPrincipal: 100, adminPerPrincipal: 2 } });
  for (let i = 0; i < 6; i++) assertError(await call(app, 'GET', '/collections', undefined, { 'api-key': `wrong-${i}` }), 401, 'RV_AUTH_INVALID');
  const limited = await call(app, 'GET', '/collections', undefined, { 'api-key': ADMIN });
  assertError(limited, 429, 'RV_RATE_LIMITED', /client address/);
  const retryAfter = Number(limited.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
  assert.equal(JSON.parse(limited.body).retryable, true);
  for (let i = 0; i < 10; i++) assert.equal((await call(app, 'GET', '/healthz')).statusCode, 200, 'probes are never limited');
  // Another address has its own budget; its admin class allows 2 per window.
  const other = { 'api-key': ADMIN };
  const from = (url: string, method = 'GET') => app.inject({ method: method as 'GET', url, headers: other, remoteAddress: '10.9.8.7' });
  assert.equal((await from('/admin/keys')).statusCode, 200);
  assert.equal((await from('/admin/roles')).statusCode, 200);
  const adminLimited = await from('/admin/keys');
  assert.equal(adminLimited.statusCode, 429);
  assert.match(adminLimited.body, /this credential/);
  assert.equal((await from('/collections')).statusCode, 200, 'the read class has its own budget');
  // Both refusals are counted (read from the fresh address, which still has read budget).
  const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: other, remoteAddress: '10.9.8.6' });
  assert.match(metrics.body, /^ruvector_rate_limit_rejections_total 2$/m);
});

test('security headers on every response; CORS off by default, on for configured origins only', async (t) => {
  const { app } = await startServer(t, { corsOrigins: ['https://console.example.com'] });
  const response = await call(app, 'GET', '/collections');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
  assert.match(String(response.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(response.headers['strict-transport-security'], undefined, 'HSTS only over TLS');
  const error = await call(app, 'GET', '/no/such/route');
  assert.equal(error.headers['x-content-type-options'], 'nosniff', 'errors too');
  const allowed = await app.inject({ method: 'OPTIONS', url: '/collections', headers: { origin: 'https://console.example.com', 'access-control-request-method': 'GET' } });
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://console.example.com');
  const denied = await app.inject({ method: 'GET', url: '/collections', headers: { origin: 'https://evil.example.com' } });
  assert.equal(denied.headers['access-control-allow-origin'], undefined);

  const plain = await startServer(t, {});
  const noCors = await plain.app.inject({ method: 'GET', url: '/collections', headers: { origin: 'https://console.example.com' } });
  assert.equal(noCors.headers['access-control-allow-origin'], undefined, 'CORS off unless configured');
});
