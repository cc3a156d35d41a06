// The apply step is driven by sequence numbers from any op log: replaying a shard's log into
// a fresh shard gives the same state, and replaying it again changes nothing (idempotent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, Shard, parseCreateCollection, DEFAULT_LIMITS } from '../../../src/engine/index.js';
import { mulberry32 } from '../../helpers/random.js';

test('replaying the op log twice gives the same state', async (t) => {
  const path = mkdtempSync(join(tmpdir(), 'rv-replay-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  const db = await Database.open({ path: join(path, 'a') });
  t.after(() => db.close());
  const body = { vectors: { size: 4, distance: 'Dot' } };
  await db.createCollection('c', body);
  const c = db.collection('c');
  const rand = mulberry32(4);
  const v = (): number[] => Array.from({ length: 4 }, () => rand());
  await c.upsert({ points: Array.from({ length: 50 }, (_, i) => ({ id: i, vector: v(), payload: { i, tag: i % 3 } })) });
  await c.createPayloadIndex('tag', 'integer');
  await c.delete({ filter: { must: [{ key: 'tag', match: { value: 0 } }] } });
  await c.setPayload({ payload: { late: true }, filter: { must: [{ key: 'tag', match: { value: 1 } }] } });
  await c.updateVectors({ points: [{ id: 2, vector: v() }] });
  await c.upsert({ points: [{ id: 100, vector: v() }] });
  await assert.rejects(c.updateVectors({ points: [{ id: 999, vector: v() }] }), { code: 'RV_POINT_NOT_FOUND' });

  const log = [...c.shard.opsAfter(0)];
  assert.equal(log.length, 6, 'the rejected update took no sequence');
  mkdirSync(join(path, 'b'));
  const replica = await Shard.open({ dir: join(path, 'b'), config: parseCreateCollection(body, DEFAULT_LIMITS) });
  t.after(() => replica.close({ checkpoint: false }));
  for (const round of [1, 2]) {
    let applied = 0;
    for (const { seq, record } of log) if (replica.applyAt(seq, record)) applied++;
    assert.equal(applied, round === 1 ? log.length : 0, `round ${round}`);
    assert.equal(replica.lastAppliedSeq, c.shard.lastAppliedSeq);
    const dump = (shard: Shard): unknown[] => shard.scroll({ limit: 1000 }).ids.map((id) => shard.point(id, true));
    assert.deepEqual(dump(replica), dump(c.shard));
    assert.deepEqual(replica.info().payloadSchema, c.shard.info().payloadSchema);
  }
  assert.throws(() => replica.applyAt(log.length + 5, log[0].record), { code: 'RV_OPLOG_GAP' });
});
