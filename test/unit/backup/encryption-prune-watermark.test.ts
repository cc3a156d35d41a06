// Encrypted backups hold no plaintext; prune keeps every chain a kept backup needs; the op-log
// truncation waits for backups (the watermark) when backups are configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { readdir, readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';
import { createBackup, listBackups, openBackupTarget, pruneBackups, restoreBackup, verifyBackup } from '../../../src/backup/index.js';
import { dump, tempDir, writeRound } from './fixtures.js';
import { testEnvelope } from './test-envelope.js';

const MARKER = 'plaintext-marker-7f3a9c';

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  }
  return out;
}

test('an encrypted backup contains no plaintext payload, restores with the key and not without it', async (t) => {
  const root = await tempDir(t, 'rv-backup-enc-');
  const db = await Database.open({ path: join(root, 'source') });
  t.after(() => db.close());
  await db.createCollection('secret', { vectors: { size: 4, distance: 'Euclid' } });
  await db.collection('secret').upsert({ points: Array.from({ length: 50 }, (_, i) => ({ id: i, vector: [i, 1, 2, 3], payload: { note: `${MARKER}-${i}` } })) });
  const envelope = testEnvelope();
  const encryptedTarget = openBackupTarget(pathToFileURL(join(root, 'encrypted')).href);
  const plainTarget = openBackupTarget(pathToFileURL(join(root, 'plain')).href);
  const full = await createBackup({ db, target: encryptedTarget, type: 'full', envelope });
  await db.collection('secret').upsert({ points: [{ id: 99, vector: [9, 9, 9, 9], payload: { note: `${MARKER}-late` } }] });
  const inc = await createBackup({ db, target: encryptedTarget, type: 'incremental', envelope });
  await createBackup({ db, target: plainTarget, type: 'full' });
  assert.equal(full.encrypted, true);

  const containsMarker = async (dir: string, inflate: boolean): Promise<boolean> => {
    for (const file of await allFiles(dir)) {
      const bytes = await readFile(file);
      const texts = [bytes];
      if (inflate && file.endsWith('.gz')) texts.push(gunzipSync(bytes));
      if (texts.some((b) => b.includes(MARKER))) return true;
    }
    return false;
  };
  assert.equal(await containsMarker(join(root, 'plain'), true), true, 'control: the unencrypted backup holds the payload');
  assert.equal(await containsMarker(join(root, 'encrypted'), false), false, 'encrypted backup bytes hold no payload text');

  await assert.rejects(restoreBackup({ target: encryptedTarget, id: inc.id, dataDir: join(root, 'no-key') }), { code: 'RV_BACKUP_INVALID', message: /encrypted/ });
  await assert.rejects(restoreBackup({ target: encryptedTarget, id: inc.id, dataDir: join(root, 'wrong-key'), envelope: testEnvelope() }), { code: 'RV_BACKUP_CORRUPTED', message: /does not decrypt/ });
  const verified = await verifyBackup(encryptedTarget, inc.id, envelope);
  assert.equal(verified.decoded, true);
  await restoreBackup({ target: encryptedTarget, id: inc.id, dataDir: join(root, 'restored'), envelope });
  const restored = await Database.open({ path: join(root, 'restored') });
  t.after(() => restored.close());
  assert.deepEqual(dump(restored), dump(db));
});

test('prune deletes by age and count but never a backup that a kept one needs', async (t) => {
  const root = await tempDir(t, 'rv-backup-prune-');
  const db = await Database.open({ path: join(root, 'source') });
  t.after(() => db.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href);
  // Backups stamped 10, 9, 8, ... days ago: chain A (full, inc, inc), chain B (full, inc).
  const day = 24 * 3600 * 1000;
  const base = Date.now();
  const at = (daysAgo: number) => () => new Date(base - daysAgo * day);
  const ids: string[] = [];
  const take = async (type: 'full' | 'incremental', daysAgo: number): Promise<void> => {
    await writeRound(db, 'docs', ids.length);
    ids.push((await createBackup({ db, target, type, now: at(daysAgo) })).id);
  };
  await take('full', 10);
  await take('incremental', 9);
  await take('incremental', 8);
  await take('full', 3);
  await take('incremental', 2);
  const [a0, a1, a2, b0, b1] = ids;

  // Keep the newest one: its chain (b0, b1) stays, chain A goes.
  assert.deepEqual(await pruneBackups(target, { retentionDays: 0, retentionCount: 1 }), { kept: [b0, b1], deleted: [a0, a1, a2] });
  assert.deepEqual((await listBackups(target)).map((l) => (l.ok ? l.manifest.id : l.id)), [b0, b1]);
  await assert.rejects(stat(join(root, 'backups', a0)), { code: 'ENOENT' });
  for (const id of [b0, b1]) await verifyBackup(target, id, undefined);

  // Age rule: 2.5 days keeps only b1, and b1 needs b0.
  assert.deepEqual(await pruneBackups(target, { retentionDays: 2.5, retentionCount: 0 }), { kept: [b0, b1], deleted: [] });
  // With both rules 0 nothing is deleted.
  assert.deepEqual((await pruneBackups(target, { retentionDays: 0, retentionCount: 0 })).deleted, []);
});

test('op-log truncation keeps every op not yet in a backup, and frees them after one', async (t) => {
  const root = await tempDir(t, 'rv-backup-wm-');
  const db = await Database.open({ path: join(root, 'source'), checkpointEveryOps: 20, oplogRetainOps: 5, retainOpsForBackup: true });
  t.after(() => db.close());
  await db.createCollection('docs', { vectors: { size: 2, distance: 'Euclid' } });
  const c = db.collection('docs');
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href);
  for (let i = 0; i < 100; i++) await c.upsert({ points: [{ id: i, vector: [i, i] }] });
  await c.shard.checkpoint();
  await new Promise((resolve) => setTimeout(resolve, 300)); // background truncation would have run by now
  assert.equal(c.shard.firstOpSeq, 1, 'no backup yet: nothing truncated');

  const full = await createBackup({ db, target, type: 'full' });
  const backedUp = full.shards[0].toSeq;
  for (let i = 100; i < 200; i++) await c.upsert({ points: [{ id: i, vector: [i, i] }] });
  await c.shard.checkpoint();
  const deadline = Date.now() + 10_000;
  while (c.shard.firstOpSeq <= backedUp && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(c.shard.firstOpSeq, backedUp + 1, 'truncated through the backup watermark, not past it');
  const inc = await createBackup({ db, target, type: 'incremental' });
  assert.equal(inc.shards[0].fromSeq, backedUp + 1);
  assert.equal(inc.shards[0].ops, 100);

  // Without backups configured, the same load truncates past that point (control).
  const plain = await Database.open({ path: join(root, 'plain'), checkpointEveryOps: 20, oplogRetainOps: 5 });
  t.after(() => plain.close());
  await plain.createCollection('docs', { vectors: { size: 2, distance: 'Euclid' } });
  for (let i = 0; i < 100; i++) await plain.collection('docs').upsert({ points: [{ id: i, vector: [i, i] }] });
  await plain.collection('docs').shard.checkpoint();
  const plainDeadline = Date.now() + 10_000;
  while (plain.collection('docs').shard.firstOpSeq === 1 && Date.now() < plainDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(plain.collection('docs').shard.firstOpSeq > 1);

  // An incremental that needs truncated ops says to take a full backup.
  const plainTarget = openBackupTarget(pathToFileURL(join(root, 'plain-backups')).href);
  await createBackup({ db: plain, target: plainTarget, type: 'full' });
  for (let i = 0; i < 60; i++) await plain.collection('docs').upsert({ points: [{ id: i, vector: [i, -i] }] });
  await plain.collection('docs').shard.checkpoint();
  const lastFull = (await listBackups(plainTarget))[0];
  const fullSeq = lastFull.ok ? lastFull.manifest.shards[0].toSeq : 0;
  const truncDeadline = Date.now() + 10_000;
  while (plain.collection('docs').shard.firstOpSeq <= fullSeq + 1 && Date.now() < truncDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await assert.rejects(createBackup({ db: plain, target: plainTarget, type: 'incremental' }), { code: 'RV_BACKUP_OPLOG_TRUNCATED', message: /take a full backup/ });
});
