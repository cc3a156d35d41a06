// Placement and write splitting: point → shard and shard → nodes by rendezvous hashing,
// per-shard splitting of operations, size chunking, and the read-your-writes token format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatToken, parseToken } from '../../../src/cluster/collection-meta.js';
import { rankByRendezvous, shardOfPoint } from '../../../src/cluster/hashing.js';
import { chunkForSize, splitOperation } from '../../../src/cluster/split-operation.js';
import { encodeOperation, type Operation } from '../../../src/engine/index.js';

test('points spread evenly over shards, deterministically, ints and UUIDs alike', () => {
  const counts = new Array(4).fill(0);
  for (let id = 1; id <= 20000; id++) counts[shardOfPoint(id, 4)]++;
  for (const count of counts) assert.ok(count > 4500 && count < 5500, `uneven: ${counts.join(',')}`);
  assert.equal(shardOfPoint(12345, 4), shardOfPoint(12345, 4));
  const uuid = '550e8400-e29b-41d4-a716-446655440000';
  assert.equal(shardOfPoint(uuid, 8), shardOfPoint(uuid.toUpperCase(), 8), 'UUID case does not change the shard');
  assert.equal(shardOfPoint(7, 1), 0);
});

test('adding a shard moves only the points the new shard wins (consistent hashing)', () => {
  let moved = 0;
  for (let id = 1; id <= 10000; id++) {
    const before = shardOfPoint(id, 4);
    const after = shardOfPoint(id, 5);
    if (before !== after) {
      moved++;
      assert.equal(after, 4, 'a point only ever moves to the new shard');
    }
  }
  assert.ok(moved > 1500 && moved < 2500, `about a fifth moves, got ${moved}`);
});

test('replica placement: a joining node takes places only from the nodes it outranks', () => {
  const three = ['a', 'b', 'c'];
  const four = [...three, 'd'];
  for (let shard = 0; shard < 50; shard++) {
    const before = rankByRendezvous(`uid/${shard}`, three).slice(0, 2);
    const after = rankByRendezvous(`uid/${shard}`, four).slice(0, 2);
    const kept = after.filter((n) => n !== 'd');
    assert.ok(kept.every((n) => before.includes(n)), `shard ${shard}: ${before} → ${after}`);
  }
});

test('operations split per shard: ids by owner, filters and index changes everywhere', () => {
  const points = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, vector: new Float32Array([1, 0]), payload: null }));
  const upsert = splitOperation({ type: 'upsert', points }, 3);
  const total = [...upsert.values()].reduce((n, op) => n + (op.type === 'upsert' ? op.points.length : 0), 0);
  assert.equal(total, 40);
  for (const [shard, op] of upsert) assert.ok(op.type === 'upsert' && op.points.every((p) => shardOfPoint(p.id, 3) === shard));
  const byFilter = splitOperation({ type: 'delete', selector: { filter: { must: [] } } }, 3);
  assert.deepEqual([...byFilter.keys()], [0, 1, 2]);
  const byIds = splitOperation({ type: 'clear_payload', selector: { points: [1, 2, 3, 4, 5] } }, 2);
  const ids = [...byIds.values()].flatMap((op) => (op.type === 'clear_payload' && 'points' in op.selector ? op.selector.points : []));
  assert.deepEqual(ids.sort(), [1, 2, 3, 4, 5]);
  assert.equal(splitOperation({ type: 'create_payload_index', field: 'a', schema: 'keyword' }, 4).size, 4);
});

test('an upsert too large for one message is halved until each part fits', () => {
  const points = Array.from({ length: 100 }, (_, i) => ({ id: i, vector: new Float32Array(64).fill(0.5), payload: null }));
  const op: Operation = { type: 'upsert', points };
  const size = (o: Operation): number => encodeOperation(o).length;
  const parts = chunkForSize(op, Math.ceil(size(op) / 3), size);
  assert.ok(parts.length >= 3);
  assert.ok(parts.every((p) => size(p) <= Math.ceil(size(op) / 3)));
  assert.equal(parts.reduce((n, p) => n + (p.type === 'upsert' ? p.points.length : 0), 0), 100);
});

test('read-your-writes tokens round-trip; malformed ones are refused', () => {
  const token = formatToken(new Map([[1, 40], [0, 12]]));
  assert.equal(token, '0:12,1:40');
  assert.deepEqual([...(parseToken(token) ?? [])], [[0, 12], [1, 40]]);
  assert.deepEqual([...(parseToken('') ?? [])], []);
  for (const bad of ['x', '0:', ':3', '0:1;1:2', '0:-1']) assert.equal(parseToken(bad), undefined, bad);
});
