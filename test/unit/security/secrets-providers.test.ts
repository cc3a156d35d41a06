// Env and file secrets providers: lookups, the TTL cache, refresh() as the rotation hook, the 0600 rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvSecretProvider, FileSecretProvider, createSecretProvider } from '../../../src/security/secrets/index.js';
import { CONFIG_SCHEMA } from '../../../src/config/index.js';

test('env provider reads RUVECTOR_<NAME>, treats empty as unset, names the variable when missing', async () => {
  const env: NodeJS.ProcessEnv = { RUVECTOR_MASTER_KEY: 'abc', RUVECTOR_EMPTY: '' };
  const secrets = new EnvSecretProvider({ env });
  assert.equal(await secrets.get('master_key'), 'abc');
  assert.equal(await secrets.getOptional('empty'), undefined);
  await assert.rejects(secrets.get('missing_one'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_SECRET_NOT_FOUND');
    assert.match(error.message, /RUVECTOR_MISSING_ONE/);
    return true;
  });
  await assert.rejects(secrets.get('Bad-Name'), { code: 'RV_INVALID_ARGUMENT' });
});

test('values are cached for the TTL, then read again', async () => {
  let now = 1_000;
  const env: NodeJS.ProcessEnv = { RUVECTOR_TOKEN: 'one' };
  const secrets = new EnvSecretProvider({ env, cacheTtlMs: 5000, now: () => now });
  assert.equal(await secrets.get('token'), 'one');
  env.RUVECTOR_TOKEN = 'two';
  now += 4999;
  assert.equal(await secrets.get('token'), 'one', 'still cached');
  now += 2;
  assert.equal(await secrets.get('token'), 'two', 'expired, read again');
});

test('refresh() re-reads cached names and tells listeners which changed', async () => {
  const env: NodeJS.ProcessEnv = { RUVECTOR_A: '1', RUVECTOR_B: '2' };
  const secrets = new EnvSecretProvider({ env });
  await secrets.get('a');
  await secrets.get('b');
  const seen: string[][] = [];
  const stop = secrets.onChange((names) => { seen.push([...names]); });
  env.RUVECTOR_B = '3';
  assert.deepEqual(await secrets.refresh(), ['b']);
  assert.equal(await secrets.get('b'), '3');
  assert.deepEqual(seen, [['b']]);
  assert.deepEqual(await secrets.refresh(), [], 'nothing changed: no notification');
  assert.equal(seen.length, 1);
  stop();
  env.RUVECTOR_A = 'x';
  await secrets.refresh();
  assert.equal(seen.length, 1, 'a removed listener is not called');
});

test('file provider reads <dir>/<name> (trailing newline dropped) and refuses group/other-readable files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rv-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'master_key');
  await writeFile(path, 'c2VjcmV0\n', { mode: 0o600 });
  const secrets = new FileSecretProvider({ dir, cacheTtlMs: 0 });
  assert.equal(await secrets.get('master_key'), 'c2VjcmV0');
  assert.equal(await secrets.getOptional('master_key_previous'), undefined);

  for (const mode of [0o640, 0o604, 0o660, 0o644]) {
    await chmod(path, mode);
    await assert.rejects(secrets.get('master_key'), (error: Error & { code?: string; kind?: string }) => {
      assert.equal(error.code, 'RV_SECRET_FILE_INSECURE');
      assert.equal(error.kind, 'forbidden');
      assert.match(error.message, new RegExp(`mode 0${mode.toString(8)}.*chmod 600`));
      assert.doesNotMatch(error.message, /c2VjcmV0/, 'the value is never in the message');
      return true;
    });
  }
  await chmod(path, 0o400);
  assert.equal(await secrets.get('master_key'), 'c2VjcmV0', '0400 is stricter than 0600: allowed');
});

test('file provider: rotation by replacing the file and calling refresh()', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rv-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'master_key'), 'old', { mode: 0o600 });
  const secrets = new FileSecretProvider({ dir });
  assert.equal(await secrets.get('master_key'), 'old');
  await writeFile(join(dir, 'master_key'), 'new', { mode: 0o600 });
  assert.equal(await secrets.get('master_key'), 'old', 'cached (default TTL 5 min)');
  assert.deepEqual(await secrets.refresh(), ['master_key']);
  assert.equal(await secrets.get('master_key'), 'new');
});

test('createSecretProvider follows [secrets] and names the missing key', () => {
  const defaults = Object.fromEntries(Object.entries(CONFIG_SCHEMA.secrets).map(([key, spec]) => [key, 'default' in spec ? spec.default : undefined]));
  const base = defaults as never as Parameters<typeof createSecretProvider>[0];
  assert.equal(createSecretProvider(base).kind, 'env');
  assert.throws(() => createSecretProvider({ ...base, provider: 'file' }), /secrets\.file_dir/);
  assert.throws(() => createSecretProvider({ ...base, provider: 'vault' }), /secrets\.vault_address/);
  assert.throws(() => createSecretProvider({ ...base, provider: 'vault', vault_address: 'http://127.0.0.1:1' }), /secrets\.vault_token/);
  assert.equal(createSecretProvider({ ...base, provider: 'vault', vault_address: 'http://127.0.0.1:1', vault_auth: 'approle', vault_role_id: 'r', vault_secret_id: 's' }).kind, 'vault');
});
