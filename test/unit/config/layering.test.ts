// The layers apply in order: defaults < TOML file < env RUVECTOR__SECTION__KEY < flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('with nothing configured, every key has its built-in default', (t) => {
  const { config, file } = loadConfig({ env: {}, cwd: tempDir(t) });
  assert.equal(file, undefined);
  assert.equal(config.service.host, '127.0.0.1');
  assert.equal(config.service.port, 6333);
  assert.equal(config.service.api_key, undefined);
  assert.equal(config.service.auth_disabled, false);
  assert.equal(config.service.max_request_size_mb, 32);
  assert.equal(config.storage.path, './data');
  assert.equal(config.storage.durability, 'normal');
  assert.equal(config.limits.max_search_limit, 10000);
  assert.equal(config.log.level, 'info');
  assert.equal(config.log.format, 'json');
});

test('file overrides defaults, env overrides the file, flags override env', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'ruvector.toml');
  writeFileSync(file, '[service]\nport = 7000\nhost = "0.0.0.0"\n\n[storage]\npath = "/srv/file"\ndurability = "fsync"\n\n[log]\nlevel = "debug"\n');
  const env = { RUVECTOR__SERVICE__PORT: '7001', RUVECTOR__STORAGE__PATH: '/srv/env' };

  const fileOnly = loadConfig({ file, env: {} }).config;
  assert.equal(fileOnly.service.port, 7000);
  assert.equal(fileOnly.storage.path, '/srv/file');

  const withEnv = loadConfig({ file, env }).config;
  assert.equal(withEnv.service.port, 7001);
  assert.equal(withEnv.storage.path, '/srv/env');
  assert.equal(withEnv.storage.durability, 'fsync', 'keys the env does not set keep the file value');
  assert.equal(withEnv.log.level, 'debug');

  const withFlags = loadConfig({ file, env, flags: [{ path: 'service.port', flag: '--port', value: '7002' }] }).config;
  assert.equal(withFlags.service.port, 7002);
  assert.equal(withFlags.storage.path, '/srv/env');
  assert.equal(withFlags.service.host, '0.0.0.0');
});

test('./config/ruvector.toml is read when present and no --config is given', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'ruvector.toml'), '[service]\nport = 7100\n');
  const { config, file } = loadConfig({ env: {}, cwd: dir });
  assert.equal(config.service.port, 7100);
  assert.ok(file?.endsWith(join('config', 'ruvector.toml')));
});

test('--config naming a missing file is an error naming the path', () => {
  assert.throws(() => loadConfig({ file: '/nonexistent/ruvector.toml', env: {} }), {
    code: 'RV_CONFIG_INVALID',
    message: 'config file /nonexistent/ruvector.toml does not exist',
  });
});

test('the result is frozen, deeply', (t) => {
  const { config } = loadConfig({ env: {}, cwd: tempDir(t) });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.service));
  assert.throws(() => { (config.service as { port: number }).port = 1; }, TypeError);
});
