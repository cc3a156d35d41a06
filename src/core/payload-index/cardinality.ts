/**
 * Cardinality estimates for the query planner, combined the way Qdrant's
 * `estimate_must` / `estimate_should` do: `min` and `max` are hard bounds, `expected`
 * assumes the conditions are independent.
 */

/** How many points a filter (or one of its conditions) matches. */
export interface CardinalityEstimate {
  readonly min: number;
  readonly expected: number;
  readonly max: number;
}

/** Fraction of points assumed to pass a condition nothing is known about. */
export const UNKNOWN_SELECTIVITY = 0.5;

export function exactEstimate(count: number): CardinalityEstimate {
  return { min: count, expected: count, max: count };
}

export function unknownEstimate(total: number): CardinalityEstimate {
  return { min: 0, expected: total * UNKNOWN_SELECTIVITY, max: total };
}

/** Clamps an estimate into 0 ≤ min ≤ expected ≤ max ≤ total. */
export function clampEstimate(estimate: CardinalityEstimate, total: number): CardinalityEstimate {
  const max = Math.max(0, Math.min(total, estimate.max));
  const min = Math.max(0, Math.min(max, estimate.min));
  return { min, expected: Math.min(max, Math.max(min, estimate.expected)), max };
}

/** All of the conditions hold. */
export function estimateAll(parts: readonly CardinalityEstimate[], total: number): CardinalityEstimate {
  if (parts.length === 0) return exactEstimate(total);
  let minSum = 0;
  let max = total;
  let expected = total;
  for (const part of parts) {
    minSum += part.min;
    max = Math.min(max, part.max);
    expected *= total === 0 ? 0 : part.expected / total;
  }
  // Inclusion–exclusion bound: |A ∩ B| ≥ |A| + |B| − total.
  const min = Math.max(0, minSum - (parts.length - 1) * total);
  return clampEstimate({ min, expected, max }, total);
}

/** At least one of the conditions holds. */
export function estimateAny(parts: readonly CardinalityEstimate[], total: number): CardinalityEstimate {
  if (parts.length === 0) return exactEstimate(0);
  let min = 0;
  let maxSum = 0;
  let missProbability = 1;
  for (const part of parts) {
    min = Math.max(min, part.min);
    maxSum += part.max;
    missProbability *= total === 0 ? 1 : 1 - part.expected / total;
  }
  return clampEstimate({ min, expected: total * (1 - missProbability), max: maxSum }, total);
}

/** The condition does not hold. */
export function estimateNot(part: CardinalityEstimate, total: number): CardinalityEstimate {
  return clampEstimate({ min: total - part.max, expected: total - part.expected, max: total - part.min }, total);
}

/** At least `minCount` of the conditions hold. */
export function estimateAtLeast(parts: readonly CardinalityEstimate[], minCount: number, total: number): CardinalityEstimate {
  const n = parts.length;
  if (minCount > n) return exactEstimate(0);
  let minSum = 0;
  let maxSum = 0;
  for (const part of parts) {
    minSum += part.min;
    maxSum += part.max;
  }
  // A point meeting fewer than minCount conditions meets at most minCount − 1 of them, one
  // meeting more meets at most n: Σ|Aᵢ| ≤ M·n + (total − M)(minCount − 1) bounds M below;
  // and Σ|Aᵢ| ≥ M·minCount bounds it above.
  const min = Math.ceil((minSum - total * (minCount - 1)) / (n - minCount + 1));
  const max = Math.floor(maxSum / minCount);
  // Expected: P(at least minCount successes) of independent trials (Poisson binomial DP).
  let distribution = new Float64Array(n + 1);
  distribution[0] = 1;
  for (const part of parts) {
    const p = total === 0 ? 0 : Math.min(1, Math.max(0, part.expected / total));
    const next = new Float64Array(n + 1);
    for (let k = 0; k <= n; k++) {
      if (distribution[k] === 0) continue;
      next[k] += distribution[k] * (1 - p);
      if (k < n) next[k + 1] += distribution[k] * p;
    }
    distribution = next;
  }
  let probability = 0;
  for (let k = minCount; k <= n; k++) probability += distribution[k];
  return clampEstimate({ min, expected: total * probability, max }, total);
}
