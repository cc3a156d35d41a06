// The pure pieces of the universal query: MMR selection, RRF and DBSF fusion, vector similarity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectByMmr, vectorSimilarity } from '../../../src/server/query/mmr.js';
import { fuseDbsf, fuseRrf, DEFAULT_RRF_K } from '../../../src/server/query/fusion.js';

const entries = (keys: string[], scores: number[] = keys.map((_, i) => 1 - i / 10)) => keys.map((key, i) => ({ key, score: scores[i], item: key }));

test('MMR: diversity 0 keeps relevance order, higher diversity skips near-duplicates', () => {
  const relevance = [0.95, 0.94, 0.8, 0.1];
  // 0 and 1 are near-duplicates; 2 and 3 are unlike everything else.
  const similarity = (i: number, j: number): number => ((i === 0 && j === 1) || (i === 1 && j === 0) ? 0.99 : 0.05);
  assert.deepEqual(selectByMmr(relevance, similarity, { diversity: 0, limit: 4 }), [0, 1, 2, 3]);
  // The near-duplicate 1 scores 0.5·0.94 − 0.5·0.99 < 0.5·0.1 − 0.5·0.05 of the unrelated 3.
  assert.deepEqual(selectByMmr(relevance, similarity, { diversity: 0.5, limit: 3 }), [0, 2, 3]);
  assert.deepEqual(selectByMmr(relevance, similarity, { diversity: 0.5, limit: 10 }).length, 4, 'never more than the candidates');
  assert.deepEqual(selectByMmr([], similarity, { diversity: 0.5, limit: 3 }), []);
});

test('vector similarity is higher for more alike vectors under every distance', () => {
  const a = [1, 0];
  const near = [0.9, 0.1];
  const far = [-1, 0];
  for (const distance of ['Cosine', 'Dot', 'Euclid', 'Manhattan'] as const) {
    assert.ok(vectorSimilarity(distance, a, near) > vectorSimilarity(distance, a, far), distance);
  }
  assert.equal(vectorSimilarity('Euclid', [0, 0], [3, 4]), -5);
  assert.equal(vectorSimilarity('Manhattan', [0, 0], [3, 4]), -7);
});

test('RRF: sums weight / (k + rank) with ranks from 1, default k = 60', () => {
  const fused = fuseRrf([entries(['a', 'b', 'c']), entries(['c', 'a'])]);
  const score = (key: string) => fused.find((e) => e.key === key)?.score;
  assert.equal(DEFAULT_RRF_K, 60);
  assert.equal(score('a'), 1 / 61 + 1 / 62);
  assert.equal(score('c'), 1 / 63 + 1 / 61);
  assert.equal(score('b'), 1 / 62);
  assert.deepEqual(fused.map((e) => e.key), ['a', 'c', 'b']);
  const weighted = fuseRrf([entries(['a', 'b']), entries(['b', 'a'])], { k: 1, weights: [0, 2] });
  assert.deepEqual(weighted.map((e) => [e.key, e.score]), [['b', 1], ['a', 2 / 3]]);
});

test('DBSF: scores normalised per list by mean ± 3σ, then summed', () => {
  const fused = fuseDbsf([entries(['a', 'b'], [10, 0]), entries(['b', 'c'], [5, 5])]);
  // List 1: mean 5, σ 5 → a = (10 - (-10)) / 30, b = 10 / 30. List 2 has no spread: 0.5 each.
  const score = (key: string) => fused.find((e) => e.key === key)?.score as number;
  assert.ok(Math.abs(score('a') - 20 / 30) < 1e-12);
  assert.ok(Math.abs(score('b') - (10 / 30 + 0.5)) < 1e-12);
  assert.equal(score('c'), 0.5);
  assert.deepEqual(fused.map((e) => e.key), ['b', 'a', 'c']);
});
