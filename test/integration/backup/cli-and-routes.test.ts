// The backup CLI (the first command as a child process, as users run it; the rest in process for
// speed: the same runCli and exit-code table) and the /backups admin routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database } from '../../../src/index.js';
import { BackupService, openBackupTarget } from '../../../src/backup/index.js';
import { runCli, runInProcess } from '../cli/cli-runner.js';
import { call, deferrer } from '../server/helpers.js';
import { createServer } from '../../../src/server/index.js';
import { dump, tempDir, writeRound } from '../../unit/backup/fixtures.js';

test('ruvector backup create / list / verify / restore / prune from the command line', async (t) => {
  const root = await tempDir(t, 'rv-backup-cli-');
  const dataDir = join(root, 'data');
  const target = pathToFileURL(join(root, 'backups')).href;
  {
    const db = await Database.open({ path: dataDir });
    await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
    await writeRound(db, 'docs', 0);
    await db.close();
  }
  const full = await runCli(['backup', 'create', '--type', 'full', '--target', target, '--data-dir', dataDir]);
  assert.equal(full.code, 0, full.stderr);
  const fullId = full.stdout.split('\t')[0];
  assert.match(fullId, /^\d{8}T\d{9}Z-full-[0-9a-f]+$/);
  assert.match(full.stderr, /backup full: \d+ parts in/);
  {
    const db = await Database.open({ path: dataDir });
    await writeRound(db, 'docs', 1);
    await db.close();
  }
  const inc = await runInProcess(['backup', 'create', '--type', 'incremental', '--target', target, '--data-dir', dataDir]);
  assert.equal(inc.code, 0, inc.stderr);
  const incId = inc.stdout.split('\t')[0];

  const listed = await runInProcess(['backup', 'list', '--target', target]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(listed.stdout.trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 3)), [[fullId, 'full', '-'], [incId, 'incremental', fullId]]);

  const verified = await runInProcess(['backup', 'verify', incId, '--target', target]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, new RegExp(`chain ${fullId} → ${incId}`));

  const restoredDir = join(root, 'restored');
  const restored = await runInProcess(['backup', 'restore', incId, '--target', target, '--data-dir', restoredDir, '--to-seq', '2']);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /docs: \d+ points, applied seq 2/);

  const full2 = join(root, 'restored-full');
  assert.equal((await runInProcess(['backup', 'restore', incId, '--target', target, '--data-dir', full2])).code, 0);
  const source = await Database.open({ path: dataDir });
  t.after(() => source.close());
  const copy = await Database.open({ path: full2 });
  t.after(() => copy.close());
  assert.deepEqual(dump(copy), dump(source));

  // Bad input: exit codes by kind, messages naming the flag.
  const notEmpty = await runCli(['backup', 'restore', incId, '--target', target, '--data-dir', dataDir]);
  assert.equal(notEmpty.code, 4);
  assert.match(notEmpty.stderr, /is not empty .*\[RV_RESTORE_TARGET_NOT_EMPTY\]/);
  const badTime = await runInProcess(['backup', 'restore', incId, '--target', target, '--data-dir', join(root, 'x'), '--to-time', 'yesterday']);
  assert.equal(badTime.code, 2);
  assert.match(badTime.stderr, /--to-time must be an RFC 3339 time/);
  const missing = await runInProcess(['backup', 'verify', '20200101T000000000Z-full-abcdef', '--target', target]);
  assert.equal(missing.code, 3);
  const noTarget = await runInProcess(['backup', 'list']);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /no backup target/);

  const pruned = await runInProcess(['backup', 'prune', '--target', target, '--retention-days', '0', '--retention-count', '1']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, /pruned 0 backup\(s\), kept 2/, 'the newest backup needs the full one: both kept');
});

test('/backups admin routes: create, list, show, verify, prune; the backup-age metric; admin only', async (t) => {
  const root = await tempDir(t, 'rv-backup-routes-');
  const adminKey = 'admin-key-0123456789abcdef';
  const readKey = 'read-key-0123456789abcdef0';
  const defer = deferrer(t); // server, then service, then database: last registered first
  const db = await Database.open({ path: join(root, 'data'), retainOpsForBackup: true });
  defer(() => db.close());
  const service = new BackupService({ db, target: openBackupTarget(pathToFileURL(join(root, 'backups')).href), retention: { retentionDays: 0, retentionCount: 1 } });
  defer(() => service.close());
  const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey: adminKey, readOnlyApiKey: readKey, logger: false, version: 'test', backups: service });
  defer(() => server.close());
  const app = server.app;
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
  await writeRound(db, 'docs', 0);
  const admin = { 'api-key': adminKey };

  const denied = await call(app, 'POST', '/backups', { type: 'full' }, { 'api-key': readKey });
  assert.equal(denied.statusCode, 403, denied.body);
  assert.equal((await call(app, 'GET', '/backups')).statusCode, 401);

  const created = await call(app, 'POST', '/backups', { type: 'full' }, admin);
  assert.equal(created.statusCode, 200, created.body);
  assert.equal(created.statusCode, 200, created.body);
  const fullId = created.json().result.id as string;
  await writeRound(db, 'docs', 1);
  const inc = await call(app, 'POST', '/backups', { type: 'incremental' }, admin);
  assert.equal(inc.statusCode, 200, inc.body);
  const incId = inc.json().result.id as string;
  assert.equal(inc.json().result.parent, fullId);

  const list = await call(app, 'GET', '/backups', undefined, admin);
  assert.deepEqual(list.json().result.backups.map((b: { id: string }) => b.id), [fullId, incId]);
  assert.equal(list.json().result.status.running, null);

  const shown = await call(app, 'GET', `/backups/${incId}`, undefined, admin);
  assert.equal(shown.statusCode, 200);
  assert.ok(shown.json().result.parts.every((p: { sha256: string }) => /^[0-9a-f]{64}$/.test(p.sha256)));
  assert.equal((await call(app, 'GET', '/backups/not-an-id', undefined, admin)).statusCode, 422, 'the id pattern is checked by the route schema');
  assert.equal((await call(app, 'GET', '/backups/20200101T000000000Z-full-abcdef', undefined, admin)).statusCode, 404);

  const verified = await call(app, 'POST', `/backups/${incId}/verify`, undefined, admin);
  assert.equal(verified.statusCode, 200, verified.body);
  assert.deepEqual(verified.json().result.chain, [fullId, incId]);

  const pruned = await call(app, 'POST', '/backups/prune', undefined, admin);
  assert.deepEqual(pruned.json().result, { kept: [fullId, incId], deleted: [] });

  const metrics = await call(app, 'GET', '/metrics', undefined, admin);
  const match = /ruvector_backup_last_success_timestamp_seconds (\d+(\.\d+)?)/.exec(metrics.body);
  assert.ok(match !== null, 'the backup-age metric is exported');
  assert.ok(Math.abs(Number(match[1]) - Date.now() / 1000) < 120, `last success is recent (${match[1]})`);
});

test('taking, verifying and pruning backups are not cut off by the admin time limit', async (t) => {
  const root = await tempDir(t, 'rv-backup-untimed-');
  const adminKey = 'admin-key-0123456789abcdef';
  const defer = deferrer(t);
  const db = await Database.open({ path: join(root, 'data'), retainOpsForBackup: true });
  defer(() => db.close());
  const service = new BackupService({ db, target: openBackupTarget(pathToFileURL(join(root, 'backups')).href), retention: { retentionDays: 0, retentionCount: 1 } });
  defer(() => service.close());
  // 1 ms: far below any backup's duration; a timed admin route answers 504 under it.
  const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey: adminKey, logger: false, version: 'test', backups: service, requestTimeouts: { adminMs: 1 } });
  defer(() => server.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
  await writeRound(db, 'docs', 0, 500);
  const admin = { 'api-key': adminKey };
  const created = await call(server.app, 'POST', '/backups', { type: 'full' }, admin);
  assert.equal(created.statusCode, 200, created.body);
  const verified = await call(server.app, 'POST', `/backups/${created.json().result.id as string}/verify`, undefined, admin);
  assert.equal(verified.statusCode, 200, verified.body);
  assert.equal((await call(server.app, 'POST', '/backups/prune', undefined, admin)).statusCode, 200);
  const snapshot = await call(server.app, 'POST', '/collections/docs/snapshots', undefined, admin);
  assert.equal(snapshot.statusCode, 200, snapshot.body);
});
