/**
 * Float vectors of one shard in one contiguous WebAssembly memory, record = internal id.
 * Vectors are prepared by the metric (normalised for Cosine) before they are stored.
 */
import { createKernels, type Kernels } from '../distance/kernels.js';
import type { Metric } from '../distance/metric.js';
import { RecordStore } from '../distance/record-store.js';
import { FloatScorer } from '../distance/scorer.js';

export class VectorStore {
  readonly dim: number;
  readonly metric: Metric;
  readonly records: RecordStore;

  constructor(options: { dim: number; metric: Metric; kernels?: Kernels; initialCapacity?: number }) {
    this.dim = options.dim;
    this.metric = options.metric;
    this.records = new RecordStore(options.kernels ?? createKernels(), {
      recordBytes: options.dim * 4,
      initialCapacity: options.initialCapacity ?? 1024,
    });
  }

  /** Stores an already prepared vector at `id`. */
  set(id: number, prepared: Float32Array): void {
    this.records.writeRecord(id, new Uint8Array(prepared.buffer, prepared.byteOffset, this.dim * 4));
  }

  /** A copy of the stored (prepared) vector. */
  get(id: number): Float32Array {
    const base = this.records.recordPtr(id) >> 2;
    return this.records.f32.slice(base, base + this.dim);
  }

  /** A scorer of stored vectors against `prepared` (a query prepared by the metric), or against stored record `id`. */
  scorer(prepared: Float32Array | number): FloatScorer {
    return new FloatScorer(this.records, this.metric, prepared);
  }

  /** The bytes of records [0, count), for checkpoints. */
  snapshotBytes(count: number): Uint8Array {
    const start = this.records.recordPtr(0);
    return this.records.u8.slice(start, start + count * this.records.stride);
  }

  /** Restores records [0, count) from snapshotBytes() output. */
  restoreBytes(bytes: Uint8Array, count: number): void {
    if (bytes.length !== count * this.records.stride) throw new RangeError('vector bytes do not match the record count');
    this.records.ensureCapacity(count);
    this.records.u8.set(bytes, this.records.recordPtr(0));
  }
}
