// POST /admin/encryption/rotate and GET /admin/encryption/status through inject(): a rotation
// picked up from the secrets provider, the re-seal progress reaching done/total, the old key
// retired; admin-only (read-only key 403); with encryption off, status says so and rotate is 409.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MasterKeyRotation } from '../../../src/engine/index.js';
import { Keyring } from '../../../src/security/crypto/index.js';
import { EnvSecretProvider } from '../../../src/security/secrets/index.js';
import { call, resultOf, startServer } from '../server/helpers.js';

const ADMIN = { 'api-key': 'encryption-admin-key-1' };
const READER = { 'api-key': 'encryption-reader-key-2' };

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('rotate re-reads the key, re-seals in the background and reports progress; status is admin-only', { timeout: 60_000 }, async (t) => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const env: NodeJS.ProcessEnv = { RUVECTOR_MASTER_KEY: keyA.toString('base64') };
  const secrets = new EnvSecretProvider({ env });
  const keyring = Keyring.create({ current: keyA });
  // The server is built before the rotation (which needs its database): late-bound.
  const late: { rotation?: MasterKeyRotation } = {};
  const encryption = {
    status: () => (late.rotation as MasterKeyRotation).status(),
    rotate: () => (late.rotation as MasterKeyRotation).rotate(),
  };
  const { app, db } = await startServer(t, { authDisabled: false, apiKey: ADMIN['api-key'], readOnlyApiKey: READER['api-key'], encryption }, { sealing: keyring });
  const rotation = new MasterKeyRotation({ db, keyring, secrets, sliceRows: 10 });
  late.rotation = rotation;
  t.after(() => rotation.stop());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
  await db.collection('docs').upsert({ points: Array.from({ length: 100 }, (_, i) => ({ id: i, vector: [i, 1, 2, 3], payload: { i } })) });

  const before = resultOf(await call(app, 'GET', '/admin/encryption/status', undefined, ADMIN)) as Record<string, unknown>;
  assert.equal(before.enabled, true);
  assert.equal(before.current_key_id, keyring.currentKeyId);
  assert.equal((before.reseal as { state: string }).state, 'idle');
  const idA = keyring.currentKeyId;

  assert.equal((await call(app, 'GET', '/admin/encryption/status', undefined, READER)).statusCode, 403);
  assert.equal((await call(app, 'POST', '/admin/encryption/rotate', undefined, READER)).statusCode, 403);
  assert.equal((await call(app, 'POST', '/admin/encryption/rotate')).statusCode, 401);

  env.RUVECTOR_MASTER_KEY = keyB.toString('base64');
  env.RUVECTOR_MASTER_KEY_PREVIOUS = keyA.toString('base64');
  const response = await call(app, 'POST', '/admin/encryption/rotate', undefined, ADMIN);
  assert.equal(response.statusCode, 202, response.body);
  const started = (response.json() as { result: Record<string, unknown> }).result;
  assert.equal(started.rotated, true);
  assert.equal(started.previous_key_id, idA);
  assert.notEqual(started.current_key_id, idA);
  assert.doesNotMatch(response.body, new RegExp(keyB.toString('base64').slice(0, 20).replace(/[+/]/g, '.')), 'no key material in the answer');

  let status: Record<string, unknown> = {};
  await until(async () => {
    status = resultOf(await call(app, 'GET', '/admin/encryption/status', undefined, ADMIN)) as Record<string, unknown>;
    return (status.reseal as { state: string }).state !== 'running';
  });
  const reseal = status.reseal as { state: string; done: number; total: number; rows_resealed: number };
  assert.equal(reseal.state, 'done');
  assert.equal(reseal.done, reseal.total);
  assert.ok(reseal.rows_resealed >= 100);
  assert.deepEqual(status.retired_key_ids, [idA]);
  assert.deepEqual(status.key_ids, [started.current_key_id]);
  assert.equal(db.collection('docs').retrieve({ ids: [42], with_payload: true })[0]?.payload?.i, 42);
});

test('with encryption off: status {enabled: false}, rotate 409 RV_ENCRYPTION_DISABLED', async (t) => {
  const { app } = await startServer(t, { authDisabled: false, apiKey: ADMIN['api-key'] });
  assert.deepEqual(resultOf(await call(app, 'GET', '/admin/encryption/status', undefined, ADMIN)), { enabled: false });
  const response = await call(app, 'POST', '/admin/encryption/rotate', undefined, ADMIN);
  assert.equal(response.statusCode, 409);
  assert.equal((JSON.parse(response.body) as { code: string }).code, 'RV_ENCRYPTION_DISABLED');
});
