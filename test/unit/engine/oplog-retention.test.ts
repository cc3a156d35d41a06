// The op log does not grow without end: behind each checkpoint, records older than the
// retention window are deleted in the background; state and reopen are unaffected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';

test('op-log records behind the checkpoint and the retention window are truncated', async (t) => {
  const path = mkdtempSync(join(tmpdir(), 'rv-oplog-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  const db = await Database.open({ path, checkpointEveryOps: 50, oplogRetainOps: 20 });
  await db.createCollection('c', { vectors: { size: 2, distance: 'Euclid' } });
  const c = db.collection('c');
  for (let i = 0; i < 200; i++) await c.upsert({ points: [{ id: i, vector: [i, i], payload: { i } }] });
  const deadline = Date.now() + 10_000;
  while (c.shard.firstOpSeq <= 100 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const first = c.shard.firstOpSeq;
  assert.ok(first > 100, `old records truncated (first kept: ${first})`);
  assert.ok(first <= c.shard.lastAppliedSeq - 20 + 1, 'the retention window is kept');
  assert.equal([...c.shard.opsAfter(first - 1)][0].seq, first);
  assert.equal(c.count({}).count, 200);
  await db.close();
  const reopened = await Database.open({ path });
  t.after(() => reopened.close());
  assert.equal(reopened.collection('c').count({}).count, 200);
  assert.deepEqual(reopened.collection('c').getPoint(7).payload, { i: 7 });
});
