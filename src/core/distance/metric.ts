/**
 * A metric turns Qdrant's distance names into the index's internal "lower is closer"
 * distance and back into the score users see:
 *
 * | distance  | stored vector      | internal distance | score (as Qdrant reports it) |
 * |-----------|--------------------|-------------------|------------------------------|
 * | Cosine    | normalised to |1|  | -dot              | dot (cosine similarity), desc |
 * | Dot       | as given           | -dot              | dot, desc                     |
 * | Euclid    | as given           | squared L2        | sqrt(L2²), asc                |
 * | Manhattan | as given           | L1                | L1, asc                       |
 */
import type { Distance } from '../types.js';
import type { BatchKernel, Kernels } from './kernels.js';

export interface Metric {
  readonly distance: Distance;
  /** True when a higher score is better (Cosine, Dot). */
  readonly higherIsBetter: boolean;
  /** The float kernel computing the raw value (l2sq, dot or l1). */
  kernel(kernels: Kernels): BatchKernel;
  /** Raw kernel output → internal distance (lower is closer). */
  readonly negate: boolean;
  /** Internal distance → user-facing score. */
  toScore(internalDistance: number): number;
  /** User score threshold → bound on internal distance (points with distance <= bound pass). */
  scoreThresholdToDistance(threshold: number): number;
  /** Prepares a vector for storage or querying (normalises for Cosine); returns a new array. */
  prepare(vector: ArrayLike<number>): Float32Array;
}

function normalise(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

const METRICS: Record<Distance, Metric> = {
  Cosine: {
    distance: 'Cosine', higherIsBetter: true, negate: true,
    kernel: (k) => k.dot_batch,
    toScore: (d) => -d,
    scoreThresholdToDistance: (t) => -t,
    prepare: normalise,
  },
  Dot: {
    distance: 'Dot', higherIsBetter: true, negate: true,
    kernel: (k) => k.dot_batch,
    toScore: (d) => -d,
    scoreThresholdToDistance: (t) => -t,
    prepare: (v) => Float32Array.from(v),
  },
  Euclid: {
    distance: 'Euclid', higherIsBetter: false, negate: false,
    kernel: (k) => k.l2sq_batch,
    toScore: (d) => Math.sqrt(Math.max(d, 0)),
    scoreThresholdToDistance: (t) => (t < 0 ? -1 : t * t),
    prepare: (v) => Float32Array.from(v),
  },
  Manhattan: {
    distance: 'Manhattan', higherIsBetter: false, negate: false,
    kernel: (k) => k.l1_batch,
    toScore: (d) => d,
    scoreThresholdToDistance: (t) => t,
    prepare: (v) => Float32Array.from(v),
  },
};

export function metricFor(distance: Distance): Metric {
  return METRICS[distance];
}
