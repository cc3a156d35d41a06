// The composition root with [backup] configured: the scheduler runs on its cron while the node
// serves, /backups answers over a real socket, and a bad cron expression stops the start with
// the key named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../../src/config/index.js';
import { startRuVector } from '../../../src/main.js';
import { createLogger } from '../../../src/observability/index.js';
import { tempDir } from '../../unit/backup/fixtures.js';

function configFor(dir: string, extra: Record<string, string>) {
  return loadConfig({
    cwd: dir,
    env: {
      RUVECTOR__STORAGE__PATH: join(dir, 'data'), RUVECTOR__SERVICE__PORT: '0', RUVECTOR__SERVICE__AUTH_DISABLED: 'true', RUVECTOR__RELIABILITY__MIN_FREE_DISK_MB: '0',
      RUVECTOR__BACKUP__TARGET: pathToFileURL(join(dir, 'backups')).href, ...extra,
    },
  }).config;
}

test('a node with [backup] schedules backups and serves /backups', async (t) => {
  const dir = await tempDir(t, 'rv-backup-serve-');
  const config = configFor(dir, { RUVECTOR__BACKUP__INCREMENTAL_SCHEDULE: '*/1 * * * * *' });
  const running = await startRuVector({ config, logger: createLogger({ level: 'silent', format: 'json' }), version: 'test', adminKey: {} });
  t.after(() => running.close());
  await running.db.createCollection('docs', { vectors: { size: 2, distance: 'Dot' } });
  await running.db.collection('docs').upsert({ points: [{ id: 1, vector: [1, 2] }] });
  const deadline = Date.now() + 20_000;
  let backups: { id: string; type: string }[] = [];
  while (Date.now() < deadline) {
    const response = await fetch(`${running.url}/backups`);
    assert.equal(response.status, 200);
    backups = ((await response.json()) as { result: { backups: { id: string; type: string }[] } }).result.backups;
    if (backups.length >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(backups.length >= 2, `scheduled backups were taken: ${JSON.stringify(backups)}`);
  assert.equal(backups[0].type, 'full', 'the first scheduled incremental fell back to a full backup');
  assert.equal(backups[1].type, 'incremental');
  const metrics = await (await fetch(`${running.url}/metrics`)).text();
  assert.match(metrics, /ruvector_backup_schedule_enabled 1/);
});

test('a bad cron expression stops the start, naming the key', async (t) => {
  const dir = await tempDir(t, 'rv-backup-serve-bad-');
  const config = configFor(dir, { RUVECTOR__BACKUP__FULL_SCHEDULE: 'at noon' });
  await assert.rejects(startRuVector({ config, logger: createLogger({ level: 'silent', format: 'json' }), version: 'test', adminKey: {} }), { code: 'RV_BACKUP_INVALID', message: /backup\.full_schedule/ });
});
