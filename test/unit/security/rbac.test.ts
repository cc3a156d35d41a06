// RBAC: collection patterns, role validation, the authorizer's decisions (built-in roles,
// implied levels, collection scopes, Qdrant's per-collection grants) and its cache invalidation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesCollectionPattern, validateCollectionPattern } from '../../../src/security/rbac/collection-pattern.js';
import { parseRole } from '../../../src/security/rbac/role.js';
import { RoleRegistry } from '../../../src/security/rbac/role-registry.js';
import { Authorizer, type CollectionTarget } from '../../../src/security/rbac/authorizer.js';
import type { Principal } from '../../../src/security/principal.js';
import type { Permission } from '../../../src/security/permissions.js';

test('collection patterns: * matches any run, everything else is literal', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything', true], ['docs', 'docs', true], ['docs', 'docs2', false], ['docs*', 'docs', true], ['docs*', 'docs-prod', true],
    ['docs*', 'mydocs', false], ['*-prod', 'docs-prod', true], ['*-prod', 'docs-prod-2', false], ['a*b*c', 'abc', true], ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false], ['a*a', 'a', false], ['a*a', 'aa', true], ['d.c*', 'dxc', false],
  ];
  for (const [pattern, name, expected] of cases) assert.equal(matchesCollectionPattern(pattern, name), expected, `${pattern} ~ ${name}`);
  assert.throws(() => validateCollectionPattern('docs/../x', 'collections[0]'), { code: 'RV_INVALID_ARGUMENT', message: /collections\[0\]/ });
  assert.throws(() => validateCollectionPattern('', 'f'), { code: 'RV_INVALID_ARGUMENT' });
});

test('roles are validated with the field named', () => {
  assert.throws(() => parseRole({ name: 'Bad Name', grants: [{ permission: 'collection:read' }] }, 'role'), { message: /role\.name/ });
  assert.throws(() => parseRole({ name: 'ok', grants: [] }, 'role'), { message: /role\.grants must be a list of 1-256/ });
  assert.throws(() => parseRole({ name: 'ok', grants: [{ permission: 'collection:delete' }] }, 'role'), { message: /role\.grants\[0\]\.permission must be one of/ });
  assert.throws(() => parseRole({ name: 'ok', grants: [{ permission: 'system:metrics', collections: ['a'] }] }, 'role'), { message: /applies only to collection/ });
  assert.throws(() => parseRole({ name: 'ok', grants: [{ permission: 'public' }] }, 'role'), { message: /permission must be one of/ });
  assert.throws(() => parseRole({ name: 'ok', grants: [{ permission: 'collection:read' }], extra: 1 }, 'role'), { message: /role\.extra is not a role field/ });
  assert.deepEqual(parseRole({ name: 'docs-reader', grants: [{ permission: 'collection:read', collections: ['docs*'] }] }, 'role'),
    { name: 'docs-reader', grants: [{ permission: 'collection:read', collections: ['docs*'] }] });
});

function principal(roles: string[], extra: Partial<Principal> = {}): Principal {
  return { id: `p:${roles.join(',')}:${JSON.stringify(extra)}`, kind: 'api-key', roles, ...extra };
}

const named = (name: string) => ({ kind: 'named' as const, name });

test('built-in roles: reader reads, writer writes but cannot administer, admin does everything, monitor scrapes', async () => {
  const authorizer = new Authorizer(await RoleRegistry.open({}));
  const can = (p: Principal, permission: Permission, target: CollectionTarget = named('docs')) => authorizer.isAllowed(p, permission, target);
  const reader = principal(['reader']);
  const writer = principal(['writer']);
  const admin = principal(['admin']);
  const monitor = principal(['monitor']);
  assert.ok(can(reader, 'collection:read') && !can(reader, 'collection:write') && !can(reader, 'collection:admin'));
  assert.ok(!can(reader, 'system:metrics') && !can(reader, 'system:admin') && can(reader, 'cluster:read') && !can(reader, 'cluster:write'));
  assert.ok(can(writer, 'collection:read') && can(writer, 'collection:write') && !can(writer, 'collection:admin'));
  assert.ok(!can(writer, 'system:admin') && !can(writer, 'cluster:admin') && !can(writer, 'collection:admin', { kind: 'all' }));
  for (const permission of ['collection:read', 'collection:write', 'collection:admin', 'cluster:read', 'cluster:write', 'cluster:admin', 'system:metrics', 'system:health', 'system:admin'] as const) {
    assert.ok(can(admin, permission), `admin ${permission}`);
    assert.ok(can(admin, permission, { kind: 'all' }), `admin ${permission} on all`);
  }
  assert.ok(can(monitor, 'system:metrics') && !can(monitor, 'collection:read') && !can(monitor, 'system:admin'));
  assert.ok(!can(principal([]), 'collection:read'), 'no roles: nothing');
  assert.ok(!can(principal(['no-such-role']), 'collection:read'), 'an unknown role grants nothing');
  assert.throws(() => authorizer.authorize(writer, 'collection:admin', named('docs')), { code: 'RV_AUTH_FORBIDDEN', message: /lacks collection:admin on collection "docs"/ });
});

test('a collection-scoped credential reaches only matching collections and nothing global', async () => {
  const authorizer = new Authorizer(await RoleRegistry.open({}));
  const scoped = principal(['admin'], { collections: ['docs*'] });
  assert.ok(authorizer.isAllowed(scoped, 'collection:admin', named('docs-1')));
  assert.ok(!authorizer.isAllowed(scoped, 'collection:read', named('other')));
  assert.ok(!authorizer.isAllowed(scoped, 'system:metrics', { kind: 'all' }), 'no metrics for a scoped key, even with admin role');
  assert.ok(!authorizer.isAllowed(scoped, 'cluster:read', { kind: 'all' }));
  assert.ok(!authorizer.isAllowed(scoped, 'collection:admin', { kind: 'all' }), 'alias changes span collections');
  assert.ok(authorizer.isAllowed(scoped, 'collection:read', { kind: 'any' }), 'may list (filtered)');
  assert.ok(authorizer.canRead(scoped, 'docs') && !authorizer.canRead(scoped, 'secrets'));
});

test('direct grants (Qdrant per-collection access) and custom roles with patterns; implied levels', async () => {
  const roles = await RoleRegistry.open({ configRoles: [{ name: 'docs-writer', grants: [{ permission: 'collection:write', collections: ['docs*'] }] }] });
  const authorizer = new Authorizer(roles);
  const p = principal(['docs-writer']);
  assert.ok(authorizer.isAllowed(p, 'collection:read', named('docs-a')), 'write implies read');
  assert.ok(authorizer.isAllowed(p, 'collection:write', named('docs-a')));
  assert.ok(!authorizer.isAllowed(p, 'collection:write', named('logs')));
  assert.ok(!authorizer.isAllowed(p, 'collection:write', { kind: 'all' }));
  const token = principal([], { grants: [{ permission: 'collection:read', collections: ['a'] }, { permission: 'collection:write', collections: ['b'] }], collections: ['a', 'b'] });
  assert.ok(authorizer.isAllowed(token, 'collection:read', named('a')) && !authorizer.isAllowed(token, 'collection:write', named('a')));
  assert.ok(authorizer.isAllowed(token, 'collection:write', named('b')) && !authorizer.isAllowed(token, 'collection:read', named('c')));
  await assert.rejects(roles.put({ name: 'docs-writer', grants: [{ permission: 'collection:read' }] }), { code: 'RV_AUTH_FORBIDDEN', message: /config's roles file/ });
  await assert.rejects(roles.put({ name: 'admin', grants: [{ permission: 'collection:read' }] }), { code: 'RV_AUTH_FORBIDDEN', message: /built in/ });
});

test('150 custom roles: decisions are right, cached, and invalidated when a role changes', async () => {
  const roles = await RoleRegistry.open({});
  for (let i = 0; i < 150; i++) await roles.put({ name: `team-${i}`, grants: [{ permission: 'collection:read', collections: [`team-${i}-*`] }] });
  const authorizer = new Authorizer(roles);
  const p = principal(Array.from({ length: 150 }, (_, i) => `team-${i}`));
  assert.ok(authorizer.isAllowed(p, 'collection:read', named('team-149-x')));
  assert.ok(!authorizer.isAllowed(p, 'collection:read', named('team-150-x')));
  assert.ok(!authorizer.isAllowed(p, 'collection:write', named('team-3-x')));
  // Upgrade team-3 to writer: the cached "no" must not survive.
  await roles.put({ name: 'team-3', grants: [{ permission: 'collection:write', collections: ['team-3-*'] }] });
  assert.ok(authorizer.isAllowed(p, 'collection:write', named('team-3-x')));
  await roles.delete('team-149');
  assert.ok(!authorizer.isAllowed(p, 'collection:read', named('team-149-x')), 'deleting a role revokes what it granted');
  assert.equal(roles.list().filter((r) => r.source === 'api').length, 149);
});

test('replicated roles: applied without being reported back, invalidate decisions, never override built-in or config roles', async () => {
  const registry = await RoleRegistry.open({ configRoles: [{ name: 'ops', grants: [{ permission: 'system:metrics' }] }] });
  const authorizer = new Authorizer(registry);
  const reported: string[] = [];
  registry.onManagedChange((name, role) => reported.push(`${name}:${role === undefined ? 'deleted' : 'put'}`));
  const principal: Principal = { id: 'key:1', kind: 'api-key', name: 'svc', roles: ['docs-reader'] };
  const docs: CollectionTarget = named('docs');
  assert.equal(authorizer.isAllowed(principal, 'collection:read', docs), false);

  assert.equal(await registry.applyReplicated([['docs-reader', { name: 'docs-reader', grants: [{ permission: 'collection:read', collections: ['docs*'] }] }]]), 1);
  assert.equal(authorizer.isAllowed(principal, 'collection:read', docs), true, 'the cached denial was invalidated');
  assert.equal(await registry.applyReplicated([['docs-reader', { name: 'docs-reader', grants: [{ permission: 'collection:read', collections: ['docs*'] }] }]]), 0, 'the same role again is no change');
  assert.equal(await registry.applyReplicated([['docs-reader', undefined]]), 1);
  assert.equal(authorizer.isAllowed(principal, 'collection:read', docs), false);
  assert.deepEqual(reported, [], 'replicated changes are not reported for replication');

  await registry.put({ name: 'local', grants: [{ permission: 'system:health' }] });
  await registry.delete('local');
  assert.deepEqual(reported, ['local:put', 'local:deleted']);

  assert.equal(await registry.applyReplicated([['admin', { name: 'admin', grants: [{ permission: 'system:health' }] }], ['ops', undefined]]), 0);
  assert.ok(registry.has('ops'));
  await assert.rejects(registry.applyReplicated([['x', { name: 'y', grants: [{ permission: 'system:health' }] }]]), /carries the name/);
  // A batch in order: put then delete of one name leaves it deleted; another put stays.
  assert.equal(await registry.applyReplicated([['r1', { name: 'r1', grants: [{ permission: 'system:health' }] }], ['r2', { name: 'r2', grants: [{ permission: 'system:health' }] }], ['r1', undefined]]), 3);
  assert.ok(!registry.has('r1') && registry.has('r2'));
});

test('a local role change stays unpublished across a restart and wins over a replicated version until marked published', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-roles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'roles.json');
  const first = await RoleRegistry.open({ file });
  const changes: number[] = [];
  first.onManagedChange((_name, _role, change) => changes.push(change));
  await first.put({ name: 'ops', grants: [{ permission: 'system:metrics' }] });
  await first.delete('ops');
  assert.deepEqual(first.unpublishedChanges(), [['ops', undefined, changes[1]]], 'the delete is the unpublished change');

  const reopened = await RoleRegistry.open({ file });
  assert.deepEqual(reopened.unpublishedChanges(), [['ops', undefined, changes[1]]], 'kept across a restart');
  assert.equal(await reopened.applyReplicated([['ops', { name: 'ops', grants: [{ permission: 'system:metrics' }] }]]), 0, 'the bucket\'s older version does not resurrect it');
  assert.equal(reopened.has('ops'), false);
  await reopened.markPublished('ops', changes[0]);
  assert.equal(reopened.unpublishedChanges().length, 1, 'an older change number does not clear a newer change');
  await reopened.markPublished('ops', changes[1]);
  assert.deepEqual(reopened.unpublishedChanges(), []);
  assert.deepEqual((await RoleRegistry.open({ file })).unpublishedChanges(), []);
  assert.equal(await reopened.applyReplicated([['ops', { name: 'ops', grants: [{ permission: 'system:metrics' }] }]]), 1, 'once published, replicated changes apply again');
});
