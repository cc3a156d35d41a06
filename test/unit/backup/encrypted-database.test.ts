// Backups of a database encrypted at rest (the keyring seals rows, op records and index
// checkpoints): parts sealed with the keyring's backup envelope, keys metadata (the encryption
// marker with key ids) carried, and the restore opens only with the same master key.
// Also: a full backup taken while writes land is a consistent point-in-time copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database } from '../../../src/index.js';
import { Keyring } from '../../../src/security/crypto/index.js';
import { createBackup, openBackupTarget, restoreBackup } from '../../../src/backup/index.js';
import { dump, tempDir, writeRound } from './fixtures.js';

test('an encrypted-at-rest database backs up and restores with the same master key only', async (t) => {
  const root = await tempDir(t, 'rv-backup-sealed-');
  const keyring = Keyring.create({ current: randomBytes(32) });
  const db = await Database.open({ path: join(root, 'source'), sealing: keyring, retainOpsForBackup: true });
  t.after(() => db.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  await writeRound(db, 'docs', 0);
  const MARKER = 'sealed-backup-marker-5f1e9a';
  const VECTOR = [0.123456789, -7.25, 3.5, 11.0625];
  await db.collection('docs').upsert({ points: [{ id: 999, vector: VECTOR, payload: { note: MARKER } }] });
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href);
  const envelope = keyring.purposeEnvelope('backup');
  await createBackup({ db, target, type: 'full', envelope });
  await writeRound(db, 'docs', 1);
  await db.collection('docs').upsert({ points: [{ id: 1000, vector: VECTOR, payload: { note: `${MARKER}-late` } }] });
  const inc = await createBackup({ db, target, type: 'incremental', envelope });

  // No plaintext in any backup file: neither the payload string nor the vector's bytes, raw or
  // after gunzip (a part that merely compressed would inflate).
  const needles = [Buffer.from(MARKER), Buffer.from(new Float32Array(VECTOR).buffer)];
  const files = (await readdir(join(root, 'backups'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  assert.ok(files.length >= 4, `${files.length} backup files scanned`);
  for (const entry of files) {
    const path = join(entry.parentPath, entry.name);
    const raw = await readFile(path);
    let inflated: Buffer | undefined;
    try { inflated = gunzipSync(raw); } catch { inflated = undefined; }
    for (const bytes of [raw, inflated]) {
      if (bytes === undefined) continue;
      for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `plaintext found in ${path}`);
    }
  }

  const restoredDir = join(root, 'restored');
  await restoreBackup({ target, id: inc.id, dataDir: restoredDir, envelope, database: { sealing: keyring } });
  const marker = JSON.parse(await readFile(join(restoredDir, 'encryption.json'), 'utf8')) as { encrypted: boolean };
  assert.equal(marker.encrypted, true, 'the encryption marker travelled with the keys metadata');
  const restored = await Database.open({ path: restoredDir, sealing: keyring });
  t.after(() => restored.close());
  assert.deepEqual(dump(restored), dump(db));

  // Another master key cannot read the backup.
  const other = Keyring.create({ current: randomBytes(32) });
  await assert.rejects(restoreBackup({ target, id: inc.id, dataDir: join(root, 'other'), envelope: other.purposeEnvelope('backup'), database: { sealing: other } }), { code: 'RV_BACKUP_CORRUPTED', message: /does not decrypt/ });
});

test('a full backup taken while writes land holds exactly the ops through its recorded sequence', async (t) => {
  const root = await tempDir(t, 'rv-backup-live-');
  const db = await Database.open({ path: join(root, 'source'), retainOpsForBackup: true });
  t.after(() => db.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  const c = db.collection('docs');
  for (let i = 0; i < 200; i++) await c.upsert({ points: [{ id: i, vector: [i, 1, 2, 3], payload: { i } }] });
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href);
  let writing = true;
  let next = 200;
  const writer = (async () => {
    while (writing) await c.upsert({ points: [{ id: next, vector: [next++, 1, 2, 3], payload: { i: next } }] });
  })();
  const full = await createBackup({ db, target, type: 'full' });
  writing = false;
  await writer;
  const seq = full.shards[0].toSeq;
  assert.ok(seq >= 200);
  assert.ok(c.shard.lastAppliedSeq > seq, 'writes went on during and after the copy');

  const dir = join(root, 'restored');
  await restoreBackup({ target, id: full.id, dataDir: dir });
  const restored = await Database.open({ path: dir });
  t.after(() => restored.close());
  const r = restored.collection('docs');
  // One new point per op: the copy holds ops 1..seq, hence exactly `seq` points, ids 0..seq-1.
  assert.equal(r.shard.lastAppliedSeq, seq);
  assert.equal(r.count({}).count, seq);
  assert.deepEqual(r.retrieve({ ids: [seq - 1, seq] }).map((p) => p.id), [seq - 1]);
  // The index checkpoint was taken after the copy; open reconciles it, so searches see only stored points.
  const hits = r.search({ vector: [seq + 5, 1, 2, 3], limit: 3 });
  assert.ok(hits.every((h) => Number(h.id) < seq), `no point beyond the copy is found (${hits.map((h) => h.id).join(', ')})`);
});
