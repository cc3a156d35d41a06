// ShardStore: op log, points, meta, transactions, codec, errors and files, on real SQLite files.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IDENTITY_CODEC, ShardStore, type BlobCodec, type BlobKind, type ShardStoreOptions, type StoredPoint } from '../../../src/storage/index.js';
import { toStorageError } from '../../../src/storage/storage-errors.js';
import { mulberry32 } from '../../helpers/random.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store in a fresh temp dir and closes it after the test. */
function openStore(t: TestContext, options: Partial<ShardStoreOptions> = {}): ShardStore {
  const store = ShardStore.open({ path: join(tempDir(t), 'shard.db'), ...options });
  t.after(() => store.close());
  return store;
}

/** A raw better-sqlite3 connection to inspect or damage what the store wrote. */
function rawDatabase(t: TestContext, path: string): Database.Database {
  const db = new Database(path);
  t.after(() => db.close());
  return db;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

function point(internalId: number, overrides: Partial<StoredPoint> = {}): StoredPoint {
  return {
    internalId,
    pointKey: `key-${internalId}`,
    version: internalId + 100,
    vector: new Uint8Array(new Float32Array([internalId, 0.5, -1]).buffer),
    payload: bytes(internalId & 0xff, 1, 2),
    ...overrides,
  };
}

// ---- op log -------------------------------------------------------------------------------

test('appendOps assigns consecutive sequences from 1 and iterateOps reads them back in order', (t) => {
  const store = openStore(t);
  assert.equal(store.lastOpSeq(), 0);
  assert.equal(store.firstOpSeq(), 1, 'an empty log starts at the next seq');
  assert.deepEqual(store.appendOps([bytes(1), bytes(2, 2)]), [1, 2]);
  assert.deepEqual(store.appendOps([]), []);
  assert.deepEqual(store.appendOps([bytes(3)]), [3]);
  assert.equal(store.lastOpSeq(), 3);
  assert.equal(store.firstOpSeq(), 1);
  assert.deepEqual([...store.iterateOps(0)], [
    { seq: 1, record: bytes(1) },
    { seq: 2, record: bytes(2, 2) },
    { seq: 3, record: bytes(3) },
  ]);
  assert.deepEqual([...store.iterateOps(1, 1)], [{ seq: 2, record: bytes(2, 2) }]);
  assert.deepEqual([...store.iterateOps(3)], []);
  assert.deepEqual([...store.iterateOps(0, 0)], []);
});

test('iterateOps pages through a long log, honours limits across pages, and lets the caller write between steps', (t) => {
  const store = openStore(t);
  const count = 300; // several pages
  store.appendOps(Array.from({ length: count }, (_, i) => bytes(i & 0xff, i >> 8)));
  const all = [...store.iterateOps(0)];
  assert.deepEqual(all.map((op) => op.seq), Array.from({ length: count }, (_, i) => i + 1));
  all.forEach(({ seq, record }) => assert.deepEqual(record, bytes((seq - 1) & 0xff, (seq - 1) >> 8)));
  assert.deepEqual([...store.iterateOps(50, 130)].map((op) => op.seq), Array.from({ length: 130 }, (_, i) => 51 + i));

  // Replay writes while iterating (no open SQLite cursor blocks it); new ops after the cursor are seen.
  let seen = 0;
  for (const { seq } of store.iterateOps(0)) {
    seen += 1;
    store.setAppliedSeq(seq);
    if (seq === count) store.appendOps([bytes(9)]);
  }
  assert.equal(seen, count + 1);
  assert.equal(store.getAppliedSeq(), count + 1);
});

test('appendOpAt accepts a sequence chosen elsewhere, with gaps, and refuses to go back', (t) => {
  const store = openStore(t);
  store.appendOpAt(5, bytes(5));
  store.appendOpAt(9, bytes(9));
  assert.equal(store.lastOpSeq(), 9);
  assert.equal(store.firstOpSeq(), 5);
  assert.deepEqual([...store.iterateOps(0)].map((op) => op.seq), [5, 9]);
  assert.throws(() => store.appendOpAt(9, bytes(0)), { code: 'RV_OPLOG_GAP', message: /op seq 9 is not after the last op seq 9/ });
  assert.throws(() => store.appendOpAt(7, bytes(0)), { code: 'RV_OPLOG_GAP' });
  assert.throws(() => store.appendOpAt(0, bytes(0)), { code: 'RV_INVALID_ARGUMENT' });
  assert.throws(() => store.appendOpAt(10.5, bytes(0)), { code: 'RV_INVALID_ARGUMENT', message: /op seq must be an integer/ });
  assert.deepEqual(store.appendOps([bytes(10)]), [10], 'local appends continue after the external ones');
});

test('lastOpSeq stays monotonic through truncation and reopen', (t) => {
  const path = join(tempDir(t), 'shard.db');
  let store = ShardStore.open({ path });
  t.after(() => store.close());
  store.appendOps([bytes(1), bytes(2), bytes(3), bytes(4), bytes(5)]);

  assert.equal(store.truncateOpsThrough(3), 3);
  assert.equal(store.firstOpSeq(), 4);
  assert.equal(store.lastOpSeq(), 5);
  assert.deepEqual([...store.iterateOps(0)].map((op) => op.seq), [4, 5]);

  assert.equal(store.truncateOpsThrough(5), 2, 'empties the log');
  assert.equal(store.lastOpSeq(), 5, 'the high-water mark survives an empty log');
  assert.equal(store.firstOpSeq(), 6);
  assert.equal(store.truncateOpsThrough(2), 0, 'truncating behind the mark changes nothing');
  assert.equal(store.lastOpSeq(), 5);

  store.close();
  store = ShardStore.open({ path });
  assert.equal(store.lastOpSeq(), 5, 'and a reopen');
  assert.deepEqual(store.appendOps([bytes(6)]), [6]);
  assert.throws(() => store.appendOpAt(6, bytes(0)), { code: 'RV_OPLOG_GAP' });

  // Truncating past the end (a snapshot newer than the local log was installed) moves the mark.
  store.truncateOpsThrough(20);
  assert.equal(store.lastOpSeq(), 20);
  assert.equal(store.firstOpSeq(), 21);
  assert.deepEqual(store.appendOps([bytes(21)]), [21]);
});

// ---- points -------------------------------------------------------------------------------

test('points round-trip: put, upsert, get by id and key, delete, count and max id', (t) => {
  const store = openStore(t);
  assert.equal(store.countPoints(), 0);
  assert.equal(store.maxInternalId(), -1, 'empty: max + 1 is the first dense id');
  assert.equal(store.getPoint(0), undefined);
  assert.equal(store.getPointByKey('key-0'), undefined);

  store.putPoint(point(0));
  store.putPoint(point(7, { payload: null }));
  assert.deepEqual(store.getPoint(0), point(0));
  assert.deepEqual(store.getPoint(7), point(7, { payload: null }));
  assert.deepEqual(store.getPointByKey('key-7'), point(7, { payload: null }));
  assert.equal(store.countPoints(), 2);
  assert.equal(store.maxInternalId(), 7);

  // Upsert by internal id replaces every column, the key included.
  const replaced = point(7, { pointKey: 'renamed', version: 900, vector: bytes(1, 2, 3, 4), payload: bytes(42) });
  store.putPoint(replaced);
  assert.deepEqual(store.getPoint(7), replaced);
  assert.equal(store.getPointByKey('key-7'), undefined);
  assert.equal(store.countPoints(), 2);

  // Blobs come back as plain Uint8Arrays over their own buffer, ready for typed-array views.
  const vector = store.getPoint(0)?.vector;
  assert.ok(vector);
  assert.equal(Object.getPrototypeOf(vector), Uint8Array.prototype);
  assert.deepEqual(Array.from(new Float32Array(vector.buffer, vector.byteOffset, 3)), [0, 0.5, -1]);

  assert.equal(store.deletePoint(7), true);
  assert.equal(store.deletePoint(7), false);
  assert.equal(store.getPoint(7), undefined);
  assert.equal(store.countPoints(), 1);
  assert.equal(store.maxInternalId(), 0);
});

test('a point key that belongs to another internal id is refused and nothing changes', (t) => {
  const store = openStore(t);
  store.putPoint(point(1));
  store.putPoint(point(2));
  assert.throws(() => store.putPoint(point(2, { pointKey: 'key-1' })), {
    code: 'RV_INTERNAL',
    message: /point key "key-1" already belongs to internal id 1 .* under internal id 2/,
  });
  assert.deepEqual(store.getPoint(2), point(2));
  assert.deepEqual(store.getPointByKey('key-1'), point(1));
});

test('putPoint validates ids, version, key and blobs before writing', (t) => {
  const store = openStore(t);
  assert.throws(() => store.putPoint(point(-1)), { code: 'RV_INVALID_ARGUMENT', message: /internalId must be an integer from 0/ });
  assert.throws(() => store.putPoint(point(1.5)), { code: 'RV_INVALID_ARGUMENT' });
  assert.throws(() => store.putPoint(point(2 ** 53)), { code: 'RV_INVALID_ARGUMENT' });
  assert.throws(() => store.putPoint(point(1, { version: Number.NaN })), { code: 'RV_INVALID_ARGUMENT', message: /version/ });
  assert.throws(() => store.putPoint(point(1, { pointKey: '' })), { code: 'RV_INVALID_ARGUMENT', message: /pointKey/ });
  assert.throws(() => store.putPoint(point(1, { vector: [1, 2] as unknown as Uint8Array })), { code: 'RV_INVALID_ARGUMENT', message: /vector/ });
  assert.equal(store.countPoints(), 0);
});

test('iteratePoints walks internal ids in order across pages, after a cursor, up to a limit', (t) => {
  const store = openStore(t);
  const rand = mulberry32(11);
  const ids = new Set<number>();
  while (ids.size < 700) ids.add(Math.floor(rand() * 1e6));
  store.transaction(() => {
    for (const id of ids) store.putPoint(point(id));
  });
  const sorted = [...ids].sort((a, b) => a - b);
  assert.deepEqual([...store.iteratePoints()].map((p) => p.internalId), sorted);
  assert.deepEqual([...store.iteratePoints({ afterInternalId: sorted[99], limit: 300 })].map((p) => p.internalId), sorted.slice(100, 400));
  assert.deepEqual([...store.iteratePoints({ afterInternalId: sorted[sorted.length - 1] })], []);
  const first = store.iteratePoints({ limit: 1 }).next().value;
  assert.deepEqual(first, point(sorted[0]));
});

// ---- meta ---------------------------------------------------------------------------------

test('meta bytes and numbers round-trip and persist; the store keeps its own keys to itself', (t) => {
  const path = join(tempDir(t), 'shard.db');
  let store = ShardStore.open({ path });
  t.after(() => store.close());
  assert.equal(store.getMeta('config'), undefined);
  assert.equal(store.getMetaNumber('dims'), undefined);
  assert.equal(store.getAppliedSeq(), 0);

  store.setMeta('config', bytes(1, 2, 3));
  store.setMeta('config', bytes(4));
  store.setMeta('empty', new Uint8Array(0));
  store.setMetaNumber('dims', 768);
  store.setMetaNumber('ratio', 0.1);
  store.setAppliedSeq(41);
  store.close();

  store = ShardStore.open({ path });
  assert.deepEqual(store.getMeta('config'), bytes(4));
  assert.deepEqual(store.getMeta('empty'), new Uint8Array(0));
  assert.equal(store.getMetaNumber('dims'), 768);
  assert.equal(store.getMetaNumber('ratio'), 0.1);
  assert.equal(store.getAppliedSeq(), 41);
  assert.throws(() => store.getMetaNumber('config'), { code: 'RV_STORAGE_CORRUPTED', message: /meta key "config" .* does not hold a number/ });

  assert.equal(store.deleteMeta('config'), true);
  assert.equal(store.deleteMeta('config'), false);
  assert.equal(store.getMeta('config'), undefined);

  for (const key of ['schema_version', 'applied_seq', 'oplog_truncated_through']) {
    assert.throws(() => store.setMeta(key, bytes(9)), { code: 'RV_INVALID_ARGUMENT', message: new RegExp(`meta key "${key}" is reserved`) });
    assert.throws(() => store.setMetaNumber(key, 9), { code: 'RV_INVALID_ARGUMENT' });
    assert.throws(() => store.deleteMeta(key), { code: 'RV_INVALID_ARGUMENT' });
  }
  assert.throws(() => store.setMetaNumber('x', Number.POSITIVE_INFINITY), { code: 'RV_INVALID_ARGUMENT', message: /must be finite/ });
  assert.throws(() => store.setAppliedSeq(-1), { code: 'RV_INVALID_ARGUMENT' });
  assert.equal(store.getAppliedSeq(), 41);
});

// ---- transactions -------------------------------------------------------------------------

test('a transaction commits ops, points and applied seq together, or none of them', (t) => {
  const store = openStore(t);
  const result = store.transaction(() => {
    const [seq] = store.appendOps([bytes(1)]);
    store.putPoint(point(0, { version: seq }));
    store.setAppliedSeq(seq);
    return seq;
  });
  assert.equal(result, 1);

  const failure = new Error('apply failed');
  assert.throws(() => store.transaction(() => {
    const [seq] = store.appendOps([bytes(2)]);
    store.putPoint(point(1, { version: seq }));
    store.setAppliedSeq(seq);
    store.setMeta('note', bytes(1));
    throw failure;
  }), (error) => error === failure);
  assert.equal(store.lastOpSeq(), 1);
  assert.equal(store.getPoint(1), undefined);
  assert.equal(store.getAppliedSeq(), 1);
  assert.equal(store.getMeta('note'), undefined);
  assert.deepEqual(store.appendOps([bytes(3)]), [2], 'the rolled-back seq is reused: it was never durable');
});

test('nested transactions: an inner failure caught by the outer one rolls back only the inner part', (t) => {
  const store = openStore(t);
  store.transaction(() => {
    store.appendOps([bytes(1)]);
    assert.throws(() => store.transaction(() => {
      store.appendOps([bytes(2)]);
      store.putPoint(point(5));
      throw new Error('inner');
    }), { message: 'inner' });
    store.transaction(() => store.putPoint(point(6)));
  });
  assert.deepEqual([...store.iterateOps(0)].map((op) => op.seq), [1]);
  assert.equal(store.getPoint(5), undefined);
  assert.deepEqual(store.getPoint(6), point(6));
});

test('appendOps inside a transaction is all-or-nothing even when the caller catches its failure', (t) => {
  const store = openStore(t);
  store.transaction(() => {
    // The second record is not bytes: the first must not stay behind.
    assert.throws(() => store.appendOps([bytes(1), 'not bytes' as unknown as Uint8Array]), { code: 'RV_INVALID_ARGUMENT' });
  });
  assert.equal(store.lastOpSeq(), 0);
});

test('a transaction function must be synchronous', (t) => {
  const store = openStore(t);
  assert.throws(() => store.transaction(() => Promise.resolve(1)), TypeError);
});

// ---- codec --------------------------------------------------------------------------------

/** XORs every byte with a mask derived from (kind, rowId), and records every call. */
function xorCodec(calls: string[]): BlobCodec {
  const mask = (kind: BlobKind, rowId: string): number => {
    let m = 0x5a;
    for (const char of `${kind}/${rowId}`) m = (m * 31 + char.charCodeAt(0)) & 0xff;
    return m === 0 ? 1 : m;
  };
  return {
    seal(kind, rowId, plain) {
      calls.push(`seal ${kind} ${rowId}`);
      return plain.map((b) => b ^ mask(kind, rowId));
    },
    open(kind, rowId, sealed) {
      calls.push(`open ${kind} ${rowId}`);
      return sealed.map((b) => b ^ mask(kind, rowId));
    },
  };
}

test('the codec seals every vector, payload and op blob with its row identity', (t) => {
  const calls: string[] = [];
  const store = openStore(t, { codec: xorCodec(calls) });
  const stored = point(3, { pointKey: 'u:42', vector: bytes(1, 2, 3, 4), payload: bytes(5, 6) });
  store.appendOps([bytes(7, 8, 9)]);
  store.putPoint(stored);
  store.putPoint(point(4, { payload: null, vector: bytes(1) }));
  assert.deepEqual(calls, ['seal op 1', 'seal vector 3:u:42', 'seal payload 3:u:42', 'seal vector 4:key-4']);

  // What SQLite holds differs from the plain bytes...
  const raw = rawDatabase(t, store.path);
  const row = raw.prepare('SELECT vector, payload FROM points WHERE internal_id = 3').get() as { vector: Buffer; payload: Buffer };
  const op = raw.prepare('SELECT op FROM oplog WHERE seq = 1').pluck().get() as Buffer;
  assert.equal(row.vector.length, 4);
  assert.notDeepEqual(new Uint8Array(row.vector), stored.vector);
  assert.notDeepEqual(new Uint8Array(row.payload), stored.payload);
  assert.notDeepEqual(new Uint8Array(op), bytes(7, 8, 9));

  // ...and reads open it again.
  calls.length = 0;
  assert.deepEqual(store.getPoint(3), stored);
  assert.deepEqual(store.getPointByKey('key-4'), point(4, { payload: null, vector: bytes(1) }));
  assert.deepEqual([...store.iterateOps(0)], [{ seq: 1, record: bytes(7, 8, 9) }]);
  assert.deepEqual(calls, ['open vector 3:u:42', 'open payload 3:u:42', 'open vector 4:key-4', 'open op 1']);
});

test('the identity codec stores blobs as given', (t) => {
  const store = openStore(t, { codec: IDENTITY_CODEC });
  store.putPoint(point(1));
  const raw = rawDatabase(t, store.path);
  const vector = raw.prepare('SELECT vector FROM points').pluck().get() as Buffer;
  assert.deepEqual(new Uint8Array(vector), point(1).vector);
});

test('a codec failure on read reaches the caller unchanged', (t) => {
  const refusing: BlobCodec = {
    seal: (_kind, _rowId, plain) => plain,
    open: (kind, rowId) => {
      throw Object.assign(new Error(`cannot open ${kind} ${rowId}`), { code: 'TEST_SEAL' });
    },
  };
  const store = openStore(t, { codec: refusing });
  store.putPoint(point(1));
  assert.throws(() => store.getPoint(1), { code: 'TEST_SEAL', message: 'cannot open vector 1:key-1' });
});

// ---- lifecycle and errors -----------------------------------------------------------------

test('every use after close throws RV_DATABASE_CLOSED; close is idempotent', (t) => {
  const store = ShardStore.open({ path: join(tempDir(t), 'shard.db') });
  store.appendOps([bytes(1)]);
  store.putPoint(point(1));
  const pendingOps = store.iterateOps(0);
  const pendingPoints = store.iteratePoints();
  assert.equal(store.closed, false);
  store.close();
  assert.equal(store.closed, true);
  store.close();

  const uses: Array<[string, () => unknown]> = [
    ['transaction', () => store.transaction(() => 1)],
    ['appendOps', () => store.appendOps([bytes(1)])],
    ['appendOpAt', () => store.appendOpAt(9, bytes(1))],
    ['iterateOps', () => store.iterateOps(0)],
    ['lastOpSeq', () => store.lastOpSeq()],
    ['firstOpSeq', () => store.firstOpSeq()],
    ['truncateOpsThrough', () => store.truncateOpsThrough(1)],
    ['putPoint', () => store.putPoint(point(2))],
    ['deletePoint', () => store.deletePoint(1)],
    ['getPoint', () => store.getPoint(1)],
    ['getPointByKey', () => store.getPointByKey('key-1')],
    ['iteratePoints', () => store.iteratePoints()],
    ['countPoints', () => store.countPoints()],
    ['maxInternalId', () => store.maxInternalId()],
    ['getMeta', () => store.getMeta('x')],
    ['setMeta', () => store.setMeta('x', bytes(1))],
    ['deleteMeta', () => store.deleteMeta('x')],
    ['getMetaNumber', () => store.getMetaNumber('x')],
    ['setMetaNumber', () => store.setMetaNumber('x', 1)],
    ['getAppliedSeq', () => store.getAppliedSeq()],
    ['setAppliedSeq', () => store.setAppliedSeq(1)],
    ['sizeBytes', () => store.sizeBytes()],
    ['an iterator made before close', () => pendingOps.next()],
    ['a point iterator made before close', () => pendingPoints.next()],
  ];
  for (const [name, use] of uses) {
    assert.throws(use, { code: 'RV_DATABASE_CLOSED', message: /shard store ".*shard\.db" is closed/ }, name);
  }
});

test('backupTo after close rejects with RV_DATABASE_CLOSED', async (t) => {
  const dir = tempDir(t);
  const store = ShardStore.open({ path: join(dir, 'shard.db') });
  store.close();
  await assert.rejects(store.backupTo(join(dir, 'copy.db')), { code: 'RV_DATABASE_CLOSED' });
});

test('opening a file that is not a database fails with RV_STORAGE_CORRUPTED naming the file', (t) => {
  const path = join(tempDir(t), 'garbage.db');
  writeFileSync(path, Buffer.alloc(8192, 0x41));
  assert.throws(() => ShardStore.open({ path }), {
    code: 'RV_STORAGE_CORRUPTED',
    message: new RegExp(`open shard store on "${path}" failed: the database file is corrupt \\(SQLITE_NOTADB`),
  });
});

test('opening another application\'s SQLite database fails with RV_STORAGE_CORRUPTED', (t) => {
  const path = join(tempDir(t), 'other.db');
  const other = new Database(path);
  other.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB)');
  other.close();
  assert.throws(() => ShardStore.open({ path }), { code: 'RV_STORAGE_CORRUPTED', message: /is a SQLite database but not a RuVector shard store/ });
});

test('opening a store with a newer schema version fails clearly', (t) => {
  const path = join(tempDir(t), 'shard.db');
  ShardStore.open({ path }).close();
  const raw = new Database(path);
  raw.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(Buffer.from('7'));
  raw.close();
  assert.throws(() => ShardStore.open({ path }), {
    code: 'RV_STORAGE_CORRUPTED',
    message: /has schema version 7, newer than version 1 that this RuVector understands/,
  });
});

test('opening in a missing directory fails with RV_STORAGE_IO', (t) => {
  const path = join(tempDir(t), 'no-such-dir', 'shard.db');
  assert.throws(() => ShardStore.open({ path }), { code: 'RV_STORAGE_IO', message: /open shard store on ".*no-such-dir\/shard\.db" failed/ });
});

test('open validates its options', (t) => {
  const path = join(tempDir(t), 'shard.db');
  assert.throws(() => ShardStore.open({ path: '' }), { code: 'RV_INVALID_ARGUMENT' });
  assert.throws(() => ShardStore.open({ path, durability: 'sometimes' as 'normal' }), { code: 'RV_INVALID_ARGUMENT', message: /durability must be/ });
});

test('a damaged page is reported as RV_STORAGE_CORRUPTED when read', (t) => {
  const path = join(tempDir(t), 'shard.db');
  const store = ShardStore.open({ path });
  store.transaction(() => {
    for (let id = 0; id < 2000; id++) store.putPoint(point(id, { vector: new Uint8Array(200).fill(id & 0xff) }));
  });
  store.close(); // checkpoints the WAL into the main file

  // Overwrite the b-tree page headers of the points table (found with SQLite's dbstat), so the
  // store still opens and the damage shows when the points are read.
  const inspect = new Database(path, { readonly: true });
  const pages = inspect.prepare(`SELECT pageno FROM dbstat WHERE name = 'points'`).pluck().all() as number[];
  const pageBytes = inspect.pragma('page_size', { simple: true }) as number;
  inspect.close();
  assert.ok(pages.length > 10);
  const fd = openSync(path, 'r+');
  const rand = mulberry32(3);
  for (const page of pages.slice(1)) {
    writeSync(fd, Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256)), 0, 16, (page - 1) * pageBytes);
  }
  closeSync(fd);

  const reopened = ShardStore.open({ path });
  t.after(() => reopened.close());
  assert.throws(() => {
    for (const _point of reopened.iteratePoints()) { /* read them all */ }
  }, { code: 'RV_STORAGE_CORRUPTED', message: new RegExp(`read points on "${path}" failed: the database file is corrupt \\(SQLITE_CORRUPT`) });
});

test('SQLite and file-system failures translate to RV_STORAGE_IO', (t) => {
  // A real SQLITE_FULL: the connection may not grow the file past two pages.
  const raw = rawDatabase(t, join(tempDir(t), 'full.db'));
  raw.exec('CREATE TABLE t (b BLOB)');
  raw.pragma('max_page_count = 2');
  let full: unknown;
  try {
    raw.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(100_000));
  } catch (error) {
    full = error;
  }
  assert.equal((full as { code?: string }).code, 'SQLITE_FULL');
  const translated = toStorageError(full, { action: 'append ops', path: '/data/shard.db' });
  assert.throws(() => {
    throw translated;
  }, { code: 'RV_STORAGE_IO', kind: 'unavailable', message: 'append ops on "/data/shard.db" failed: the disk is full (SQLITE_FULL)', cause: full });

  // ENOSPC cannot be produced on demand here without a full file system: a system error of
  // the shape node:fs throws stands in for it.
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  assert.throws(() => {
    throw toStorageError(enospc, { action: 'write file', path: '/data/x.ckpt' });
  }, { code: 'RV_STORAGE_IO', message: 'write file on "/data/x.ckpt" failed: the disk is full (ENOSPC)', cause: enospc });

  // Errors that are not storage failures pass through untouched.
  const bug = new TypeError('bug');
  assert.equal(toStorageError(bug, { action: 'x', path: 'y' }), bug);
});

// ---- files --------------------------------------------------------------------------------

test('sizeBytes counts the database and its WAL', (t) => {
  const store = openStore(t);
  const before = store.sizeBytes();
  assert.ok(before > 0);
  store.transaction(() => {
    for (let id = 0; id < 200; id++) store.putPoint(point(id, { vector: new Uint8Array(4096) }));
  });
  assert.ok(store.sizeBytes() >= before + 200 * 4096, `size ${store.sizeBytes()} after 800 KiB of vectors`);
});

test('backupTo writes a consistent copy under the target name, leaving no temp file', async (t) => {
  const dir = tempDir(t);
  const calls: string[] = [];
  const codec = xorCodec(calls);
  const store = ShardStore.open({ path: join(dir, 'shard.db'), codec });
  t.after(() => store.close());
  store.transaction(() => {
    const seqs = store.appendOps([bytes(1), bytes(2)]);
    seqs.forEach((seq) => store.putPoint(point(seq, { version: seq })));
    store.setAppliedSeq(2);
  });
  store.truncateOpsThrough(1);
  await assert.rejects(store.backupTo(join(dir, 'missing', 'shard.db')), { code: 'RV_STORAGE_IO', message: /back up shard store on ".*missing\/shard\.db" failed/ });

  const copyPath = join(dir, 'copy.db');
  writeFileSync(copyPath, 'an older backup');
  await store.backupTo(copyPath);
  store.putPoint(point(99)); // the store stays usable, the copy does not change
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.tmp-')), []);

  const copy = ShardStore.open({ path: copyPath, codec });
  t.after(() => copy.close());
  assert.equal(copy.lastOpSeq(), 2);
  assert.equal(copy.firstOpSeq(), 2);
  assert.equal(copy.getAppliedSeq(), 2);
  assert.deepEqual([...copy.iteratePoints()], [point(1, { version: 1 }), point(2, { version: 2 })]);
  assert.deepEqual([...copy.iterateOps(0)], [{ seq: 2, record: bytes(2) }]);
});

test('both durability modes open, write and read back', (t) => {
  for (const durability of ['normal', 'fsync'] as const) {
    const store = openStore(t, { durability });
    assert.equal(store.durability, durability);
    store.transaction(() => store.appendOps([bytes(1)]));
    assert.equal(store.lastOpSeq(), 1);
  }
});
