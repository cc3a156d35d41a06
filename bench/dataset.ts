/**
 * Seeded synthetic benchmark data: `count` vectors around `centres` Gaussian centres
 * (centres uniform in [-10, 10]^dim, points at σ around them), queries drawn the same way,
 * and exact ground truth computed by brute force.
 */
import { mulberry32 } from '../src/core/util/random.js';

export interface Dataset {
  dim: number;
  base: Float32Array[];
  queries: Float32Array[];
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function clusteredDataset(options: { count: number; queries: number; dim: number; centres: number; sigma: number; seed: number }): Dataset {
  const rand = mulberry32(options.seed);
  const centres = Array.from({ length: options.centres }, () => Float32Array.from({ length: options.dim }, () => rand() * 20 - 10));
  const draw = (): Float32Array => {
    const c = centres[Math.floor(rand() * centres.length)];
    return Float32Array.from(c, (x) => x + gaussian(rand) * options.sigma);
  };
  return {
    dim: options.dim,
    base: Array.from({ length: options.count }, draw),
    queries: Array.from({ length: options.queries }, draw),
  };
}

/** Exact k nearest neighbours (as indexes into base) for every query, by brute force in float64. */
export function groundTruth(data: Dataset, k: number, distance: 'Euclid' | 'Cosine'): Int32Array[] {
  const prep = (v: Float32Array): Float64Array => {
    const out = Float64Array.from(v);
    if (distance === 'Cosine') {
      const n = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
      for (let i = 0; i < out.length; i++) out[i] /= n;
    }
    return out;
  };
  const base = data.base.map(prep);
  return data.queries.map((q0) => {
    const q = prep(q0);
    const best: { i: number; d: number }[] = [];
    for (let i = 0; i < base.length; i++) {
      const b = base[i];
      let d = 0;
      if (distance === 'Euclid') for (let j = 0; j < q.length; j++) { const t = q[j] - b[j]; d += t * t; }
      else { for (let j = 0; j < q.length; j++) d -= q[j] * b[j]; }
      if (best.length < k) { best.push({ i, d }); best.sort((a, c) => a.d - c.d); }
      else if (d < best[k - 1].d) { best[k - 1] = { i, d }; best.sort((a, c) => a.d - c.d); }
    }
    return Int32Array.from(best.map((b) => b.i));
  });
}

export function recallAtK(found: ArrayLike<number>[], truth: Int32Array[], k: number): number {
  let hits = 0;
  for (let q = 0; q < truth.length; q++) {
    const t = new Set(Array.from(truth[q].subarray(0, k)));
    const f = found[q];
    for (let i = 0; i < Math.min(k, f.length); i++) if (t.has(f[i])) hits++;
  }
  return hits / (truth.length * k);
}
