/**
 * Binary quantization (Qdrant's `binary`, `one_bit` encoding): one bit per dimension, the sign of
 * the value, scored by Hamming distance (popcount of xor) with the SIMD `hamming_batch` kernel.
 *
 * Which sign:
 * - Cosine/Dot: the plain sign (bit = x > 0), as Qdrant. Centring would change the order of dot
 *   products (x·q and (x-μ)·(q-μ) differ by a per-vector term), so it is not done.
 * - Euclid/Manhattan: the sign after centring on the training mean (bit = x > μ). Distances do
 *   not change under translation, and centred signs carry far more information when the data
 *   does not straddle the origin.
 *
 * Hamming count h → internal distance: for sign bits, the angle between two vectors is
 * estimated as θ ≈ π·h/dim (Charikar 2002, "Similarity estimation techniques from rounding
 * algorithms", sign random projections; here the projections are the coordinate axes), so
 *   Cosine     -cos θ
 *   Dot        -|x|·|q|·cos θ                  (|x| kept beside each code)
 *   Euclid     |x'|² + |q'|² - 2|x'||q'| cos θ  (x' = x - μ; |x'| kept beside each code)
 *   Manhattan  2·E|x'ⱼ| · h                    (an order-preserving scale only)
 * For Cosine the order is exactly the Hamming order; for Dot and Euclid the norms refine it.
 * One bit per dimension is coarse below ~512 dimensions: rescoring with oversampling is expected.
 */
import { createKernels } from '../distance/kernels.js';
import type { Metric } from '../distance/metric.js';
import type { BatchScorer } from '../distance/scorer.js';
import type { BinaryQuantizationConfig, QuantizationConfig } from './config.js';
import {
  checkDimension, checkParams, checkSample, CodeScorer, CodeTable, corrupted, floatBytes, notTrained, numberParam,
  readFloats, type Quantizer, type QuantizerOptions, type QuantizerParams, type SavedQuantizer,
} from './quantizer.js';

interface BinaryParams {
  /** Per-dimension threshold: zeros for Cosine/Dot, the training mean for Euclid/Manhattan. */
  centre: Float32Array;
  /** Mean |x - μ| per dimension over the training sample (Manhattan's distance scale). */
  meanAbsDeviation: number;
}

/** Sign bits, one per dimension; see the module comment for the distance estimates. */
export class BinaryQuantizer implements Quantizer {
  readonly kind = 'binary';
  readonly config: QuantizationConfig;
  readonly codeBytes: number;
  private readonly table: CodeTable;
  private readonly centred: boolean;
  /** Dot keeps |x|, Euclid keeps |x - μ| beside each code. */
  private readonly withNorms: boolean;
  /** cos(π·h/dim) for h = 0..dim. */
  private readonly cosine: Float64Array;
  private params: BinaryParams | undefined;
  private readonly code: Uint8Array;

  constructor(config: { binary: BinaryQuantizationConfig }, readonly dim: number, readonly metric: Metric, options: QuantizerOptions = {}) {
    this.config = config;
    this.codeBytes = Math.ceil(dim / 8);
    this.centred = metric.distance === 'Euclid' || metric.distance === 'Manhattan';
    this.withNorms = metric.distance === 'Dot' || metric.distance === 'Euclid';
    this.table = new CodeTable(createKernels({ preferJs: options.preferJs }), {
      recordBytes: this.codeBytes, initialCapacity: options.initialCapacity, withTerms: this.withNorms,
    });
    this.cosine = Float64Array.from({ length: dim + 1 }, (_, h) => Math.cos((Math.PI * h) / dim));
    this.code = new Uint8Array(this.codeBytes);
  }

  get trained(): boolean {
    return this.params !== undefined;
  }

  get count(): number {
    return this.table.count;
  }

  get recordBytes(): number {
    return this.table.recordBytes;
  }

  train(sample: readonly Float32Array[]): void {
    for (const _ of this.trainSteps(sample));
  }

  // eslint-disable-next-line require-yield -- one cheap pass; a generator only to share Quantizer's contract
  *trainSteps(sample: readonly Float32Array[]): Generator<void, void, void> {
    checkSample(sample, this.dim);
    const dim = this.dim;
    const centre = new Float32Array(dim);
    if (this.centred) {
      const sum = new Float64Array(dim);
      for (const vector of sample) for (let j = 0; j < dim; j++) sum[j] += vector[j];
      for (let j = 0; j < dim; j++) centre[j] = sum[j] / sample.length;
    }
    let deviation = 0;
    for (const vector of sample) for (let j = 0; j < dim; j++) deviation += Math.abs(vector[j] - centre[j]);
    this.params = { centre, meanAbsDeviation: deviation / (sample.length * dim) };
    this.table.clear();
  }

  /** Encodes `vector` into this.code; returns |vector - centre|. */
  private encode(vector: Float32Array, centre: Float32Array): number {
    const code = this.code;
    code.fill(0);
    let norm = 0;
    for (let j = 0; j < this.dim; j++) {
      const v = vector[j] - centre[j];
      norm += v * v;
      if (v > 0) code[j >> 3] |= 1 << (j & 7);
    }
    return Math.sqrt(norm);
  }

  set(record: number, vector: Float32Array): void {
    const params = this.params;
    if (params === undefined) throw notTrained(this.kind);
    checkDimension(vector, this.dim, 'the vector');
    const norm = this.encode(vector, params.centre);
    this.table.set(record, this.code, norm);
  }

  scorer(query: Float32Array): BatchScorer {
    const params = this.params;
    if (params === undefined) throw notTrained(this.kind);
    checkDimension(query, this.dim, 'the query');
    const store = this.table.store;
    const queryNorm = this.encode(query, params.centre);
    store.writeQuery(this.code);
    const kernel = store.kernels.hamming_batch;
    const lanes = store.stride / 16;
    const outBase = store.outPtr >> 2;
    const idsBase = store.idsPtr >> 2;
    const cosine = this.cosine;
    const table = this.table;
    switch (this.metric.distance) {
      case 'Cosine':
        return new CodeScorer(store, kernel, lanes, (count) => {
          const ints = store.i32; const out = store.f32;
          for (let i = outBase, end = outBase + count; i < end; i++) out[i] = -cosine[ints[i]];
        });
      case 'Dot':
        return new CodeScorer(store, kernel, lanes, (count) => {
          const ints = store.i32; const out = store.f32;
          const norms = table.terms as Float32Array;
          for (let i = 0; i < count; i++) {
            const k = outBase + i;
            out[k] = -queryNorm * norms[ints[idsBase + i]] * cosine[ints[k]];
          }
        });
      case 'Euclid': {
        const querySquared = queryNorm * queryNorm;
        return new CodeScorer(store, kernel, lanes, (count) => {
          const ints = store.i32; const out = store.f32;
          const norms = table.terms as Float32Array;
          for (let i = 0; i < count; i++) {
            const k = outBase + i;
            const norm = norms[ints[idsBase + i]];
            out[k] = norm * norm + querySquared - 2 * norm * queryNorm * cosine[ints[k]];
          }
        });
      }
      case 'Manhattan': {
        const perBit = 2 * params.meanAbsDeviation;
        return new CodeScorer(store, kernel, lanes, (count) => {
          const ints = store.i32; const out = store.f32;
          for (let i = outBase, end = outBase + count; i < end; i++) out[i] = perBit * ints[i];
        });
      }
    }
  }

  /**
   * Params: `meanAbsDeviation`. Byte section:
   *
   * | offset                  | length       | content                                              |
   * |-------------------------|--------------|------------------------------------------------------|
   * | 0                       | count·stride | sign bits (bit j at byte j>>3, bit j&7), zero-padded to stride |
   * | count·stride            | count·4      | Dot/Euclid only: f32 norm |x - μ| per record          |
   * | (end of the above)      | dim·4        | f32 centre μ (zeros for Cosine/Dot)                  |
   */
  save(): SavedQuantizer {
    const params = this.params;
    if (params === undefined) throw notTrained(this.kind);
    const codes = this.table.snapshot();
    const out = new Uint8Array(codes.length + this.dim * 4);
    out.set(codes, 0);
    out.set(floatBytes(params.centre), codes.length);
    const saved: QuantizerParams = {
      format: 1, kind: this.kind, config: this.config, dim: this.dim, distance: this.metric.distance,
      count: this.table.count, meanAbsDeviation: params.meanAbsDeviation,
    };
    return { params: saved, codes: out };
  }

  /** Rebuilds a quantizer from `save()` output; throws RV_CHECKPOINT_CORRUPTED when params and bytes disagree. */
  static load(saved: SavedQuantizer, metric: Metric, options: QuantizerOptions = {}): BinaryQuantizer {
    const { params, codes } = saved;
    checkParams(params, 'binary');
    const quantizer = new BinaryQuantizer(params.config as { binary: BinaryQuantizationConfig }, params.dim, metric, options);
    const codeLength = quantizer.table.snapshotBytes(params.count);
    const expected = codeLength + params.dim * 4;
    if (codes.length !== expected) throw corrupted(`${codes.length} code bytes, expected ${expected} for ${params.count} records`);
    quantizer.params = {
      centre: readFloats(codes, codeLength, params.dim),
      meanAbsDeviation: numberParam(params, 'meanAbsDeviation'),
    };
    quantizer.table.restore(codes, params.count);
    return quantizer;
  }

  memoryBytes(): number {
    return this.table.memoryBytes() + this.dim * 4;
  }
}
