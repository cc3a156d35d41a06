/**
 * Qdrant's `PayloadFieldSchema`: a bare type name (`"keyword"`) or an object with `type`
 * and the type's parameters (`KeywordIndexParams`, `TextIndexParams`, ...).
 *
 * Storage-placement options (`on_disk`, `memory`, `is_tenant`, `is_principal`,
 * `enable_hnsw`, integer `lookup`/`range`) are accepted, validated and echoed back in
 * `payload_schema`, but do not change how RuVector stores the index. Text options that
 * change matching are implemented; those that would need bundled linguistic data
 * (predefined stopword lists, Snowball stemmers) are rejected rather than ignored, since
 * ignoring them would silently change which points match.
 */
import { RvError } from '../../errors.js';

export const PAYLOAD_SCHEMA_TYPES = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'] as const;
export type PayloadSchemaType = (typeof PAYLOAD_SCHEMA_TYPES)[number];

export const TOKENIZERS = ['prefix', 'whitespace', 'word', 'multilingual'] as const;
export type TokenizerType = (typeof TOKENIZERS)[number];

/** A validated field schema. */
export interface PayloadFieldSchema {
  readonly type: PayloadSchemaType;
  /**
   * The parameters as the user gave them in the object form (null-valued keys dropped),
   * reported back as `params` in `payload_schema`; `undefined` for the bare-name form.
   */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Text-index options that change tokenization, with Qdrant's defaults filled in. */
export interface TextIndexOptions {
  readonly tokenizer: TokenizerType;
  readonly minTokenLength?: number;
  readonly maxTokenLength?: number;
  readonly lowercase: boolean;
  readonly asciiFolding: boolean;
  readonly stopwords: readonly string[];
  readonly phraseMatching: boolean;
}

const COMMON = ['type', 'on_disk', 'memory', 'enable_hnsw'] as const;
const ALLOWED_KEYS: Record<PayloadSchemaType, readonly string[]> = {
  keyword: [...COMMON, 'is_tenant', 'prefix'],
  integer: [...COMMON, 'lookup', 'range', 'is_principal'],
  float: [...COMMON, 'is_principal'],
  geo: COMMON,
  text: [...COMMON, 'tokenizer', 'min_token_len', 'max_token_len', 'lowercase', 'ascii_folding', 'phrase_matching', 'stopwords', 'stemmer'],
  bool: COMMON,
  datetime: [...COMMON, 'is_principal'],
  uuid: [...COMMON, 'is_tenant'],
};
const BOOLEAN_KEYS = new Set(['on_disk', 'enable_hnsw', 'is_tenant', 'prefix', 'lookup', 'range', 'is_principal', 'lowercase', 'ascii_folding', 'phrase_matching']);
const MEMORY = ['cold', 'cached', 'pinned'];

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new RvError('RV_PAYLOAD_INDEX_INVALID', message, { details });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function isSchemaType(value: unknown): value is PayloadSchemaType {
  return typeof value === 'string' && (PAYLOAD_SCHEMA_TYPES as readonly string[]).includes(value);
}

/**
 * Validates a field schema in any of Qdrant's input forms.
 * @throws RvError `RV_PAYLOAD_INDEX_INVALID` naming the offending key and what was expected.
 * @example
 *   parsePayloadFieldSchema('keyword');                                     // { type: 'keyword' }
 *   parsePayloadFieldSchema({ type: 'text', tokenizer: 'word', lowercase: true });
 */
export function parsePayloadFieldSchema(input: unknown): PayloadFieldSchema {
  const expected = `one of ${PAYLOAD_SCHEMA_TYPES.map((t) => `"${t}"`).join(', ')} or an object with "type" and its parameters`;
  if (typeof input === 'string') {
    if (!isSchemaType(input)) fail(`field_schema: unknown payload schema type "${input}" (expected ${expected})`, { type: input });
    return { type: input };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(`field_schema: expected ${expected}, got ${typeName(input)}`);
  const object = input as Record<string, unknown>;
  const type = object.type;
  if (!isSchemaType(type)) {
    fail(
      type === undefined || type === null
        ? `field_schema.type is required (expected ${PAYLOAD_SCHEMA_TYPES.join(', ')})`
        : `field_schema.type: unknown payload schema type ${JSON.stringify(type)} (expected ${PAYLOAD_SCHEMA_TYPES.join(', ')})`,
      { type },
    );
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (!ALLOWED_KEYS[type].includes(key)) {
      fail(`field_schema: unknown key "${key}" for a ${type} index (expected ${ALLOWED_KEYS[type].join(', ')})`, { key });
    }
    if (value === null) continue; // Qdrant's parameters are all optional: null means default
    validateParam(type, key, value);
    params[key] = value;
  }
  if (type === 'integer' && params.lookup === false && params.range === false) {
    fail('field_schema: an integer index needs "lookup" or "range" (they cannot both be false)');
  }
  if (typeof params.min_token_len === 'number' && typeof params.max_token_len === 'number' && params.min_token_len > params.max_token_len) {
    fail(`field_schema: "min_token_len" (${params.min_token_len}) must not exceed "max_token_len" (${params.max_token_len})`);
  }
  return { type, params };
}

function validateParam(type: PayloadSchemaType, key: string, value: unknown): void {
  if (BOOLEAN_KEYS.has(key)) {
    if (typeof value !== 'boolean') fail(`field_schema.${key}: expected a boolean, got ${typeName(value)}`, { key });
    return;
  }
  switch (key) {
    case 'type':
      return;
    case 'memory':
      if (typeof value !== 'string' || !MEMORY.includes(value)) fail(`field_schema.memory: expected one of ${MEMORY.join(', ')}, got ${JSON.stringify(value)}`, { key });
      return;
    case 'tokenizer':
      if (typeof value !== 'string' || !(TOKENIZERS as readonly string[]).includes(value)) {
        fail(`field_schema.tokenizer: expected one of ${TOKENIZERS.join(', ')}, got ${JSON.stringify(value)}`, { key });
      }
      return;
    case 'min_token_len':
    case 'max_token_len':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        fail(`field_schema.${key}: expected a non-negative integer, got ${typeof value === 'number' ? value : typeName(value)}`, { key });
      }
      return;
    case 'stopwords':
      validateStopwords(value);
      return;
    case 'stemmer': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !('type' in value)) {
        fail(`field_schema.stemmer: expected {"type": "none"} or {"type": "snowball", "language": ...}, got ${typeName(value)}`, { key });
      }
      const stemmer = value as { type?: unknown };
      if (stemmer.type === 'none' && Object.keys(value).length === 1) return;
      if (stemmer.type === 'snowball') fail('field_schema.stemmer: Snowball stemming is not supported by RuVector; omit "stemmer" or use {"type": "none"}', { key });
      fail(`field_schema.stemmer: expected {"type": "none"}, got ${JSON.stringify(value)}`, { key });
      return;
    }
    default:
      fail(`field_schema: unknown key "${key}" for a ${type} index`, { key });
  }
}

function validateStopwords(value: unknown): void {
  if (typeof value === 'string') {
    fail(`field_schema.stopwords: predefined stopword lists ("${value}") are not supported by RuVector; give your own list as {"custom": [...]}`, { key: 'stopwords' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`field_schema.stopwords: expected {"custom": [...]}, got ${typeName(value)}`, { key: 'stopwords' });
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === 'languages') {
      if (item === null || (Array.isArray(item) && item.length === 0)) continue;
      fail('field_schema.stopwords.languages: predefined stopword lists are not supported by RuVector; give your own list as "custom"', { key: 'stopwords' });
    } else if (key === 'custom') {
      if (item === null) continue;
      if (!Array.isArray(item) || !item.every((word) => typeof word === 'string')) {
        fail(`field_schema.stopwords.custom: expected an array of strings, got ${typeName(item)}`, { key: 'stopwords' });
      }
    } else {
      fail(`field_schema.stopwords: unknown key "${key}" (expected languages, custom)`, { key: 'stopwords' });
    }
  }
}

/** The text options of a `text` schema, with Qdrant's defaults (word tokenizer, lowercase). */
export function textIndexOptions(schema: PayloadFieldSchema): TextIndexOptions {
  const params = schema.params ?? {};
  const stopwords = (params.stopwords as { custom?: string[] | null } | undefined)?.custom ?? [];
  return {
    tokenizer: (params.tokenizer as TokenizerType | undefined) ?? 'word',
    minTokenLength: params.min_token_len as number | undefined,
    maxTokenLength: params.max_token_len as number | undefined,
    lowercase: (params.lowercase as boolean | undefined) ?? true,
    asciiFolding: (params.ascii_folding as boolean | undefined) ?? false,
    stopwords,
    phraseMatching: (params.phrase_matching as boolean | undefined) ?? false,
  };
}

/** True when two schemas describe the same index (so re-creating it is a no-op). */
export function sameSchema(a: PayloadFieldSchema, b: PayloadFieldSchema): boolean {
  const canonical = (params: Readonly<Record<string, unknown>> | undefined): string =>
    params === undefined ? '' : JSON.stringify(Object.keys(params).sort().map((key) => [key, params[key]]));
  return a.type === b.type && canonical(a.params) === canonical(b.params);
}
