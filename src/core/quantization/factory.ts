/**
 * Builds a quantizer from Qdrant's `quantization_config`, and rebuilds one from a checkpoint.
 */
import { RvError } from '../../errors.js';
import { metricFor, type Metric } from '../distance/metric.js';
import { DISTANCES } from '../types.js';
import { BinaryQuantizer } from './binary.js';
import { parseQuantizationConfig, quantizationKind } from './config.js';
import { ProductQuantizer } from './product.js';
import { corrupted, type Quantizer, type QuantizerOptions, type SavedQuantizer } from './quantizer.js';
import { ScalarQuantizer } from './scalar.js';

/**
 * An untrained quantizer for vectors of `dim` dimensions under `metric`. `config` is Qdrant's
 * `quantization_config` JSON (validated here; throws `RvError('RV_QUANTIZATION_INVALID')`
 * naming the field). Call `train(sample)` before `set()`.
 *
 * @example
 *   const quantizer = createQuantizer({ product: { compression: 'x16' } }, 128, metricFor('Euclid'));
 *   quantizer.train(sample);
 */
export function createQuantizer(config: unknown, dim: number, metric: Metric, options: QuantizerOptions = {}): Quantizer {
  const parsed = parseQuantizationConfig(config);
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RvError('RV_QUANTIZATION_INVALID', `quantization needs a positive integer vector size, got ${dim}`);
  }
  if ('scalar' in parsed) return new ScalarQuantizer(parsed, dim, metric, options);
  if ('product' in parsed) return new ProductQuantizer(parsed, dim, metric, options);
  return new BinaryQuantizer(parsed, dim, metric, options);
}

/**
 * Rebuilds a quantizer from `Quantizer.save()` output. Throws `RvError('RV_CHECKPOINT_CORRUPTED')`
 * when the params are malformed or do not match the byte length (the index then rebuilds).
 *
 * @example
 *   const copy = loadQuantizer(quantizer.save());
 */
export function loadQuantizer(saved: SavedQuantizer, options: QuantizerOptions = {}): Quantizer {
  const params = saved.params as Partial<SavedQuantizer['params']> | undefined;
  if (typeof params !== 'object' || params === null) throw corrupted('params are missing');
  if (!(saved.codes instanceof Uint8Array)) throw corrupted('codes are not bytes');
  if (!(DISTANCES as readonly unknown[]).includes(params.distance)) throw corrupted(`unknown distance ${String(params.distance)}`);
  let config;
  try {
    config = parseQuantizationConfig(params.config);
  } catch (error) {
    throw new RvError('RV_CHECKPOINT_CORRUPTED', 'quantizer checkpoint: its config is invalid', { cause: error });
  }
  const kind = quantizationKind(config);
  if (params.kind !== kind) throw corrupted(`kind "${String(params.kind)}" does not match its config (${kind})`);
  const checked: SavedQuantizer = { params: { ...saved.params, config }, codes: saved.codes };
  const metric = metricFor(params.distance as Metric['distance']);
  switch (kind) {
    case 'scalar': return ScalarQuantizer.load(checked, metric, options);
    case 'binary': return BinaryQuantizer.load(checked, metric, options);
    case 'product': return ProductQuantizer.load(checked, metric, options);
  }
}
