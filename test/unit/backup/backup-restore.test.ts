// Full + incremental backups to a file:// target and restores from them: the restored data
// directory equals the source (every point, payload, vector, version), to the end of the chain
// or to a point in time (sequence or commit time); bad chains and parts are named in the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';
import { createBackup, listBackups, openBackupTarget, restoreBackup, verifyBackup } from '../../../src/backup/index.js';
import { dump, sleep, tempDir, writeRound } from './fixtures.js';

async function setup(t: import('node:test').TestContext) {
  const root = await tempDir(t, 'rv-backup-');
  const db = await Database.open({ path: join(root, 'source'), retainOpsForBackup: true });
  t.after(() => db.close());
  const target = openBackupTarget(pathToFileURL(join(root, 'backups')).href, { policy: { retries: 0 } });
  t.after(() => target.close());
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  return { root, db, target };
}

test('full + incrementals restore to a data directory equal to the source', async (t) => {
  const { root, db, target } = await setup(t);
  await writeRound(db, 'docs', 0);
  await db.collection('docs').createPayloadIndex('round', 'integer');
  const full = await createBackup({ db, target, type: 'full' });
  await writeRound(db, 'docs', 1);
  await db.createCollection('late', { vectors: { size: 2, distance: 'Cosine' } });
  await db.collection('late').upsert({ points: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', vector: [1, 2], payload: { x: 1 } }] });
  await db.updateAliases([{ create_alias: { collection_name: 'docs', alias_name: 'current' } }]);
  const inc1 = await createBackup({ db, target, type: 'incremental' });
  await writeRound(db, 'docs', 2);
  await db.collection('late').delete({ points: ['a1b2c3d4-0000-4000-8000-000000000001'] });
  await db.collection('late').upsert({ points: [{ id: 7, vector: [3, 4], payload: null }] });
  const inc2 = await createBackup({ db, target, type: 'incremental' });

  assert.equal(inc1.parent, full.id);
  assert.equal(inc2.parent, inc1.id);
  assert.equal(inc2.chain, full.id);
  const docs1 = inc1.shards.find((s) => s.collection === 'docs');
  assert.equal(docs1?.fromSeq, (full.shards.find((s) => s.collection === 'docs')?.toSeq ?? 0) + 1);
  assert.equal(inc1.shards.find((s) => s.collection === 'late')?.fromSeq, 1, 'a collection new since the parent starts at op 1');
  for (const m of [full, inc1, inc2]) for (const p of m.parts) assert.match(p.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual((await listBackups(target)).map((l) => (l.ok ? l.manifest.id : l.id)), [full.id, inc1.id, inc2.id]);

  const restoredDir = join(root, 'restored');
  const result = await restoreBackup({ target, id: inc2.id, dataDir: restoredDir });
  assert.deepEqual(result.chain, [full.id, inc1.id, inc2.id]);
  const restored = await Database.open({ path: restoredDir });
  t.after(() => restored.close());
  assert.deepEqual(dump(restored), dump(db));
  // The restored payload index answers filtered queries like the source.
  assert.equal(restored.collection('docs').count({ filter: { must: [{ key: 'round', match: { value: 2 } }] } }).count, 20);
});

test('point-in-time restore to a sequence and to a commit time gives exactly that state', async (t) => {
  const { root, db, target } = await setup(t);
  await writeRound(db, 'docs', 0);
  await createBackup({ db, target, type: 'full' });
  const states: { seq: number; at: number; state: Record<string, unknown> }[] = [];
  for (let round = 1; round <= 4; round++) {
    await writeRound(db, 'docs', round);
    await sleep(15); // commit times of this round and the next differ
    states.push({ seq: db.collection('docs').shard.lastAppliedSeq, at: Date.now(), state: dump(db) });
    await sleep(15);
    if (round === 2) await createBackup({ db, target, type: 'incremental' });
  }
  const last = await createBackup({ db, target, type: 'incremental' });
  const middle = states[2]; // inside the second incremental's range

  const bySeq = join(root, 'by-seq');
  await restoreBackup({ target, id: last.id, dataDir: bySeq, toSeq: middle.seq });
  const seqDb = await Database.open({ path: bySeq });
  t.after(() => seqDb.close());
  assert.deepEqual(dump(seqDb), middle.state);

  const byTime = join(root, 'by-time');
  const result = await restoreBackup({ target, id: last.id, dataDir: byTime, toTimeMs: states[0].at });
  assert.ok(result.lastOpAtMs !== null && result.lastOpAtMs <= states[0].at);
  const timeDb = await Database.open({ path: byTime });
  t.after(() => timeDb.close());
  assert.deepEqual(dump(timeDb), states[0].state);
  assert.notDeepEqual(states[0].state, states[3].state, 'the states differ, so the comparison can fail');

  await assert.rejects(restoreBackup({ target, id: last.id, dataDir: join(root, 'x'), toSeq: 1 }), { code: 'RV_BACKUP_INVALID', message: /--to-seq 1: restore from an earlier full backup/ });
  await assert.rejects(restoreBackup({ target, id: last.id, dataDir: join(root, 'source') }), { code: 'RV_RESTORE_TARGET_NOT_EMPTY' });
});

test('an incremental taken while nothing was written does not end the replay: the newest state and a later time are restored', async (t) => {
  const { root, db, target } = await setup(t);
  await writeRound(db, 'docs', 0);
  await createBackup({ db, target, type: 'full' });
  const quiet = await createBackup({ db, target, type: 'incremental' }); // a quiet schedule slot: no ops
  assert.ok(quiet.shards.every((s) => s.ops === 0), 'the quiet incremental holds no ops');
  await sleep(15);
  await writeRound(db, 'docs', 1);
  await db.createCollection('late', { vectors: { size: 2, distance: 'Cosine' } }); // catalog-only change
  const afterRound1 = Date.now();
  await sleep(15);
  const busy = await createBackup({ db, target, type: 'incremental' });
  const quietAgain = await createBackup({ db, target, type: 'incremental' }); // empty, and only its catalog says 'late' exists
  const expected = dump(db);

  const newest = join(root, 'newest');
  const result = await restoreBackup({ target, id: quietAgain.id, dataDir: newest });
  assert.equal(result.chain.length, 4, 'full, quiet, busy and quiet again');
  const newestDb = await Database.open({ path: newest });
  t.after(() => newestDb.close());
  assert.deepEqual(dump(newestDb), expected);

  const atTime = join(root, 'at-time');
  await restoreBackup({ target, id: busy.id, dataDir: atTime, toTimeMs: afterRound1 });
  const timeDb = await Database.open({ path: atTime });
  t.after(() => timeDb.close());
  assert.deepEqual((dump(timeDb).docs as { points: unknown[] }).points, (expected.docs as { points: unknown[] }).points, 'round 1 is replayed past the quiet incremental');

  // A time after the newest backup of the chain: the chain cannot show it; refused, not answered with an older state.
  await assert.rejects(restoreBackup({ target, id: busy.id, dataDir: join(root, 'too-late'), toTimeMs: Date.now() + 60_000 }),
    { code: 'RV_BACKUP_INVALID', message: /before --to-time .*cannot show the state at that time/ });
});

test('a backup that fails part-way is never listed and leaves no parts behind; the next one succeeds', async (t) => {
  const { root, db, target } = await setup(t);
  await writeRound(db, 'docs', 0);
  // The target fails the third upload (a shard part, after others went up).
  let puts = 0;
  const failing = {
    ...target,
    description: target.description,
    put: async (key: string, body: Uint8Array, signal?: AbortSignal) => {
      puts += 1;
      if (puts === 3) throw new Error('injected: the connection dropped mid-backup');
      return target.put(key, body, signal);
    },
    get: target.get.bind(target), list: target.list.bind(target), delete: target.delete.bind(target), close: target.close.bind(target),
  };
  await assert.rejects(createBackup({ db, target: failing, type: 'full' }), /injected/);
  assert.ok(puts >= 3, 'parts were uploaded before the failure');
  assert.deepEqual(await listBackups(target), [], 'no backup listed');
  assert.deepEqual(await target.list(''), [], 'the parts uploaded before the failure were removed');
  const full = await createBackup({ db, target, type: 'full' });
  assert.deepEqual((await listBackups(target)).map((l) => (l.ok ? l.manifest.id : l.id)), [full.id]);
  void root;
});

test('a flipped byte, a missing part and an out-of-order chain are each named, and nothing is written', async (t) => {
  const { root, db, target } = await setup(t);
  await writeRound(db, 'docs', 0);
  const full = await createBackup({ db, target, type: 'full' });
  await writeRound(db, 'docs', 1);
  const inc1 = await createBackup({ db, target, type: 'incremental' });
  await writeRound(db, 'docs', 2);
  const inc2 = await createBackup({ db, target, type: 'incremental' });
  const backups = join(root, 'backups');
  const restoredDir = join(root, 'restored');
  const assertUntouched = async (): Promise<void> => {
    await assert.rejects(readdir(restoredDir), { code: 'ENOENT' });
  };

  // A flipped byte in the op-log part of the first incremental.
  const oplog = inc1.parts.find((p) => p.kind === 'oplog');
  assert.ok(oplog);
  const oplogPath = join(backups, inc1.id, 'parts', oplog.name);
  const original = await readFile(oplogPath);
  const flipped = Buffer.from(original);
  flipped[Math.floor(flipped.length / 2)] ^= 0x01;
  await writeFile(oplogPath, flipped);
  await assert.rejects(restoreBackup({ target, id: inc2.id, dataDir: restoredDir }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'RV_BACKUP_CORRUPTED');
    assert.match(error.message, new RegExp(`${inc1.id}: part ${oplog.name}.*SHA-256`));
    return true;
  });
  await assertUntouched();
  await assert.rejects(verifyBackup(target, inc2.id, undefined), { code: 'RV_BACKUP_CORRUPTED' });
  await writeFile(oplogPath, original);

  // A missing part of the full backup.
  const shardDb = full.parts.find((p) => p.kind === 'shard-db');
  assert.ok(shardDb);
  const shardPath = join(backups, full.id, 'parts', shardDb.name);
  const shardBytes = await readFile(shardPath);
  await rm(shardPath);
  await assert.rejects(restoreBackup({ target, id: inc2.id, dataDir: restoredDir }), { code: 'RV_BACKUP_PART_MISSING', message: new RegExp(`${full.id}: part ${shardDb.name}.*missing`) });
  await assertUntouched();
  await writeFile(shardPath, shardBytes);

  // Out of order: the second incremental claims the full backup as its parent, skipping the first.
  const manifestPath = join(backups, inc2.id, 'manifest.json');
  const manifestText = await readFile(manifestPath, 'utf8');
  await writeFile(manifestPath, manifestText.replace(`"parent": "${inc1.id}"`, `"parent": "${full.id}"`));
  await assert.rejects(restoreBackup({ target, id: inc2.id, dataDir: restoredDir }), { code: 'RV_BACKUP_CHAIN_BROKEN', message: new RegExp(`backup ${inc2.id}: collection docs starts at op \\d+ but its parent ${full.id} ends at op`) });
  await writeFile(manifestPath, manifestText);

  // A missing backup in the middle of the chain.
  await rm(join(backups, inc1.id), { recursive: true });
  await assert.rejects(restoreBackup({ target, id: inc2.id, dataDir: restoredDir }), { code: 'RV_BACKUP_CHAIN_BROKEN', message: new RegExp(`needs its parent ${inc1.id}, which is missing`) });
  await assertUntouched();
});

test('restoring one collection leaves the others out', async (t) => {
  const { root, db, target } = await setup(t);
  await db.createCollection('other', { vectors: { size: 4, distance: 'Dot' } });
  await writeRound(db, 'docs', 0);
  await writeRound(db, 'other', 0);
  await createBackup({ db, target, type: 'full' });
  await writeRound(db, 'other', 1);
  const inc = await createBackup({ db, target, type: 'incremental' });
  const dir = join(root, 'only-other');
  const result = await restoreBackup({ target, id: inc.id, dataDir: dir, collection: 'other' });
  assert.deepEqual(result.collections.map((c) => c.name), ['other']);
  const restored = await Database.open({ path: dir });
  t.after(() => restored.close());
  assert.deepEqual(restored.listCollections(), ['other']);
  assert.deepEqual(dump(restored).other, dump(db).other);
  await assert.rejects(restoreBackup({ target, id: inc.id, dataDir: join(root, 'none'), collection: 'nope' }), { code: 'RV_BACKUP_INVALID', message: /collection nope/ });
});
