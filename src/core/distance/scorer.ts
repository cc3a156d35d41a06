/**
 * BatchScorer: the one interface an index uses to score candidates against a query, whatever
 * holds them (float vectors, int8 / binary / PQ codes). Callers write record numbers into
 * `ids()` from `idsBase`, call `score(count)`, and read distances (lower is closer) from the
 * returned view at `outBase`. Views are valid until the next write to the underlying store.
 */
import type { Metric } from './metric.js';
import type { RecordStore } from './record-store.js';
import type { BatchKernel } from './kernels.js';

export interface BatchScorer {
  readonly maxBatch: number;
  readonly idsBase: number;
  readonly outBase: number;
  ids(): Int32Array;
  score(count: number): Float32Array;
}

/** Float vectors scored exactly with the metric's SIMD kernel. */
export class FloatScorer implements BatchScorer {
  readonly maxBatch: number;
  readonly idsBase: number;
  readonly outBase: number;
  private readonly kernel: BatchKernel;
  private readonly lanes: number;

  /**
   * `query` must already be prepared by the metric (normalised for Cosine); a number is a
   * stored record used as the query (copied into the query slot, no allocation).
   */
  constructor(private readonly store: RecordStore, private readonly metric: Metric, query: Float32Array | number) {
    this.maxBatch = store.maxBatch;
    this.idsBase = store.idsPtr >> 2;
    this.outBase = store.outPtr >> 2;
    this.kernel = metric.kernel(store.kernels);
    this.lanes = store.stride / 16;
    if (typeof query === 'number') store.copyRecordToQuery(query);
    else store.writeQuery(new Uint8Array(query.buffer, query.byteOffset, query.byteLength));
  }

  ids(): Int32Array {
    return this.store.i32;
  }

  score(count: number): Float32Array {
    return this.scoreAt(this.store.queryPtr, count);
  }

  /**
   * Scores the ids against stored record `record` instead of the query (graph construction
   * compares stored vectors with each other; this avoids copying one into the query slot).
   */
  scoreFromRecord(record: number, count: number): Float32Array {
    return this.scoreAt(this.store.recordPtr(record), count);
  }

  private scoreAt(queryPtr: number, count: number): Float32Array {
    const s = this.store;
    this.kernel(queryPtr, s.recordsBase, s.stride, s.idsPtr, count, this.lanes, s.outPtr);
    const out = s.f32;
    if (this.metric.negate) {
      for (let i = this.outBase, end = this.outBase + count; i < end; i++) out[i] = -out[i];
    }
    return out;
  }
}
