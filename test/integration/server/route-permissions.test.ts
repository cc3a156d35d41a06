// RBAC at the HTTP edge: every registered route declares its permission; a credential that
// holds none of them is refused everywhere; and the matrix holds (reader reads but
// cannot write, writer cannot administer, a collection-scoped key cannot touch other
// collections, metrics or admin routes, nor reach another collection through an alias).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BackupService, openBackupTarget } from '../../../src/backup/index.js';
import { AuditLog } from '../../../src/security/audit/index.js';
import { createServer } from '../../../src/server/index.js';
import type { ClusterNode } from '../../../src/cluster/index.js';
import { assertError, call, deferrer, resultOf, startServer, tempDir } from './helpers.js';

const ADMIN = 'admin-key-0123456789abcdef';

async function createKey(app: Parameters<typeof call>[0], body: Record<string, unknown>): Promise<string> {
  const created = resultOf(await call(app, 'POST', '/admin/keys', body, { 'api-key': ADMIN })) as { key: string };
  return created.key;
}

/**
 * Every route declares a permission, and a key whose role grants nothing beyond health is
 * refused (403) on every route that is not public or health. Returns how many were checked.
 */
async function refusedEverywhere(app: Parameters<typeof call>[0], routes: readonly { method: string; url: string; permission?: string }[]): Promise<number> {
  assert.deepEqual(routes.filter((r) => r.permission === undefined).map((r) => `${r.method} ${r.url}`), [], 'routes without a declared permission');
  resultOf(await call(app, 'PUT', '/admin/roles/nothing', { grants: [{ permission: 'system:health' }] }, { 'api-key': ADMIN }));
  const powerless = await createKey(app, { name: 'powerless', role: 'nothing' });
  let checked = 0;
  for (const route of routes) {
    if (route.permission === 'public' || route.permission === 'system:health') continue;
    const url = route.url.replace(/:([a-z_]+)/g, (_m, param: string) => (param === 'id' ? '0123456789abcdef' : 'x'));
    const response = await call(app, route.method, url, ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined, { 'api-key': powerless });
    assert.equal(response.statusCode, 403, `${route.method} ${route.url} → ${response.statusCode} ${response.body.slice(0, 120)}`);
    checked++;
  }
  return checked;
}

test('every route declares a permission; a credential without grants is refused on every non-public route', async (t) => {
  // With the optional route groups on too (audit trail, backups), so their routes are walked.
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-routes-');
  const audit = await AuditLog.open({ dir: join(dir, 'audit') });
  defer(() => audit.close());
  const { db } = await startServer(t, {}, { retainOpsForBackup: true });
  const backups = new BackupService({ db, target: openBackupTarget(pathToFileURL(join(dir, 'backups')).href), retention: { retentionDays: 7, retentionCount: 0 } });
  defer(() => backups.close());
  const full = await createServer(db, { host: '127.0.0.1', port: 0, logger: false, version: 'test', apiKey: ADMIN, audit, backups });
  defer(() => full.close());
  await full.app.ready();
  assert.ok(full.routes().some((r) => r.url === '/audit/events') && full.routes().some((r) => r.url === '/backups'), 'optional routes registered');
  const routes = full.routes();
  assert.ok(routes.length > 60, `route table walked (${routes.length} routes)`);
  t.diagnostic(`${routes.length} routes walked`);
  assert.ok(await refusedEverywhere(full.app, routes) > 40);
});

test('cluster mode: every route declares a permission, a key without grants is refused on each, and listings filter by scope', async (t) => {
  // The route table of a cluster-mode server, walked without NATS: a stand-in ClusterNode that
  // lists two collections and answers nothing else. Every walked request is refused before its
  // handler runs; the listings run their filter over the stand-in's names.
  // (The cluster's behaviour itself is tested on real NATS servers in test/integration/cluster.)
  const standIn = new Proxy({
    listCollections: () => ['docs-a', 'secret'],
    listAliases: () => [{ alias_name: 'docs-alias', collection_name: 'secret' }],
    hasCollection: (name: string) => ['docs-a', 'secret', 'docs-alias'].includes(name),
    resolve: (name: string) => ({ name: name === 'docs-alias' ? 'secret' : name }),
  } as Record<string, unknown>, {
    get: (target, prop) => (prop in target ? target[prop as string] : prop === 'then' ? undefined : () => { throw new Error(`stand-in ClusterNode: ${String(prop)} not expected`); }),
  }) as unknown as ClusterNode;
  const defer = deferrer(t);
  const { db } = await startServer(t);
  const server = await createServer(db, { host: '127.0.0.1', port: 0, logger: false, version: 'test', apiKey: ADMIN, cluster: standIn });
  defer(() => server.close());
  await server.app.ready();
  const routes = server.routes();
  assert.ok(routes.some((r) => r.url === '/collections/:collection_name/cluster') && routes.some((r) => r.url === '/collections/:collection_name/snapshots'), 'cluster-mode routes registered');
  const checked = await refusedEverywhere(server.app, routes);
  assert.ok(checked > 30, `${checked} routes refused`);
  const scoped = { 'api-key': await createKey(server.app, { name: 's', role: 'reader', collections: ['docs*'] }) };
  const listed = resultOf(await call(server.app, 'GET', '/collections', undefined, scoped)) as { collections: { name: string }[] };
  assert.deepEqual(listed.collections.map((c) => c.name), ['docs-a'], 'a scoped key lists its own collections');
  assert.deepEqual((resultOf(await call(server.app, 'GET', '/aliases', undefined, scoped)) as { aliases: unknown[] }).aliases, [], 'the alias onto secret is hidden');
  // The cluster's alias is resolved before the permission check: it does not widen the scope.
  assertError(await call(server.app, 'POST', '/collections/docs-alias/points/scroll', {}, scoped), 403, 'RV_AUTH_FORBIDDEN', /collection "secret"/);
});

test('the matrix: reader, writer, admin, monitor, collection-scoped key; aliases do not widen a scope', async (t) => {
  const { app, db } = await startServer(t, { authDisabled: false, apiKey: ADMIN });
  const admin = { 'api-key': ADMIN };
  for (const name of ['docs-a', 'secret']) {
    resultOf(await call(app, 'PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Dot' } }, admin));
    resultOf(await call(app, 'PUT', `/collections/${name}/points?wait=true`, { points: [{ id: 1, vector: [1, 0] }] }, admin));
  }
  resultOf(await call(app, 'POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'secret', alias_name: 'docs-alias' } }] }, admin));
  const reader = { 'api-key': await createKey(app, { name: 'r', role: 'reader' }) };
  const writer = { 'api-key': await createKey(app, { name: 'w', role: 'writer' }) };
  const monitor = { 'api-key': await createKey(app, { name: 'm', role: 'monitor' }) };
  const scoped = { authorization: `Bearer ${await createKey(app, { name: 's', role: 'admin', collections: ['docs*'] })}` };
  const upsert = { points: [{ id: 2, vector: [0, 1] }] };

  // reader: reads and searches, never writes or administers
  resultOf(await call(app, 'POST', '/collections/docs-a/points/search', { vector: [1, 0], limit: 1 }, reader));
  assertError(await call(app, 'PUT', '/collections/docs-a/points', upsert, reader), 403, 'RV_AUTH_FORBIDDEN', /lacks collection:write/);
  assertError(await call(app, 'GET', '/metrics', undefined, reader), 403, 'RV_AUTH_FORBIDDEN');
  assertError(await call(app, 'GET', '/admin/keys', undefined, reader), 403, 'RV_AUTH_FORBIDDEN');
  // writer: writes points, cannot create/delete collections, snapshot, or manage keys
  resultOf(await call(app, 'PUT', '/collections/docs-a/points', upsert, writer));
  assertError(await call(app, 'DELETE', '/collections/docs-a', undefined, writer), 403, 'RV_AUTH_FORBIDDEN', /lacks collection:admin/);
  assertError(await call(app, 'POST', '/collections/docs-a/snapshots', undefined, writer), 403, 'RV_AUTH_FORBIDDEN');
  assertError(await call(app, 'POST', '/admin/keys', { name: 'x', role: 'admin' }, writer), 403, 'RV_AUTH_FORBIDDEN');
  // monitor: metrics only
  assert.equal((await call(app, 'GET', '/metrics', undefined, monitor)).statusCode, 200);
  assertError(await call(app, 'GET', '/collections/docs-a', undefined, monitor), 403, 'RV_AUTH_FORBIDDEN');
  // scoped admin on docs*: full control there, nothing elsewhere
  resultOf(await call(app, 'PUT', '/collections/docs-a/points', upsert, scoped));
  resultOf(await call(app, 'PUT', '/collections/docs-b', { vectors: { size: 2, distance: 'Dot' } }, scoped));
  assertError(await call(app, 'POST', '/collections/secret/points/scroll', {}, scoped), 403, 'RV_AUTH_FORBIDDEN', /collection "secret"/);
  assertError(await call(app, 'POST', '/collections/docs-alias/points/scroll', {}, scoped), 403, 'RV_AUTH_FORBIDDEN', /collection "secret"/);
  assertError(await call(app, 'GET', '/metrics', undefined, scoped), 403, 'RV_AUTH_FORBIDDEN');
  assertError(await call(app, 'POST', '/collections/aliases', { actions: [] }, scoped), 403, 'RV_AUTH_FORBIDDEN', /all collections/);
  assertError(await call(app, 'GET', '/admin/roles', undefined, scoped), 403, 'RV_AUTH_FORBIDDEN');
  const listed = resultOf(await call(app, 'GET', '/collections', undefined, scoped)) as { collections: { name: string }[] };
  assert.deepEqual(listed.collections.map((c) => c.name).sort(), ['docs-a', 'docs-b'], 'listing shows only the scope');
  const aliases = resultOf(await call(app, 'GET', '/aliases', undefined, scoped)) as { aliases: unknown[] };
  assert.deepEqual(aliases.aliases, [], 'the alias onto secret is hidden');
  // recovering a snapshot file copies its collection's data: the scope must cover that collection too
  const secretSnapshot = resultOf(await call(app, 'POST', '/collections/secret/snapshots', undefined, admin)) as { name: string };
  const docsSnapshot = resultOf(await call(app, 'POST', '/collections/docs-a/snapshots', undefined, scoped)) as { name: string };
  const fileOf = (collection: string, name: string): string => pathToFileURL(join(db.path, 'snapshots', collection, name)).href;
  assertError(await call(app, 'PUT', '/collections/docs-stolen/snapshots/recover', { location: fileOf('secret', secretSnapshot.name) }, scoped), 403, 'RV_AUTH_FORBIDDEN', /collection:read on collection "secret"/);
  assertError(await call(app, 'PUT', '/collections/docs-stolen/snapshots/recover', { location: fileOf('secret', 'no-such.snapshot') }, scoped), 403, 'RV_AUTH_FORBIDDEN',
    /collection "secret"/);
  assertError(await call(app, 'PUT', '/collections/docs-stolen/snapshots/recover', { location: pathToFileURL(join(db.path, 'snapshots', 'loose.snapshot')).href }, scoped), 403, 'RV_AUTH_FORBIDDEN', /all collections/);
  resultOf(await call(app, 'PUT', '/collections/docs-copy/snapshots/recover', { location: fileOf('docs-a', docsSnapshot.name) }, scoped));
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/docs-copy/points/count', {}, scoped)), { count: 2 }, 'its own snapshot recovers');
  // admin sees everything
  const all = resultOf(await call(app, 'GET', '/collections', undefined, admin)) as { collections: { name: string }[] };
  assert.deepEqual(all.collections.map((c) => c.name).sort(), ['docs-a', 'docs-b', 'docs-copy', 'secret'], 'docs-stolen was never created');
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/secret/points/count', {}, admin)), { count: 1 }, 'refused writes changed nothing');
});

test('admin key API: create shows the key once, list hides secrets, rotate overlaps, revoke is immediate', async (t) => {
  const { app } = await startServer(t, { authDisabled: false, apiKey: ADMIN });
  const admin = { 'api-key': ADMIN };
  const created = resultOf(await call(app, 'POST', '/admin/keys', { name: 'etl', role: 'writer', expires: '90d' }, admin)) as { id: string; key: string; expires_at: string };
  assert.ok(Date.parse(created.expires_at) > Date.now() + 89 * 86_400_000);
  const listed = resultOf(await call(app, 'GET', '/admin/keys', undefined, admin)) as { keys: Record<string, unknown>[] };
  assert.equal(listed.keys.length, 1);
  assert.ok(!JSON.stringify(listed).includes(created.key.split('.')[1]) && !('hash' in listed.keys[0]) && !('key' in listed.keys[0]));
  const rotated = resultOf(await call(app, 'POST', `/admin/keys/${created.id}/rotate`, { overlap: '1h' }, admin)) as { id: string; key: string };
  for (const key of [created.key, rotated.key]) assert.equal((await call(app, 'GET', '/collections', undefined, { 'api-key': key })).statusCode, 200);
  resultOf(await call(app, 'DELETE', `/admin/keys/${created.id}`, undefined, admin));
  assertError(await call(app, 'GET', '/collections', undefined, { 'api-key': created.key }), 401, 'RV_AUTH_INVALID');
  assert.equal((await call(app, 'GET', '/collections', undefined, { 'api-key': rotated.key })).statusCode, 200);
  assertError(await call(app, 'POST', '/admin/keys', { name: 'x', role: 'root' }, admin), 400, 'RV_INVALID_ARGUMENT', /roles\[0\] names no known role/);
  assertError(await call(app, 'POST', '/admin/keys', { name: 'x' }, admin), 400, 'RV_INVALID_ARGUMENT', /role \(or roles\) is required/);
  assertError(await call(app, 'POST', '/admin/keys', { name: 'x', role: 'reader', expires: 'soon' }, admin), 400, 'RV_INVALID_ARGUMENT', /expires must be a duration/);
  assertError(await call(app, 'DELETE', '/admin/keys/0123456789abcdef', undefined, admin), 404, 'RV_KEY_NOT_FOUND');
  // roles through the API
  resultOf(await call(app, 'PUT', '/admin/roles/docs-reader', { grants: [{ permission: 'collection:read', collections: ['docs*'] }] }, admin));
  assertError(await call(app, 'PUT', '/admin/roles/admin', { grants: [{ permission: 'collection:read' }] }, admin), 403, 'RV_AUTH_FORBIDDEN', /built in/);
  assertError(await call(app, 'PUT', '/admin/roles/bad', { grants: [{ permission: 'collection:fly' }] }, admin), 400, 'RV_INVALID_ARGUMENT', /permission must be one of/);
  const roles = resultOf(await call(app, 'GET', '/admin/roles', undefined, admin)) as { roles: { name: string; source: string }[] };
  assert.deepEqual(roles.roles.filter((r) => r.source === 'api').map((r) => r.name), ['docs-reader']);
  assertError(await call(app, 'DELETE', '/admin/roles/nope', undefined, admin), 404, 'RV_ROLE_NOT_FOUND');
});
