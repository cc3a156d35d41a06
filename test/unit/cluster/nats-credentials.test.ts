// `[cluster]` NATS credentials: which combinations of nats_user / nats_password_secret /
// nats_token_secret are valid, and that the values come from the secrets provider (env here).
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { natsCredentialsFrom } from '../../../src/cluster/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { EnvSecretProvider } from '../../../src/security/secrets/index.js';

function credentials(cluster: Record<string, string>, secrets: Record<string, string> = {}): ReturnType<typeof natsCredentialsFrom> {
  const env = Object.fromEntries(Object.entries(cluster).map(([key, value]) => [`RUVECTOR__CLUSTER__${key.toUpperCase()}`, value]));
  const { config } = loadConfig({ cwd: tmpdir(), env });
  let reads = 0;
  return natsCredentialsFrom(config, () => {
    reads++;
    if (Object.keys(cluster).length === 0) assert.fail('no secret named: the provider is not even built');
    return new EnvSecretProvider({ env: secrets });
  }).finally(() => assert.ok(reads <= 1));
}

test('nothing configured: no credentials', async () => {
  assert.deepEqual(await credentials({}), {});
});

test('a user with a password secret, and a token secret, are read through the provider', async () => {
  assert.deepEqual(await credentials({ nats_user: 'rv', nats_password_secret: 'nats_password' }, { RUVECTOR_NATS_PASSWORD: 's3cret' }), { user: 'rv', pass: 's3cret' });
  assert.deepEqual(await credentials({ nats_token_secret: 'nats_token' }, { RUVECTOR_NATS_TOKEN: 'tok' }), { token: 'tok' });
});

test('a named secret without a value is RV_SECRET_NOT_FOUND naming where it was looked for', async () => {
  await assert.rejects(credentials({ nats_token_secret: 'nats_token' }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_SECRET_NOT_FOUND');
    assert.match(error.message, /RUVECTOR_NATS_TOKEN/);
    return true;
  });
});

test('invalid combinations name the field', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ nats_user: 'rv' }, 'cluster.nats_password_secret'],
    [{ nats_password_secret: 'nats_password' }, 'cluster.nats_user'],
    [{ nats_token_secret: 'nats_token', nats_user: 'rv' }, 'cluster.nats_token_secret'],
    [{ nats_token_secret: 'nats_token', nats_password_secret: 'nats_password' }, 'cluster.nats_token_secret'],
  ];
  for (const [cluster, field] of cases) {
    await assert.rejects(credentials(cluster, { RUVECTOR_NATS_TOKEN: 't', RUVECTOR_NATS_PASSWORD: 'p' }), (error: Error & { code?: string; details?: { field?: string } }) => {
      assert.equal(error.code, 'RV_CONFIG_INVALID', JSON.stringify(cluster));
      assert.equal(error.details?.field, field, JSON.stringify(cluster));
      return true;
    });
  }
});
