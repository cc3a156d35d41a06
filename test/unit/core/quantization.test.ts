// Quantizers against exact search: recall@10 of a code scan with oversampling and exact
// rescoring, distance estimates in the metric's units, checkpoints, and SIMD vs TypeScript kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernels } from '../../../src/core/distance/kernels.js';
import { metricFor, type Metric } from '../../../src/core/distance/metric.js';
import { RecordStore } from '../../../src/core/distance/record-store.js';
import { FloatScorer, type BatchScorer } from '../../../src/core/distance/scorer.js';
import type { Distance } from '../../../src/core/types.js';
import {
  createQuantizer, loadQuantizer, ProductQuantizer, type Quantizer, type QuantizerOptions, type SavedQuantizer,
} from '../../../src/core/quantization/index.js';
import { gaussian, mulberry32 } from '../../helpers/random.js';

const K = 10;
const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

interface Dataset {
  data: Float32Array[];
  queries: Float32Array[];
}

/**
 * Clustered Gaussian data of low intrinsic dimension, like embeddings: a point is its cluster's
 * centre (N(0, 1) per dimension) plus a Gaussian combination of `rank` random directions of that
 * cluster, plus isotropic noise. Queries come from the same mixture.
 */
function clusteredDataset(options: { count: number; queries: number; dim: number; clusters: number; rank: number; seed: number }): Dataset {
  const { dim, rank } = options;
  const rand = mulberry32(options.seed);
  const centres = Array.from({ length: options.clusters }, () => Float32Array.from({ length: dim }, () => gaussian(rand)));
  const directions = centres.map(() => Array.from({ length: rank }, () => Float32Array.from({ length: dim }, () => gaussian(rand) * 0.5)));
  const draw = (): Float32Array => {
    const cluster = Math.floor(rand() * centres.length);
    const point = Float32Array.from(centres[cluster], (v) => v + 0.1 * gaussian(rand));
    for (const direction of directions[cluster]) {
      const weight = gaussian(rand) / Math.sqrt(rank);
      for (let j = 0; j < dim; j++) point[j] += weight * direction[j];
    }
    return point;
  };
  return { data: Array.from({ length: options.count }, draw), queries: Array.from({ length: options.queries }, draw) };
}

/** Every record's distance from the scorer, scanning [0, count) in batches. */
function scan(scorer: BatchScorer, count: number): Float32Array {
  const distances = new Float32Array(count);
  for (let start = 0; start < count; start += scorer.maxBatch) {
    const batch = Math.min(scorer.maxBatch, count - start);
    const ids = scorer.ids();
    for (let i = 0; i < batch; i++) ids[scorer.idsBase + i] = start + i;
    const out = scorer.score(batch);
    distances.set(out.subarray(scorer.outBase, scorer.outBase + batch), start);
  }
  return distances;
}

/** Ids of the `k` smallest distances, closest first. */
function smallest(distances: Float32Array, k: number): number[] {
  return Array.from(distances.keys()).sort((a, b) => distances[a] - distances[b]).slice(0, k);
}

/** Exact distances of `ids` to `query` through the float store's SIMD kernel. */
function exactDistances(floats: RecordStore, metric: Metric, query: Float32Array, ids: number[]): Float32Array {
  const scorer = new FloatScorer(floats, metric, query);
  scorer.ids().set(ids, scorer.idsBase);
  return scorer.score(ids.length).slice(scorer.outBase, scorer.outBase + ids.length);
}

/** Prepared vectors of a dataset under `metric`, in a float store, with exact top-K per query. */
interface Fixture {
  metric: Metric;
  data: Float32Array[];
  queries: Float32Array[];
  floats: RecordStore;
  truth: number[][];
}

function fixture(dataset: Dataset, distance: Distance): Fixture {
  const metric = metricFor(distance);
  const data = dataset.data.map((v) => metric.prepare(v));
  const queries = dataset.queries.map((v) => metric.prepare(v));
  const floats = new RecordStore(createKernels(), { recordBytes: data[0].length * 4, initialCapacity: data.length });
  data.forEach((v, i) => floats.writeRecord(i, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
  const truth = queries.map((q) => smallest(scan(new FloatScorer(floats, metric, q), data.length), K));
  return { metric, data, queries, floats, truth };
}

/**
 * recall@K for each oversampling factor o: the top K·o records by code distance, rescored exactly
 * with the float vectors, top K kept — against exact search.
 */
function recall(quantizer: Quantizer, f: Fixture, oversamplings: number[]): number[] {
  const found = oversamplings.map(() => 0);
  f.queries.forEach((query, qi) => {
    const ranked = smallest(scan(quantizer.scorer(query), f.data.length), K * Math.max(...oversamplings));
    const expected = new Set(f.truth[qi]);
    oversamplings.forEach((oversampling, o) => {
      const candidates = ranked.slice(0, K * oversampling);
      const exact = exactDistances(f.floats, f.metric, query, candidates);
      found[o] += smallest(exact, K).filter((i) => expected.has(candidates[i])).length;
    });
  });
  return found.map((n) => n / (f.queries.length * K));
}

function build(config: unknown, f: Fixture, options: QuantizerOptions = {}, trainingSize = 2000): Quantizer {
  const quantizer = createQuantizer(config, f.data[0].length, f.metric, options);
  quantizer.train(f.data.slice(0, trainingSize));
  f.data.forEach((v, i) => quantizer.set(i, v));
  return quantizer;
}

const lowDim = clusteredDataset({ count: 5000, queries: 40, dim: 128, clusters: 8, rank: 16, seed: 11 });
const fixtures = new Map<Distance, Fixture>();
function lowDimFixture(distance: Distance): Fixture {
  let f = fixtures.get(distance);
  if (f === undefined) fixtures.set(distance, (f = fixture(lowDim, distance)));
  return f;
}

// Quantizers over lowDim, built once and shared by the tests that only read them.
const built = new Map<string, Quantizer>();
function lowDimQuantizer(config: unknown, distance: Distance): Quantizer {
  const key = `${JSON.stringify(config)} ${distance}`;
  let quantizer = built.get(key);
  if (quantizer === undefined) {
    // 1000 training vectors (~4 per PQ centroid) and 4 Lloyd rounds keep the suite fast; recall
    // at oversampling 4 is the same as with 5000 vectors and 10 rounds (0.99-1.0).
    built.set(key, (quantizer = build(config, lowDimFixture(distance), { maxIterations: 4 }, 1000)));
  }
  return quantizer;
}

// Oversampling where recall@10 reaches 0.95 on this data (figures measured are printed as diagnostics).
const RECALL_CASES: { name: string; config: unknown; oversampling: number; distances: Distance[] }[] = [
  { name: 'scalar int8', config: { scalar: { type: 'int8' } }, oversampling: 2, distances: DISTANCES },
  { name: 'scalar int8, quantile 0.99', config: { scalar: { type: 'int8', quantile: 0.99 } }, oversampling: 2, distances: DISTANCES },
  { name: 'product x16', config: { product: { compression: 'x16' } }, oversampling: 4, distances: DISTANCES },
  { name: 'product x4', config: { product: { compression: 'x4' } }, oversampling: 2, distances: ['Euclid'] },
  { name: 'product x64', config: { product: { compression: 'x64' } }, oversampling: 16, distances: ['Cosine'] },
];

for (const { name, config, oversampling, distances } of RECALL_CASES) {
  for (const distance of distances) {
    test(`${name}, ${distance}: recall@10 ≥ 0.95 with oversampling ${oversampling} (128 dims, 5000 points)`, (t) => {
      const f = lowDimFixture(distance);
      const quantizer = lowDimQuantizer(config, distance);
      const [measured, single] = recall(quantizer, f, [oversampling, 1]);
      t.diagnostic(`recall@10 ${measured.toFixed(3)} at oversampling ${oversampling}, ${single.toFixed(3)} at 1; ` +
        `memory ratio ${(f.data[0].length * 4 / quantizer.recordBytes).toFixed(2)}`);
      assert.ok(measured >= 0.95, `recall@10 ${measured}`);
    });
  }
}

// One bit per dimension is for wide vectors (Qdrant recommends it from ~1024 dimensions).
const wide = clusteredDataset({ count: 3000, queries: 30, dim: 768, clusters: 8, rank: 16, seed: 12 });
for (const distance of DISTANCES) {
  test(`binary, ${distance}: recall@10 ≥ 0.95 with oversampling 4 (768 dims, 3000 points)`, (t) => {
    const f = fixture(wide, distance);
    const quantizer = build({ binary: {} }, f);
    const [measured, single] = recall(quantizer, f, [4, 1]);
    t.diagnostic(`recall@10 ${measured.toFixed(3)} at oversampling 4, ${single.toFixed(3)} at 1; ` +
      `memory ratio ${(768 * 4 / quantizer.recordBytes).toFixed(2)}`);
    assert.ok(measured >= 0.95, `recall@10 ${measured}`);
  });
}

test('binary at 128 dimensions needs far more oversampling (measured, for the record)', (t) => {
  for (const distance of DISTANCES) {
    const f = lowDimFixture(distance);
    const [four, sixteen] = recall(lowDimQuantizer({ binary: {} }, distance), f, [4, 16]);
    t.diagnostic(`${distance}: recall@10 ${four.toFixed(3)} at 4, ${sixteen.toFixed(3)} at 16`);
    assert.ok(sixteen >= 0.9);
  }
});

test('code distances estimate the metric\'s internal distance (same units, small error)', (t) => {
  const cases: [unknown, Distance[], number][] = [
    [{ scalar: { type: 'int8' } }, DISTANCES, 0.02],
    [{ product: { compression: 'x16' } }, DISTANCES, 0.25],
    [{ binary: {} }, ['Cosine', 'Dot', 'Euclid'], 0.6],
  ];
  for (const [config, distances, tolerance] of cases) {
    for (const distance of distances) {
      const f = lowDimFixture(distance);
      const quantizer = lowDimQuantizer(config, distance);
      const ids = Array.from({ length: 500 }, (_, i) => i * 7);
      let error = 0;
      let spread = 0;
      for (const query of f.queries.slice(0, 10)) {
        const scorer = quantizer.scorer(query);
        scorer.ids().set(ids, scorer.idsBase);
        const approx = scorer.score(ids.length).slice(scorer.outBase, scorer.outBase + ids.length);
        const exact = exactDistances(f.floats, f.metric, query, ids);
        const mean = exact.reduce((s, v) => s + v, 0) / exact.length;
        exact.forEach((v, i) => { error += Math.abs(approx[i] - v); spread += Math.abs(v - mean); });
      }
      // Mean absolute error relative to the mean absolute deviation of the exact distances.
      const relative = error / spread;
      t.diagnostic(`${quantizer.kind} ${distance}: relative error ${relative.toFixed(4)}`);
      assert.ok(relative < tolerance, `${quantizer.kind} ${distance}: relative error ${relative}`);
    }
  }
});

test('PQ distances are exact distances to the decoded vectors (ADC), also for a shorter last sub-space', () => {
  // dim 100 with x32 (8 dims per sub-space): 13 sub-spaces, the last of 4 dims; x4 takes the 1-D path.
  const data = clusteredDataset({ count: 600, queries: 5, dim: 100, clusters: 4, rank: 8, seed: 5 });
  for (const compression of ['x32', 'x4']) {
    for (const distance of ['Euclid', 'Manhattan', 'Cosine'] as Distance[]) {
      const metric = metricFor(distance);
      const vectors = data.data.map((v) => metric.prepare(v));
      const quantizer = createQuantizer({ product: { compression } }, 100, metric, { maxIterations: 3 }) as ProductQuantizer;
      quantizer.train(vectors);
      vectors.forEach((v, i) => quantizer.set(i, v));
      const subDim = compression === 'x32' ? 8 : 1;
      assert.equal(quantizer.m, Math.ceil(100 / subDim));
      assert.equal(quantizer.codeBytes, quantizer.m);
      // Decode through the checkpoint's documented byte layout: codes, then centroids.
      const { params, codes } = quantizer.save();
      const stride = Math.ceil(quantizer.m / 16) * 16;
      const centroids = new Float32Array(codes.slice(params.count * stride).buffer);
      const decode = (record: number): Float32Array => {
        const out = new Float32Array(100);
        for (let j = 0; j < quantizer.m; j++) {
          const c = codes[record * stride + j];
          for (let d = 0; d < subDim && j * subDim + d < 100; d++) out[j * subDim + d] = centroids[(j * 256 + c) * subDim + d];
        }
        return out;
      };
      for (const query of data.queries.map((q) => metric.prepare(q))) {
        const scorer = quantizer.scorer(query);
        const ids = [0, 17, 599, 300];
        scorer.ids().set(ids, scorer.idsBase);
        const out = scorer.score(ids.length);
        ids.forEach((id, i) => {
          const x = decode(id);
          let expected = 0;
          for (let d = 0; d < 100; d++) {
            if (distance === 'Euclid') expected += (query[d] - x[d]) ** 2;
            else if (distance === 'Manhattan') expected += Math.abs(query[d] - x[d]);
            else expected += (query[d] - x[d]) ** 2 / 2; // Cosine: |q - x̂|²/2 - 1
          }
          if (distance === 'Cosine') expected -= 1;
          const got = out[scorer.outBase + i];
          assert.ok(Math.abs(got - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `${compression} ${distance}: ${got} vs ${expected}`);
        });
      }
    }
  }
});

test('save/load round trip: identical scores, identical checkpoint, same codes for new records', () => {
  const data = clusteredDataset({ count: 500, queries: 3, dim: 100, clusters: 4, rank: 8, seed: 9 });
  for (const config of [{ scalar: { type: 'int8', quantile: 0.95 } }, { binary: {} }, { product: { compression: 'x16' } }]) {
    for (const distance of DISTANCES) {
      const metric = metricFor(distance);
      const vectors = data.data.map((v) => metric.prepare(v));
      const quantizer = createQuantizer(config, 100, metric, { maxIterations: 3 });
      quantizer.train(vectors.slice(0, 300));
      vectors.slice(0, 400).forEach((v, i) => quantizer.set(i, v));
      const saved = quantizer.save();
      // A checkpoint goes through JSON (params) and bytes (codes).
      const restored = loadQuantizer({ params: JSON.parse(JSON.stringify(saved.params)) as SavedQuantizer['params'], codes: saved.codes.slice() });
      assert.equal(restored.kind, quantizer.kind);
      assert.equal(restored.count, 400);
      assert.equal(restored.trained, true);
      for (let i = 400; i < 500; i++) { quantizer.set(i, vectors[i]); restored.set(i, vectors[i]); }
      assert.deepEqual(restored.save(), quantizer.save(), `${quantizer.kind} ${distance}`);
      const ids = Array.from({ length: 500 }, (_, i) => i);
      for (const query of data.queries.map((q) => metric.prepare(q))) {
        assert.deepEqual(scores(restored, query, ids), scores(quantizer, query, ids), `${quantizer.kind} ${distance}`);
      }
    }
  }
});

function scores(quantizer: Quantizer, query: Float32Array, ids: number[]): Float32Array {
  const scorer = quantizer.scorer(query);
  scorer.ids().set(ids, scorer.idsBase);
  return scorer.score(ids.length).slice(scorer.outBase, scorer.outBase + ids.length);
}

test('a damaged checkpoint is refused with RV_CHECKPOINT_CORRUPTED', () => {
  const metric = metricFor('Euclid');
  const vectors = clusteredDataset({ count: 300, queries: 1, dim: 32, clusters: 2, rank: 4, seed: 3 }).data;
  const quantizer = createQuantizer({ product: { compression: 'x8' } }, 32, metric, { maxIterations: 2 });
  quantizer.train(vectors);
  vectors.forEach((v, i) => quantizer.set(i, v));
  const { params, codes } = quantizer.save();
  assert.throws(() => loadQuantizer({ params, codes: codes.subarray(0, codes.length - 1) }), { code: 'RV_CHECKPOINT_CORRUPTED', message: /code bytes, expected/ });
  assert.throws(() => loadQuantizer({ params: { ...params, format: 2 as 1 }, codes }), { code: 'RV_CHECKPOINT_CORRUPTED', message: /unknown format 2/ });
  assert.throws(() => loadQuantizer({ params: { ...params, kind: 'scalar' }, codes }), { code: 'RV_CHECKPOINT_CORRUPTED', message: /does not match its config/ });
  const badConfig = { product: { compression: 'x3' } } as unknown as SavedQuantizer['params']['config'];
  assert.throws(() => loadQuantizer({ params: { ...params, config: badConfig }, codes }), { code: 'RV_CHECKPOINT_CORRUPTED', message: /config is invalid/ });
  assert.throws(() => loadQuantizer({ params: { ...params, distance: 'Hamming' as Distance }, codes }), { code: 'RV_CHECKPOINT_CORRUPTED' });
  assert.throws(() => loadQuantizer({ params: { ...params, m: 3 }, codes }), { code: 'RV_CHECKPOINT_CORRUPTED', message: /sub-spaces/ });
});

test('SIMD and TypeScript kernels give the same codes and scores', () => {
  const data = clusteredDataset({ count: 400, queries: 3, dim: 100, clusters: 4, rank: 8, seed: 21 });
  for (const config of [{ scalar: { type: 'int8' } }, { binary: {} }, { product: { compression: 'x16' } }, { product: { compression: 'x4' } }]) {
    for (const distance of DISTANCES) {
      const metric = metricFor(distance);
      const vectors = data.data.map((v) => metric.prepare(v));
      const simd = createQuantizer(config, 100, metric, { maxIterations: 2 });
      const js = createQuantizer(config, 100, metric, { maxIterations: 2, preferJs: true });
      simd.train(vectors.slice(0, 300));
      js.train(vectors.slice(0, 300));
      vectors.forEach((v, i) => { simd.set(i, v); js.set(i, v); });
      const label = `${simd.kind} ${JSON.stringify(config)} ${distance}`;
      // Same parameters and codes: k-means assigns with the l2sq kernel of either build.
      assert.deepEqual(js.save(), simd.save(), label);
      const ids = Array.from({ length: 400 }, (_, i) => 399 - i);
      for (const query of data.queries.map((q) => metric.prepare(q))) {
        const a = scores(simd, query, ids);
        const b = scores(js, query, ids);
        if (simd.kind === 'product') {
          // The table comes from float kernels and pq_batch sums in f32 (SIMD) or f64 (TypeScript):
          // equal up to f32 rounding of terms as large as the largest distance in the batch.
          const scale = 1 + a.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
          a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * scale, `${label}: ${v} vs ${b[i]}`));
        } else {
          assert.deepEqual(a, b, label);
        }
      }
    }
  }
});

test('memory per record: int8 4x, binary 32x, PQ per compression (codes padded to 16 bytes)', () => {
  const dim = 128;
  const bytes = (config: unknown, distance: Distance): number => createQuantizer(config, dim, metricFor(distance), { initialCapacity: 1 }).recordBytes;
  assert.equal(bytes({ scalar: { type: 'int8' } }, 'Euclid'), 128);
  assert.equal(bytes({ scalar: { type: 'int8' } }, 'Cosine'), 128);
  assert.equal(bytes({ scalar: { type: 'int8' } }, 'Dot'), 132); // + f32 dot-product term
  assert.equal(bytes({ binary: {} }, 'Cosine'), 16);
  assert.equal(bytes({ binary: {} }, 'Euclid'), 20); // + f32 norm
  assert.equal(bytes({ product: { compression: 'x4' } }, 'Euclid'), 128);
  assert.equal(bytes({ product: { compression: 'x8' } }, 'Euclid'), 64);
  assert.equal(bytes({ product: { compression: 'x16' } }, 'Euclid'), 32);
  assert.equal(bytes({ product: { compression: 'x32' } }, 'Euclid'), 16);
  assert.equal(bytes({ product: { compression: 'x64' } }, 'Euclid'), 16); // 8-byte code, 16-byte stride
  assert.equal(bytes({ product: { compression: 'x16' } }, 'Dot'), 36);
  const quantizer = createQuantizer({ scalar: { type: 'int8' } }, dim, metricFor('Euclid'), { initialCapacity: 1 });
  quantizer.train([new Float32Array(dim).fill(1)]);
  for (let i = 0; i < 2000; i++) quantizer.set(i, new Float32Array(dim));
  assert.ok(quantizer.memoryBytes() >= 2000 * 128);
});

test('training: required before use, sliced by trainSteps, and re-training drops old codes', () => {
  const metric = metricFor('Euclid');
  const vectors = clusteredDataset({ count: 400, queries: 1, dim: 16, clusters: 2, rank: 4, seed: 4 }).data;
  const quantizer = createQuantizer({ product: { compression: 'x16' } }, 16, metric, { maxIterations: 3 });
  assert.equal(quantizer.trained, false);
  assert.throws(() => quantizer.set(0, vectors[0]), { code: 'RV_INTERNAL', message: /before train\(\)/ });
  assert.throws(() => quantizer.scorer(vectors[0]), { code: 'RV_INTERNAL' });
  assert.throws(() => quantizer.train([]), { code: 'RV_QUANTIZATION_INVALID', message: /at least one training vector/ });
  assert.throws(() => quantizer.train([new Float32Array(15)]), { code: 'RV_POINT_DIMENSION', message: /has 15 dimensions, the quantizer expects 16/ });
  let steps = 0;
  for (const _ of quantizer.trainSteps(vectors)) {
    steps++;
    assert.equal(quantizer.trained, false, 'parameters change only when training completes');
  }
  assert.ok(steps >= 4, `4 sub-spaces, at least one k-means round each: ${steps} steps`);
  assert.equal(quantizer.trained, true);
  vectors.forEach((v, i) => quantizer.set(i, v));
  assert.equal(quantizer.count, 400);
  assert.throws(() => quantizer.set(0, new Float32Array(17)), { code: 'RV_POINT_DIMENSION' });
  quantizer.train(vectors.slice(0, 100));
  assert.equal(quantizer.count, 0);
});

test('training on fewer points than 256 centroids, or on constant data, still encodes', () => {
  const metric = metricFor('Euclid');
  const few = clusteredDataset({ count: 20, queries: 1, dim: 8, clusters: 2, rank: 2, seed: 8 }).data;
  for (const compression of ['x8', 'x4']) {
    const quantizer = createQuantizer({ product: { compression } }, 8, metric);
    quantizer.train(few);
    few.forEach((v, i) => quantizer.set(i, v));
    // Each training point is its own centroid: its code distance to itself is 0.
    const scorer = quantizer.scorer(few[3]);
    scorer.ids().set([3], scorer.idsBase);
    assert.ok(Math.abs(scorer.score(1)[scorer.outBase]) < 1e-9, compression);
  }
  const constant = Array.from({ length: 10 }, () => new Float32Array(8).fill(0.5));
  for (const config of [{ scalar: { type: 'int8' } }, { binary: {} }, { product: { compression: 'x8' } }]) {
    const quantizer = createQuantizer(config, 8, metric);
    quantizer.train(constant);
    quantizer.set(0, constant[0]);
    const scorer = quantizer.scorer(constant[0]);
    scorer.ids().set([0], scorer.idsBase);
    assert.ok(Number.isFinite(scorer.score(1)[scorer.outBase]), JSON.stringify(config));
  }
});
