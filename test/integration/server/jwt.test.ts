// JWT authentication through the HTTP edge: HS256, RS256, ES256 and EdDSA from several issuers
// (a real loopback HTTP server serves the JWKS), claim checks (exp, nbf, iss, aud, algorithm),
// roles and Qdrant's `access` claim mapped to permissions, JWKS refresh on a new kid with a
// rate limit, and an unreachable IdP reported as retryable 503 rather than 401.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type CryptoKey } from 'jose';
import { createSecurityContext } from '../../../src/security/security-context.js';
import { assertError, call, resultOf, startServer, deferrer, tempDir } from './helpers.js';

const HS_SECRET = 'a-shared-secret-of-at-least-32-bytes!!';

interface Jwks { server: Server; url: string; keys: JWK[]; fetches: number }

async function startJwks(defer: (fn: () => unknown) => void): Promise<Jwks> {
  const state: Jwks = { server: undefined as unknown as Server, url: '', keys: [], fetches: 0 };
  state.server = createHttpServer((_req, res) => {
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  const address = state.server.address() as { port: number };
  state.url = `http://127.0.0.1:${address.port}/jwks.json`;
  defer(() => new Promise((resolve) => { state.server.closeAllConnections(); state.server.close(resolve); }));
  return state;
}

function sign(key: CryptoKey | Uint8Array, alg: string, claims: Record<string, unknown>, options: { kid?: string; iss: string; aud?: string; exp?: number | string; nbf?: number | string }): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, ...(options.kid === undefined ? {} : { kid: options.kid }) }).setIssuer(options.iss).setSubject('alice').setIssuedAt();
  if (options.aud !== undefined) jwt = jwt.setAudience(options.aud);
  jwt = jwt.setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt = jwt.setNotBefore(options.nbf);
  return jwt.sign(key);
}

test('JWT: four algorithms from three issuers, claim checks, role and access-claim mapping, JWKS refresh', async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-jwt-');
  const jwks = await startJwks(defer);
  const rsa = await generateKeyPair('RS256');
  const ed = await generateKeyPair('EdDSA');
  jwks.keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }, { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA' }];
  const ec = await generateKeyPair('ES256');
  writeFileSync(join(dir, 'ec.pem'), await exportSPKI(ec.publicKey));
  const issuersFile = join(dir, 'issuers.json');
  writeFileSync(issuersFile, JSON.stringify({ issuers: [
    { issuer: 'https://idp.test/', audience: 'ruvector', jwks_url: jwks.url, algorithms: ['RS256', 'EdDSA'] },
    { issuer: 'edge', audience: 'ruvector', public_key_file: join(dir, 'ec.pem'), algorithms: ['ES256'] },
    { issuer: 'ci', algorithms: ['HS256'], secret_env: 'CI_SECRET', roles_claim: 'groups' },
  ] }));
  const security = await createSecurityContext({ apiKey: 'admin-key-000000000000', jwtIssuersFile: issuersFile, jwt: { env: { CI_SECRET: HS_SECRET }, jwksCooldownSeconds: 1, jwksRefreshSeconds: 600 } });
  const { app } = await startServer(t, { authDisabled: false, security });
  const admin = { 'api-key': 'admin-key-000000000000' };
  for (const name of ['a', 'b']) {
    resultOf(await call(app, 'PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Dot' } }, admin));
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const upsert = { points: [{ id: 1, vector: [1, 0] }] };
  const idp = { iss: 'https://idp.test/', aud: 'ruvector' };

  // Each algorithm and issuer; roles from the issuer's claim.
  const rsWriter = await sign(rsa.privateKey, 'RS256', { roles: ['writer'] }, { ...idp, kid: 'rsa-1' });
  resultOf(await call(app, 'PUT', '/collections/a/points', upsert, bearer(rsWriter)));
  assertError(await call(app, 'DELETE', '/collections/a', undefined, bearer(rsWriter)), 403, 'RV_AUTH_FORBIDDEN', /alice lacks collection:admin/);
  resultOf(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(ed.privateKey, 'EdDSA', { roles: 'reader' }, { ...idp, kid: 'ed-1' }))));
  resultOf(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(ec.privateKey, 'ES256', { roles: ['reader'] }, { iss: 'edge', aud: 'ruvector' }))));
  const hs = new TextEncoder().encode(HS_SECRET);
  resultOf(await call(app, 'GET', '/collections/b', undefined, bearer(await sign(hs, 'HS256', { groups: ['reader'] }, { iss: 'ci' }))));

  // Claim checks: expiry, not-before, audience, issuer, algorithm allow-list, signature, exp required.
  const now = Math.floor(Date.now() / 1000);
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa.privateKey, 'RS256', { roles: ['reader'] }, { ...idp, kid: 'rsa-1', exp: now - 120 }))), 401, 'RV_AUTH_INVALID', /token expired/);
  resultOf(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa.privateKey, 'RS256', { roles: ['reader'] }, { ...idp, kid: 'rsa-1', exp: now - 5 }))));
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa.privateKey, 'RS256', { roles: ['reader'] }, { ...idp, kid: 'rsa-1', nbf: now + 600 }))), 401, 'RV_AUTH_INVALID', /claim nbf/);
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa.privateKey, 'RS256', { roles: ['reader'] }, { ...idp, aud: 'someone-else', kid: 'rsa-1' }))), 401, 'RV_AUTH_INVALID', /claim aud/);
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa.privateKey, 'RS256', { roles: ['reader'] }, { iss: 'https://evil.test/', aud: 'ruvector', kid: 'rsa-1' }))), 401, 'RV_AUTH_INVALID', /untrusted or missing issuer/);
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(hs, 'HS256', { roles: ['admin'] }, { ...idp }))), 401, 'RV_AUTH_INVALID', /algorithm not allowed/);
  const other = await generateKeyPair('RS256');
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(other.privateKey, 'RS256', { roles: ['admin'] }, { ...idp, kid: 'rsa-1' }))), 401, 'RV_AUTH_INVALID', /signature verification failed/);
  const noExp = await new SignJWT({ groups: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('ci').sign(hs);
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(noExp)), 401, 'RV_AUTH_INVALID', /claim exp/);
  const [header, body] = rsWriter.split('.');
  assertError(await call(app, 'GET', '/collections/a', undefined, bearer(`${header}.${body}.`)), 401, 'RV_AUTH_INVALID');

  // Qdrant's access claim: per-collection r / rw, global r / m.
  const perCollection = await sign(hs, 'HS256', { access: [{ collection: 'a', access: 'rw' }, { collection: 'b', access: 'r' }] }, { iss: 'ci' });
  resultOf(await call(app, 'PUT', '/collections/a/points', upsert, bearer(perCollection)));
  resultOf(await call(app, 'POST', '/collections/b/points/scroll', {}, bearer(perCollection)));
  assertError(await call(app, 'PUT', '/collections/b/points', upsert, bearer(perCollection)), 403, 'RV_AUTH_FORBIDDEN');
  assertError(await call(app, 'GET', '/metrics', undefined, bearer(perCollection)), 403, 'RV_AUTH_FORBIDDEN');
  const manage = await sign(hs, 'HS256', { access: 'm' }, { iss: 'ci' });
  assert.equal((await call(app, 'GET', '/admin/keys', undefined, bearer(manage))).statusCode, 200);
  assertError(await call(app, 'PUT', '/collections/a/points', upsert, bearer(await sign(hs, 'HS256', { access: 'r' }, { iss: 'ci' }))), 403, 'RV_AUTH_FORBIDDEN');

  // The IdP rotates its key: an unknown kid triggers one refetch (after the cooldown), then works;
  // a flood of unknown kids does not hammer the IdP.
  const rsa2 = await generateKeyPair('RS256');
  jwks.keys = [...jwks.keys, { ...(await exportJWK(rsa2.publicKey)), kid: 'rsa-2', alg: 'RS256' }];
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const fetchesBefore = jwks.fetches;
  resultOf(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa2.privateKey, 'RS256', { roles: ['reader'] }, { ...idp, kid: 'rsa-2' }))));
  assert.equal(jwks.fetches, fetchesBefore + 1, 'one refetch for the new kid');
  for (let i = 0; i < 20; i++) {
    assertError(await call(app, 'GET', '/collections/a', undefined, bearer(await sign(rsa2.privateKey, 'RS256', { roles: ['reader'] }, { ...idp, kid: `forged-${i}` }))), 401, 'RV_AUTH_INVALID', /no key in the issuer JWKS/);
  }
  assert.ok(jwks.fetches <= fetchesBefore + 2, `unknown kids refetch at most once per cooldown (fetches: ${jwks.fetches - fetchesBefore})`);
});

test('JWT: an unreachable JWKS is a retryable 503, and a bad issuers file fails at startup naming the field', async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-jwt-');
  const issuersFile = join(dir, 'issuers.json');
  writeFileSync(issuersFile, JSON.stringify({ issuers: [{ issuer: 'down', jwks_url: 'http://127.0.0.1:9/jwks.json', algorithms: ['RS256'] }] }));
  const security = await createSecurityContext({ apiKey: 'admin-key-000000000000', jwtIssuersFile: issuersFile, jwt: { jwksTimeoutMs: 500 } });
  const { app } = await startServer(t, { authDisabled: false, security });
  const rsa = await generateKeyPair('RS256');
  const token = await sign(rsa.privateKey, 'RS256', { roles: ['reader'] }, { iss: 'down', kid: 'k' });
  const response = await call(app, 'GET', '/collections', undefined, { authorization: `Bearer ${token}` });
  assertError(response, 503, 'RV_AUTH_UNAVAILABLE', /identity provider/);
  assert.equal(JSON.parse(response.body).retryable, true);

  writeFileSync(issuersFile, JSON.stringify({ issuers: [{ issuer: 'x', algorithms: ['RS256'], secret_env: 'S' }] }));
  await assert.rejects(createSecurityContext({ jwtIssuersFile: issuersFile }), { code: 'RV_CONFIG_INVALID', message: /issuers\[0\]\.algorithms HS256 goes with secret_env/ });
  writeFileSync(issuersFile, JSON.stringify({ issuers: [{ issuer: 'x', algorithms: ['none'], jwks_url: 'http://x' }] }));
  await assert.rejects(createSecurityContext({ jwtIssuersFile: issuersFile }), { code: 'RV_CONFIG_INVALID', message: /issuers\[0\]\.algorithms must list/ });
  writeFileSync(issuersFile, JSON.stringify({ issuers: [{ issuer: 'x', algorithms: ['HS256'], secret_env: 'SHORT' }] }));
  await assert.rejects(createSecurityContext({ jwtIssuersFile: issuersFile, jwt: { env: { SHORT: 'abc' } } }), { code: 'RV_CONFIG_INVALID', message: /at least 32 bytes/ });

  // An HS256 secret_file must be private (0600), as [secrets] files; then its tokens verify.
  const secretFile = join(dir, 'hs.secret');
  const secret = 'file-shared-secret-of-32-bytes-or-more';
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o644 });
  chmodSync(secretFile, 0o644);
  writeFileSync(issuersFile, JSON.stringify({ issuers: [{ issuer: 'filed', algorithms: ['HS256'], secret_file: secretFile }] }));
  await assert.rejects(createSecurityContext({ jwtIssuersFile: issuersFile }), { code: 'RV_SECRET_FILE_INSECURE', message: /chmod 600/ });
  chmodSync(secretFile, 0o600);
  const filed = await createSecurityContext({ jwtIssuersFile: issuersFile });
  const hsToken = await sign(new TextEncoder().encode(secret), 'HS256', { roles: ['reader'] }, { iss: 'filed' });
  assert.deepEqual((await filed.authenticator.authenticate(hsToken)).roles, ['reader']);
});
