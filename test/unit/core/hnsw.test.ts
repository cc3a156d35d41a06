// HNSW against the exact (flat) oracle on seeded clustered data: recall per distance,
// deletes before and after vacuum, checkpoint round trip, pending tail, in-place upsert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../../src/core/index/hnsw-index.js';
import { exactSearch } from '../../../src/core/index/exact-scan.js';
import { metricFor } from '../../../src/core/distance/metric.js';
import { DISTANCES, type Distance } from '../../../src/core/types.js';
import { gaussian, mulberry32 } from '../../helpers/random.js';

function clustered(count: number, dim: number, seed: number): Float32Array[] {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: 50 }, () => Float32Array.from({ length: dim }, () => rand() * 10 - 5));
  return Array.from({ length: count }, () => {
    const c = centres[Math.floor(rand() * centres.length)];
    return Float32Array.from(c, (x) => x + gaussian(rand) * 0.7);
  });
}

function build(distance: Distance, data: Float32Array[]): HnswIndex {
  const metric = metricFor(distance);
  const index = new HnswIndex({ dim: data[0].length, metric, m: 16, efConstruction: 100, seed: 1 });
  data.forEach((v, i) => index.upsert(i, metric.prepare(v)));
  index.linkPending();
  return index;
}

function recall(index: HnswIndex, queries: Float32Array[], k: number, ef: number, accept?: (id: number) => boolean): number {
  const metric = index.vectors.metric;
  const live = index.liveIds();
  let hits = 0;
  for (const q0 of queries) {
    const q = metric.prepare(q0);
    const truth = new Set(exactSearch(index.vectors.scorer(q), live, k, { accept }).map((n) => n.id));
    const found = index.search(q, { k, ef, accept });
    for (const n of found) if (truth.has(n.id)) hits++;
  }
  return hits / (queries.length * k);
}

const data = clustered(4000, 32, 11);
const queries = clustered(100, 32, 12);

for (const distance of DISTANCES) {
  test(`recall@10 against exact search, ${distance}`, () => {
    const index = build(distance, data);
    const r = recall(index, queries, 10, 200);
    // Dot is not a metric (no triangle inequality, unnormalised vectors): graph search on it
    // is known to reach a lower recall than on true distances, as in hnswlib and Qdrant.
    const required = distance === 'Dot' ? 0.9 : 0.95;
    assert.ok(r >= required, `${distance} recall@10 ${r}`);
    assert.equal(index.indexedCount, data.length);
  });
}

test('filtered traversal returns limit results at 50%, 10% and 1% selectivity with high recall', () => {
  const index = build('Euclid', data);
  for (const modulus of [2, 10, 100]) {
    const accept = (id: number): boolean => id % modulus === 0;
    for (const q of queries.slice(0, 20)) {
      const found = index.search(q, { k: 10, ef: 64, accept });
      assert.equal(found.length, 10, `selectivity 1/${modulus}`);
      assert.ok(found.every((n) => accept(n.id)));
    }
    const r = recall(index, queries.slice(0, 30), 10, 64, accept);
    assert.ok(r >= 0.9, `selectivity 1/${modulus}: recall ${r}`);
  }
});

test('deleted ids are never returned, before and after vacuum and checkpoint reload', () => {
  const index = build('Cosine', data);
  const deleted = new Set<number>();
  for (let id = 0; id < data.length; id += 3) { index.delete(id); deleted.add(id); }
  const check = (ix: HnswIndex, label: string): void => {
    for (const q of queries) for (const n of ix.search(ix.vectors.metric.prepare(q), { k: 20, ef: 64 })) assert.ok(!deleted.has(n.id), `${label}: ${n.id} returned`);
  };
  check(index, 'tombstoned');
  assert.ok(index.deletedRatio > 0.3);
  const freed = index.vacuum();
  assert.equal(freed.length, deleted.size);
  assert.equal(index.deletedRatio, 0);
  check(index, 'vacuumed');
  assert.ok(recall(index, queries, 10, 200) >= 0.95, 'recall after vacuum');
  const reloaded = HnswIndex.load(index.save(), { metric: index.vectors.metric });
  check(reloaded, 'reloaded');
  assert.equal(reloaded.count, data.length - deleted.size);
});

test('pending points are searchable before linking; upsert of an existing id replaces it', () => {
  const metric = metricFor('Euclid');
  const index = new HnswIndex({ dim: 4, metric, m: 8, efConstruction: 32 });
  index.upsert(0, Float32Array.of(0, 0, 0, 0));
  index.upsert(1, Float32Array.of(5, 5, 5, 5));
  assert.equal(index.pendingLinks, 2);
  assert.deepEqual(index.search(Float32Array.of(5, 5, 5, 4), { k: 1, ef: 8 }).map((n) => n.id), [1]);
  index.linkPending();
  index.upsert(1, Float32Array.of(-9, -9, -9, -9));
  const all = index.search(Float32Array.of(-9, -9, -9, -9), { k: 10, ef: 8 });
  assert.deepEqual(all.map((n) => n.id), [1, 0], 'one entry per id, at its new position');
  index.linkPending();
  assert.deepEqual(index.search(Float32Array.of(-9, -9, -9, -9), { k: 10, ef: 8 }).map((n) => n.id), [1, 0]);
  assert.equal(index.count, 2);
});

test('checkpoint round trip gives identical results; a bad buffer is rejected', () => {
  const index = build('Dot', data.slice(0, 1000));
  const snapshot = index.save();
  const loaded = HnswIndex.load(snapshot, { metric: metricFor('Dot') });
  for (const q of queries.slice(0, 20)) assert.deepEqual(loaded.search(q, { k: 10, ef: 32 }), index.search(q, { k: 10, ef: 32 }));
  const broken = { header: snapshot.header, sections: [...snapshot.sections] };
  broken.sections[4] = broken.sections[4].subarray(0, 100);
  assert.throws(() => HnswIndex.load(broken, { metric: metricFor('Dot') }), RangeError);
});
