/**
 * The codebooks of product quantization: 256 centroids for each of m sub-spaces, trained with
 * Lloyd's k-means (Lloyd 1982, "Least squares quantization in PCM"), searched with the SIMD float
 * kernels, and turned into a query's distance table.
 *
 * Centroid c of sub-space j is record j·256 + c of a RecordStore of its own, so the batched
 * kernels score a sub-vector against all 256 centroids of a sub-space in one call (`base` =
 * the sub-space's first record). A JS copy (`centroids`) is the source of truth for checkpoints
 * and for 1-dimensional sub-spaces.
 *
 * 1-dimensional sub-spaces (compression x4) are special-cased: there k-means clusters are
 * intervals, so the centroids stay sorted, assignment is a merge of sorted values and encoding
 * a binary search, instead of 256 comparisons per value.
 */
import type { Kernels } from '../distance/kernels.js';
import { RecordStore } from '../distance/record-store.js';
import { sampleIndices } from './quantizer.js';

/** Centroids per sub-space: one byte of code each. */
export const CENTROIDS = 256;
/** Points assigned between two yields of training (each scores 256 centroids). */
const ASSIGNMENTS_PER_STEP = 1024;

export interface CodebookShape {
  dim: number;
  /** Dimensions of every sub-space but the last, which holds the remaining dim - (m-1)·subDim. */
  subDim: number;
  m: number;
}

/** The m × 256 centroids of a product quantizer, in JS and in a RecordStore the kernels search. */
export class Codebook {
  readonly dim: number;
  readonly subDim: number;
  readonly m: number;
  /** Centroid c of sub-space j at [(j·256 + c)·subDim, +dims(j)); the last sub-space's extra slots stay 0. */
  readonly centroids: Float32Array;
  /** Centroids in use per sub-space (fewer than 256 only when trained on fewer points). */
  centroidCount = CENTROIDS;
  private readonly store: RecordStore;
  private readonly lanes: number;
  private lastDistance = 0;

  constructor(private readonly kernels: Kernels, shape: CodebookShape) {
    this.dim = shape.dim;
    this.subDim = shape.subDim;
    this.m = shape.m;
    this.centroids = new Float32Array(this.m * CENTROIDS * this.subDim);
    this.store = new RecordStore(kernels, {
      recordBytes: this.subDim * 4, maxBatch: CENTROIDS, initialCapacity: this.m * CENTROIDS,
    });
    this.lanes = this.store.stride / 16;
    // The id list never changes: every kernel call scores centroids 0..count-1 of one sub-space.
    this.store.i32.set(Int32Array.from({ length: CENTROIDS }, (_, c) => c), this.store.idsPtr >> 2);
  }

  /** Dimensions of sub-space j. */
  dims(j: number): number {
    return j < this.m - 1 ? this.subDim : this.dim - (this.m - 1) * this.subDim;
  }

  /** Sets centroid c of sub-space j from values[from, from + dims(j)). */
  setCentroid(j: number, c: number, values: ArrayLike<number>, from: number): void {
    const dims = this.dims(j);
    const at = (j * CENTROIDS + c) * this.subDim;
    for (let t = 0; t < dims; t++) this.centroids[at + t] = values[from + t];
    const f32 = this.store.f32;
    const ptr = this.store.recordPtr(j * CENTROIDS + c) >> 2;
    for (let t = 0; t < dims; t++) f32[ptr + t] = values[from + t];
  }

  /** Copies sub-vector j of `vector` (from `from`) into the kernel query slot, zero-padded. */
  private writeQuery(j: number, vector: ArrayLike<number>, from: number): void {
    const f32 = this.store.f32;
    const ptr = this.store.queryPtr >> 2;
    const dims = this.dims(j);
    for (let t = 0; t < dims; t++) f32[ptr + t] = vector[from + t];
    // The last sub-space may be shorter: clear what a longer sub-vector left behind.
    f32.fill(0, ptr + dims, ptr + this.store.stride / 4);
  }

  /** The centroid of sub-space j nearest (squared L2) to vector[from, from + dims(j)); sets lastDistance. */
  nearest(j: number, vector: ArrayLike<number>, from: number): number {
    if (this.subDim === 1) return this.nearestSorted(j, vector[from]);
    this.writeQuery(j, vector, from);
    const s = this.store;
    const count = this.centroidCount;
    this.kernels.l2sq_batch(s.queryPtr, s.recordPtr(j * CENTROIDS), s.stride, s.idsPtr, count, this.lanes, s.outPtr);
    const out = s.f32;
    const base = s.outPtr >> 2;
    let best = 0;
    let bestDistance = out[base];
    for (let c = 1; c < count; c++) {
      if (out[base + c] < bestDistance) { bestDistance = out[base + c]; best = c; }
    }
    this.lastDistance = bestDistance;
    return best;
  }

  /** 1-D sub-spaces keep their centroids sorted: binary search for the nearest. */
  private nearestSorted(j: number, value: number): number {
    const centroids = this.centroids;
    const first = j * CENTROIDS;
    let lo = 0;
    let hi = this.centroidCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (centroids[first + mid] < value) lo = mid + 1; else hi = mid;
    }
    let best = Math.min(lo, this.centroidCount - 1);
    if (best > 0 && value - centroids[first + best - 1] <= Math.abs(centroids[first + best] - value)) best--;
    const d = value - centroids[first + best];
    this.lastDistance = d * d;
    return best;
  }

  /**
   * Writes the m-byte code of `vector` into `code`; returns the squared error |vector - decoded|²,
   * summed here in f64 rather than taken from the kernel, so that it is the same number whichever
   * kernels (SIMD f32 lanes or the TypeScript fallback) found the centroids.
   */
  encode(vector: Float32Array, code: Uint8Array): number {
    let error = 0;
    for (let j = 0; j < this.m; j++) {
      const c = this.nearest(j, vector, j * this.subDim);
      code[j] = c;
      const at = (j * CENTROIDS + c) * this.subDim;
      for (let t = 0, from = j * this.subDim, dims = this.dims(j); t < dims; t++) {
        const d = vector[from + t] - this.centroids[at + t];
        error += d * d;
      }
    }
    return error;
  }

  /**
   * Writes a query's distance table, table[j·256 + c] = factor · d(sub-vector j of `query`,
   * centroid c of sub-space j) with d squared L2 or L1, plus `shift` on row 0 only, into `target`
   * from index `targetBase`. Both distances are sums over dimensions, so the sum over j of
   * table[j·256 + code[j]] is factor · d(query, decoded code) + shift: the asymmetric distance
   * (ADC) of Jégou et al.
   */
  writeTable(query: Float32Array, distance: 'l2sq' | 'l1', target: Float32Array, targetBase: number, factor = 1, shift = 0): void {
    const kernel = distance === 'l2sq' ? this.kernels.l2sq_batch : this.kernels.l1_batch;
    const s = this.store;
    const outBase = s.outPtr >> 2;
    for (let j = 0; j < this.m; j++) {
      this.writeQuery(j, query, j * this.subDim);
      kernel(s.queryPtr, s.recordPtr(j * CENTROIDS), s.stride, s.idsPtr, CENTROIDS, this.lanes, s.outPtr);
      const out = s.f32;
      const row = targetBase + j * CENTROIDS;
      const rowShift = j === 0 ? shift : 0;
      for (let c = 0; c < CENTROIDS; c++) target[row + c] = factor * out[outBase + c] + rowShift;
    }
  }

  /**
   * Lloyd's k-means of sub-space j over `points` (n contiguous sub-vectors of dims(j) floats),
   * at most `maxIterations` rounds, fewer once under 0.5% of the points change cluster in a round;
   * yields after each round and every ASSIGNMENTS_PER_STEP points within one. Initial centroids are distinct random points; a centroid left without
   * points moves to the point farthest from its centroid.
   */
  *train(j: number, points: Float32Array, rand: () => number, maxIterations: number): Generator<void, void, void> {
    if (this.subDim === 1) {
      yield* this.trainSorted(j, points, maxIterations);
      return;
    }
    const dims = this.dims(j);
    const n = points.length / dims;
    const k = this.centroidCount;
    sampleIndices(n, k, rand).forEach((point, c) => this.setCentroid(j, c, points, point * dims));
    const assignment = new Int32Array(n).fill(-1);
    const distance = new Float64Array(n);
    const sums = new Float64Array(k * dims);
    const counts = new Int32Array(k);
    const centroid = new Float64Array(dims);
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      let changed = 0;
      for (let i = 0; i < n; i++) {
        const c = this.nearest(j, points, i * dims);
        if (c !== assignment[i]) { assignment[i] = c; changed++; }
        distance[i] = this.lastDistance;
        // A round over 10,000 points takes tens of ms: slice it for callers that interleave.
        if (i % ASSIGNMENTS_PER_STEP === ASSIGNMENTS_PER_STEP - 1) yield;
      }
      // Settled: the last few moves barely change the centroids (Lloyd converges slowly at the end).
      if (changed * 200 <= n) break;
      sums.fill(0);
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const c = assignment[i];
        counts[c]++;
        for (let t = 0; t < dims; t++) sums[c * dims + t] += points[i * dims + t];
      }
      for (let c = 0; c < k; c++) {
        if (counts[c] > 0) {
          for (let t = 0; t < dims; t++) centroid[t] = sums[c * dims + t] / counts[c];
          this.setCentroid(j, c, centroid, 0);
        } else {
          let farthest = 0;
          for (let i = 1; i < n; i++) if (distance[i] > distance[farthest]) farthest = i;
          distance[farthest] = -1; // each stray point seeds at most one empty cluster
          this.setCentroid(j, c, points, farthest * dims);
        }
      }
      yield;
    }
  }

  /** k-means in one dimension: clusters are intervals of the sorted values. */
  private *trainSorted(j: number, points: Float32Array, maxIterations: number): Generator<void, void, void> {
    const values = Float32Array.from(points).sort();
    const n = values.length;
    const k = this.centroidCount;
    const first = j * CENTROIDS;
    const distinct: number[] = [];
    for (let i = 0; i < n && distinct.length <= k; i++) if (i === 0 || values[i] !== values[i - 1]) distinct.push(values[i]);
    if (distinct.length <= k) {
      // Few distinct values: each gets a centroid of its own, an exact code; pad with the largest.
      for (let c = 0; c < k; c++) this.setCentroid(j, c, [distinct[Math.min(c, distinct.length - 1)]], 0);
      return;
    }
    // Order statistics as the initial centroids: sorted, and dense where the values are.
    for (let c = 0; c < k; c++) this.setCentroid(j, c, [values[Math.floor(((c + 0.5) * n) / k)]], 0);
    const sums = new Float64Array(k);
    const counts = new Int32Array(k);
    for (let iteration = 0; iteration < maxIterations; iteration++) {
      sums.fill(0);
      counts.fill(0);
      let cluster = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        while (cluster < k - 1 && v > (this.centroids[first + cluster] + this.centroids[first + cluster + 1]) / 2) cluster++;
        sums[cluster] += v;
        counts[cluster]++;
      }
      let moved = false;
      for (let c = 0; c < k; c++) {
        // An empty interval keeps its centroid: it lies between its neighbours, so order holds.
        if (counts[c] === 0) continue;
        const mean = Math.fround(sums[c] / counts[c]);
        if (mean !== this.centroids[first + c]) { moved = true; this.setCentroid(j, c, [mean], 0); }
      }
      yield;
      if (!moved) break;
    }
  }

  /** Restores centroids from a checkpoint's flat copy of `centroids`. */
  restore(centroids: Float32Array, centroidCount: number): void {
    this.centroidCount = centroidCount;
    for (let j = 0; j < this.m; j++) {
      for (let c = 0; c < CENTROIDS; c++) this.setCentroid(j, c, centroids, (j * CENTROIDS + c) * this.subDim);
    }
  }

  memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength + this.centroids.byteLength;
  }
}
