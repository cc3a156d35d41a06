// The search planner: filtered queries at 50%, 10% and 1% selectivity, with and without a
// payload index, return `limit` results when that many match, with high recall; quantized
// collections search on codes and rescore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, type Collection } from '../../../src/index.js';
import { gaussian, mulberry32 } from '../../helpers/random.js';

const DIM = 24;
const COUNT = 6000;
/** Queries are drawn from the same clusters as the points (the last QUERIES of the dataset). */
const QUERIES = 25;

function dataset(seed: number, count: number, centred = false, dim = DIM): number[][] {
  const rand = mulberry32(seed);
  if (!centred) {
    const centres = Array.from({ length: 40 }, () => Array.from({ length: dim }, () => rand() * 6 - 3));
    return Array.from({ length: count }, () => centres[Math.floor(rand() * centres.length)].map((x) => x + gaussian(rand) * 0.5));
  }
  // Embedding-like data for binary codes: centred on the origin, each cluster spread along a
  // few random directions (low intrinsic dimension). One sign bit per dimension only works on
  // such data, as Qdrant documents for binary quantization.
  const rank = 16;
  const centres = Array.from({ length: 40 }, () => Array.from({ length: dim }, () => gaussian(rand)));
  const directions = centres.map(() => Array.from({ length: rank }, () => Array.from({ length: dim }, () => gaussian(rand) * 0.5)));
  return Array.from({ length: count }, () => {
    const cluster = Math.floor(rand() * centres.length);
    const point = centres[cluster].map((x) => x + 0.1 * gaussian(rand));
    for (const direction of directions[cluster]) {
      const weight = gaussian(rand) / Math.sqrt(rank);
      for (let j = 0; j < dim; j++) point[j] += weight * direction[j];
    }
    return point;
  });
}

async function load(t: { after: (fn: () => unknown) => void }, body: Record<string, unknown>, centred = false): Promise<{ c: Collection; queries: number[][] }> {
  const path = mkdtempSync(join(tmpdir(), 'rv-plan-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  const db = await Database.open({ path });
  t.after(() => db.close());
  await db.createCollection('c', body);
  const c = db.collection('c');
  const vectors = dataset(1, COUNT + QUERIES, centred, (body.vectors as { size: number }).size);
  for (let start = 0; start < COUNT; start += 1000) {
    await c.upsert({ points: vectors.slice(start, start + 1000).map((vector, j) => {
      const i = start + j;
      return { id: i, vector, payload: { half: i % 2, tenth: i % 10, hundredth: i % 100 } };
    }) });
  }
  c.shard.flushIndex();
  return { c, queries: vectors.slice(COUNT) };
}

function recallOf(c: Collection, filter: unknown, queries: number[][]): number {
  let hits = 0;
  let total = 0;
  for (const vector of queries) {
    const truth = new Set(c.search({ vector, limit: 10, filter, params: { exact: true } }).map((h) => h.id));
    const found = c.search({ vector, limit: 10, filter, params: { hnsw_ef: 128 } });
    assert.equal(found.length, 10, 'a filtered query returns limit results');
    for (const h of found) if (truth.has(h.id)) hits++;
    total += truth.size;
  }
  return hits / total;
}

for (const indexed of [false, true]) {
  test(`filtered search at 50%, 10%, 1% selectivity (${indexed ? 'with' : 'without'} payload index)`, async (t) => {
    const { c, queries } = await load(t, { vectors: { size: DIM, distance: 'Euclid' }, hnsw_config: { full_scan_threshold: 20 } });
    if (indexed) for (const field of ['half', 'tenth', 'hundredth']) await c.createPayloadIndex(field, 'integer');
    for (const [field, label] of [['half', '50%'], ['tenth', '10%'], ['hundredth', '1%']] as const) {
      const filter = { must: [{ key: field, match: { value: 0 } }] };
      const r = recallOf(c, filter, queries);
      assert.ok(r >= 0.95, `${label}: recall ${r}`);
      for (const h of c.search({ vector: queries[0], limit: 10, filter, with_payload: true })) assert.equal((h.payload as Record<string, number>)[field], 0);
    }
  });
}

for (const quantization of [{ scalar: { type: 'int8', quantile: 0.99 } }, { binary: {} }, { product: { compression: 'x8' } }]) {
  const kind = Object.keys(quantization)[0];
  test(`quantized search with rescoring (${kind})`, async (t) => {
    const binary = kind === 'binary';
    const { c, queries } = await load(t, { vectors: { size: binary ? 768 : DIM, distance: binary ? 'Cosine' : 'Euclid' }, quantization_config: quantization }, binary);
    let hits = 0;
    for (const vector of queries) {
      const truth = new Set(c.search({ vector, limit: 10, params: { exact: true } }).map((h) => h.id));
      const found = c.search({ vector, limit: 10, params: { hnsw_ef: 128, quantization: { rescore: true, oversampling: kind === 'scalar' ? 2 : 4 } } });
      for (const h of found) if (truth.has(h.id)) hits++;
    }
    const recall = hits / (queries.length * 10);
    assert.ok(recall >= 0.95, `${kind} recall with rescoring ${recall}`);
  });
}
