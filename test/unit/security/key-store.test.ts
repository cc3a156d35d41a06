// Stored API keys: shown once, hashed at rest, verified to a principal, revocable, expiring,
// rotatable with an overlap; a second store on the same file (the CLI) sees the changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore, mergeKeyRecords, sameKeyRecord } from '../../../src/security/keys/key-store.js';
import { parseDuration } from '../../../src/security/keys/duration.js';
import { createApiKeyVerifier, generateApiKey, hashApiKey } from '../../../src/security/keys/api-key-hash.js';

const knownRole = (name: string) => ['reader', 'writer', 'admin'].includes(name);

test('create → verify → revoke; the file holds no secret and is owner-only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, '.auth', 'keys.json');
  const store = await KeyStore.open({ file, roleExists: knownRole });
  const { key, record } = await store.create({ name: 'ingest-svc', roles: ['writer'], collections: ['docs*'] });
  assert.match(key, /^rvk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
  assert.equal(record.status, 'active');
  assert.ok(!('hash' in record));
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(key.split('.')[1]), 'the secret is not stored');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, '.auth')).mode & 0o777, 0o700);

  const principal = await store.verify(key);
  assert.deepEqual(principal, { id: `key:${record.id}`, kind: 'api-key', name: 'ingest-svc', roles: ['writer'], collections: ['docs*'] });
  assert.equal(await store.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`), undefined, 'one changed character');
  assert.equal(await store.verify('not-a-stored-key'), undefined);
  assert.equal((await store.verify(key))?.id, `key:${record.id}`, 'cached path still right');

  // Another process (the CLI) revokes it through the file; this store notices within a second.
  const cli = await KeyStore.open({ file, roleExists: knownRole });
  assert.equal(cli.list().length, 1);
  assert.ok(await cli.revoke(record.id));
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(await store.verify(key), undefined, 'revoked elsewhere → refused here');
  assert.equal(store.list()[0].status, 'revoked');
});

test('validation names the field; unknown roles refused', async () => {
  const store = await KeyStore.open({ roleExists: knownRole });
  await assert.rejects(store.create({ name: 'x', roles: ['root'] }), { code: 'RV_INVALID_ARGUMENT', message: /roles\[0\] names no known role/ });
  await assert.rejects(store.create({ name: '', roles: ['reader'] }), { message: /^name must be/ });
  await assert.rejects(store.create({ name: 'x', roles: [] }), { message: /roles must name 1-32 roles/ });
  await assert.rejects(store.create({ name: 'x', roles: ['reader'], collections: ['a b'] }), { message: /collections\[0\]/ });
  assert.equal(store.list().length, 0, 'nothing half-created');
  assert.throws(() => parseDuration('90 days', 'expires'), { message: /expires must be a duration like 90d/ });
  assert.equal(parseDuration('90d', 'expires'), 90 * 86_400_000);
  assert.throws(() => parseDuration('99999w', 'expires'), { message: /between 1s and 3650d/ });
});

test('expiry, and rotation with an overlap window in which both keys work', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const store = await KeyStore.open({ roleExists: knownRole, now: () => now });
  const short = await store.create({ name: 'temp', roles: ['reader'], expiresInMs: 60_000 });
  assert.ok(await store.verify(short.key));
  now += 60_001;
  assert.equal(await store.verify(short.key), undefined, 'expired');
  assert.equal(store.get(short.record.id)?.status, 'expired');
  await assert.rejects(store.rotate(short.record.id, 1000), { message: /is expired; only an active key can be rotated/ });

  const old = await store.create({ name: 'svc', roles: ['writer'] });
  const fresh = await store.rotate(old.record.id, 3_600_000);
  assert.equal(fresh.record.rotated_from, old.record.id);
  assert.equal(store.get(old.record.id)?.rotated_to, fresh.record.id);
  assert.ok(await store.verify(old.key) && await store.verify(fresh.key), 'both valid during the overlap');
  now += 3_600_001;
  assert.equal(await store.verify(old.key), undefined, 'old key gone after the overlap');
  assert.equal((await store.verify(fresh.key))?.name, 'svc');
  await assert.rejects(store.rotate('0000000000000000', 1000), { code: 'RV_KEY_NOT_FOUND' });
});

test('replication: versions of a record merge to every restriction of both, in any order; local changes are reported', async () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const a = await KeyStore.open({ roleExists: knownRole, now: () => now });
  const b = await KeyStore.open({ roleExists: knownRole, now: () => now });
  const reported: string[] = [];
  a.onRecordChange((record) => reported.push(`${record.id}:${record.revoked_at === undefined ? 'active' : 'revoked'}`));
  const { key, record } = await a.create({ name: 'svc', roles: ['reader'], expiresInMs: 86_400_000 });
  assert.deepEqual(reported, [`${record.id}:active`]);
  const [original] = a.records();
  assert.ok(original.hash !== undefined, 'records() carries the hash for replication');

  // B learns of the key, then revokes it while A shortens its expiry (a rotation elsewhere).
  await b.applyReplicated([original]);
  assert.equal((await b.verify(key))?.name, 'svc', 'the replicated hash verifies');
  await b.revoke(record.id);
  const revokedOnB = b.records()[0];
  const shortened = { ...original, expires_at: new Date(now + 3_600_000).toISOString(), rotated_to: 'ffffffffffffffff' };
  assert.deepEqual(mergeKeyRecords(revokedOnB, shortened), mergeKeyRecords(shortened, revokedOnB), 'commutative');
  const merged = mergeKeyRecords(revokedOnB, shortened);
  assert.equal(merged.revoked_at, revokedOnB.revoked_at);
  assert.equal(merged.expires_at, shortened.expires_at);
  assert.equal(merged.rotated_to, 'ffffffffffffffff');
  assert.ok(sameKeyRecord(mergeKeyRecords(merged, merged), merged), 'idempotent');

  // A applies B's revocation: refused at once, and a replicated change is not reported again.
  const [result] = await a.applyReplicated([revokedOnB]);
  assert.ok(sameKeyRecord(result, revokedOnB));
  assert.equal(await a.verify(key), undefined);
  assert.equal(reported.length, 1);
  // An older version arriving late cannot undo the revocation.
  assert.ok((await a.applyReplicated([original]))[0].revoked_at !== undefined);
  assert.equal(await a.verify(key), undefined);
  await assert.rejects(a.applyReplicated([{ ...original, id: 'nope' }]), /malformed/);

  // A key rotated twice (two different replacements): every order of merging gives one record.
  const second = { ...original, rotated_to: '0000000000000001' };
  const third = { ...original, rotated_to: 'ffffffffffffffff', expires_at: new Date(now + 60_000).toISOString() };
  const m1 = mergeKeyRecords(second, third);
  const m2 = mergeKeyRecords(third, second);
  assert.ok(sameKeyRecord(m1, m2), 'commutative with different rotated_to');
  assert.equal(m1.rotated_to, '0000000000000001');
  assert.equal(m1.expires_at, third.expires_at);
  assert.ok(sameKeyRecord(mergeKeyRecords(m1, second), m1) && sameKeyRecord(mergeKeyRecords(third, m1), m1), 'merging a merge with either input changes nothing: no republish loop');
});

test('scrypt checks are bounded process-wide: a flood of different wrong secrets fails fast with RV_OVERLOADED, the right key still verifies', async () => {
  const key = generateApiKey();
  const verify = createApiKeyVerifier(await hashApiKey(key));
  const flood = Array.from({ length: 100 }, (_, i) => verify(`${key}-wrong-${i}`).then((ok) => (ok ? 'accepted' : 'rejected'), (error: { code?: string }) => error.code ?? 'error'));
  const outcomes = await Promise.all(flood);
  const count = (what: string): number => outcomes.filter((o) => o === what).length;
  assert.equal(count('accepted'), 0);
  assert.equal(count('rejected'), 66, '2 running + 64 queued are checked');
  assert.equal(count('RV_OVERLOADED'), 34, 'the rest are refused at once, not queued without bound');
  assert.equal(await verify(key), true, 'afterwards the right key verifies');
});
