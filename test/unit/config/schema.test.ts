// The schema mirrors the engine's limits, its defaults pass its own rules, and every key is documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA, configKeys, envNameFor, resolveConfig } from '../../../src/config/index.js';
import { DEFAULT_LIMITS } from '../../../src/engine/index.js';
import { engineLimitsFrom } from '../../../src/main.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

test('[limits] has exactly the EngineLimits keys, with the same defaults', () => {
  const expected = Object.fromEntries(Object.entries(DEFAULT_LIMITS).map(([k, v]) => [snake(k), v]));
  const actual = Object.fromEntries(Object.entries(CONFIG_SCHEMA.limits).map(([k, spec]) => [k, spec.default]));
  assert.deepEqual(actual, expected);
  assert.deepEqual(engineLimitsFrom(resolveConfig([]).limits), DEFAULT_LIMITS);
});

test('the defaults satisfy the schema', () => {
  assert.doesNotThrow(() => resolveConfig([]));
});

test('docs/configuration.md documents every key with its env variable', () => {
  const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const missing = configKeys().filter((key) => !doc.includes(`\`${key}\``) || !doc.includes(envNameFor(key)));
  assert.deepEqual(missing, []);
});
