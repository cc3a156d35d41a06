/**
 * Quantization: compact codes of a shard's vectors (scalar int8, binary, product), scored with
 * the WASM kernels through the same BatchScorer as float vectors, for search with oversampling
 * and exact rescoring.
 */
export {
  parseQuantizationConfig, parseQuantizationConfigDiff, quantizationKind,
  type BinaryEncoding, type BinaryQuantizationConfig, type BinaryQueryEncoding, type CompressionRatio,
  type MemoryPlacement, type ProductQuantizationConfig, type QuantizationConfig, type QuantizationKind,
  type ScalarQuantizationConfig,
} from './config.js';
export { createQuantizer, loadQuantizer } from './factory.js';
export type { Quantizer, QuantizerOptions, QuantizerParams, SavedQuantizer } from './quantizer.js';
export { ScalarQuantizer, SCALAR_MAX_DIM } from './scalar.js';
export { BinaryQuantizer } from './binary.js';
export { ProductQuantizer } from './product.js';
