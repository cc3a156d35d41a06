// The engine end to end as a library: collections, the points API, filters, persistence, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';
import { mulberry32 } from '../../helpers/random.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-engine-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openDb(t: { after: (fn: () => Promise<void> | void) => void }, path: string): Promise<Database> {
  const db = await Database.open({ path });
  t.after(() => db.close());
  return db;
}

const vec = (rand: () => number, dim: number): number[] => Array.from({ length: dim }, () => rand() * 2 - 1);

test('create, upsert (both forms), search, retrieve, scroll, count, delete', async (t) => {
  const db = await openDb(t, tempDir(t));
  await db.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  const docs = db.collection('docs');
  const uuid = '550e8400-e29b-41d4-a716-446655440000';
  const r1 = await docs.upsert({ points: [
    { id: 1, vector: [0, 0, 0, 0], payload: { color: 'red', n: 1 } },
    { id: 2, vector: [1, 0, 0, 0], payload: { color: 'blue', n: 2 } },
    { id: uuid.toUpperCase(), vector: [0, 1, 0, 0], payload: { color: 'red', n: 3 } },
  ] });
  assert.equal(r1.status, 'completed');
  await docs.upsert({ batch: { ids: [3, 4], vectors: [[0, 0, 1, 0], [0, 0, 0, 1]], payloads: [{ color: 'green' }, null] } }, { wait: false });

  const hits = docs.search({ vector: [0.9, 0, 0, 0], limit: 2, with_payload: true });
  assert.deepEqual(hits.map((h) => h.id), [2, 1]);
  assert.ok(Math.abs(hits[0].score - 0.1) < 1e-6, 'Euclid score is the distance');
  assert.deepEqual(hits[0].payload, { color: 'blue', n: 2 });

  const red = docs.search({ vector: [0, 0, 0, 0], limit: 10, filter: { must: [{ key: 'color', match: { value: 'red' } }] } });
  assert.deepEqual(red.map((h) => h.id).sort(), [1, uuid].sort());

  assert.deepEqual(docs.retrieve({ ids: [uuid, 99] }).map((r) => r.id), [uuid]);
  assert.equal(docs.count({}).count, 5);
  assert.equal(docs.count({ filter: { must: [{ key: 'color', match: { value: 'red' } }] } }).count, 2);

  const page1 = docs.scroll({ limit: 2 });
  assert.deepEqual(page1.points.map((p) => p.id), [1, 2]);
  assert.equal(page1.next_page_offset, 3);
  const page2 = docs.scroll({ limit: 2, offset: page1.next_page_offset });
  assert.deepEqual(page2.points.map((p) => p.id), [3, 4]);
  const page3 = docs.scroll({ limit: 2, offset: page2.next_page_offset });
  assert.deepEqual(page3.points.map((p) => p.id), [uuid]);
  assert.equal(page3.next_page_offset, null);

  await docs.delete({ filter: { must: [{ key: 'color', match: { value: 'red' } }] } });
  assert.equal(docs.count({}).count, 3);
  assert.ok(!docs.search({ vector: [0, 0, 0, 0], limit: 10 }).some((h) => h.id === 1));
});

test('payload operations: set (with key), overwrite, delete keys, clear', async (t) => {
  const db = await openDb(t, tempDir(t));
  await db.createCollection('p', { vectors: { size: 2, distance: 'Dot' } });
  const c = db.collection('p');
  await c.upsert({ points: [{ id: 1, vector: [1, 0], payload: { a: 1, nested: { x: 1 } } }] });
  await c.setPayload({ payload: { b: 2 }, points: [1] });
  assert.deepEqual(c.getPoint(1).payload, { a: 1, nested: { x: 1 }, b: 2 });
  await c.setPayload({ payload: { y: 2 }, points: [1], key: 'nested' });
  assert.deepEqual(c.getPoint(1).payload, { a: 1, nested: { x: 1, y: 2 }, b: 2 });
  await c.deletePayload({ keys: ['a', 'nested.x'], points: [1] });
  assert.deepEqual(c.getPoint(1).payload, { nested: { y: 2 }, b: 2 });
  await c.overwritePayload({ payload: { only: true }, points: [1] });
  assert.deepEqual(c.getPoint(1).payload, { only: true });
  await c.clearPayload({ points: [1] });
  assert.deepEqual(c.getPoint(1).payload, {});
  await assert.rejects(c.setPayload({ payload: { z: 1 }, points: [42] }), { code: 'RV_POINT_NOT_FOUND' });
});

test('bad input is rejected with a precise error and nothing of the batch is applied', async (t) => {
  const db = await openDb(t, tempDir(t));
  await db.createCollection('v', { vectors: { size: 3, distance: 'Cosine' } });
  const c = db.collection('v');
  const good = { id: 1, vector: [1, 0, 0] };
  await assert.rejects(c.upsert({ points: [good, { id: 2, vector: [1, 0] }] }), { code: 'RV_POINT_DIMENSION', message: /expected dim: 3, got 2/ });
  await assert.rejects(c.upsert({ points: [good, { id: 2, vector: [1, NaN, 0] }] }), { code: 'RV_POINT_VECTOR', message: /points\[1\]\.vector\[1\]/ });
  await assert.rejects(c.upsert({ points: [good, { id: 2, vector: [] }] }), { code: 'RV_POINT_VECTOR', message: /empty/ });
  await assert.rejects(c.upsert({ points: [good, { id: -1, vector: [1, 0, 0] }] }), { code: 'RV_POINT_ID' });
  await assert.rejects(c.upsert({ points: [good, { id: 'not-a-uuid', vector: [1, 0, 0] }] }), { code: 'RV_POINT_ID' });
  assert.throws(() => c.search({ vector: [1, 0, 0], limit: 0 }), { code: 'RV_SEARCH_INVALID', message: /limit must be an integer from 1 to 10000/ });
  assert.throws(() => c.search({ vector: [1, 0, 0], filter: { must: [{ key: 'a', range: { gte: 'x' } }] } }), { code: 'RV_FILTER_INVALID' });
  assert.throws(() => db.collection('nope'), { code: 'RV_COLLECTION_NOT_FOUND' });
  await assert.rejects(db.createCollection('bad/name', { vectors: { size: 3, distance: 'Cosine' } }), { code: 'RV_COLLECTION_NAME' });
  await assert.rejects(async () => db.createCollection('x', { vectors: { size: 0, distance: 'Cosine' } }), { code: 'RV_COLLECTION_CONFIG' });
  assert.equal(c.count({}).count, 0, 'nothing of the rejected batches was written');
  // duplicate ids in one batch: the last one wins
  await c.upsert({ points: [{ id: 5, vector: [1, 0, 0], payload: { v: 1 } }, { id: 5, vector: [0, 1, 0], payload: { v: 2 } }] });
  assert.equal(c.count({}).count, 1);
  assert.deepEqual(c.getPoint(5).payload, { v: 2 });
  assert.deepEqual(c.getPoint(5).vector, [0, 1, 0]);
});

test('state survives close and reopen, with and without the index checkpoint', async (t) => {
  const path = tempDir(t);
  const rand = mulberry32(3);
  const points = Array.from({ length: 500 }, (_, i) => ({ id: i, vector: vec(rand, 8), payload: { i, even: i % 2 === 0 } }));
  const first = await Database.open({ path });
  await first.createCollection('c', { vectors: { size: 8, distance: 'Cosine' } });
  await first.collection('c').upsert({ points });
  await first.collection('c').delete({ points: [0, 1, 2] });
  const query = vec(rand, 8);
  const before = first.collection('c').search({ vector: query, limit: 5, params: { exact: true } });
  await first.close();

  const second = await Database.open({ path });
  const after = second.collection('c').search({ vector: query, limit: 5, params: { exact: true } });
  assert.deepEqual(after.map((h) => h.id), before.map((h) => h.id));
  assert.equal(second.collection('c').count({}).count, 497);
  assert.deepEqual(second.collection('c').getPoint(10).payload, { i: 10, even: true });
  await second.close();

  rmSync(join(path, 'collections', 'c', 'index.ckpt'));
  const third = await Database.open({ path });
  t.after(() => third.close());
  assert.deepEqual(third.collection('c').search({ vector: query, limit: 5 }).map((h) => h.id), before.map((h) => h.id));
});

test('aliases are atomic: a failing action leaves every alias as it was', async (t) => {
  const db = await openDb(t, tempDir(t));
  await db.createCollection('a', { vectors: { size: 2, distance: 'Dot' } });
  await db.updateAliases([{ create_alias: { collection_name: 'a', alias_name: 'current' } }]);
  assert.equal(db.collection('current').name, 'a');
  await assert.rejects(db.updateAliases([
    { rename_alias: { old_alias_name: 'current', new_alias_name: 'latest' } },
    { delete_alias: { alias_name: 'missing' } },
  ]), { code: 'RV_ALIAS_NOT_FOUND' });
  assert.deepEqual(db.listAliases(), [{ alias_name: 'current', collection_name: 'a' }]);
});

test('a truncated or corrupted index checkpoint is detected, logged and rebuilt from the store', async (t) => {
  const path = tempDir(t);
  const rand = mulberry32(8);
  const first = await Database.open({ path });
  await first.createCollection('c', { vectors: { size: 8, distance: 'Euclid' } });
  await first.collection('c').upsert({ points: Array.from({ length: 300 }, (_, i) => ({ id: i, vector: vec(rand, 8) })) });
  const query = vec(rand, 8);
  const expected = first.collection('c').search({ vector: query, limit: 5, params: { exact: true } }).map((h) => h.id);
  await first.close();
  const checkpoint = join(path, 'collections', 'c', 'index.ckpt');
  for (const damage of ['flip', 'truncate'] as const) {
    const bytes = readFileSync(checkpoint);
    if (damage === 'flip') bytes[Math.floor(bytes.length / 2)] ^= 0x55;
    writeFileSync(checkpoint, damage === 'flip' ? bytes : bytes.subarray(0, bytes.length - 100));
    const warnings: string[] = [];
    const db = await Database.open({ path, logger: (level, message) => { if (level === 'warn') warnings.push(message); } });
    assert.ok(warnings.some((w) => /checkpoint unusable, rebuilding/.test(w)), `${damage}: warned`);
    assert.deepEqual(db.collection('c').search({ vector: query, limit: 5 }).map((h) => h.id), expected, `${damage}: same results`);
    await db.close(); // writes a fresh checkpoint for the next round
  }
});
