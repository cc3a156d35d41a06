/**
 * Filtered-search rows of the index bench: the index's in-traversal filter at 10% and 1%
 * selectivity, recall against the exact filtered top-k. (Quantized rows join here once the
 * quantizers land.)
 */
import type { Dataset } from './dataset.js';
import type { HnswIndex } from '../src/core/index/hnsw-index.js';
import { exactSearch } from '../src/core/index/exact-scan.js';
import { recallAtK } from './dataset.js';

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
  return { filtered };
}
