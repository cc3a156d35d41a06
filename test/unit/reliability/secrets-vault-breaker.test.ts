// The Vault secrets provider behind a real DependencyPolicy (the `secrets:vault` wiring of
// main.ts): Vault failing (HTTP 503) is retried and opens the breaker, after which calls fail
// fast without reaching Vault; Vault answering "not found" or "denied" is not a failure.
// Vault is test/helpers/vault-fake.ts, a STAND-IN: no Vault server can be installed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyPolicies } from '../../../src/reliability/policies.js';
import { VaultSecretProvider, createSecretProvider, type RunOutbound } from '../../../src/security/secrets/index.js';
import { CONFIG_SCHEMA } from '../../../src/config/schema.js';
import { startVaultFake } from '../../helpers/vault-fake.js';

const fast = { initialDelayMs: 1, maxDelayMs: 5 };

function vaultPolicy(policies: DependencyPolicies, limits: { retries: number; breakAfterFailures: number; halfOpenAfterMs: number }): RunOutbound {
  const policy = policies.create({ name: 'secrets:vault', timeoutMs: 5000, ...fast, ...limits });
  return (call) => policy.execute(call);
}

function breaker(policies: DependencyPolicies): { state: string; lastFailure?: string } | undefined {
  return policies.statuses().find((status) => status.name === 'secrets:vault');
}

test('Vault answering 503: each read is retried, then the breaker opens and the next read fails fast without reaching Vault; it closes once Vault is back', async (t) => {
  const vault = await startVaultFake({ tokens: ['hvs.root'] });
  t.after(() => vault.close());
  vault.put('ruvector', { master_key: 'k1' });
  const policies = new DependencyPolicies();
  const secrets = new VaultSecretProvider({
    address: vault.address, auth: { method: 'token', token: 'hvs.root' }, cacheTtlMs: 0,
    runOutbound: vaultPolicy(policies, { retries: 2, breakAfterFailures: 3, halfOpenAfterMs: 1000 }),
  });
  assert.equal(await secrets.get('master_key'), 'k1');
  assert.equal(vault.requests.length, 1);

  vault.failWith(503);
  await assert.rejects(secrets.get('master_key'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_SECRET_PROVIDER_UNAVAILABLE');
    assert.match(error.message, /HTTP 503/);
    return true;
  });
  assert.equal(vault.requests.length, 1 + 3, 'the first attempt and two retries reached Vault');
  assert.equal(breaker(policies)?.state, 'open');
  assert.match(breaker(policies)?.lastFailure ?? '', /HTTP 503/);

  await assert.rejects(secrets.get('master_key'), { code: 'RV_DEPENDENCY_UNAVAILABLE' });
  assert.equal(vault.requests.length, 4, 'the open breaker did not call Vault');

  vault.failWith(undefined);
  const deadline = Date.now() + 20_000;
  let value: string | undefined;
  while (value === undefined && Date.now() < deadline) {
    value = await secrets.get('master_key').catch(() => undefined);
    if (value === undefined) await sleep(100);
  }
  assert.equal(value, 'k1', 'the half-open trial read passes');
  assert.equal(breaker(policies)?.state, 'closed');
});

test('a secret Vault does not have (404) and a refused token (403) are answers: not retried, the breaker stays closed', async (t) => {
  const vault = await startVaultFake({ tokens: ['hvs.root'] });
  t.after(() => vault.close());
  const policies = new DependencyPolicies();
  const runOutbound = vaultPolicy(policies, { retries: 2, breakAfterFailures: 1, halfOpenAfterMs: 60_000 });
  const missing = new VaultSecretProvider({ address: vault.address, path: 'nope', auth: { method: 'token', token: 'hvs.root' }, cacheTtlMs: 0, runOutbound });
  for (let i = 0; i < 3; i++) await assert.rejects(missing.get('master_key'), { code: 'RV_SECRET_NOT_FOUND' });
  assert.equal(vault.requests.length, 3, 'one request per read');
  const denied = new VaultSecretProvider({ address: vault.address, auth: { method: 'token', token: 'hvs.wrong' }, cacheTtlMs: 0, runOutbound });
  for (let i = 0; i < 3; i++) await assert.rejects(denied.get('master_key'), { code: 'RV_SECRET_ACCESS_DENIED' });
  assert.equal(vault.requests.length, 6, 'one request per read');
  assert.equal(breaker(policies)?.state, 'closed');
});

test('createSecretProvider passes runOutbound to the Vault provider; an unreachable Vault trips the breaker', async () => {
  const policies = new DependencyPolicies();
  const defaults = Object.fromEntries(Object.entries(CONFIG_SCHEMA.secrets).map(([key, spec]) => [key, 'default' in spec ? spec.default : undefined]));
  const base = defaults as never as Parameters<typeof createSecretProvider>[0];
  const secrets = createSecretProvider({ ...base, provider: 'vault', vault_address: 'http://127.0.0.1:1', vault_token: 't' }, {},
    { runOutbound: vaultPolicy(policies, { retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000 }) });
  await assert.rejects(secrets.get('master_key'), { code: 'RV_SECRET_PROVIDER_UNAVAILABLE' });
  assert.equal(breaker(policies)?.state, 'open');
  await assert.rejects(secrets.get('master_key'), { code: 'RV_DEPENDENCY_UNAVAILABLE' });
});
