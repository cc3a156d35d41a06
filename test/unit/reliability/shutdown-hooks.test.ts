// The shutdown hook list: phases, order, and a failing or stuck hook not stopping the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShutdownHooks } from '../../../src/reliability/shutdown-hooks.js';

test('hooks run by phase in registration order; failures and overruns are logged and skipped', async () => {
  const hooks = new ShutdownHooks();
  const ran: string[] = [];
  const logged: string[] = [];
  hooks.register('audit flush', async () => { ran.push('audit flush'); });
  hooks.register('stuck exporter', () => new Promise(() => undefined), { timeoutMs: 20 });
  hooks.register('broken', () => { throw new Error('boom'); });
  hooks.register('after', () => { ran.push('after'); }, { phase: 'after-database-close' });
  const unregister = hooks.register('removed', () => { ran.push('removed'); });
  unregister();
  hooks.register('backup stop', () => { ran.push('backup stop'); });
  assert.deepEqual(hooks.names('before-database-close'), ['audit flush', 'stuck exporter', 'broken', 'backup stop']);

  const failed = await hooks.run('before-database-close', (level, message, fields) => logged.push(`${level} ${message} ${String(fields.hook)}`));
  assert.deepEqual(ran, ['audit flush', 'backup stop']);
  assert.deepEqual(failed, ['stuck exporter', 'broken']);
  assert.ok(logged.includes('warn shutdown hook overran its time limit; continuing stuck exporter'));
  assert.ok(logged.includes('warn shutdown hook failed; continuing broken'));
  assert.deepEqual(await hooks.run('after-database-close'), []);
  assert.deepEqual(ran, ['audit flush', 'backup stop', 'after']);
});
