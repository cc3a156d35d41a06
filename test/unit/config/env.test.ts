// Env RUVECTOR__SECTION__KEY: names map to keys, strings parse to the schema's types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entriesFromEnv, envNameFor, resolveConfig } from '../../../src/config/index.js';

const fromEnv = (env: Record<string, string>) => resolveConfig([entriesFromEnv(env)]);

test('names map to section.key, case-insensitively after the prefix', () => {
  assert.deepEqual(entriesFromEnv({ RUVECTOR__SERVICE__API_KEY: 'k', ruvector__x: 'ignored', PATH: '/bin' }).map((e) => e.path), ['service.api_key']);
  assert.equal(envNameFor('service.read_only_api_key'), 'RUVECTOR__SERVICE__READ_ONLY_API_KEY');
  assert.equal(fromEnv({ RUVECTOR__Service__Port: '7000' }).service.port, 7000);
});

test('single-underscore RUVECTOR_ variables belong to other tools and are ignored', () => {
  assert.deepEqual(entriesFromEnv({ RUVECTOR_TEST_CONCURRENCY: '2', RUVECTOR_API_KEY: 'x' }), []);
});

test('integers, booleans and enums are parsed from their text', () => {
  const config = fromEnv({
    RUVECTOR__SERVICE__PORT: ' 7000 ',
    RUVECTOR__SERVICE__AUTH_DISABLED: 'TRUE',
    RUVECTOR__STORAGE__DURABILITY: 'fsync',
    RUVECTOR__LIMITS__MAX_BATCH_POINTS: '500',
    RUVECTOR__LOG__FORMAT: 'text',
  });
  assert.equal(config.service.port, 7000);
  assert.equal(config.service.auth_disabled, true);
  assert.equal(config.storage.durability, 'fsync');
  assert.equal(config.limits.max_batch_points, 500);
  assert.equal(config.log.format, 'text');
  assert.equal(fromEnv({ RUVECTOR__SERVICE__AUTH_DISABLED: '0' }).service.auth_disabled, false);
});

test('secrets and paths are taken verbatim', () => {
  const config = fromEnv({ RUVECTOR__SERVICE__API_KEY: 'a-long-admin-key-0123456789', RUVECTOR__STORAGE__PATH: '/var/lib/ruvector' });
  assert.equal(config.service.api_key, 'a-long-admin-key-0123456789');
  assert.equal(config.storage.path, '/var/lib/ruvector');
});

test('an empty variable unsets an optional key (compose files write API_KEY=)', () => {
  const file = [{ path: 'service.api_key', value: 'a-long-admin-key-0123456789', source: { kind: 'file' as const, name: 'x.toml' } }];
  const config = resolveConfig([file, entriesFromEnv({ RUVECTOR__SERVICE__API_KEY: '' })]);
  assert.equal(config.service.api_key, undefined);
});

test('an empty variable for a key with a default is an error, not a silent default', () => {
  assert.throws(() => fromEnv({ RUVECTOR__SERVICE__PORT: '' }), {
    code: 'RV_CONFIG_INVALID',
    message: /service\.port \(env RUVECTOR__SERVICE__PORT\): must be an integer from 0 to 65535, got ""/,
  });
});

test('numbers that are not integers, and words that are not booleans, are rejected', () => {
  assert.throws(() => fromEnv({ RUVECTOR__SERVICE__PORT: '63.5' }), { message: /service\.port .*got "63\.5"/ });
  assert.throws(() => fromEnv({ RUVECTOR__SERVICE__AUTH_DISABLED: 'maybe' }), { message: /service\.auth_disabled \(env RUVECTOR__SERVICE__AUTH_DISABLED\): must be true or false, got "maybe"/ });
});

test('numbers (tracing.sample_ratio) parse with fractions and are range-checked', () => {
  const config = fromEnv({ RUVECTOR__TRACING__SAMPLE_RATIO: '0.25', RUVECTOR__TRACING__OTLP_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' });
  assert.equal(config.tracing.sample_ratio, 0.25);
  assert.equal(config.tracing.otlp_endpoint, 'http://127.0.0.1:4318/v1/traces');
  assert.equal(fromEnv({}).tracing.sample_ratio, 0.01);
  assert.equal(fromEnv({}).tracing.otlp_endpoint, undefined);
  assert.throws(() => fromEnv({ RUVECTOR__TRACING__SAMPLE_RATIO: '1.5' }), { code: 'RV_CONFIG_INVALID', message: /tracing\.sample_ratio \(env RUVECTOR__TRACING__SAMPLE_RATIO\): must be a number from 0 to 1, got "1.5"/ });
  assert.throws(() => fromEnv({ RUVECTOR__TRACING__SAMPLE_RATIO: 'often' }), { code: 'RV_CONFIG_INVALID', message: /must be a number from 0 to 1/ });
});
