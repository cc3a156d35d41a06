// Secrets never reach the log: a server with known secrets (full and read-only API keys, a
// JWT-looking bearer token, a payload holding a secret-looking value, vectors with recognisable
// components) goes through a set of requests — successes, failed authentication, forbidden
// writes, malformed and invalid bodies, unknown routes, admin calls — with the logger at its
// most verbose level writing to a captured stream; then the captured log is searched for each
// secret and each vector component. None may appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, moduleLogger } from '../../../src/observability/index.js';
import type { EngineLogger } from '../../../src/engine/index.js';
import { call, startServer } from './helpers.js';

const SECRETS = {
  apiKey: 'rv-admin-3f9c1e7a5b2d4c6e8f0a',
  readOnlyApiKey: 'rv-reader-9a8b7c6d5e4f3a2b1c0d',
  wrongKey: 'rv-wrong-0f1e2d3c4b5a69788796',
  // Shaped like a JWT (header.claims.signature), as a client would send one.
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbi1zZWNyZXQtdXNlciIsImV4cCI6NDEwMjQ0NDgwMH0.Q2hhbmdlTWVQbGVhc2VTZWNyZXRTaWduYXR1cmU',
  payloadPassword: 'hunter2-payload-secret-5521',
  payloadToken: 'sk_live_payload_token_77aa91',
};
// Recognisable vector components: none of these digit strings occurs by chance in a log.
const VECTOR = [0.7137451, -0.2468013, 0.1357924, 0.8642097];
const QUERY = [0.3141592, 0.2718281, -0.1618033, 0.5772156];

test('the log of a run with known secrets holds none of them, nor vector contents', async (t) => {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', format: 'json' }, sink);
  const engineLog = moduleLogger(logger, 'engine');
  const engineLogger: EngineLogger = (level, message, fields) => engineLog[level](fields ?? {}, message);
  const { app } = await startServer(t, { logger, authDisabled: false, apiKey: SECRETS.apiKey, readOnlyApiKey: SECRETS.readOnlyApiKey }, { logger: engineLogger });
  const admin = { 'api-key': SECRETS.apiKey };
  const bearer = { authorization: `Bearer ${SECRETS.apiKey}` };
  const payload = { password: SECRETS.payloadPassword, nested: { token: SECRETS.payloadToken, note: `token=${SECRETS.payloadToken}` } };

  const statuses: number[] = [];
  const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<void> => {
    statuses.push((await call(app, method, url, body, headers)).statusCode);
  };
  await send('PUT', '/collections/secrets', { vectors: { size: 4, distance: 'Cosine' } }, admin);
  await send('PUT', '/collections/secrets/points?wait=true', { points: [{ id: 1, vector: VECTOR, payload }] }, admin);
  await send('POST', '/collections/secrets/points/search', { vector: QUERY, limit: 1, with_payload: true, with_vector: true }, bearer);
  await send('POST', '/collections/secrets/points', { ids: [1], with_vector: true, with_payload: true }, admin);
  // Failed authentication: wrong key, a JWT the server does not accept, nothing at all.
  await send('GET', '/collections', undefined, { 'api-key': SECRETS.wrongKey });
  await send('GET', '/collections', undefined, { authorization: `Bearer ${SECRETS.jwt}` });
  await send('POST', '/collections/secrets/points/search', { vector: QUERY, limit: 1 }, { authorization: `Bearer ${SECRETS.jwt}` });
  await send('POST', '/collections/secrets/points/search', { vector: QUERY, limit: 1 });
  // Forbidden: the read-only key writing, or calling an admin route.
  await send('PUT', '/collections/secrets/points', { points: [{ id: 2, vector: VECTOR, payload }] }, { 'api-key': SECRETS.readOnlyApiKey });
  await send('PUT', '/admin/log-level', { level: 'trace' }, { 'api-key': SECRETS.readOnlyApiKey });
  // Errors that carry the body: wrong dimension, NaN-like values, schema failures, malformed JSON.
  await send('PUT', '/collections/secrets/points', { points: [{ id: 3, vector: [...VECTOR, 0.9999123], payload }] }, admin);
  await send('PUT', '/collections/secrets/points', { points: [{ id: 'not-a-uuid', vector: VECTOR, payload }] }, admin);
  await send('POST', '/collections/secrets/points/search', { vector: QUERY, limit: 1, bogus_field: SECRETS.payloadToken }, admin);
  await send('PUT', '/collections/secrets/points', `{"points":[{"id":4,"vector":[${VECTOR.join(',')}],"payload":{"password":"${SECRETS.payloadPassword}"}}`, { ...admin, 'content-type': 'application/json' });
  await send('POST', '/collections/missing/points/search', { vector: QUERY }, admin);
  await send('GET', `/no/such/route/${SECRETS.payloadToken.length}`, undefined, admin);
  // Admin calls, and a snapshot (engine log lines).
  await send('PUT', '/admin/log-level', { level: 'trace' }, admin);
  await send('POST', '/collections/secrets/snapshots', undefined, admin);

  // The run did what it should (so the log covers successes and failures alike).
  assert.deepEqual(statuses, [200, 200, 200, 200, 401, 401, 401, 401, 403, 403, 400, 400, 422, 400, 404, 404, 200, 200]);
  const log = chunks.join('');
  assert.ok(log.split('\n').length > 30, 'the log is not empty: requests were logged at trace level');
  assert.match(log, /"reqId"/);
  assert.match(log, /\[REDACTED\]|incoming request/);

  const forbidden: [string, string][] = [
    ...Object.entries(SECRETS),
    ['jwt signature', SECRETS.jwt.split('.')[2]],
    ['jwt claims', SECRETS.jwt.split('.')[1]],
    ...[...VECTOR, ...QUERY, 0.9999123].map((x) => [`vector component ${x}`, String(x).replace(/^-/, '').slice(0, 8)] as [string, string]),
  ];
  for (const [name, secret] of forbidden) {
    const at = log.indexOf(secret);
    assert.equal(at, -1, `${name} appears in the log: …${log.slice(Math.max(0, at - 200), at + 100)}…`);
  }
});
