/**
 * `npm run bench` — RuVector's HNSW against usearch and hnswlib-node on the same seeded data,
 * single thread, in one run. Not a test: it prints figures and writes
 * bench/results/<timestamp>.json and bench/results/latest.json.
 *
 *   npm run bench                 100,000 × 128-d, 1,000 Gaussian centres (σ 0.5), 1,000 queries
 *   npm run bench -- --quick      20,000 points (under a minute)
 *   npm run bench -- --no-baselines
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { clusteredDataset, recallAtK, type Dataset } from './dataset.js';
import { HnswIndex } from '../src/core/index/hnsw-index.js';
import { exactSearch } from '../src/core/index/exact-scan.js';
import { metricFor } from '../src/core/distance/metric.js';
import { VectorStore } from '../src/core/index/vector-store.js';
import { extraRows } from './extra-rows.js';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const baselines = !args.has('--no-baselines');
const COUNT = quick ? 20_000 : 100_000;
const QUERIES = 1_000;
const DIM = 128;
const K = 10;
const EFS = [10, 16, 24, 32, 48, 64, 96, 128];
const M = 16;
const EF_CONSTRUCTION = 100;

type Row = { ef: number; recall: number; qps: number };
type DistanceName = 'Euclid' | 'Cosine';

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, (performance.now() - start) / 1000];
}

/** Exact ground truth with RuVector's own exact scan (brute force over every point). */
function groundTruth(data: Dataset, distance: DistanceName): Int32Array[] {
  const metric = metricFor(distance);
  const store = new VectorStore({ dim: data.dim, metric, initialCapacity: data.base.length });
  data.base.forEach((v, i) => store.set(i, metric.prepare(v)));
  const all = Int32Array.from({ length: data.base.length }, (_, i) => i);
  return data.queries.map((q) => Int32Array.from(exactSearch(store.scorer(metric.prepare(q)), all, K).map((n) => n.id)));
}

function qpsAt(rows: Row[], recall: number): number {
  return Math.max(0, ...rows.filter((r) => r.recall >= recall).map((r) => r.qps));
}

function summarise(name: string, rows: Row[]): void {
  for (const r of rows) log(`  ${name.padEnd(10)} ef=${String(r.ef).padStart(3)}  recall@10=${r.recall.toFixed(4)}  ${r.qps.toFixed(0).padStart(6)} q/s`);
}

function benchRuVector(data: Dataset, truth: Int32Array[], distance: DistanceName) {
  const metric = metricFor(distance);
  const heapBefore = process.memoryUsage();
  const index = new HnswIndex({ dim: data.dim, metric, m: M, efConstruction: EF_CONSTRUCTION, seed: 7, initialCapacity: data.base.length });
  const prepared = data.base.map((v) => metric.prepare(v));
  const [, buildSeconds] = timed(() => {
    prepared.forEach((v, i) => index.upsert(i, v));
    index.linkPending();
  });
  const memoryBytes = index.memoryBytes();
  const rssGrowth = process.memoryUsage().rss - heapBefore.rss;
  const queries = data.queries.map((q) => metric.prepare(q));
  const rows: Row[] = EFS.map((ef) => {
    index.search(queries[0], { k: K, ef }); // warm-up
    const found: number[][] = [];
    const [, seconds] = timed(() => { for (const q of queries) found.push(index.search(q, { k: K, ef }).map((n) => n.id)); });
    return { ef, recall: recallAtK(found, truth, K), qps: queries.length / seconds };
  });
  return { index, queries, buildVectorsPerSecond: data.base.length / buildSeconds, buildSeconds, memoryBytes, rssGrowthBytes: rssGrowth, rows };
}

function benchUsearch(data: Dataset, truth: Int32Array[], distance: DistanceName) {
  const usearch = require('usearch') as typeof import('usearch');
  const metric = distance === 'Euclid' ? usearch.MetricKind.L2sq : usearch.MetricKind.Cos;
  const make = (ef: number) => new usearch.Index({ dimensions: data.dim, metric, quantization: usearch.ScalarKind.F32, connectivity: M, expansion_add: EF_CONSTRUCTION, expansion_search: ef, multi: false });
  const flat = new Float32Array(data.base.length * data.dim);
  data.base.forEach((v, i) => flat.set(v, i * data.dim));
  const keys = BigUint64Array.from({ length: data.base.length }, (_, i) => BigInt(i));
  const built = make(EF_CONSTRUCTION);
  const [, buildSeconds] = timed(() => built.add(keys, flat, 1));
  // usearch's JS binding sets expansion_search only at construction: save once, then load
  // the same graph into an index constructed with each ef.
  const dir = join(tmpdir(), `rv-bench-usearch-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.usearch');
  built.save(file);
  try {
    const rows: Row[] = EFS.map((ef) => {
      const index = make(ef);
      index.load(file);
      index.search(data.queries[0], K, 1);
      const found: number[][] = [];
      const [, seconds] = timed(() => {
        for (const q of data.queries) found.push(Array.from(index.search(q, K, 1).keys, Number));
      });
      return { ef, recall: recallAtK(found, truth, K), qps: data.queries.length / seconds };
    });
    return { buildVectorsPerSecond: data.base.length / buildSeconds, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchHnswlib(data: Dataset, truth: Int32Array[], distance: DistanceName) {
  const hnswlib = require('hnswlib-node') as typeof import('hnswlib-node');
  const index = new hnswlib.HierarchicalNSW(distance === 'Euclid' ? 'l2' : 'cosine', data.dim);
  index.initIndex({ maxElements: data.base.length, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 7 });
  const base = data.base.map((v) => Array.from(v));
  const [, buildSeconds] = timed(() => base.forEach((v, i) => index.addPoint(v, i)));
  const queries = data.queries.map((q) => Array.from(q));
  const rows: Row[] = EFS.map((ef) => {
    index.setEf(ef);
    const found: number[][] = [];
    const [, seconds] = timed(() => { for (const q of queries) found.push(index.searchKnn(q, K).neighbors); });
    return { ef, recall: recallAtK(found, truth, K), qps: queries.length / seconds };
  });
  return { buildVectorsPerSecond: data.base.length / buildSeconds, rows };
}

const results: Record<string, unknown> = {
  timestamp: new Date().toISOString(),
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
  dataset: { count: COUNT, queries: QUERIES, dim: DIM, centres: 1000, sigma: 0.5, seed: 1 },
  params: { m: M, ef_construct: EF_CONSTRUCTION, k: K, threads: 1 },
};

log(`RuVector index bench: ${COUNT} × ${DIM}-d, ${QUERIES} queries${quick ? ' (quick)' : ''}`);
const data = clusteredDataset({ count: COUNT, queries: QUERIES, dim: DIM, centres: 1000, sigma: 0.5, seed: 1 });
for (const distance of ['Euclid', 'Cosine'] as const) {
  log(`\n== ${distance}`);
  const [truth, gtSeconds] = timed(() => groundTruth(data, distance));
  log(`ground truth: ${gtSeconds.toFixed(1)} s (exact scan)`);
  const ours = benchRuVector(data, truth, distance);
  log(`ruvector build: ${ours.buildVectorsPerSecond.toFixed(0)} vectors/s (${ours.buildSeconds.toFixed(1)} s), index memory ${(ours.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
  summarise('ruvector', ours.rows);
  const entry: Record<string, unknown> = {
    build_vectors_per_s: ours.buildVectorsPerSecond,
    memory_bytes: ours.memoryBytes,
    rows: ours.rows,
    qps_at_095: qpsAt(ours.rows, 0.95),
    qps_at_099: qpsAt(ours.rows, 0.99),
  };
  if (baselines) {
    const us = benchUsearch(data, truth, distance);
    log(`usearch build: ${us.buildVectorsPerSecond.toFixed(0)} vectors/s (1 thread)`);
    summarise('usearch', us.rows);
    const hl = benchHnswlib(data, truth, distance);
    log(`hnswlib build: ${hl.buildVectorsPerSecond.toFixed(0)} vectors/s`);
    summarise('hnswlib', hl.rows);
    Object.assign(entry, {
      usearch: { build_vectors_per_s: us.buildVectorsPerSecond, rows: us.rows },
      hnswlib: { build_vectors_per_s: hl.buildVectorsPerSecond, rows: hl.rows },
      usearch_qps_at_095: qpsAt(us.rows, 0.95),
      usearch_qps_at_099: qpsAt(us.rows, 0.99),
      hnswlib_qps_at_099: qpsAt(hl.rows, 0.99),
      ratio_vs_usearch_099: qpsAt(us.rows, 0.99) > 0 ? qpsAt(ours.rows, 0.99) / qpsAt(us.rows, 0.99) : null,
      ratio_vs_hnswlib_099: qpsAt(hl.rows, 0.99) > 0 ? qpsAt(ours.rows, 0.99) / qpsAt(hl.rows, 0.99) : null,
    });
  }
  Object.assign(entry, await extraRows({ data, truthK: K, distance, index: ours.index, queries: ours.queries, log }));
  log(`qps@0.95=${(entry.qps_at_095 as number).toFixed(0)}  qps@0.99=${(entry.qps_at_099 as number).toFixed(0)}` +
    (baselines ? `  usearch qps@0.99=${(entry.usearch_qps_at_099 as number).toFixed(0)}  ratio=${(entry.ratio_vs_usearch_099 as number | null)?.toFixed(2)}` : ''));
  results[distance === 'Euclid' ? 'l2' : 'cosine'] = entry;
}

// The headline figures of the issue, from the L2 run.
const l2 = results.l2 as Record<string, unknown>;
Object.assign(results, {
  build_vectors_per_s: l2.build_vectors_per_s,
  qps_at_095: l2.qps_at_095,
  qps_at_099: l2.qps_at_099,
  usearch_qps_at_099: l2.usearch_qps_at_099 ?? null,
  ratio_vs_usearch_099: l2.ratio_vs_usearch_099 ?? null,
});
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const text = `${JSON.stringify(results, null, 2)}\n`;
const stamp = (results.timestamp as string).replace(/[:.]/g, '-');
writeFileSync(new URL(`${stamp}${quick ? '-quick' : ''}.json`, dir), text);
if (!quick) writeFileSync(new URL('latest.json', dir), text);
log(`\nwrote bench/results/${stamp}${quick ? '-quick' : ''}.json${quick ? '' : ' and bench/results/latest.json'}`);
