// Backup work is traced: a scheduled backup is a job span (a trace root) with the backup's span
// under it; a restore has its span; attributes name the backup (in-memory exporter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Database } from '../../../src/index.js';
import { BackupScheduler, BackupService, openBackupTarget, restoreBackup } from '../../../src/backup/index.js';
import { Tracing } from '../../../src/observability/index.js';
import { tempDir, writeRound } from './fixtures.js';

test('a scheduled backup and a restore each produce their spans, nested under the job', async (t) => {
  const root = await tempDir(t, 'rv-backup-spans-');
  const exporter = new InMemorySpanExporter();
  const tracing = new Tracing({ exporter, sampleRatio: 1 });
  t.after(() => tracing.shutdown());
  const db = await Database.open({ path: join(root, 'data'), retainOpsForBackup: true });
  t.after(() => db.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  await writeRound(db, 'docs', 0);
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href);
  const service = new BackupService({ db, target, retention: { retentionDays: 0, retentionCount: 5 } });

  const scheduler = new BackupScheduler(service, { full: '0 3 * * *' }, undefined, (name, fn) => tracing.runJob(name, () => fn()));
  await scheduler.runOnce('full');
  const [backup] = await service.list();
  assert.ok(backup.ok);
  await tracing.runJob('restore job', () => restoreBackup({ target, id: backup.manifest.id, dataDir: join(root, 'restored') }));

  const spans = exporter.getFinishedSpans();
  const byName = (name: string) => {
    const span = spans.find((s) => s.name === name);
    assert.ok(span !== undefined, `a ${name} span among ${spans.map((s) => s.name).join(', ')}`);
    return span;
  };
  const job = byName('ruvector.backup.scheduled.full');
  assert.equal(job.parentSpanContext, undefined, 'the scheduled job is a trace root');
  const created = byName('ruvector.backup');
  assert.equal(created.parentSpanContext?.spanId, job.spanContext().spanId, 'the backup span is a child of the job');
  assert.equal(created.attributes['ruvector.backup.type'], 'full');
  assert.equal(created.attributes['ruvector.backup.id'], backup.manifest.id);
  const restored = byName('ruvector.restore');
  assert.equal(restored.parentSpanContext?.spanId, byName('restore job').spanContext().spanId);
  assert.equal(restored.attributes['ruvector.restore.chain_length'], 1);
});
