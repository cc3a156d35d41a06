// Collection snapshots: create, list, restore into a new and an existing collection;
// a flipped byte fails the checksum with a clear error and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';
import { mulberry32 } from '../../helpers/random.js';

test('snapshot round trip, restore into new and existing collections, corruption detected', async (t) => {
  const path = mkdtempSync(join(tmpdir(), 'rv-snap-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  const db = await Database.open({ path });
  t.after(() => db.close());
  await db.createCollection('src', { vectors: { size: 16, distance: 'Cosine' } });
  const src = db.collection('src');
  const rand = mulberry32(9);
  await src.upsert({ points: Array.from({ length: 300 }, (_, i) => ({ id: i, vector: Array.from({ length: 16 }, () => rand() - 0.5), payload: { i } })) });
  await src.createPayloadIndex('i', 'integer');
  const snapshot = await db.createSnapshot('src');
  assert.match(snapshot.name, /^src-.*\.snapshot$/);
  assert.match(snapshot.checksum, /^[0-9a-f]{64}$/);
  assert.deepEqual((await db.listSnapshots('src')).map((s) => s.name), [snapshot.name]);
  const file = await db.snapshotFilePath('src', snapshot.name);

  await db.recoverSnapshot('copy', file);
  const copy = db.collection('copy');
  assert.equal(copy.count({}).count, 300);
  const query = Array.from({ length: 16 }, () => rand() - 0.5);
  assert.deepEqual(copy.search({ vector: query, limit: 5 }).map((h) => h.id), src.search({ vector: query, limit: 5 }).map((h) => h.id));
  assert.ok('i' in copy.info().payloadSchema, 'payload index restored');

  await src.delete({ points: [0, 1, 2] });
  await db.recoverSnapshot('src', file);
  assert.equal(db.collection('src').count({}).count, 300, 'existing collection replaced by the snapshot');

  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  const broken = join(path, 'broken.snapshot');
  writeFileSync(broken, bytes);
  await assert.rejects(db.recoverSnapshot('copy', broken), { code: 'RV_SNAPSHOT_CORRUPTED' });
  assert.equal(db.collection('copy').count({}).count, 300, 'a failed restore changes nothing');
  await assert.rejects(db.snapshotFilePath('src', '../../etc/passwd'), { code: 'RV_SNAPSHOT_INVALID' });
  assert.equal(await db.deleteSnapshot('src', snapshot.name), true);
});
