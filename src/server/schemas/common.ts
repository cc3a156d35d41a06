/**
 * Schemas shared by several routes, aligned with the components of Qdrant's OpenAPI document
 * (`ExtendedPointId`, `Filter`, `WithPayloadInterface`, `SearchParams`, …). They check the
 * shape; the engine then checks the meaning (dimensions, id ranges, filter conditions) and
 * names the field in its own 400s.
 */
import { arrayOf, nullable, object, type JsonSchema } from './json-schema.js';

/** Longest string accepted where Qdrant takes a name or a payload key. */
export const MAX_NAME_LENGTH = 1024;

export const pointId: JsonSchema = {
  description: 'Point id: an unsigned integer or a UUID string',
  anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1, maxLength: 64 }],
};

export const payload: JsonSchema = { type: 'object', description: 'Payload: a JSON object' };

const numbers: JsonSchema = { type: 'array', items: { type: 'number' } };

/** A dense vector, or the single unnamed vector as `{"": [...]}`. */
export const vectorStruct: JsonSchema = {
  description: 'A dense vector (array of numbers)',
  anyOf: [numbers, { type: 'object', additionalProperties: numbers }],
};

export const vector: JsonSchema = { ...numbers, description: 'A dense vector' };

const condition: JsonSchema = { type: 'object', description: 'A filter condition: a field condition, has_id, is_empty, is_null, nested, has_vector or a nested filter' };
const conditions: JsonSchema = { anyOf: [condition, arrayOf(condition), { type: 'null' }] };

/** Qdrant's Filter; the conditions themselves are validated by the engine's filter parser. */
export const filter: JsonSchema = nullable(object({
  must: conditions,
  should: conditions,
  must_not: conditions,
  min_should: nullable(object({
    conditions: arrayOf(condition),
    min_count: { type: 'integer', minimum: 0 },
  }, { required: ['conditions', 'min_count'] })),
}, { description: 'Filter conditions: must, should, must_not, min_should' }));

const strings: JsonSchema = arrayOf({ type: 'string', maxLength: MAX_NAME_LENGTH });

export const withPayload: JsonSchema = {
  description: 'true/false, a list of payload keys, {include: [...]} or {exclude: [...]}',
  anyOf: [
    { type: 'boolean' },
    strings,
    object({ include: strings }, { required: ['include'] }),
    object({ exclude: strings }, { required: ['exclude'] }),
    { type: 'null' },
  ],
};

export const withVector: JsonSchema = {
  description: 'true/false or a list of vector names',
  anyOf: [{ type: 'boolean' }, strings, { type: 'null' }],
};

export const searchParams: JsonSchema = nullable(object({
  hnsw_ef: nullable({ type: 'integer', minimum: 1 }),
  exact: nullable({ type: 'boolean' }),
  quantization: nullable(object({
    ignore: nullable({ type: 'boolean' }),
    rescore: nullable({ type: 'boolean' }),
    oversampling: nullable({ type: 'number', minimum: 1 }),
  })),
  indexed_only: nullable({ type: 'boolean' }),
  acorn: nullable({ type: 'object' }),
}, { description: 'Search parameters: hnsw_ef, exact, quantization' }));

/** Qdrant accepts these on many bodies; a single node has no shard keys, so only null is meaningful. */
export const shardKey: JsonSchema = { description: 'Custom shard key (not supported: must be absent or null)' };

export const limit: JsonSchema = nullable({ type: 'integer', minimum: 1 });
export const offset: JsonSchema = nullable({ type: 'integer', minimum: 0 });
export const scoreThreshold: JsonSchema = nullable({ type: 'number' });
/** The unnamed vector is "" in Qdrant's clients (LangChain sends `using: ""`). */
export const using: JsonSchema = nullable({ type: 'string', maxLength: MAX_NAME_LENGTH });
export const lookupFrom: JsonSchema = { description: 'Lookup in another collection (not supported: must be absent or null)' };

export const orderBy: JsonSchema = {
  description: 'A payload key, or {key, direction, start_from}',
  anyOf: [
    { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH },
    object({
      key: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH },
      direction: nullable({ type: 'string', enum: ['asc', 'desc'] }),
      start_from: nullable({ anyOf: [{ type: 'number' }, { type: 'string', maxLength: 64 }] }),
    }, { required: ['key'] }),
  ],
};

// ------------------------------------------------------------------ path and query strings

export const collectionParams: JsonSchema = object({
  collection_name: { type: 'string', minLength: 1, maxLength: 255, description: 'Name of the collection (or an alias)' },
}, { required: ['collection_name'] });

/** `?wait=&ordering=&timeout=` of every write (Qdrant's clients send all three). */
export const writeQuery: JsonSchema = {
  type: 'object',
  properties: {
    wait: { type: 'boolean', default: true, description: 'Answer after the change is applied (default true); false answers once it is logged' },
    ordering: { type: 'string', enum: ['weak', 'medium', 'strong'], description: 'Accepted for compatibility; a single node always orders strongly' },
    timeout: { type: 'integer', minimum: 1, description: 'Seconds (accepted for compatibility)' },
  },
};

/** `?consistency=&timeout=` of reads. */
export const readQuery: JsonSchema = {
  type: 'object',
  properties: {
    consistency: { type: ['integer', 'string'], description: 'Accepted for compatibility; a single node is always consistent' },
    timeout: { type: 'integer', minimum: 1, description: 'Seconds (accepted for compatibility)' },
  },
};

// ------------------------------------------------------------------ responses (documentation)

/** Qdrant's success envelope around `result`. */
export function okResponse(result: JsonSchema, description = 'Success'): JsonSchema {
  return {
    description,
    type: 'object',
    properties: {
      result,
      status: { type: 'string', enum: ['ok'] },
      time: { type: 'number', description: 'Seconds spent on the request' },
    },
  };
}

export const errorResponse: JsonSchema = {
  description: 'Error: Qdrant\'s envelope plus RuVector\'s stable code',
  type: 'object',
  properties: {
    status: { type: 'object', properties: { error: { type: 'string' } } },
    time: { type: 'number' },
    code: { type: 'string', description: 'RV_… code, see docs/errors.md' },
    retryable: { type: 'boolean' },
  },
};

export const updateResult: JsonSchema = {
  type: 'object',
  properties: {
    operation_id: { type: 'integer' },
    status: { type: 'string', enum: ['acknowledged', 'completed'] },
  },
};

const record: JsonSchema = {
  type: 'object',
  properties: { id: pointId, payload: nullable(payload), vector: nullable({}), order_value: nullable({ type: 'number' }) },
};

export const recordResult: JsonSchema = record;
export const scoredPointResult: JsonSchema = {
  type: 'object',
  properties: { id: pointId, version: { type: 'integer' }, score: { type: 'number' }, payload: nullable(payload), vector: nullable({}), order_value: nullable({ type: 'number' }) },
};

/** The responses block of a route: its success shape and the error envelope. */
export function responses(result: JsonSchema): JsonSchema {
  return { 200: okResponse(result), '4xx': errorResponse, '5xx': errorResponse };
}
