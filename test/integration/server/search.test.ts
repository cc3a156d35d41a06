// The universal query API and the legacy search/recommend routes through inject(): every query
// form, prefetch pipelines with fusion and re-scoring, MMR, ordering, batches and their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../helpers/random.js';
import { assertError, call, qdrant, resultOf, startServer, vec } from './helpers.js';

type Hit = { id: number | string; score: number; version: number; payload?: Record<string, unknown>; vector?: number[]; order_value?: number };
type Fixture = Awaited<ReturnType<typeof startServer>>;

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);
const normalise = (v: number[]): number[] => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
};

/** 200 random 8-d points (Cosine) with payloads, and their normalised vectors for exact answers. */
async function randomCollection(t: Parameters<typeof startServer>[0]): Promise<Fixture & { vectors: Map<number, number[]> }> {
  const fixture = await startServer(t);
  const rand = mulberry32(11);
  await call(fixture.app, 'PUT', '/collections/c', { vectors: { size: 8, distance: 'Cosine' } });
  const points = Array.from({ length: 200 }, (_, i) => ({ id: i, vector: vec(rand, 8), payload: { group: i % 4, price: (i * 37) % 101, tag: i % 2 === 0 ? 'even' : 'odd' } }));
  resultOf(await call(fixture.app, 'PUT', '/collections/c/points', { points }));
  return { ...fixture, vectors: new Map(points.map((p) => [p.id, normalise(p.vector)])) };
}

function exactTop(vectors: Map<number, number[]>, query: number[], k: number, accept: (id: number) => boolean = () => true): number[] {
  const q = normalise(query);
  return [...vectors.entries()].filter(([id]) => accept(id)).map(([id, v]) => ({ id, score: dot(q, v) }))
    .sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k).map((e) => e.id);
}

async function query(app: Fixture['app'], body: unknown, url = '/collections/c/points/query'): Promise<Hit[]> {
  return (qdrant.result(await call(app, 'POST', url, body), 'QueryResponse') as { points: Hit[] }).points;
}

test('query by vector and {nearest}: exact top-k, filter, offset, score_threshold, projections', async (t) => {
  const { app, vectors } = await randomCollection(t);
  const q = [0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.05, -0.3];
  const plain = await query(app, { query: q, limit: 5, params: { exact: true } });
  assert.deepEqual(plain.map((h) => h.id), exactTop(vectors, q, 5));
  assert.ok(plain.every((h) => h.payload === undefined && h.vector === undefined), 'query returns no payload or vector by default');
  const nearest = await query(app, { query: { nearest: q }, limit: 5, params: { hnsw_ef: 128 } });
  assert.deepEqual(nearest.map((h) => h.id), plain.map((h) => h.id));

  const filtered = await query(app, { query: q, limit: 5, filter: { must: [{ key: 'group', match: { value: 2 } }] }, with_payload: true, params: { exact: true } });
  assert.deepEqual(filtered.map((h) => h.id), exactTop(vectors, q, 5, (id) => id % 4 === 2));
  assert.ok(filtered.every((h) => h.payload?.group === 2));

  const paged = await query(app, { query: q, limit: 3, offset: 2, params: { exact: true } });
  assert.deepEqual(paged.map((h) => h.id), exactTop(vectors, q, 5).slice(2));

  const threshold = plain[2].score;
  const above = await query(app, { query: q, limit: 10, score_threshold: threshold, params: { exact: true } });
  assert.ok(above.length >= 3 && above.every((h) => h.score >= threshold - 1e-6));

  const projected = await query(app, { query: q, limit: 1, with_payload: { include: ['price'] }, with_vector: true, params: { exact: true } });
  assert.deepEqual(Object.keys(projected[0].payload ?? {}), ['price']);
  assert.equal(projected[0].vector?.length, 8);
});

test('query by point id uses its vector and leaves it out; unknown id is 404', async (t) => {
  const { app, vectors } = await randomCollection(t);
  const byId = await query(app, { query: 17, limit: 4, params: { exact: true } });
  const expected = exactTop(vectors, vectors.get(17) as number[], 5, (id) => id !== 17).slice(0, 4);
  assert.deepEqual(byId.map((h) => h.id), expected);
  const nearestId = await query(app, { query: { nearest: 17 }, limit: 4, params: { exact: true } });
  assert.deepEqual(nearestId.map((h) => h.id), expected);
  const offsetById = await query(app, { query: 17, limit: 2, offset: 2, params: { exact: true }, with_payload: ['group'] });
  assert.deepEqual(offsetById.map((h) => h.id), expected.slice(2, 4), 'the offset counts results, not the left-out point');
  assert.ok(offsetById.every((h) => typeof h.payload?.group === 'number'));
  const recommendOffset = await query(app, { query: { recommend: { positive: [17] } }, limit: 2, offset: 2, params: { exact: true } });
  assert.deepEqual(recommendOffset.map((h) => h.id), expected.slice(2, 4));
  const legacyOffset = resultOf(await call(app, 'POST', '/collections/c/points/recommend', { positive: [17], limit: 2, offset: 2, params: { exact: true } })) as Hit[];
  assert.deepEqual(legacyOffset.map((h) => h.id), expected.slice(2, 4));
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: 100000 }), 404, 'RV_POINT_NOT_FOUND');
});

test('MMR trades relevance for diversity; scores stay the similarity to the query', async (t) => {
  const { app } = await startServer(t);
  await call(app, 'PUT', '/collections/m', { vectors: { size: 2, distance: 'Cosine' } });
  // Two near-duplicates close to the query, one relevant but different point, one far point.
  await call(app, 'PUT', '/collections/m/points', { points: [
    { id: 1, vector: [1, 0.1] }, { id: 2, vector: [1, 0.11] }, { id: 3, vector: [1, -0.6] }, { id: 4, vector: [-1, 0] },
  ] });
  const relevant = await query(app, { query: [1, 0.1], limit: 2 }, '/collections/m/points/query');
  assert.deepEqual(relevant.map((h) => h.id), [1, 2]);
  const diverse = await query(app, { query: { nearest: [1, 0.1], mmr: { diversity: 0.8, candidates_limit: 3 } }, limit: 2 }, '/collections/m/points/query');
  assert.deepEqual(diverse.map((h) => h.id), [1, 3]);
  const similarity = (v: number[]) => dot(normalise([1, 0.1]), normalise(v));
  assert.ok(Math.abs(diverse[1].score - similarity([1, -0.6])) < 1e-5);
  const relevanceOnly = await query(app, { query: { nearest: [1, 0.1], mmr: { diversity: 0, candidates_limit: 4 } }, limit: 2 }, '/collections/m/points/query');
  assert.deepEqual(relevanceOnly.map((h) => h.id), [1, 2]);
  assertError(await call(app, 'POST', '/collections/m/points/query', { query: { nearest: [1, 0], mmr: { diversity: 2 } } }), 422, 'RV_INVALID_ARGUMENT', /query\.mmr\.diversity: value 2 invalid, must be 1 or smaller/);
});

test('recommend through query matches the legacy route and excludes its examples', async (t) => {
  const { app } = await randomCollection(t);
  const body = { positive: [3, 8], negative: [40], limit: 5, filter: { must: [{ key: 'tag', match: { value: 'odd' } }] }, params: { exact: true } };
  const viaQuery = await query(app, { query: { recommend: { positive: body.positive, negative: body.negative, strategy: 'average_vector' } }, limit: 5, filter: body.filter, params: body.params, with_payload: true });
  const legacy = qdrant.result(await call(app, 'POST', '/collections/c/points/recommend', { ...body, with_payload: true }), 'ScoredPoint[]') as Hit[];
  assert.deepEqual(viaQuery.map((h) => h.id), legacy.map((h) => h.id));
  assert.ok(viaQuery.every((h) => h.payload?.tag === 'odd' && ![3, 8, 40].includes(h.id as number)));
  const withVector = await query(app, { query: { recommend: { positive: [[1, 0, 0, 0, 0, 0, 0, 0]] } }, limit: 2 });
  assert.equal(withVector.length, 2);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: { recommend: { positive: [3], strategy: 'best_score' } } }), 400, 'RV_SEARCH_INVALID', /strategy/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: { recommend: { negative: [3] } } }), 400, 'RV_SEARCH_INVALID', /positive/);
});

test('order_by query sorts by payload value, with filter and offset', async (t) => {
  const { app } = await randomCollection(t);
  const asc = await query(app, { query: { order_by: 'price' }, limit: 5, with_payload: ['price'] });
  const prices = asc.map((h) => h.payload?.price as number);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  assert.equal(prices[0], 0);
  assert.deepEqual(asc.map((h) => h.order_value), prices);
  const desc = await query(app, { query: { order_by: { key: 'price', direction: 'desc' } }, limit: 3, offset: 1, filter: { must: [{ key: 'group', match: { value: 1 } }] }, with_payload: true });
  assert.ok(desc.every((h) => h.payload?.group === 1));
  const descPrices = desc.map((h) => h.payload?.price as number);
  assert.deepEqual(descPrices, [...descPrices].sort((a, b) => b - a));
});

test('no query: points in id order, filtered', async (t) => {
  const { app } = await randomCollection(t);
  const hits = await query(app, { limit: 4, offset: 1, filter: { must: [{ key: 'group', match: { value: 3 } }] } });
  assert.deepEqual(hits.map((h) => h.id), [7, 11, 15, 19]);
});

test('prefetch: RRF and DBSF fusion, re-scoring the union, nested stages, filters propagate', async (t) => {
  const { app, vectors } = await randomCollection(t);
  const a = [1, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 1, 0, 0, 0, 0, 0, 0];
  const listA = exactTop(vectors, a, 10);
  const listB = exactTop(vectors, b, 10);
  const rrf = await query(app, { prefetch: [{ query: a, limit: 10, params: { exact: true } }, { query: b, limit: 10, params: { exact: true } }], query: { fusion: 'rrf' }, limit: 5 });
  const expected = new Map<number, number>();
  for (const list of [listA, listB]) list.forEach((id, rank) => expected.set(id, (expected.get(id) ?? 0) + 1 / (60 + rank + 1)));
  const expectedTop = [...expected.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5);
  assert.deepEqual(rrf.map((h) => h.score.toFixed(8)), expectedTop.map(([, s]) => s.toFixed(8)));
  assert.ok(rrf.every((h) => expected.has(h.id as number)));

  const weighted = await query(app, { prefetch: [{ query: a, limit: 10, params: { exact: true } }, { query: b, limit: 10, params: { exact: true } }], query: { rrf: { k: 1, weights: [1, 0] } }, limit: 3 });
  assert.deepEqual(weighted.map((h) => h.id), listA.slice(0, 3), 'weight 0 silences the second list');

  const dbsf = await query(app, { prefetch: [{ query: a, limit: 10, params: { exact: true } }, { query: b, limit: 10, params: { exact: true } }], query: { fusion: 'dbsf' }, limit: 20 });
  assert.equal(new Set(dbsf.map((h) => h.id)).size, dbsf.length);
  assert.ok(dbsf.every((h) => listA.includes(h.id as number) || listB.includes(h.id as number)));
  assert.ok(dbsf.every((h, i) => i === 0 || dbsf[i - 1].score >= h.score));

  // Re-score: the outer query orders the prefetch's candidates by its own vector.
  const rescored = await query(app, { prefetch: { query: a, limit: 10, params: { exact: true } }, query: b, limit: 4 });
  assert.deepEqual(rescored.map((h) => h.id), exactTop(vectors, b, 4, (id) => listA.includes(id)));

  // Nested: fuse two stages, one of which is itself a re-scored prefetch; the outer filter reaches every stage.
  const nested = await query(app, {
    prefetch: [
      { prefetch: { query: a, limit: 20, params: { exact: true } }, query: b, limit: 5 },
      { query: b, limit: 5, params: { exact: true }, filter: { must: [{ key: 'tag', match: { value: 'even' } }] } },
    ],
    query: { fusion: 'rrf' },
    filter: { must: [{ key: 'group', match: { any: [0, 2] } }] },
    limit: 10,
    with_payload: true,
  });
  assert.ok(nested.length > 0);
  assert.ok(nested.every((h) => [0, 2].includes(h.payload?.group as number)), 'outer filter applied to the prefetches');

  const empty = await query(app, { prefetch: { query: a, limit: 5, filter: { must: [{ key: 'group', match: { value: 99 } }] } }, query: b, limit: 3 });
  assert.deepEqual(empty, []);

  const orderedUnion = await query(app, { prefetch: { query: a, limit: 10, params: { exact: true } }, query: { order_by: 'price' }, limit: 10, with_payload: ['price'] });
  assert.deepEqual(new Set(orderedUnion.map((h) => h.id)), new Set(listA));
  const unionPrices = orderedUnion.map((h) => h.payload?.price as number);
  assert.deepEqual(unionPrices, [...unionPrices].sort((x, y) => x - y));
});

test('query errors: fusion without prefetch, weights, unsupported fields, limits', async (t) => {
  const { app } = await randomCollection(t);
  const q = [1, 0, 0, 0, 0, 0, 0, 0];
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: { fusion: 'rrf' } }), 400, 'RV_SEARCH_INVALID', /fusion combines prefetch results/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { prefetch: [{ query: q }], query: { rrf: { weights: [1, 2] } } }), 400, 'RV_SEARCH_INVALID', /rrf\.weights has 2 entries for 1 prefetches/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: q, using: 'image' }), 400, 'RV_INVALID_ARGUMENT', /using: named vectors are not supported/);
  assert.equal((await query(app, { query: q, using: '', limit: 1 })).length, 1, 'using "" is the unnamed vector');
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: q, lookup_from: { collection: 'x' } }), 400, 'RV_INVALID_ARGUMENT', /lookup_from/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: [1, 0] }), 400, 'RV_POINT_DIMENSION', /expected dim: 8, got 2/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: q, limit: 10001 }), 400, 'RV_SEARCH_INVALID', /limit/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: { discover: { target: 1, context: [] } } }), 422, 'RV_INVALID_ARGUMENT', /query: does not match any accepted form/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: q, prefetch: [{ query: q, offset: 3 }] }), 422, 'RV_INVALID_ARGUMENT', /prefetch.*unknown field "offset"/);
  let deep: Record<string, unknown> = { query: q };
  for (let i = 0; i < 10; i++) deep = { prefetch: deep, query: q };
  assertError(await call(app, 'POST', '/collections/c/points/query', deep), 400, 'RV_LIMIT_EXCEEDED', /nested deeper than 8 levels/);
  assertError(await call(app, 'POST', '/collections/c/points/query', { query: q, filter: { must: [{ key: 'a', range: { gt: 'x' } }] } }), 400, 'RV_FILTER_INVALID');
  assertError(await call(app, 'POST', '/collections/nope/points/query', { query: q }), 404, 'RV_COLLECTION_NOT_FOUND');
});

test('query/batch, search, search/batch, recommend/batch', async (t) => {
  const { app, vectors } = await randomCollection(t);
  const q1 = [1, 0, 0, 0, 0, 0, 0, 0];
  const q2 = [0, 0, 1, 0, 0, 0, 0, 0];
  const batch = qdrant.result(await call(app, 'POST', '/collections/c/points/query/batch', { searches: [
    { query: q1, limit: 3, params: { exact: true } },
    { query: { order_by: 'price' }, limit: 2 },
  ] }), 'QueryResponse[]') as { points: Hit[] }[];
  assert.deepEqual(batch[0].points.map((h) => h.id), exactTop(vectors, q1, 3));
  assert.equal(batch[1].points.length, 2);
  assertError(await call(app, 'POST', '/collections/c/points/query/batch', { searches: [{ query: q1 }, { query: { fusion: 'rrf' } }] }), 400, 'RV_SEARCH_INVALID', /searches\[1\]\.query/);
  assertError(await call(app, 'POST', '/collections/c/points/query/batch', { searches: Array.from({ length: 101 }, () => ({ query: q1 })) }), 400, 'RV_LIMIT_EXCEEDED', /over the batch limit of 100/);

  const searched = qdrant.result(await call(app, 'POST', '/collections/c/points/search', { vector: q2, limit: 4, with_payload: true, params: { exact: true } }), 'ScoredPoint[]') as Hit[];
  assert.deepEqual(searched.map((h) => h.id), exactTop(vectors, q2, 4));
  const named = resultOf(await call(app, 'POST', '/collections/c/points/search', { vector: { name: '', vector: q2 }, top: 4, params: { exact: true } })) as Hit[];
  assert.deepEqual(named.map((h) => h.id), searched.map((h) => h.id));
  assertError(await call(app, 'POST', '/collections/c/points/search', { vector: { name: 'image', vector: q2 } }), 400, 'RV_INVALID_ARGUMENT', /vector\.name: named vectors/);
  assertError(await call(app, 'POST', '/collections/c/points/search', { limit: 3 }), 422, 'RV_INVALID_ARGUMENT', /missing field "vector"/);

  const searchBatch = resultOf(await call(app, 'POST', '/collections/c/points/search/batch', { searches: [{ vector: q1, limit: 2, params: { exact: true } }, { vector: q2, limit: 2, params: { exact: true } }] })) as Hit[][];
  for (const list of searchBatch) qdrant.assertValid(list, 'ScoredPoint[]');
  assert.equal(searchBatch.length, 2);
  const recommendBatch = resultOf(await call(app, 'POST', '/collections/c/points/recommend/batch', { searches: [{ positive: [1], limit: 2 }, { positive: [2], negative: [3], limit: 3 }] })) as Hit[][];
  assert.deepEqual(recommendBatch.map((r) => r.length), [2, 3]);
  for (const list of recommendBatch) qdrant.assertValid(list, 'ScoredPoint[]');
});
