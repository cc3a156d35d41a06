// Validation errors name the key, the source (file/env/flag) and the rule; unknown keys are errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entriesFromToml, loadConfig, resolveConfig, type ConfigProblem } from '../../../src/config/index.js';
import { RvError } from '../../../src/errors.js';

function problemsOf(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RvError, `expected an RvError, got ${String(error)}`);
    assert.equal(error.code, 'RV_CONFIG_INVALID');
    return error.details?.problems as ConfigProblem[];
  }
  assert.fail('expected the configuration to be rejected');
}

const toml = (text: string) => resolveConfig([entriesFromToml(text, 'ruvector.toml')]);

test('an out-of-range value from env names the key, the variable and the range', () => {
  assert.throws(() => loadConfig({ env: { RUVECTOR__SERVICE__PORT: '70000' }, cwd: tmpdir() }), {
    code: 'RV_CONFIG_INVALID',
    message: 'invalid configuration:\n  service.port (env RUVECTOR__SERVICE__PORT): must be an integer from 0 to 65535, got "70000"',
  });
});

test('a wrong type in the file names the file', () => {
  assert.deepEqual(problemsOf(() => toml('[service]\nport = "6333"\n')), [
    { key: 'service.port', source: 'file ruvector.toml', rule: 'must be an integer from 0 to 65535, got "6333"' },
  ]);
  assert.deepEqual(problemsOf(() => toml('[storage]\ndurability = "always"\n')), [
    { key: 'storage.durability', source: 'file ruvector.toml', rule: 'must be one of "normal", "fsync", got "always"' },
  ]);
});

test('a bad flag names the flag', () => {
  const flags = [{ path: 'service.port', flag: '--port', value: 'http' }];
  assert.deepEqual(problemsOf(() => loadConfig({ env: {}, flags, cwd: tmpdir() })), [
    { key: 'service.port', source: 'flag --port', rule: 'must be an integer from 0 to 65535, got "http"' },
  ]);
});

test('unknown keys, sections and top-level keys are errors that list what exists', () => {
  const problems = problemsOf(() => toml('port = 1\n[service]\nprot = 6333\n[storge]\npath = "x"\n[service.tls]\ncert = "c"\n'));
  assert.deepEqual(problems.map((p) => [p.key, p.source]), [
    ['port', 'file ruvector.toml'],
    ['service.prot', 'file ruvector.toml'],
    ['service.tls', 'file ruvector.toml'],
    ['storge.path', 'file ruvector.toml'],
  ]);
  assert.match(problems[0].rule, /unknown top-level key; every key belongs to a section: \[service\], .*\[storage\], \[limits\], \[log\]/);
  assert.match(problems[1].rule, /unknown key; keys of \[service\] are host, port, api_key,/);
  assert.match(problems[3].rule, /unknown section "storge"; sections are service, .*storage, limits, log/);
  assert.deepEqual(problemsOf(() => resolveConfig([[{ path: 'service.colour', value: 'x', source: { kind: 'env', name: 'RUVECTOR__SERVICE__COLOUR' } }]])).map((p) => p.source), ['env RUVECTOR__SERVICE__COLOUR']);
});

test('every problem is reported at once', () => {
  const problems = problemsOf(() => toml('[service]\nport = -1\nmax_request_size_mb = 0\n[log]\nlevel = "loud"\n'));
  assert.deepEqual(problems.map((p) => p.key), ['service.port', 'service.max_request_size_mb', 'log.level']);
});

test('invalid TOML reports the file, line and column', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.toml');
  writeFileSync(file, '[service]\nport = = 1\n');
  assert.throws(() => loadConfig({ file, env: {} }), { code: 'RV_CONFIG_INVALID', message: new RegExp(`^config file ${file}: invalid TOML at line 2, column \\d+:`) });
});

test('a secret that breaks a rule is not echoed in the error', () => {
  const problems = problemsOf(() => toml('[service]\napi_key = "short"\n'));
  assert.deepEqual(problems, [{ key: 'service.api_key', source: 'file ruvector.toml', rule: 'must be a string of at least 16 characters, got a hidden value of 5 characters' }]);
  assert.doesNotMatch(JSON.stringify(problems), /short/);
});

test('auth may be disabled only on a loopback host, naming both sources', () => {
  const flags = [{ path: 'service.auth_disabled', flag: '--no-auth', value: true }];
  assert.throws(() => loadConfig({ env: { RUVECTOR__SERVICE__HOST: '0.0.0.0' }, flags, cwd: tmpdir() }), {
    message: /service\.auth_disabled \(flag --no-auth\): authentication may be disabled only on a loopback host .* but service\.host is "0\.0\.0\.0" \(env RUVECTOR__SERVICE__HOST\)/,
  });
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
    assert.equal(loadConfig({ env: { RUVECTOR__SERVICE__HOST: host }, flags, cwd: tmpdir() }).config.service.auth_disabled, true, host);
  }
});

test('the read-only key must differ from the admin key', () => {
  const key = 'k'.repeat(20);
  assert.deepEqual(problemsOf(() => toml(`[service]\napi_key = "${key}"\nread_only_api_key = "${key}"\n`)).map((p) => p.key), ['service.read_only_api_key']);
});
