// The bootstrap admin key: generated once, stored as a salted scrypt hash (0600), verified later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entriesFromEnv, resolveConfig } from '../../../src/config/index.js';
import { BOOTSTRAP_KEY_FILE, resolveAdminKey } from '../../../src/security/keys/bootstrap-key.js';
import { tempDir } from './cli-runner.js';

const config = (env: Record<string, string> = {}) => resolveConfig([entriesFromEnv(env)]);

test('first start generates a key and stores only its hash; the next start verifies against it', async (t) => {
  const dir = tempDir(t);
  const first = await resolveAdminKey(config(), dir);
  assert.equal(first.source, 'generated');
  if (first.source !== 'generated') return;
  assert.match(first.apiKey, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  const file = join(dir, BOOTSTRAP_KEY_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const stored = readFileSync(file, 'utf8');
  assert.ok(!stored.includes(first.apiKey));
  assert.equal((JSON.parse(stored) as { algorithm: string }).algorithm, 'scrypt');

  const second = await resolveAdminKey(config(), dir);
  assert.equal(second.source, 'stored');
  if (second.source !== 'stored') return;
  assert.equal(await second.verify(first.apiKey), true);
  assert.equal(await second.verify(first.apiKey), true, 'again, from the accepted-key cache');
  assert.equal(await second.verify(`${first.apiKey}x`), false);
  assert.equal(await second.verify(''), false);
  assert.equal(readFileSync(file, 'utf8'), stored, 'a stored key is never replaced');
});

test('a configured key or disabled auth never touches the key file', async (t) => {
  const dir = tempDir(t);
  const key = 'configured-admin-key-0123456789';
  assert.deepEqual(await resolveAdminKey(config({ RUVECTOR__SERVICE__API_KEY: key }), dir), { source: 'configured', apiKey: key });
  assert.deepEqual(await resolveAdminKey(config({ RUVECTOR__SERVICE__AUTH_DISABLED: 'true' }), dir), { source: 'disabled' });
  assert.throws(() => statSync(join(dir, '.auth')), { code: 'ENOENT' });
});

test('a damaged key file is an error, not a silent new key', async (t) => {
  const dir = tempDir(t);
  await resolveAdminKey(config(), dir);
  writeFileSync(join(dir, BOOTSTRAP_KEY_FILE), '{"version": 1, "algorithm": "md5"}');
  await assert.rejects(resolveAdminKey(config(), dir), { code: 'RV_STORAGE_CORRUPTED', message: /delete it to generate a new key/ });
});
