/**
 * Exact (flat) search: scores a list of ids with a BatchScorer, in batches of the scorer's
 * maxBatch, keeping the best `capacity` in a max-heap. Used below full_scan_threshold, for
 * `exact: true`, for the not-yet-linked tail of HNSW, and as the oracle in tests.
 */
import type { BatchScorer } from '../distance/scorer.js';
import { MaxHeap } from '../util/heap.js';

export interface Neighbor {
  id: number;
  /** Internal distance: lower is closer. */
  distance: number;
}

/**
 * Scores `ids[start, end)` and pushes each accepted id into `results`, keeping at most
 * `capacity` entries (the closest). `maxDistance` drops anything farther.
 */
export function scanInto(
  scorer: BatchScorer,
  ids: ArrayLike<number>,
  results: MaxHeap,
  options: { capacity: number; start?: number; end?: number; accept?: (id: number) => boolean; maxDistance?: number },
): void {
  const { capacity, accept } = options;
  const maxDistance = options.maxDistance ?? Infinity;
  const end = options.end ?? ids.length;
  let i = options.start ?? 0;
  const batch = scorer.maxBatch;
  while (i < end) {
    const idsView = scorer.ids();
    const idsBase = scorer.idsBase;
    let n = 0;
    while (i < end && n < batch) {
      const id = ids[i++];
      if (accept === undefined || accept(id)) idsView[idsBase + n++] = id;
    }
    if (n === 0) continue;
    const out = scorer.score(n);
    const outBase = scorer.outBase;
    const idsAfter = scorer.ids();
    for (let j = 0; j < n; j++) {
      const d = out[outBase + j];
      if (d > maxDistance) continue;
      if (results.size < capacity) results.push(d, idsAfter[idsBase + j]);
      else if (d < results.topKey()) results.replaceTop(d, idsAfter[idsBase + j]);
    }
  }
}

/** Exact top-k over `ids`: the closest first. */
export function exactSearch(
  scorer: BatchScorer,
  ids: ArrayLike<number>,
  k: number,
  options: { accept?: (id: number) => boolean; maxDistance?: number } = {},
): Neighbor[] {
  const heap = new MaxHeap(Math.max(16, k + 1));
  scanInto(scorer, ids, heap, { capacity: k, ...options });
  const { ids: sorted, keys } = heap.drainAscending();
  return sorted.map((id, i) => ({ id, distance: keys[i] }));
}
