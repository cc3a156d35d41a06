// Scheduled backups: cron expressions are validated (the error names the key), a scheduled
// incremental with no full backup yet takes a full one, runs are followed by a prune, and the
// backup-age figures reach the metrics sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database } from '../../../src/index.js';
import { BackupScheduler, BackupService, listBackups, openBackupTarget, validateSchedule } from '../../../src/backup/index.js';
import { tempDir, writeRound } from './fixtures.js';

test('a bad cron expression is refused with the key named', () => {
  assert.throws(() => validateSchedule({ full: 'every day' }), { code: 'RV_BACKUP_INVALID', message: /backup\.full_schedule "every day" is not a valid cron expression/ });
  assert.throws(() => validateSchedule({ incremental: '61 * * * *' }), { code: 'RV_BACKUP_INVALID', message: /backup\.incremental_schedule/ });
  validateSchedule({ full: '0 3 * * *', incremental: '*/15 * * * *' });
});

test('the scheduler runs backups on its cron, falls back to a full backup, prunes and reports success', async (t) => {
  const root = await tempDir(t, 'rv-backup-sched-');
  const db = await Database.open({ path: join(root, 'data'), retainOpsForBackup: true });
  t.after(() => db.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  await writeRound(db, 'docs', 0);
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href);
  const service = new BackupService({ db, target, retention: { retentionDays: 0, retentionCount: 2 } });
  const reported: { last?: Date; enabled?: boolean } = {};
  service.attachMetrics({ setBackupLastSuccess: (at) => { reported.last = at; }, setBackupScheduleEnabled: (enabled) => { reported.enabled = enabled; } });
  assert.equal(reported.enabled, false);

  // An incremental with nothing to build on takes a full backup instead.
  const scheduler = new BackupScheduler(service, { incremental: '* * * * * *' });
  await scheduler.runOnce('incremental');
  const first = await listBackups(target);
  assert.equal(first.length, 1);
  assert.ok(first[0].ok && first[0].manifest.type === 'full');
  assert.ok(reported.last !== undefined);

  // Every second by cron (croner's six-field form); prune keeps the newest two and their chain.
  scheduler.start();
  t.after(() => scheduler.stop());
  assert.equal(reported.enabled, true);
  const deadline = Date.now() + 20_000;
  let ids: string[] = [];
  while (Date.now() < deadline) {
    await writeRound(db, 'docs', 1 + ids.length);
    ids = (await listBackups(target)).map((l) => (l.ok ? l.manifest.id : l.id));
    if (ids.length >= 3 && ids.some((id) => id.includes('-incremental-'))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await scheduler.stop();
  assert.equal(reported.enabled, false);
  ids = (await listBackups(target)).map((l) => (l.ok ? l.manifest.id : l.id));
  assert.ok(ids.length >= 3, `scheduled incrementals were taken (${ids.join(', ')})`);
  assert.ok(ids[0].includes('-full-'), 'prune kept the chain root the newest backups need');
  assert.equal(service.status().lastFailure, null);
});
