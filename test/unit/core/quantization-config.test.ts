// Qdrant's quantization_config: accepted forms, defaults, and errors that name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricFor } from '../../../src/core/distance/metric.js';
import {
  createQuantizer, parseQuantizationConfig, parseQuantizationConfigDiff, quantizationKind, SCALAR_MAX_DIM,
} from '../../../src/core/quantization/index.js';

test('accepts each of Qdrant\'s forms and keeps only the fields given', () => {
  assert.deepEqual(parseQuantizationConfig({ scalar: { type: 'int8' } }), { scalar: { type: 'int8' } });
  assert.deepEqual(
    parseQuantizationConfig({ scalar: { type: 'int8', quantile: 0.99, always_ram: true, memory: 'pinned' } }),
    { scalar: { type: 'int8', quantile: 0.99, always_ram: true, memory: 'pinned' } },
  );
  // Qdrant's schema marks these nullable: null means "not set".
  assert.deepEqual(parseQuantizationConfig({ scalar: { type: 'int8', quantile: null, always_ram: null } }), { scalar: { type: 'int8' } });
  for (const compression of ['x4', 'x8', 'x16', 'x32', 'x64']) {
    assert.deepEqual(parseQuantizationConfig({ product: { compression } }), { product: { compression } });
  }
  assert.deepEqual(parseQuantizationConfig({ binary: {} }), { binary: {} });
  assert.deepEqual(
    parseQuantizationConfig({ binary: { encoding: 'one_bit', query_encoding: 'default', memory: 'cold' } }),
    { binary: { encoding: 'one_bit', query_encoding: 'default', memory: 'cold' } },
  );
  assert.equal(quantizationKind(parseQuantizationConfig({ product: { compression: 'x8' } })), 'product');
});

test('parsing a parsed config gives an equal config', () => {
  const config = parseQuantizationConfig({ scalar: { type: 'int8', quantile: 0.5, memory: 'cached' } });
  assert.deepEqual(parseQuantizationConfig(config), config);
});

test('the quantile bounds are inclusive: 0.5 and 1', () => {
  assert.equal((parseQuantizationConfig({ scalar: { type: 'int8', quantile: 0.5 } }) as { scalar: { quantile: number } }).scalar.quantile, 0.5);
  assert.equal((parseQuantizationConfig({ scalar: { type: 'int8', quantile: 1 } }) as { scalar: { quantile: number } }).scalar.quantile, 1);
});

const INVALID: [string, unknown, RegExp][] = [
  ['not an object', 'scalar', /^quantization_config must be an object, got "scalar"/],
  ['null', null, /^quantization_config must be an object, got null/],
  ['an array', [{ scalar: { type: 'int8' } }], /^quantization_config must be an object, got an array/],
  ['no variant', {}, /^quantization_config must have exactly one of "scalar", "product", "binary", got none/],
  ['two variants', { scalar: { type: 'int8' }, binary: {} }, /got "scalar", "binary"/],
  ['an unknown variant', { float16: {} }, /^quantization_config\.float16 is not a known quantization/],
  ['turbo (Qdrant, not implemented)', { turbo: {} }, /^quantization_config\.turbo is not supported by RuVector/],
  ['scalar without type', { scalar: { quantile: 0.9 } }, /^quantization_config\.scalar\.type is required/],
  ['scalar type uint8', { scalar: { type: 'uint8' } }, /^quantization_config\.scalar\.type must be one of "int8", got "uint8"/],
  ['quantile below 0.5', { scalar: { type: 'int8', quantile: 0.3 } }, /^quantization_config\.scalar\.quantile must be a number in \[0\.5, 1\], got 0\.3/],
  ['quantile above 1', { scalar: { type: 'int8', quantile: 1.01 } }, /quantile must be a number in \[0\.5, 1\], got 1\.01/],
  ['quantile as a string', { scalar: { type: 'int8', quantile: '0.99' } }, /quantile must be a number in \[0\.5, 1\], got "0\.99"/],
  ['quantile NaN', { scalar: { type: 'int8', quantile: NaN } }, /quantile must be a number in \[0\.5, 1\], got NaN/],
  ['a misspelt field', { scalar: { type: 'int8', quantille: 0.99 } }, /^quantization_config\.scalar\.quantille is not a known field \(expected one of type, quantile, always_ram, memory\)/],
  ['scalar not an object', { scalar: true }, /^quantization_config\.scalar must be an object, got true/],
  ['always_ram not a boolean', { scalar: { type: 'int8', always_ram: 'yes' } }, /^quantization_config\.scalar\.always_ram must be a boolean, got "yes"/],
  ['memory unknown', { product: { compression: 'x8', memory: 'ram' } }, /^quantization_config\.product\.memory must be one of "cold", "cached", "pinned", got "ram"/],
  ['product without compression', { product: {} }, /^quantization_config\.product\.compression is required/],
  ['compression x3', { product: { compression: 'x3' } }, /^quantization_config\.product\.compression must be one of "x4", "x8", "x16", "x32", "x64", got "x3"/],
  ['compression as a number', { product: { compression: 16 } }, /compression must be one of .*, got 16/],
  ['binary encoding unknown', { binary: { encoding: 'three_bits' } }, /^quantization_config\.binary\.encoding must be one of "one_bit", "two_bits", "one_and_half_bits"/],
  ['binary encoding two_bits (Qdrant, not implemented)', { binary: { encoding: 'two_bits' } }, /^quantization_config\.binary\.encoding "two_bits" is not supported by RuVector \(supported: "one_bit"\)/],
  ['binary query_encoding scalar8bits (Qdrant, not implemented)', { binary: { query_encoding: 'scalar8bits' } }, /^quantization_config\.binary\.query_encoding "scalar8bits" is not supported by RuVector/],
];

for (const [what, input, message] of INVALID) {
  test(`rejects ${what} with RV_QUANTIZATION_INVALID naming the field`, () => {
    assert.throws(() => parseQuantizationConfig(input), { code: 'RV_QUANTIZATION_INVALID', kind: 'invalid_argument', message });
  });
}

test('the error details carry the field path', () => {
  assert.throws(() => parseQuantizationConfig({ product: { compression: 'x5' } }), {
    details: { field: 'quantization_config.product.compression' },
  });
});

test('a config update accepts "Disabled" (quantization off) or a full config', () => {
  assert.equal(parseQuantizationConfigDiff('Disabled'), null);
  assert.deepEqual(parseQuantizationConfigDiff({ binary: {} }), { binary: {} });
  assert.throws(() => parseQuantizationConfigDiff('disabled'), { code: 'RV_QUANTIZATION_INVALID' });
});

test('createQuantizer validates the config and the vector size', () => {
  const metric = metricFor('Cosine');
  assert.throws(() => createQuantizer({ product: { compression: 'x2' } }, 128, metric), {
    code: 'RV_QUANTIZATION_INVALID', message: /quantization_config\.product\.compression/,
  });
  assert.throws(() => createQuantizer({ binary: {} }, 0, metric), {
    code: 'RV_QUANTIZATION_INVALID', message: /positive integer vector size, got 0/,
  });
  // int8 sums are 32-bit: beyond SCALAR_MAX_DIM dimensions they could overflow.
  assert.throws(() => createQuantizer({ scalar: { type: 'int8' } }, SCALAR_MAX_DIM + 1, metric), {
    code: 'RV_QUANTIZATION_INVALID', message: new RegExp(`at most ${SCALAR_MAX_DIM} dimensions`),
  });
  assert.equal(createQuantizer({ scalar: { type: 'int8' } }, SCALAR_MAX_DIM, metric, { initialCapacity: 1 }).kind, 'scalar');
});
