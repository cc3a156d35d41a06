// PUT/GET /admin/log-level through inject(): the level of the running server changes without a
// restart (lines at the new level appear at once), per-module overrides, validation naming the
// field, and admin-only access (read-only key 403, no key 401).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, moduleLogger } from '../../../src/observability/index.js';
import { call, resultOf, startServer } from './helpers.js';

const ADMIN = { 'api-key': 'log-level-admin-key-1' };
const READER = { 'api-key': 'log-level-reader-key-2' };

async function fixture(t: Parameters<typeof startServer>[0]) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json' }, sink);
  const engine = moduleLogger(logger, 'engine');
  const { app } = await startServer(t, { logger, authDisabled: false, apiKey: ADMIN['api-key'], readOnlyApiKey: READER['api-key'] });
  return { app, logger, engine, lines };
}

test('the log level changes at run time, for the process and for one module', async (t) => {
  const { app, logger, engine, lines } = await fixture(t);
  assert.deepEqual(resultOf(await call(app, 'GET', '/admin/log-level', undefined, ADMIN)), { level: 'info', modules: { engine: { level: 'info', override: false }, http: { level: 'info', override: false } } });

  engine.debug('before');
  const changed = resultOf(await call(app, 'PUT', '/admin/log-level', { level: 'debug' }, ADMIN));
  assert.deepEqual(changed, { level: 'debug', modules: { engine: { level: 'debug', override: false }, http: { level: 'debug', override: false } } });
  assert.equal(logger.level, 'debug');
  engine.debug('after');
  assert.equal(lines.some((l) => l.msg === 'before'), false);
  assert.equal(lines.some((l) => l.msg === 'after' && l.module === 'engine'), true);
  const audit = lines.find((l) => l.msg === 'log level changed');
  assert.deepEqual([audit?.from, audit?.to], ['info', 'debug']);

  // One module quieter than the rest; then back to following the process level.
  assert.deepEqual(resultOf(await call(app, 'PUT', '/admin/log-level', { level: 'warn', module: 'engine' }, ADMIN)), { level: 'debug', modules: { engine: { level: 'warn', override: true }, http: { level: 'debug', override: false } } });
  engine.info('engine info hidden');
  logger.debug('root debug shown');
  assert.equal(lines.some((l) => l.msg === 'engine info hidden'), false);
  assert.equal(lines.some((l) => l.msg === 'root debug shown'), true);
  resultOf(await call(app, 'PUT', '/admin/log-level', { level: 'error' }, ADMIN));
  assert.equal(engine.level, 'warn', 'an override survives a process-level change');
  assert.deepEqual(resultOf(await call(app, 'PUT', '/admin/log-level', { level: null, module: 'engine' }, ADMIN)), { level: 'error', modules: { engine: { level: 'error', override: false }, http: { level: 'error', override: false } } });
  assert.equal(engine.level, 'error');
});

test('bad bodies are refused, naming the field, and change nothing', async (t) => {
  const { app, logger } = await fixture(t);
  const cases: [unknown, number, RegExp][] = [
    [{ level: 'verbose' }, 422, /level/],
    [{}, 422, /level/],
    [{ level: 'debug', extra: 1 }, 422, /extra/],
    [{ level: 'debug', module: 'nope' }, 400, /module "nope" has no logger; known modules: engine, http/],
    [{ level: null }, 400, /level: null is only allowed with a module/],
  ];
  for (const [body, status, message] of cases) {
    const response = await call(app, 'PUT', '/admin/log-level', body, ADMIN);
    assert.equal(response.statusCode, status, `${JSON.stringify(body)}: ${response.body}`);
    const error = response.json() as { status: { error: string }; code: string };
    assert.match(error.status.error, message);
    assert.equal(error.code, 'RV_INVALID_ARGUMENT');
  }
  assert.equal(logger.level, 'info');
});

test('only system:admin may read or change the level', async (t) => {
  const { app, logger } = await fixture(t);
  assert.equal((await call(app, 'PUT', '/admin/log-level', { level: 'trace' }, READER)).statusCode, 403);
  assert.equal((await call(app, 'GET', '/admin/log-level', undefined, READER)).statusCode, 403);
  assert.equal((await call(app, 'PUT', '/admin/log-level', { level: 'trace' })).statusCode, 401);
  assert.equal((await call(app, 'PUT', '/admin/log-level', { level: 'trace' }, { 'api-key': 'wrong' })).statusCode, 401);
  assert.equal(logger.level, 'info');
});
