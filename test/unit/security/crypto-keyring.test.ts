// The keyring: AES-256-GCM sealing with key-id headers, HKDF per-collection keys, row binding,
// master-key parsing and loading, rotation and retirement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Keyring, loadMasterKeys, parseMasterKey, SEALED_OVERHEAD_BYTES } from '../../../src/security/crypto/index.js';
import { EnvSecretProvider } from '../../../src/security/secrets/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

test('a row codec round-trips and the ciphertext hides the plaintext', () => {
  const keyring = Keyring.create({ current: randomBytes(32) });
  const codec = keyring.codecFor('docs');
  const plain = text('{"secret":"attack at dawn"}');
  const sealed = codec.seal('payload', '7:u:42', plain);
  assert.equal(sealed.byteLength, plain.byteLength + SEALED_OVERHEAD_BYTES);
  assert.ok(!Buffer.from(sealed).includes(Buffer.from('attack at dawn')));
  assert.equal(str(codec.open('payload', '7:u:42', sealed)), '{"secret":"attack at dawn"}');
  assert.notDeepEqual(codec.seal('payload', '7:u:42', plain), sealed, 'a fresh nonce per seal');
  assert.equal(codec.open('vector', '1:u:1', codec.seal('vector', '1:u:1', new Uint8Array(0))).byteLength, 0);
});

test('a blob moved to another row, column or collection fails with RV_DECRYPT_FAILED', () => {
  const keyring = Keyring.create({ current: randomBytes(32) });
  const docs = keyring.codecFor('docs');
  const sealed = docs.seal('vector', '7:u:42', text('vector bytes'));
  assert.throws(() => docs.open('vector', '8:u:43', sealed), { code: 'RV_DECRYPT_FAILED' });
  assert.throws(() => docs.open('payload', '7:u:42', sealed), { code: 'RV_DECRYPT_FAILED' });
  assert.throws(() => keyring.codecFor('other').open('vector', '7:u:42', sealed), { code: 'RV_DECRYPT_FAILED' });
  for (const at of [0, 5, 12, 25, sealed.byteLength - 1]) {
    const flipped = Uint8Array.from(sealed);
    flipped[at] ^= 0x01;
    assert.throws(() => docs.open('vector', '7:u:42', flipped), (error: Error & { code?: string }) => ['RV_DECRYPT_FAILED', 'RV_KEY_UNKNOWN'].includes(error.code ?? ''), `flip at ${at}`);
  }
  assert.throws(() => docs.open('vector', '7:u:42', text('plain bytes, never sealed')), /not a sealed blob|fails authentication/);
});

test('a wrong master key is RV_KEY_UNKNOWN naming both key ids, never garbage', () => {
  const right = Keyring.create({ current: randomBytes(32) });
  const wrong = Keyring.create({ current: randomBytes(32) });
  const sealed = right.envelopeFor('docs').seal(text('checkpoint'), 'checkpoint/1/0');
  assert.throws(() => wrong.envelopeFor('docs').open(sealed, 'checkpoint/1/0'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_KEY_UNKNOWN');
    assert.ok(error.message.includes(right.currentKeyId) && error.message.includes(wrong.currentKeyId));
    return true;
  });
  assert.throws(() => right.envelopeFor('docs').open(sealed, 'checkpoint/2/0'), { code: 'RV_DECRYPT_FAILED' });
  assert.throws(() => right.purposeEnvelope('backup').open(sealed, 'checkpoint/1/0'), { code: 'RV_DECRYPT_FAILED' });
});

test('rotation: new seals use the new key, old blobs open until the old key is retired', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const keyring = Keyring.create({ current: oldKey });
  const codec = keyring.codecFor('docs');
  const before = codec.seal('op', '1', text('op one'));
  const oldId = keyring.currentKeyId;
  assert.equal(keyring.setKeys({ current: newKey, previous: [oldKey] }), true);
  const newId = keyring.currentKeyId;
  assert.notEqual(newId, oldId);
  assert.deepEqual(keyring.keyIds(), [newId, oldId]);
  const after = codec.seal('op', '2', text('op two'));
  assert.equal(keyring.keyIdOfSealed(before), oldId);
  assert.equal(keyring.keyIdOfSealed(after), newId);
  assert.equal(keyring.isCurrent(before), false);
  assert.equal(keyring.isCurrent(after), true);
  assert.equal(str(codec.open('op', '1', before)), 'op one', 'codecs handed out before the rotation follow it');
  assert.equal(keyring.setKeys({ current: newKey }), false, 'same current key: no change; the old key stays known');
  assert.deepEqual(keyring.retire([oldId, newId]), [oldId], 'the current key is never retired');
  assert.throws(() => codec.open('op', '1', before), { code: 'RV_KEY_UNKNOWN' });
  assert.equal(str(codec.open('op', '2', after)), 'op two');
});

test('key ids are stable fingerprints of the key', () => {
  const key = randomBytes(32);
  assert.equal(Keyring.create({ current: key }).currentKeyId, Keyring.create({ current: Buffer.from(key) }).currentKeyId);
  assert.match(Keyring.create({ current: key }).currentKeyId, /^[0-9a-f]{16}$/);
});

test('master keys: base64 of exactly 32 bytes, errors name the source and never the value', async () => {
  const key = randomBytes(32);
  assert.deepEqual(Buffer.from(parseMasterKey(key.toString('base64'), 'X')), key);
  assert.deepEqual(Buffer.from(parseMasterKey(`${key.toString('base64url')}\n`, 'X')), key);
  assert.throws(() => parseMasterKey(randomBytes(16).toString('base64'), 'RUVECTOR_MASTER_KEY'), /RUVECTOR_MASTER_KEY decodes to 16 bytes, expected 32/);
  assert.throws(() => parseMasterKey('not base64!!', 'RUVECTOR_MASTER_KEY'), { code: 'RV_MASTER_KEY_INVALID' });
  assert.throws(() => Keyring.create({ current: randomBytes(31) }), { code: 'RV_MASTER_KEY_INVALID' });

  const previous = [randomBytes(32), randomBytes(32)];
  const env = { RUVECTOR_MASTER_KEY: key.toString('base64'), RUVECTOR_MASTER_KEY_PREVIOUS: `${previous[0].toString('base64')}, ${previous[1].toString('base64')}` };
  const keys = await loadMasterKeys(new EnvSecretProvider({ env }));
  assert.deepEqual(Buffer.from(keys.current), key);
  assert.deepEqual(keys.previous?.map((k) => Buffer.from(k)), previous);
  await assert.rejects(loadMasterKeys(new EnvSecretProvider({ env: {} })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_MASTER_KEY_INVALID');
    assert.match(error.message, /RUVECTOR_MASTER_KEY/);
    return true;
  });
  const short = 'c2hvcnQ=';
  await assert.rejects(loadMasterKeys(new EnvSecretProvider({ env: { RUVECTOR_MASTER_KEY: short } })), (error: Error) => {
    assert.doesNotMatch(error.message, new RegExp(short));
    return true;
  });
});

test('keyringFromConfig: off → undefined; on without a key or with a short one → RV_MASTER_KEY_INVALID naming the variable', async () => {
  const { keyringFromConfig } = await import('../../../src/security/crypto/index.js');
  const { resolveConfig, entriesFromEnv } = await import('../../../src/config/index.js');
  const config = (env: Record<string, string>) => resolveConfig([entriesFromEnv(env)]);
  assert.equal(await keyringFromConfig(config({}), {}), undefined);
  const on = config({ RUVECTOR__STORAGE__ENCRYPTION: 'true' });
  await assert.rejects(keyringFromConfig(on, {}), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_MASTER_KEY_INVALID');
    assert.match(error.message, /RUVECTOR_MASTER_KEY/);
    return true;
  });
  await assert.rejects(keyringFromConfig(on, { RUVECTOR_MASTER_KEY: randomBytes(24).toString('base64') }), /decodes to 24 bytes, expected 32/);
  const key = randomBytes(32);
  const setup = await keyringFromConfig(on, { RUVECTOR_MASTER_KEY: key.toString('base64') });
  assert.equal(setup?.keyring.currentKeyId, Keyring.create({ current: key }).currentKeyId);
  assert.equal(setup?.secrets.kind, 'env');
});
