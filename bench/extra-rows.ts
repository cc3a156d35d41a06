/**
 * Extra rows of the index bench: filtered search (the index's in-traversal filter at 10% and
 * 1% selectivity, and the exact scan of the matching set the planner uses below
 * full_scan_threshold), and quantized search (graph traversal on int8 / binary / PQ codes,
 * oversampling, exact rescoring), recall against exact search.
 */
import type { Dataset } from './dataset.js';
import type { HnswIndex } from '../src/core/index/hnsw-index.js';
import { exactSearch } from '../src/core/index/exact-scan.js';
import { recallAtK } from './dataset.js';
import { createQuantizer } from '../src/core/quantization/index.js';

export async function extraRows(options: {
  data: Dataset; truthK: number; distance: 'Euclid' | 'Cosine'; index: HnswIndex; queries: Float32Array[]; log: (s: string) => void;
}): Promise<Record<string, unknown>> {
  const { index, queries, truthK: k, log } = options;
  const filtered: Record<string, unknown>[] = [];
  for (const selectivity of [0.1, 0.01]) {
    const modulus = Math.round(1 / selectivity);
    const accept = (id: number): boolean => id % modulus === 0;
    const allowed = index.liveIds().filter(accept);
    const truth = queries.map((q) => Int32Array.from(exactSearch(index.vectors.scorer(q), allowed, k).map((n) => n.id)));
    for (const ef of [64, 128]) {
      const found: number[][] = [];
      const start = performance.now();
      for (const q of queries) found.push(index.search(q, { k, ef, accept }).map((n) => n.id));
      const seconds = (performance.now() - start) / 1000;
      const row = { selectivity, ef, recall: recallAtK(found, truth, k), qps: queries.length / seconds, full_results: found.every((f) => f.length === k) };
      filtered.push(row);
      log(`  filtered ${String(selectivity * 100).padStart(3)}% ef=${ef}: recall@10=${row.recall.toFixed(4)} ${row.qps.toFixed(0)} q/s, always ${k} results: ${row.full_results}`);
    }
    const start = performance.now();
    for (const q of queries) exactSearch(index.vectors.scorer(q), allowed, k);
    log(`  filtered ${String(selectivity * 100).padStart(3)}% exact scan of the matching set: ${(queries.length / ((performance.now() - start) / 1000)).toFixed(0)} q/s`);
  }
  const quantized: Record<string, unknown>[] = [];
  const live = index.liveIds();
  const truth = queries.map((q) => Int32Array.from(exactSearch(index.vectors.scorer(q), live, k).map((n) => n.id)));
  const configs: [string, unknown, number][] = [
    ['int8', { scalar: { type: 'int8', quantile: 0.99 } }, 2],
    ['binary', { binary: {} }, 4],
    ['pq_x16', { product: { compression: 'x16' } }, 4],
  ];
  for (const [name, config, oversampling] of configs) {
    const quantizer = createQuantizer(config, index.dim, index.vectors.metric);
    const trainStart = performance.now();
    const step = Math.max(1, Math.floor(live.length / 10000));
    const sample: Float32Array[] = [];
    for (let i = 0; i < live.length; i += step) sample.push(index.vectors.get(live[i]));
    quantizer.train(sample);
    for (const id of live) quantizer.set(id, index.vectors.get(id));
    const trainSeconds = (performance.now() - trainStart) / 1000;
    for (const ef of [64, 128]) {
      const found: number[][] = [];
      const start = performance.now();
      for (const q of queries) {
        const candidates = index.search(q, { k: k * oversampling, ef: Math.max(ef, k * oversampling), scorer: quantizer.scorer(q) });
        found.push(exactSearch(index.vectors.scorer(q), candidates.map((n) => n.id), k).map((n) => n.id));
      }
      const seconds = (performance.now() - start) / 1000;
      const row = { quantization: name, oversampling, ef, recall: recallAtK(found, truth, k), qps: queries.length / seconds, memory_ratio: (index.dim * 4) / quantizer.recordBytes, train_s: trainSeconds };
      quantized.push(row);
      log(`  quantized ${name.padEnd(7)} ef=${ef} oversampling=${oversampling}: recall@10=${row.recall.toFixed(4)} ${row.qps.toFixed(0)} q/s, ${row.memory_ratio.toFixed(1)}x smaller, trained in ${trainSeconds.toFixed(1)} s`);
    }
  }
  return { filtered, quantized };
}
