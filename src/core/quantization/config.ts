/**
 * Qdrant's `quantization_config` (ScalarQuantization | ProductQuantization | BinaryQuantization
 * in Qdrant's OpenAPI document), parsed and validated into one typed form.
 *
 * The parsed config keeps Qdrant's shape and only the fields the caller gave (nulls dropped), so
 * a collection's config echoes back as Qdrant would echo it; the quantizers apply the defaults
 * documented on each field. Unknown fields are rejected rather than ignored, so a typo such as
 * `quantille` fails loudly instead of silently falling back to a default.
 */
import { RvError } from '../../errors.js';

/** Qdrant's memory placement. RuVector always holds codes in RAM; the value is kept for echo. */
export type MemoryPlacement = 'cold' | 'cached' | 'pinned';

/** Qdrant's PQ compression ratio against float32: code bytes = dim * 4 / ratio. */
export type CompressionRatio = 'x4' | 'x8' | 'x16' | 'x32' | 'x64';

/** Qdrant's binary encodings; RuVector implements `one_bit` (1 bit per dimension). */
export type BinaryEncoding = 'one_bit' | 'two_bits' | 'one_and_half_bits';

/** Qdrant's binary query encodings; RuVector implements `default` and `binary` (both symmetric 1 bit). */
export type BinaryQueryEncoding = 'default' | 'binary' | 'scalar4bits' | 'scalar8bits';

export interface ScalarQuantizationConfig {
  type: 'int8';
  /**
   * Fraction of the training values the int8 range covers, in [0.5, 1]; the most extreme
   * (1 - quantile) / 2 of values on each side are clipped. Absent: the whole range (min..max),
   * as Qdrant does.
   */
  quantile?: number;
  /** Deprecated in Qdrant in favour of `memory`; accepted and echoed, no effect. */
  always_ram?: boolean;
  memory?: MemoryPlacement;
}

export interface ProductQuantizationConfig {
  compression: CompressionRatio;
  always_ram?: boolean;
  memory?: MemoryPlacement;
}

export interface BinaryQuantizationConfig {
  /** Absent: `one_bit`. */
  encoding?: BinaryEncoding;
  /** Absent: `default` (the query is encoded like the stored vectors). */
  query_encoding?: BinaryQueryEncoding;
  always_ram?: boolean;
  memory?: MemoryPlacement;
}

/** A validated `quantization_config`, in Qdrant's JSON shape. */
export type QuantizationConfig =
  | { scalar: ScalarQuantizationConfig }
  | { product: ProductQuantizationConfig }
  | { binary: BinaryQuantizationConfig };

export type QuantizationKind = 'scalar' | 'binary' | 'product';

/** Which quantizer a validated config selects. */
export function quantizationKind(config: QuantizationConfig): QuantizationKind {
  if ('scalar' in config) return 'scalar';
  if ('product' in config) return 'product';
  return 'binary';
}

const ROOT = 'quantization_config';
const MEMORY_PLACEMENTS: readonly MemoryPlacement[] = ['cold', 'cached', 'pinned'];
const COMPRESSION_RATIOS: readonly CompressionRatio[] = ['x4', 'x8', 'x16', 'x32', 'x64'];
const BINARY_ENCODINGS: readonly BinaryEncoding[] = ['one_bit', 'two_bits', 'one_and_half_bits'];
const BINARY_QUERY_ENCODINGS: readonly BinaryQueryEncoding[] = ['default', 'binary', 'scalar4bits', 'scalar8bits'];

function invalid(field: string, message: string): RvError {
  return new RvError('RV_QUANTIZATION_INVALID', `${field} ${message}`, { details: { field } });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(field: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  return value;
}

function rejectUnknownKeys(field: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw invalid(`${field}.${key}`, `is not a known field (expected one of ${known.join(', ')})`);
    }
  }
}

function enumAt<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** Qdrant's shared optional fields; null means "not set", as in Qdrant's nullable schema. */
function placementFields(field: string, raw: Record<string, unknown>, out: { always_ram?: boolean; memory?: MemoryPlacement }): void {
  if (raw.always_ram !== undefined && raw.always_ram !== null) {
    if (typeof raw.always_ram !== 'boolean') throw invalid(`${field}.always_ram`, `must be a boolean, got ${describe(raw.always_ram)}`);
    out.always_ram = raw.always_ram;
  }
  if (raw.memory !== undefined && raw.memory !== null) out.memory = enumAt(`${field}.memory`, raw.memory, MEMORY_PLACEMENTS);
}

function parseScalar(raw: unknown): ScalarQuantizationConfig {
  const field = `${ROOT}.scalar`;
  const value = objectAt(field, raw);
  rejectUnknownKeys(field, value, ['type', 'quantile', 'always_ram', 'memory']);
  if (value.type === undefined) throw invalid(`${field}.type`, 'is required (the only type is "int8")');
  const out: ScalarQuantizationConfig = { type: enumAt(`${field}.type`, value.type, ['int8'] as const) };
  if (value.quantile !== undefined && value.quantile !== null) {
    const q = value.quantile;
    if (typeof q !== 'number' || !Number.isFinite(q) || q < 0.5 || q > 1) {
      throw invalid(`${field}.quantile`, `must be a number in [0.5, 1], got ${describe(q)}`);
    }
    out.quantile = q;
  }
  placementFields(field, value, out);
  return out;
}

function parseProduct(raw: unknown): ProductQuantizationConfig {
  const field = `${ROOT}.product`;
  const value = objectAt(field, raw);
  rejectUnknownKeys(field, value, ['compression', 'always_ram', 'memory']);
  if (value.compression === undefined) {
    throw invalid(`${field}.compression`, `is required (one of ${COMPRESSION_RATIOS.join(', ')})`);
  }
  const out: ProductQuantizationConfig = { compression: enumAt(`${field}.compression`, value.compression, COMPRESSION_RATIOS) };
  placementFields(field, value, out);
  return out;
}

function parseBinary(raw: unknown): BinaryQuantizationConfig {
  const field = `${ROOT}.binary`;
  const value = objectAt(field, raw);
  rejectUnknownKeys(field, value, ['encoding', 'query_encoding', 'always_ram', 'memory']);
  const out: BinaryQuantizationConfig = {};
  if (value.encoding !== undefined && value.encoding !== null) {
    const encoding = enumAt(`${field}.encoding`, value.encoding, BINARY_ENCODINGS);
    // Valid in Qdrant but unsupported here: refuse rather than silently store 1-bit codes.
    if (encoding !== 'one_bit') throw invalid(`${field}.encoding`, `"${encoding}" is not supported by RuVector (supported: "one_bit")`);
    out.encoding = encoding;
  }
  if (value.query_encoding !== undefined && value.query_encoding !== null) {
    const queryEncoding = enumAt(`${field}.query_encoding`, value.query_encoding, BINARY_QUERY_ENCODINGS);
    if (queryEncoding !== 'default' && queryEncoding !== 'binary') {
      throw invalid(`${field}.query_encoding`, `"${queryEncoding}" is not supported by RuVector (supported: "default", "binary")`);
    }
    out.query_encoding = queryEncoding;
  }
  placementFields(field, value, out);
  return out;
}

/**
 * Validates Qdrant's `quantization_config` JSON. Throws `RvError('RV_QUANTIZATION_INVALID')`
 * whose message names the offending field (`quantization_config.scalar.quantile must be …`).
 * A config that is already parsed parses to an equal value.
 *
 * @example
 *   parseQuantizationConfig({ scalar: { type: 'int8', quantile: 0.99 } });
 *   // → { scalar: { type: 'int8', quantile: 0.99 } }
 *   parseQuantizationConfig({ product: { compression: 'x16', always_ram: true } });
 */
export function parseQuantizationConfig(input: unknown): QuantizationConfig {
  const value = objectAt(ROOT, input);
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw invalid(ROOT, `must have exactly one of "scalar", "product", "binary", got ${keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ')}`);
  }
  const [key] = keys;
  switch (key) {
    case 'scalar': return { scalar: parseScalar(value.scalar) };
    case 'product': return { product: parseProduct(value.product) };
    case 'binary': return { binary: parseBinary(value.binary) };
    case 'turbo': throw invalid(`${ROOT}.turbo`, 'is not supported by RuVector (supported: scalar, product, binary)');
    default: throw invalid(`${ROOT}.${key}`, 'is not a known quantization (expected scalar, product or binary)');
  }
}

/**
 * Validates a `quantization_config` of a collection update (Qdrant's QuantizationConfigDiff):
 * a full config, or the string `"Disabled"`, which turns quantization off (returns null).
 */
export function parseQuantizationConfigDiff(input: unknown): QuantizationConfig | null {
  if (input === 'Disabled') return null;
  return parseQuantizationConfig(input);
}
