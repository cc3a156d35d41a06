// Encryption at rest end to end on a real data directory (real SQLite, WAL, checkpoints,
// snapshots): no plaintext vector or payload byte on disk, the right key reopens, a wrong key
// is a clear error, a sealed blob moved between rows is detected, and a master-key rotation
// re-seals every row and file so the old key is no longer needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Database, MasterKeyRotation } from '../../../src/engine/index.js';
import { Keyring } from '../../../src/security/crypto/index.js';
import { EnvSecretProvider } from '../../../src/security/secrets/index.js';
import { readChecksummedFile } from '../../../src/storage/index.js';
import { mulberry32 } from '../../helpers/random.js';

const PAYLOAD_MARKER = 'TOP-SECRET-PAYLOAD-5f1c9e7a';
const DIM = 16;
const COLLECTION = 'vault';

function knownVectors(count: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => Array.from({ length: DIM }, () => Math.fround(rand() * 2 - 1)));
}

function vectorBytes(vector: number[]): Buffer {
  return Buffer.from(Float32Array.from(vector).buffer);
}

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** Every needle found anywhere under `dir`, as "file: what". */
async function plaintextLeaks(dir: string, vectors: number[][]): Promise<string[]> {
  const needles: { what: string; bytes: Buffer }[] = [{ what: 'payload string', bytes: Buffer.from(PAYLOAD_MARKER) }];
  vectors.forEach((vector, i) => {
    const bytes = vectorBytes(vector);
    needles.push({ what: `vector ${i} (raw float32)`, bytes });
    needles.push({ what: `vector ${i} (first 4 floats)`, bytes: bytes.subarray(0, 16) });
    needles.push({ what: `vector ${i} (base64, as in op records)`, bytes: Buffer.from(bytes.toString('base64').slice(0, 24)) });
  });
  const leaks: string[] = [];
  let files = 0;
  for await (const file of filesUnder(dir)) {
    files++;
    const bytes = await readFile(file);
    for (const needle of needles) if (bytes.includes(needle.bytes)) leaks.push(`${file}: ${needle.what}`);
  }
  assert.ok(files >= 4, `expected database, WAL/checkpoint and snapshot files under ${dir}, found ${files}`);
  return leaks;
}

function points(vectors: number[][], firstId: number): { id: number; vector: number[]; payload: Record<string, unknown> }[] {
  return vectors.map((vector, i) => ({ id: firstId + i, vector, payload: { note: `${PAYLOAD_MARKER} #${firstId + i}`, n: firstId + i } }));
}

/** Writes the known data, a snapshot and a checkpoint; leaves the WAL in place by not closing when `keepOpen`. */
async function populate(path: string, keyring: Keyring | undefined, vectors: number[][]): Promise<Database> {
  const db = await Database.open({ path, ...(keyring === undefined ? {} : { sealing: keyring }) });
  await db.createCollection(COLLECTION, { vectors: { size: DIM, distance: 'Euclid' } });
  const collection = db.collection(COLLECTION);
  await collection.upsert({ points: points(vectors.slice(0, 20), 0) });
  await collection.upsert({ points: points(vectors.slice(20), 20) });
  collection.shard.flushIndex();
  await collection.shard.checkpoint();
  await db.createSnapshot(COLLECTION);
  return db;
}

/** Key ids (hex) of every sealed blob in the collection's SQLite file, by column. */
function rowKeyIds(path: string): Set<string> {
  const sqlite = new SqliteDatabase(join(path, 'collections', COLLECTION, 'points.db'), { readonly: true });
  try {
    const ids = new Set<string>();
    const add = (blob: Buffer | null): void => { if (blob !== null) ids.add(blob.subarray(1, 9).toString('hex')); };
    for (const row of sqlite.prepare('SELECT vector, payload FROM points').all() as { vector: Buffer; payload: Buffer | null }[]) {
      add(row.vector);
      add(row.payload);
    }
    for (const row of sqlite.prepare('SELECT op FROM oplog').all() as { op: Buffer }[]) add(row.op);
    return ids;
  } finally {
    sqlite.close();
  }
}

async function fileKeyIds(path: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const checkpoint = await readChecksummedFile(join(path, 'collections', COLLECTION, 'index.ckpt'), 'ruvector-hnsw', 'RV_CHECKPOINT_CORRUPTED');
  assert.ok(checkpoint !== undefined);
  for (const section of checkpoint.sections) ids.add(Buffer.from(section.subarray(1, 9)).toString('hex'));
  for await (const file of filesUnder(join(path, 'snapshots'))) {
    if (!file.endsWith('.snapshot')) continue;
    const snapshot = await readChecksummedFile(file, 'ruvector-snapshot', 'RV_SNAPSHOT_CORRUPTED');
    for (const section of snapshot?.sections ?? []) ids.add(Buffer.from(section.subarray(1, 9)).toString('hex'));
  }
  return ids;
}

function assertKnownData(db: Database, vectors: number[][]): void {
  const collection = db.collection(COLLECTION);
  const records = collection.retrieve({ ids: vectors.map((_, i) => i), with_payload: true, with_vector: true });
  assert.equal(records.length, vectors.length);
  for (const record of records) {
    const i = Number(record.id);
    assert.equal((record.payload as { note: string }).note, `${PAYLOAD_MARKER} #${i}`);
    assert.deepEqual(Array.from(record.vector as number[]), vectors[i]);
  }
  const [best] = collection.search({ vector: vectors[7], limit: 1 });
  assert.equal(best.id, 7);
}

test('control: with encryption off the scanner finds the plaintext (so the encrypted scan means something)', { timeout: 60_000 }, async (t) => {
  const path = await mkdtemp(join(tmpdir(), 'rv-plain-'));
  t.after(() => rm(path, { recursive: true, force: true }));
  const vectors = knownVectors(40, 1);
  const db = await populate(path, undefined, vectors);
  await db.close();
  const leaks = await plaintextLeaks(path, vectors);
  assert.ok(leaks.some((l) => l.includes('payload string')), 'payload found in the clear');
  assert.ok(leaks.some((l) => l.includes('raw float32')), 'vectors found in the clear');
  assert.ok(leaks.some((l) => l.includes('base64')), 'op-record vectors found in the clear');
});

test('encryption at rest: no plaintext on disk, right key reopens, wrong key and moved blobs are refused, rotation re-seals everything', { timeout: 120_000 }, async (t) => {
  const path = await mkdtemp(join(tmpdir(), 'rv-sealed-'));
  t.after(() => rm(path, { recursive: true, force: true }));
  const keyA = randomBytes(32);
  const vectors = knownVectors(40, 2);

  // Scan while the database is open (the WAL holds the recent commits), then after close.
  const db = await populate(path, Keyring.create({ current: keyA }), vectors);
  const openFiles: string[] = [];
  for await (const file of filesUnder(path)) openFiles.push(file);
  assert.ok(openFiles.some((f) => f.endsWith('points.db-wal')), 'the WAL is part of the scan');
  assert.deepEqual(await plaintextLeaks(path, vectors), [], 'nothing in the clear while open (WAL included)');
  await db.close();
  assert.deepEqual(await plaintextLeaks(path, vectors), [], 'nothing in the clear after close');

  await t.test('the right key reopens with every point, payload and vector', async () => {
    const reopened = await Database.open({ path, sealing: Keyring.create({ current: keyA }) });
    try {
      assertKnownData(reopened, vectors);
    } finally {
      await reopened.close();
    }
  });

  await t.test('a wrong key is a clear error naming the key ids; encryption off is refused too', async () => {
    const wrong = Keyring.create({ current: randomBytes(32) });
    await assert.rejects(Database.open({ path, sealing: wrong }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'RV_KEY_UNKNOWN');
      assert.ok(error.message.includes(Keyring.create({ current: keyA }).currentKeyId));
      return true;
    });
    await assert.rejects(Database.open({ path }), { code: 'RV_ENCRYPTION_MISMATCH' });
    // Without the marker file the rows themselves refuse the wrong key (no garbage is returned).
    const copy = await mkdtemp(join(tmpdir(), 'rv-sealed-copy-'));
    t.after(() => rm(copy, { recursive: true, force: true }));
    await cp(path, copy, { recursive: true });
    await rm(join(copy, 'encryption.json'));
    await assert.rejects(Database.open({ path: copy, sealing: wrong }), { code: 'RV_KEY_UNKNOWN' });
  });

  await t.test('two sealed vectors swapped between rows in the SQLite file are detected', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'rv-sealed-swap-'));
    t.after(() => rm(copy, { recursive: true, force: true }));
    await cp(path, copy, { recursive: true });
    const sqlite = new SqliteDatabase(join(copy, 'collections', COLLECTION, 'points.db'));
    const [a, b] = sqlite.prepare('SELECT internal_id, vector FROM points ORDER BY internal_id LIMIT 2').all() as { internal_id: number; vector: Buffer }[];
    sqlite.prepare('UPDATE points SET vector = ? WHERE internal_id = ?').run(b.vector, a.internal_id);
    sqlite.prepare('UPDATE points SET vector = ? WHERE internal_id = ?').run(a.vector, b.internal_id);
    sqlite.close();
    await assert.rejects(Database.open({ path: copy, sealing: Keyring.create({ current: keyA }) }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'RV_DECRYPT_FAILED');
      assert.match(error.message, /vector blob of row/);
      return true;
    });
  });

  await t.test('rotation: new writes use the new key, the re-seal job moves everything, the old key is then unnecessary', async () => {
    const keyB = randomBytes(32);
    const env: NodeJS.ProcessEnv = { RUVECTOR_MASTER_KEY: keyA.toString('base64') };
    const secrets = new EnvSecretProvider({ env });
    const keyring = Keyring.create({ current: keyA });
    const idA = keyring.currentKeyId;
    const live = await Database.open({ path, sealing: keyring });
    try {
      const rotation = new MasterKeyRotation({ db: live, keyring, secrets, sliceRows: 7 });
      env.RUVECTOR_MASTER_KEY = keyB.toString('base64');
      env.RUVECTOR_MASTER_KEY_PREVIOUS = keyA.toString('base64');
      const started = await rotation.rotate();
      assert.equal(started.rotated, true);
      assert.equal(started.previousKeyId, idA);
      const idB = started.currentKeyId;
      assert.notEqual(idB, idA);
      // Writes and reads go on while the job runs.
      const more = knownVectors(10, 3);
      await live.collection(COLLECTION).upsert({ points: points(more, 1000) });
      assertKnownData(live, vectors);
      const status = await rotation.finished();
      assert.equal(status.reseal.state, 'done', status.reseal.error);
      assert.equal(status.reseal.done, status.reseal.total);
      assert.ok(status.reseal.rowsResealed >= 40, `rows re-sealed: ${status.reseal.rowsResealed}`);
      assert.ok(status.reseal.filesResealed >= 2, 'checkpoint and snapshot re-sealed');
      assert.deepEqual(status.retiredKeyIds, [idA]);
      assert.deepEqual(status.keyIds, [idB]);
      assert.deepEqual([...rowKeyIds(path)], [idB], 'every row blob under the new key');
      assert.deepEqual([...await fileKeyIds(path)], [idB], 'checkpoint and snapshot sections under the new key');
      assertKnownData(live, vectors);
    } finally {
      await live.close();
    }
    assert.deepEqual(await plaintextLeaks(path, vectors), []);
    // The old key is no longer needed: B alone opens everything, A alone is refused.
    const onlyB = await Database.open({ path, sealing: Keyring.create({ current: keyB }) });
    try {
      assertKnownData(onlyB, vectors);
      assert.equal(onlyB.collection(COLLECTION).retrieve({ ids: [1000], with_payload: true }).length, 1);
      const [snapshot] = await onlyB.listSnapshots(COLLECTION);
      await onlyB.recoverSnapshot('restored', await onlyB.snapshotFilePath(COLLECTION, snapshot.name));
      assert.equal(onlyB.collection('restored').retrieve({ ids: [5], with_payload: true })[0]?.payload?.n, 5, 'a re-sealed snapshot restores under another name');
    } finally {
      await onlyB.close();
    }
    await assert.rejects(Database.open({ path, sealing: Keyring.create({ current: keyA }) }), { code: 'RV_KEY_UNKNOWN' });
  });
});
