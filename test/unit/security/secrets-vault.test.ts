// The Vault KV v2 provider, tested against test/helpers/vault-fake.ts: a STAND-IN for Vault,
// because no Vault server can be installed on this machine. The fake speaks the same HTTP
// shapes as Vault's KV v2 read and AppRole login endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VaultSecretProvider } from '../../../src/security/secrets/index.js';
import { startVaultFake } from '../../helpers/vault-fake.js';

test('token auth reads fields of a KV v2 secret; a missing field or secret is "not set"', async (t) => {
  const vault = await startVaultFake({ tokens: ['hvs.root'] });
  t.after(() => vault.close());
  vault.put('apps/ruvector', { master_key: 'k1' });
  const secrets = new VaultSecretProvider({ address: vault.address, mount: 'secret', path: '/apps/ruvector/', auth: { method: 'token', token: 'hvs.root' } });
  assert.equal(await secrets.get('master_key'), 'k1');
  assert.equal(await secrets.getOptional('master_key_previous'), undefined);
  assert.ok(vault.requests.every((r) => r.url === '/v1/secret/data/apps/ruvector'));
  const other = new VaultSecretProvider({ address: vault.address, path: 'nope', auth: { method: 'token', token: 'hvs.root' } });
  await assert.rejects(other.get('master_key'), { code: 'RV_SECRET_NOT_FOUND' });
});

test('a refused token is RV_SECRET_ACCESS_DENIED', async (t) => {
  const vault = await startVaultFake({ tokens: ['hvs.root'] });
  t.after(() => vault.close());
  vault.put('ruvector', { master_key: 'k1' });
  const secrets = new VaultSecretProvider({ address: vault.address, auth: { method: 'token', token: 'hvs.wrong' } });
  await assert.rejects(secrets.get('master_key'), { code: 'RV_SECRET_ACCESS_DENIED' });
});

test('AppRole logs in once, reuses the token, logs in again after a revocation', async (t) => {
  const vault = await startVaultFake({ approle: { roleId: 'role-1', secretId: 'secret-1' } });
  t.after(() => vault.close());
  vault.put('ruvector', { master_key: 'k1', master_key_previous: 'k0' });
  const secrets = new VaultSecretProvider({ address: vault.address, auth: { method: 'approle', roleId: 'role-1', secretId: 'secret-1' }, cacheTtlMs: 0 });
  assert.equal(await secrets.get('master_key'), 'k1');
  assert.equal(await secrets.get('master_key_previous'), 'k0');
  assert.equal(vault.requests.filter((r) => r.url === '/v1/auth/approle/login').length, 1);
  vault.revokeAll();
  assert.equal(await secrets.get('master_key'), 'k1');
  assert.equal(vault.requests.filter((r) => r.url === '/v1/auth/approle/login').length, 2);

  const wrong = new VaultSecretProvider({ address: vault.address, auth: { method: 'approle', roleId: 'role-1', secretId: 'nope' } });
  await assert.rejects(wrong.get('master_key'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_SECRET_ACCESS_DENIED');
    assert.doesNotMatch(error.message, /nope/, 'the secret id is never in the message');
    return true;
  });
});

test('AppRole logs in again shortly before the lease ends', async (t) => {
  const vault = await startVaultFake({ approle: { roleId: 'r', secretId: 's', leaseSeconds: 60 } });
  t.after(() => vault.close());
  vault.put('ruvector', { master_key: 'k1' });
  let now = 0;
  const secrets = new VaultSecretProvider({ address: vault.address, auth: { method: 'approle', roleId: 'r', secretId: 's' }, cacheTtlMs: 0, now: () => now });
  await secrets.get('master_key');
  now = 20_000;
  await secrets.get('master_key');
  assert.equal(vault.requests.filter((r) => r.url.endsWith('/login')).length, 1);
  now = 31_000; // within 30 s of the 60 s lease
  await secrets.get('master_key');
  assert.equal(vault.requests.filter((r) => r.url.endsWith('/login')).length, 2);
});

test('rotation: a new secret version is picked up by refresh(), listeners are told', async (t) => {
  const vault = await startVaultFake({ tokens: ['hvs.root'] });
  t.after(() => vault.close());
  vault.put('ruvector', { master_key: 'k1' });
  const secrets = new VaultSecretProvider({ address: vault.address, auth: { method: 'token', token: 'hvs.root' } });
  assert.equal(await secrets.get('master_key'), 'k1');
  const changes: string[][] = [];
  secrets.onChange((names) => { changes.push([...names]); });
  vault.put('ruvector', { master_key: 'k2', master_key_previous: 'k1' });
  assert.equal(await secrets.get('master_key'), 'k1', 'cached until refresh or TTL');
  await secrets.refresh();
  assert.equal(await secrets.get('master_key'), 'k2');
  assert.deepEqual(changes, [['master_key']]);
});

test('a Vault that does not answer in time is RV_SECRET_PROVIDER_UNAVAILABLE naming the timeout', async (t) => {
  const vault = await startVaultFake({ tokens: ['hvs.root'], delayMs: 2000 });
  t.after(() => vault.close());
  const secrets = new VaultSecretProvider({ address: vault.address, auth: { method: 'token', token: 'hvs.root' }, timeoutMs: 150 });
  await assert.rejects(secrets.get('master_key'), (error: Error & { code?: string; retryable?: boolean }) => {
    assert.equal(error.code, 'RV_SECRET_PROVIDER_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /150 ms/);
    return true;
  });
});

test('an unreachable Vault and a non-KV-v2 answer are RV_SECRET_PROVIDER_UNAVAILABLE', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const unreachable = new VaultSecretProvider({ address: `http://127.0.0.1:${port}`, auth: { method: 'token', token: 't' } });
  await assert.rejects(unreachable.get('master_key'), { code: 'RV_SECRET_PROVIDER_UNAVAILABLE' });

  const kv1 = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ data: { master_key: 'x' } })); });
  await new Promise<void>((resolve) => kv1.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => kv1.close(() => resolve())));
  const wrongEngine = new VaultSecretProvider({ address: `http://127.0.0.1:${(kv1.address() as AddressInfo).port}`, auth: { method: 'token', token: 't' } });
  await assert.rejects(wrongEngine.get('master_key'), /KV version 2/);
});
