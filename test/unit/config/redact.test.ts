// The startup log line never carries a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entriesFromEnv, redactConfig, resolveConfig } from '../../../src/config/index.js';

test('set secrets become "***"; unset ones stay absent; everything else is kept', () => {
  const config = resolveConfig([entriesFromEnv({
    RUVECTOR__SERVICE__API_KEY: 'admin-key-0123456789abcdef',
    RUVECTOR__SERVICE__READ_ONLY_API_KEY: 'reader-key-0123456789abcdef',
    RUVECTOR__SERVICE__PORT: '7000',
  })]);
  const redacted = redactConfig(config);
  assert.equal(redacted.service.api_key, '***');
  assert.equal(redacted.service.read_only_api_key, '***');
  assert.equal(redacted.service.port, 7000);
  assert.deepEqual(redacted.storage, { path: './data', durability: 'normal', encryption: false });
  assert.doesNotMatch(JSON.stringify(redacted), /admin-key|reader-key/);
  assert.equal(config.service.api_key, 'admin-key-0123456789abcdef', 'the config itself is untouched');

  const none = redactConfig(resolveConfig([]));
  assert.equal(none.service.api_key, undefined);
});
