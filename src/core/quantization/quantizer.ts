/**
 * The contract shared by the scalar, binary and product quantizers, and the pieces they share:
 * a code table (fixed-stride codes in a RecordStore plus an optional f32 term per record) and a
 * BatchScorer that runs one kernel over codes and finishes the batch in JS.
 *
 * An index uses a quantizer exactly like its float store: record numbers are the same, and
 * `scorer(query)` hands out a BatchScorer whose distances are "lower is closer" in the units of
 * the metric's internal distance (-dot for Cosine/Dot, squared L2 for Euclid, L1 for Manhattan),
 * approximated as closely as the code allows. Candidates found on codes are then rescored
 * exactly on the float vectors (oversampling), as Qdrant's `QuantizationSearchParams` do.
 */
import { RvError } from '../../errors.js';
import type { BatchKernel, Kernels } from '../distance/kernels.js';
import type { Metric } from '../distance/metric.js';
import { RecordStore, type RecordStoreOptions } from '../distance/record-store.js';
import type { BatchScorer } from '../distance/scorer.js';
import type { QuantizationConfig, QuantizationKind } from './config.js';

/** A quantizer's checkpoint: JSON-safe parameters plus one binary section (see each quantizer's byte table). */
export interface SavedQuantizer {
  params: QuantizerParams;
  codes: Uint8Array;
}

/** The JSON-safe part of a checkpoint. Field `format` versions the whole (params + byte layout). */
export interface QuantizerParams {
  format: 1;
  kind: QuantizationKind;
  config: QuantizationConfig;
  dim: number;
  distance: Metric['distance'];
  /** Records [0, count) are in the checkpoint. */
  count: number;
  /** Kind-specific numbers (scale/offset, sub-space sizes); arrays of floats go in `codes`. */
  [key: string]: unknown;
}

export interface QuantizerOptions {
  /** Use the plain TypeScript kernels (tests, runtimes without WASM SIMD). Default: SIMD when available. */
  preferJs?: boolean;
  /** Seed of the training RNG (sampling, k-means initialisation). Default 42, as Qdrant. */
  seed?: number;
  /** Records the code store holds before its first growth. */
  initialCapacity?: number;
  /** Product only: training vectors used at most (a seeded random subset beyond that). Default 10,000. */
  maxTrainingVectors?: number;
  /** Product only: Lloyd rounds per sub-space at most (fewer once assignments settle). Default 10. */
  maxIterations?: number;
}

/**
 * A quantizer: codes of the vectors of one shard, scored against queries with the WASM kernels.
 *
 * @example
 *   const quantizer = createQuantizer({ scalar: { type: 'int8', quantile: 0.99 } }, 128, metricFor('Cosine'));
 *   quantizer.train(sample);                        // prepared vectors (normalised for Cosine)
 *   for (const [id, v] of vectors) quantizer.set(id, v);
 *   const scorer = quantizer.scorer(preparedQuery);
 *   scorer.ids().set([3, 7, 9], scorer.idsBase);
 *   const out = scorer.score(3);                    // approximate distances at out[scorer.outBase + i]
 */
export interface Quantizer {
  readonly kind: QuantizationKind;
  readonly config: QuantizationConfig;
  readonly dim: number;
  readonly metric: Metric;
  /** Bytes of one code as encoded (dim for int8, ceil(dim / 8) for binary, m for PQ). */
  readonly codeBytes: number;
  /** Bytes held per record: the code padded to 16 bytes, plus a 4-byte term where the metric needs one. */
  readonly recordBytes: number;
  readonly trained: boolean;
  /** One past the highest record set (or restored). */
  readonly count: number;
  /**
   * Fits the parameters on a sample of prepared vectors (normalised for Cosine). Re-training
   * invalidates every stored code: `count` drops to 0 and records must be set again.
   */
  train(sample: readonly Float32Array[]): void;
  /**
   * The same training in slices: each `next()` does a bounded amount of work (for PQ, 1024
   * nearest-centroid searches or the end of a k-means round), so a caller can spread it over
   * event-loop turns. The new parameters take effect only when the generator completes.
   * `train()` drains this generator.
   */
  trainSteps(sample: readonly Float32Array[]): Generator<void, void, void>;
  /** Encodes and stores the code of record `record` (same numbering as the float store). */
  set(record: number, vector: Float32Array): void;
  /**
   * A scorer of stored codes against `query` (prepared by the metric). It writes the query into
   * the code store's query slot, so only the most recently created scorer of a quantizer is valid.
   */
  scorer(query: Float32Array): BatchScorer;
  /** Parameters and codes of records [0, count), for the index checkpoint. */
  save(): SavedQuantizer;
  /** Bytes held: WASM memories (codes, scratch, codebooks) plus JS-side arrays. */
  memoryBytes(): number;
}

/** Throws unless `vector` has `dim` components. */
export function checkDimension(vector: Float32Array, dim: number, what: string): void {
  if (vector.length !== dim) {
    throw new RvError('RV_POINT_DIMENSION', `${what} has ${vector.length} dimensions, the quantizer expects ${dim}`, {
      details: { expected: dim, got: vector.length },
    });
  }
}

/** Throws unless the sample is non-empty and every vector has `dim` components. */
export function checkSample(sample: readonly Float32Array[], dim: number): void {
  if (sample.length === 0) {
    throw new RvError('RV_QUANTIZATION_INVALID', 'quantization needs at least one training vector, got an empty sample');
  }
  for (const vector of sample) checkDimension(vector, dim, 'a training vector');
}

export function notTrained(kind: QuantizationKind): RvError {
  return new RvError('RV_INTERNAL', `the ${kind} quantizer is used before train() or load`);
}

/** The error of a checkpoint whose params or byte lengths do not fit together. */
export function corrupted(message: string): RvError {
  return new RvError('RV_CHECKPOINT_CORRUPTED', `quantizer checkpoint: ${message}`);
}

/**
 * `count` distinct indices in [0, total), drawn with `rand` (a partial Fisher–Yates shuffle);
 * all of them, in order, when count >= total.
 */
export function sampleIndices(total: number, count: number, rand: () => number): Int32Array {
  const all = Int32Array.from({ length: total }, (_, i) => i);
  if (count >= total) return all;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (total - i));
    const swap = all[i]; all[i] = all[j]; all[j] = swap;
  }
  return all.slice(0, count);
}

/**
 * Codes of records in a RecordStore (one WASM memory of their own), plus an optional f32 term
 * per record kept in JS (a norm or a dot-product correction): keeping it out of the record
 * avoids padding a 4-byte value to a whole extra 16-byte lane in every code.
 */
export class CodeTable {
  readonly store: RecordStore;
  readonly codeBytes: number;
  private termValues: Float32Array | undefined;
  private recordCount = 0;

  constructor(kernels: Kernels, options: RecordStoreOptions & { withTerms: boolean }) {
    this.store = new RecordStore(kernels, options);
    this.codeBytes = options.recordBytes;
    this.termValues = options.withTerms ? new Float32Array(this.store.capacity) : undefined;
  }

  get count(): number {
    return this.recordCount;
  }

  /** The per-record terms (indexed by record), or undefined when this table keeps none. Re-read after set(). */
  get terms(): Float32Array | undefined {
    return this.termValues;
  }

  get recordBytes(): number {
    return this.store.stride + (this.termValues === undefined ? 0 : 4);
  }

  /** Stores `code` (codeBytes long) and `term` at `record`. */
  set(record: number, code: Uint8Array, term: number): void {
    if (!Number.isInteger(record) || record < 0) throw new RangeError(`record must be a non-negative integer, got ${record}`);
    this.store.writeRecord(record, code);
    if (this.termValues !== undefined) {
      if (record >= this.termValues.length) {
        const grown = new Float32Array(Math.max(this.store.capacity, record + 1));
        grown.set(this.termValues);
        this.termValues = grown;
      }
      this.termValues[record] = term;
    }
    if (record >= this.recordCount) this.recordCount = record + 1;
  }

  /** Forgets every record (after re-training, codes from old parameters are meaningless). */
  clear(): void {
    this.recordCount = 0;
    this.termValues?.fill(0);
  }

  /** Byte length of `snapshot()` for `count` records. */
  snapshotBytes(count: number): number {
    return count * this.store.stride + (this.termValues === undefined ? 0 : count * 4);
  }

  /** Records [0, count) as stored (stride-padded), then their f32 terms if any. */
  snapshot(): Uint8Array {
    const count = this.recordCount;
    const out = new Uint8Array(this.snapshotBytes(count));
    const start = this.store.recordPtr(0);
    out.set(this.store.u8.subarray(start, start + count * this.store.stride), 0);
    if (this.termValues !== undefined) {
      out.set(new Uint8Array(this.termValues.buffer, 0, count * 4), count * this.store.stride);
    }
    return out;
  }

  /** Restores `snapshot()` output of `count` records (the caller checked the length). */
  restore(bytes: Uint8Array, count: number): void {
    this.store.ensureCapacity(Math.max(count, 1));
    const codeLength = count * this.store.stride;
    this.store.u8.set(bytes.subarray(0, codeLength), this.store.recordPtr(0));
    if (this.termValues !== undefined) {
      this.termValues = new Float32Array(Math.max(this.store.capacity, count));
      // Copy through a fresh buffer: `bytes` may sit at an offset not aligned to 4.
      this.termValues.set(new Float32Array(bytes.slice(codeLength, codeLength + count * 4).buffer));
    }
    this.recordCount = count;
  }

  memoryBytes(): number {
    return this.store.kernels.memory.buffer.byteLength + (this.termValues?.byteLength ?? 0);
  }
}

/**
 * Runs one batched kernel over codes, then `finish(count)` turns the raw kernel output at
 * `outBase` into distances in place (e.g. i32 counts into scaled f32). Query data must already
 * be in the store's query slot.
 */
export class CodeScorer implements BatchScorer {
  readonly maxBatch: number;
  readonly idsBase: number;
  readonly outBase: number;

  constructor(
    private readonly store: RecordStore,
    private readonly kernel: BatchKernel,
    private readonly lanes: number,
    private readonly finish?: (count: number) => void,
  ) {
    this.maxBatch = store.maxBatch;
    this.idsBase = store.idsPtr >> 2;
    this.outBase = store.outPtr >> 2;
  }

  ids(): Int32Array {
    return this.store.i32;
  }

  score(count: number): Float32Array {
    if (count > this.maxBatch) throw new RangeError(`a batch holds at most ${this.maxBatch} records, got ${count}`);
    const s = this.store;
    this.kernel(s.queryPtr, s.recordsBase, s.stride, s.idsPtr, count, this.lanes, s.outPtr);
    this.finish?.(count);
    return s.f32;
  }
}

/** Little-endian f32 bytes of `values` (a copy). */
export function floatBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** Reads `length` f32 values at byte `offset` of `bytes` (a copy; tolerates unaligned offsets). */
export function readFloats(bytes: Uint8Array, offset: number, length: number): Float32Array {
  return new Float32Array(bytes.slice(offset, offset + length * 4).buffer);
}

/** Validates the common part of checkpoint params. */
export function checkParams(params: QuantizerParams, kind: QuantizationKind): void {
  if (params.format !== 1) throw corrupted(`unknown format ${String(params.format)}`);
  if (params.kind !== kind) throw corrupted(`kind "${String(params.kind)}" is not "${kind}"`);
  if (!Number.isInteger(params.dim) || params.dim < 1) throw corrupted(`dim ${String(params.dim)} is not a positive integer`);
  if (!Number.isInteger(params.count) || params.count < 0) throw corrupted(`count ${String(params.count)} is not a non-negative integer`);
}

/** A finite number field of checkpoint params. */
export function numberParam(params: QuantizerParams, name: string): number {
  const value = params[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw corrupted(`${name} is not a finite number`);
  return value;
}
