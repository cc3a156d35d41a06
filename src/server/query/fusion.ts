/**
 * Fusion of ranked lists (the universal query's `{fusion}` over prefetch stages).
 *
 * - Reciprocal rank fusion: Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms
 *   Condorcet and individual Rank Learning Methods", SIGIR 2009: score(d) = Σ_i w_i / (k + r_i(d)),
 *   ranks from 1, k = 60 as in the paper.
 * - Distribution-based score fusion (Qdrant's `dbsf`): each list's scores are mapped linearly
 *   so that mean − 3σ → 0 and mean + 3σ → 1 (clamped), then summed per point.
 *
 * Inputs are lists best-first with higher-is-better scores; output is best-first.
 */

export const DEFAULT_RRF_K = 60;

/** A list entry: the point's key, its score in that list (higher-better), the point. */
export interface Ranked<T> {
  key: string;
  score: number;
  item: T;
}

function sortFused<T>(fused: Map<string, Ranked<T>>): Ranked<T>[] {
  // Ties keep first-seen order (Array.prototype.sort is stable).
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/**
 * Reciprocal rank fusion of best-first lists (optionally weighted per list); returns best-first.
 * @example fuseRrf([[a, b], [b]], { k: 60 }) // b first: 1/62 + 1/61 > 1/61 */
export function fuseRrf<T>(lists: readonly (readonly Ranked<T>[])[], options: { k?: number; weights?: readonly number[] } = {}): Ranked<T>[] {
  const k = options.k ?? DEFAULT_RRF_K;
  const fused = new Map<string, Ranked<T>>();
  lists.forEach((list, i) => {
    const weight = options.weights?.[i] ?? 1;
    list.forEach((entry, rank) => {
      const contribution = weight / (k + rank + 1);
      const seen = fused.get(entry.key);
      if (seen === undefined) fused.set(entry.key, { key: entry.key, item: entry.item, score: contribution });
      else seen.score += contribution;
    });
  });
  return sortFused(fused);
}

/** Distribution-based score fusion of best-first lists; returns best-first. */
export function fuseDbsf<T>(lists: readonly (readonly Ranked<T>[])[]): Ranked<T>[] {
  const fused = new Map<string, Ranked<T>>();
  for (const list of lists) {
    if (list.length === 0) continue;
    const mean = list.reduce((s, e) => s + e.score, 0) / list.length;
    const sigma = Math.sqrt(list.reduce((s, e) => s + (e.score - mean) ** 2, 0) / list.length);
    const low = mean - 3 * sigma;
    const span = 6 * sigma;
    for (const entry of list) {
      // A list whose scores are all equal carries no spread: each entry counts as the middle.
      const normalised = span === 0 ? 0.5 : Math.min(1, Math.max(0, (entry.score - low) / span));
      const seen = fused.get(entry.key);
      if (seen === undefined) fused.set(entry.key, { key: entry.key, item: entry.item, score: normalised });
      else seen.score += normalised;
    }
  }
  return sortFused(fused);
}
