// The audit trail through the HTTP server: writes, admin reads, 401s and 403s are recorded with
// who/what/where and counts (never vectors); GET /audit/events filters and pages with 400s for
// bad parameters; the CLI's `audit verify` exits 0 on the log, then 7 naming the tampered line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AuditLog, type AuditEntry } from '../../../src/security/audit/index.js';
import { call, resultOf, startServer } from './helpers.js';
import { runCli, runInProcess } from '../cli/cli-runner.js';
import { createSecurityContext } from '../../../src/security/security-context.js';

const FULL = 'audit-test-admin-key-0123456789';
const READ = 'audit-test-read-key-0123456789';
const admin = { 'api-key': FULL };

function auditTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rv-audit-it-'));
}

/** Call after startServer: node:test runs `after` hooks in order, so the server closes first. */
function closeLater(t: { after(fn: () => unknown): void }, audit: AuditLog): void {
  t.after(async () => {
    await audit.close();
    rmSync(audit.dir, { recursive: true, force: true });
  });
}

interface Page {
  events: AuditEntry[];
  next_cursor: string | null;
}

async function events(app: FastifyInstance, query = ''): Promise<Page> {
  return resultOf(await call(app, 'GET', `/audit/events${query}`, undefined, admin)) as Page;
}

/** Events are recorded after the response is sent: wait until `predicate` holds. */
async function eventually(app: FastifyInstance, predicate: (page: Page) => boolean, query = '?limit=1000'): Promise<Page> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = await events(app, query);
    if (predicate(page) || Date.now() > deadline) return page;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('writes, auth failures and denials appear in GET /audit/events with who, what, where and counts', async (t) => {
  const dir = auditTempDir();
  const audit = await AuditLog.open({ dir, fsyncBatchCount: 1000, fsyncIntervalMs: 60_000 });
  const { app } = await startServer(t, { authDisabled: false, apiKey: FULL, readOnlyApiKey: READ, audit });
  closeLater(t, audit);

  // No trusted proxies: a forwarded-for header is ignored (anyone could send one).
  resultOf(await call(app, 'PUT', '/collections/docs', { vectors: { size: 4, distance: 'Cosine' } }, { ...admin, 'user-agent': 'audit-test/1.0', 'x-forwarded-for': '203.0.113.9' }));
  const upsert = await call(app, 'PUT', '/collections/docs/points?wait=true', {
    points: [1, 2, 3].map((id) => ({ id, vector: [0.125, 0.25, 0.375, 0.5], payload: { secret_text: 'do-not-log-me' } })),
  }, admin);
  resultOf(upsert);
  resultOf(await call(app, 'GET', '/collections/docs/points/1', undefined, admin)); // a read: not audited
  assert.equal((await call(app, 'PUT', '/collections/other', { vectors: { size: 4, distance: 'Dot' } })).statusCode, 401);
  assert.equal((await call(app, 'DELETE', '/collections/docs', undefined, { 'api-key': 'wrong-key-wrong-key-wrong' })).statusCode, 401);
  assert.equal((await call(app, 'DELETE', '/collections/docs', undefined, { 'api-key': READ })).statusCode, 403);

  const page = await eventually(app, (p) => p.events.filter((e) => e.action !== 'GET /audit/events').length >= 5);
  const byAction = page.events.filter((e) => e.action !== 'GET /audit/events');
  assert.deepEqual(byAction.map((e) => [e.action, e.result]), [
    ['PUT /collections/:collection_name', 'success'],
    ['PUT /collections/:collection_name/points', 'success'],
    ['PUT /collections/:collection_name', 'unauthenticated'],
    ['DELETE /collections/:collection_name', 'unauthenticated'],
    ['DELETE /collections/:collection_name', 'denied'],
  ]);
  const [create, points, noKey, , denied] = byAction;
  assert.equal(create.principal, 'static:api_key');
  assert.equal(create.resource, 'collection/docs');
  assert.equal(create.user_agent, 'audit-test/1.0');
  assert.equal(create.ip, '127.0.0.1');
  assert.equal(create.metadata.status, 200);
  assert.equal(typeof create.duration_ms, 'number');
  assert.equal(points.metadata.points, 3);
  assert.equal(points.correlation_id, upsert.headers['x-request-id']);
  assert.equal(noKey.principal, null);
  assert.equal(noKey.metadata.status, 401);
  assert.equal(denied.principal, 'static:read_only_api_key');
  assert.equal(denied.metadata.status, 403);

  // The admin reads themselves are audited too (system:admin).
  await eventually(app, (p) => p.events.some((e) => e.action === 'GET /audit/events'));

  // Vectors and payloads never reach the log.
  await audit.flush();
  const raw = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).map((n) => readFileSync(join(dir, n), 'utf8')).join('');
  assert.doesNotMatch(raw, /0\.375|do-not-log-me|audit-test-admin-key|audit-test-read-key/);

  // Filters and pages.
  assert.equal((await events(app, '?result=unauthenticated')).events.length, 2);
  assert.deepEqual((await events(app, '?principal=static:read_only_api_key')).events.map((e) => e.result), ['denied']);
  assert.equal((await events(app, `?resource=${encodeURIComponent('collection/docs')}&action=${encodeURIComponent('PUT *')}`)).events.length, 2);
  const first = await events(app, '?limit=2');
  assert.equal(first.events.length, 2);
  assert.ok(first.next_cursor !== null);
  const second = await events(app, `?limit=2&cursor=${first.next_cursor}`);
  assert.equal(second.events[0].seq, first.events[1].seq + 1);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  assert.deepEqual((await events(app, `?since=${encodeURIComponent(future)}`)).events, []);

  // The backlog gauge is exported.
  const metrics = await call(app, 'GET', '/metrics', undefined, admin);
  assert.match(metrics.body, /^ruvector_audit_backlog \d+$/m);
});

test('admin actions name what they touched: the key made, rotated or revoked, its roles and scopes; the role and its grants; never the secret', async (t) => {
  const dir = auditTempDir();
  const audit = await AuditLog.open({ dir, fsyncBatchCount: 1000, fsyncIntervalMs: 60_000 });
  // Behind a trusted proxy (the test's loopback client): the forwarded client address is recorded.
  const { app } = await startServer(t, { authDisabled: false, apiKey: FULL, audit, trustedProxies: ['127.0.0.1'] });
  closeLater(t, audit);

  const created = resultOf(await call(app, 'POST', '/admin/keys', { name: 'ci-writer', role: 'writer', collections: ['docs*', 'logs'], expires: '30d' }, { ...admin, 'x-forwarded-for': '203.0.113.9' })) as { id: string; key: string };
  const rotated = resultOf(await call(app, 'POST', `/admin/keys/${created.id}/rotate`, { overlap: '1h' }, admin)) as { id: string; key: string };
  resultOf(await call(app, 'DELETE', `/admin/keys/${rotated.id}`, undefined, admin));
  resultOf(await call(app, 'PUT', '/admin/roles/docs-reader', { grants: [{ permission: 'collection:read', collections: ['docs*'] }, { permission: 'cluster:read' }] }, admin));
  resultOf(await call(app, 'DELETE', '/admin/roles/docs-reader', undefined, admin));

  const page = await eventually(app, (p) => p.events.filter((e) => e.action.includes('/admin/')).length >= 5);
  const [create, rotate, revoke, putRole, deleteRole] = page.events.filter((e) => e.action.includes('/admin/'));
  assert.equal(create.action, 'POST /admin/keys');
  assert.equal(create.ip, '203.0.113.9', 'the client address from the trusted proxy');
  assert.deepEqual(
    { key_id: create.metadata.key_id, key_name: create.metadata.key_name, roles: create.metadata.roles, collections: create.metadata.collections },
    { key_id: created.id, key_name: 'ci-writer', roles: 'writer', collections: 'docs*,logs' },
  );
  assert.match(String(create.metadata.expires_at), /^\d{4}-/);
  assert.equal(rotate.resource, `/admin/keys/${created.id}/rotate`);
  assert.equal(rotate.metadata.key_id, rotated.id);
  assert.equal(rotate.metadata.rotated_from, created.id);
  assert.equal(revoke.resource, `/admin/keys/${rotated.id}`);
  assert.equal(putRole.resource, '/admin/roles/docs-reader');
  assert.equal(putRole.metadata.grants, 'collection:read@docs*;cluster:read');
  assert.equal(deleteRole.resource, '/admin/roles/docs-reader');

  await audit.flush();
  const raw = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).map((n) => readFileSync(join(dir, n), 'utf8')).join('');
  for (const secret of [created.key, rotated.key]) assert.ok(!raw.includes(secret), 'the keys themselves never reach the audit log');
});

test('keys made or revoked with the CLI in the data directory while the server runs are audited when the server notices them', async (t) => {
  const dir = auditTempDir();
  const audit = await AuditLog.open({ dir, fsyncBatchCount: 1000, fsyncIntervalMs: 60_000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'rv-audit-keys-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const security = await createSecurityContext({ apiKey: FULL, dataDir });
  const { app } = await startServer(t, { authDisabled: false, security, audit });
  closeLater(t, audit);

  const created = await runInProcess(['keys', 'create', '--name', 'offline', '--role', 'reader', '--collections', 'docs*', '--data-dir', dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const id = /rvk_([0-9a-f]{16})\./.exec(created.stdout)?.[1];
  assert.ok(id !== undefined, created.stdout);
  const page = await eventually(app, (p) => p.events.some((e) => e.action === 'keys.created'));
  const event = page.events.find((e) => e.action === 'keys.created');
  assert.deepEqual([event?.principal, event?.resource, event?.metadata.key_name, event?.metadata.roles, event?.metadata.collections], ['cli:keys-file', `/admin/keys/${id}`, 'offline', 'reader', 'docs*']);

  assert.equal((await runInProcess(['keys', 'revoke', id, '--data-dir', dataDir])).code, 0);
  const revoked = await eventually(app, (p) => p.events.some((e) => e.action === 'keys.revoked'));
  assert.equal(revoked.events.find((e) => e.action === 'keys.revoked')?.resource, `/admin/keys/${id}`);
});

test('GET /audit/events answers 400 naming the parameter and its limit; it needs system:admin', async (t) => {
  const audit = await AuditLog.open({ dir: auditTempDir() });
  const { app } = await startServer(t, { authDisabled: false, apiKey: FULL, readOnlyApiKey: READ, audit });
  closeLater(t, audit);
  const cases: [string, string, RegExp][] = [
    ['?limit=0', 'RV_INVALID_ARGUMENT', /limit: must be an integer ≥ 1/],
    ['?limit=5000', 'RV_LIMIT_EXCEEDED', /limit: at most 1000/],
    ['?limit=ten', 'RV_INVALID_ARGUMENT', /limit/],
    ['?cursor=-1', 'RV_INVALID_ARGUMENT', /cursor/],
    ['?since=yesterday', 'RV_INVALID_ARGUMENT', /since: must be an ISO 8601 time/],
    ['?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'RV_INVALID_ARGUMENT', /since: must not be after until/],
    ['?result=maybe', 'RV_INVALID_ARGUMENT', /result: must be one of/],
    [`?principal=${'p'.repeat(300)}`, 'RV_LIMIT_EXCEEDED', /principal: at most 256 characters/],
    ['?principal=', 'RV_INVALID_ARGUMENT', /principal: must not be empty/],
    ['?limit=1&limit=2', 'RV_INVALID_ARGUMENT', /limit: must be given once/],
    ['?colour=red', 'RV_INVALID_ARGUMENT', /colour: unknown query parameter/],
  ];
  for (const [query, code, message] of cases) {
    const response = await call(app, 'GET', `/audit/events${query}`, undefined, admin);
    assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
    const body = response.json() as { code: string; status: { error: string } };
    assert.equal(body.code, code, query);
    assert.match(body.status.error, message, query);
  }
  assert.equal((await call(app, 'GET', '/audit/events', undefined, { 'api-key': READ })).statusCode, 403);
  assert.equal((await call(app, 'GET', '/audit/events')).statusCode, 401);
});

test('with auth disabled, writes are recorded without a principal', async (t) => {
  const audit = await AuditLog.open({ dir: auditTempDir() });
  const { app } = await startServer(t, { audit });
  closeLater(t, audit);
  resultOf(await call(app, 'PUT', '/collections/open', { vectors: { size: 2, distance: 'Dot' } }));
  const deadline = Date.now() + 20_000;
  let page: Page;
  do {
    page = resultOf(await call(app, 'GET', '/audit/events?action=PUT%20*')) as Page;
  } while (page.events.length === 0 && Date.now() < deadline && await new Promise((r) => setTimeout(r, 20)) === undefined);
  assert.equal(page.events.length, 1);
  assert.equal(page.events[0].principal, null);
  assert.equal(page.events[0].resource, 'collection/open');
});

test('`ruvector audit verify` exits 0 on the server\'s log, then 7 naming the tampered entry; export prints NDJSON', async (t) => {
  const dir = auditTempDir();
  const audit = await AuditLog.open({ dir });
  const { app, server } = await startServer(t, { audit });
  closeLater(t, audit);
  for (let i = 0; i < 5; i++) resultOf(await call(app, 'PUT', `/collections/c${i}`, { vectors: { size: 2, distance: 'Dot' } }));
  await server.close();
  await audit.close(); // after the server: every event recorded is now durable

  const intact = await runCli(['audit', 'verify', dir]);
  assert.equal(intact.code, 0, intact.stderr);
  assert.match(intact.stdout, /audit log intact: 5 entries in 1 files \(seq 1–5\)/);

  const exported = await runCli(['audit', 'export', dir, '--format', 'ndjson']);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
  assert.deepEqual(lines.map((e) => e.resource), ['collection/c0', 'collection/c1', 'collection/c2', 'collection/c3', 'collection/c4']);

  const [name] = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  const fileLines = readFileSync(join(dir, name), 'utf8').split('\n');
  fileLines[2] = fileLines[2].replace('collection/c2', 'collection/zz');
  writeFileSync(join(dir, name), fileLines.join('\n'));
  const tampered = await runCli(['audit', 'verify', dir]);
  assert.equal(tampered.code, 7, tampered.stderr);
  assert.match(tampered.stderr, new RegExp(`${name}:3: modified: .*\\[RV_AUDIT_TAMPERED\\]`));
});

test('a write the client abandons mid-body is recorded as aborted', async (t) => {
  const audit = await AuditLog.open({ dir: auditTempDir() });
  const { app, server } = await startServer(t, { audit });
  closeLater(t, audit);
  resultOf(await call(app, 'PUT', '/collections/slow', { vectors: { size: 2, distance: 'Dot' } }));
  const url = new URL(await server.listen());
  const client = httpRequest({ host: url.hostname, port: Number(url.port), method: 'PUT', path: '/collections/slow/points', headers: { 'content-type': 'application/json', 'content-length': '100000' } });
  client.on('error', () => undefined);
  client.write('{"points": [');
  // Wait until the server has the request, then hang up.
  const deadline = Date.now() + 20_000;
  let aborted: AuditEntry | undefined;
  await new Promise((r) => setTimeout(r, 200));
  client.destroy();
  while (aborted === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const page = resultOf(await call(app, 'GET', '/audit/events?result=aborted')) as Page;
    aborted = page.events[0];
  }
  assert.ok(aborted, 'no aborted event recorded');
  assert.equal(aborted.action, 'PUT /collections/:collection_name/points');
  assert.equal(aborted.resource, 'collection/slow');
  assert.equal(typeof aborted.duration_ms, 'number');
});
