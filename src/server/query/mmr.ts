/**
 * Maximal marginal relevance re-ranking: Carbonell & Goldstein, "The Use of MMR,
 * Diversity-Based Reranking for Reordering Documents and Producing Summaries", SIGIR 1998,
 * section 2. Greedily picks the candidate maximising
 *
 *   λ · Sim1(d, q) − (1 − λ) · max_{d' ∈ S} Sim2(d, d')
 *
 * over the candidates not yet selected, where S is the selection so far. Qdrant's parameter is
 * `diversity` = 1 − λ. The running maximum similarity to S is updated with each pick, so a
 * selection of k among n costs O(n·k) similarity evaluations.
 */
import type { Distance } from '../../core/types.js';

export interface MmrOptions {
  /** 0 = relevance only, 1 = diversity only. */
  diversity: number;
  /** How many to select. */
  limit: number;
}

/**
 * Returns the indices of the selected candidates, in selection order.
 * @param relevance Sim1 of each candidate to the query, higher = more relevant.
 * @param similarity Sim2 between two candidates, higher = more alike.
 * @example selectByMmr([0.9, 0.89, 0.5], (i, j) => (i + j === 1 ? 1 : 0), { diversity: 0.5, limit: 2 }) // [0, 2]
 */
export function selectByMmr(relevance: readonly number[], similarity: (i: number, j: number) => number, options: MmrOptions): number[] {
  const n = relevance.length;
  const lambda = 1 - options.diversity;
  const selected: number[] = [];
  const taken = new Uint8Array(n);
  const maxSimilarity = new Float64Array(n).fill(-Infinity);
  while (selected.length < Math.min(options.limit, n)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (taken[i] === 1) continue;
      // Before the first pick S is empty: the most relevant candidate goes first.
      const value = selected.length === 0 ? relevance[i] : lambda * relevance[i] - (1 - lambda) * maxSimilarity[i];
      if (best === -1 || value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    taken[best] = 1;
    selected.push(best);
    for (let i = 0; i < n; i++) {
      if (taken[i] === 0) maxSimilarity[i] = Math.max(maxSimilarity[i], similarity(i, best));
    }
  }
  return selected;
}

/**
 * Similarity of two stored vectors under a collection's distance, higher = more alike:
 * the dot product for Cosine (stored normalised) and Dot, the negated distance otherwise.
 */
export function vectorSimilarity(distance: Distance, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
      return sum;
    case 'Euclid':
      for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
      return -Math.sqrt(sum);
    case 'Manhattan':
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
      return -sum;
  }
}
