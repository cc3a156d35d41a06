// A full disk never corrupts the store: with ENOSPC injected into the storage layer in the
// middle of a write batch's transaction (after its op was appended, while its rows are
// written), the write fails cleanly with RV_STORAGE_IO, nothing of it is applied (in memory or
// on disk), the next writes succeed once space is back, and the store reopens intact.
// The seam is src/storage/fault-injection.ts (test-only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';
import { injectStorageFault } from '../../../src/storage/fault-injection.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-disk-full-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const point = (id: number, tag: string): { id: number; vector: number[]; payload: { tag: string } } => ({ id, vector: [id, 1, 0, 0], payload: { tag } });

for (const action of ['put point', 'append ops', 'commit transaction'] as const) {
  test(`ENOSPC at "${action}" fails the write cleanly; nothing is half-applied; the store reopens intact`, async (t) => {
    const dir = tempDir(t);
    let db = await Database.open({ path: dir });
    t.after(() => db.close());
    await db.createCollection('c', { vectors: { size: 4, distance: 'Dot' } });
    const before = await db.collection('c').upsert({ points: [1, 2, 3].map((id) => point(id, 'original')) });

    // Overwrites two existing points and adds two: all or nothing. The fault fires on the
    // second row of the batch for `put point` (the op is appended, the first row written).
    const fault = injectStorageFault({ action, errno: 'ENOSPC', afterCalls: action === 'put point' ? 1 : 0 });
    t.after(() => fault.dispose());
    await assert.rejects(db.collection('c').upsert({ points: [point(2, 'lost'), point(3, 'lost'), point(10, 'lost'), point(11, 'lost')] }), (error: { code: string; retryable: boolean; message: string }) => {
      assert.equal(error.code, 'RV_STORAGE_IO');
      assert.equal(error.retryable, true);
      assert.match(error.message, /the disk is full \(ENOSPC\)/);
      return true;
    });
    assert.ok(fault.hits >= 1, 'the fault fired');
    fault.dispose();

    const check = (database: Database, label: string): void => {
      const collection = database.collection('c');
      assert.equal(collection.count({}).count, 4, `${label}: the failed batch added nothing`);
      const records = collection.retrieve({ ids: [1, 2, 3, 10, 11, 20], with_payload: true });
      assert.deepEqual(records.map((r) => [r.id, r.payload?.tag]), [[1, 'original'], [2, 'original'], [3, 'original'], [20, 'after']], `${label}: nothing of the failed batch`);
      const hits = collection.search({ vector: [1, 0, 0, 0], limit: 10 });
      assert.deepEqual(hits.map((h) => h.id).sort((a, b) => Number(a) - Number(b)), [1, 2, 3, 20], `${label}: the index holds exactly the committed points`);
    };

    // Space is back: the next write succeeds and takes the next sequence (the failed one left no gap).
    const after = await db.collection('c').upsert({ points: [point(20, 'after')] });
    assert.equal(after.operation_id, before.operation_id + 1, 'the rolled-back op took no sequence');
    check(db, 'live');

    await db.close();
    db = await Database.open({ path: dir });
    check(db, 'reopened');
  });
}
