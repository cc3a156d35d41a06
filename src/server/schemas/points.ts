/**
 * Schemas of the point routes (Qdrant's `PointInsertOperations`, `PointRequest`,
 * `PointsSelector`, `SetPayload`, `DeletePayload`, `UpdateVectors`, `DeleteVectors`,
 * `UpdateOperations`, `ScrollRequest`, `CountRequest`). Where Qdrant has "points or filter"
 * the schema lists both as optional; the engine requires exactly one and says so.
 */
import {
  MAX_NAME_LENGTH, collectionParams, filter, orderBy, payload, pointId, readQuery, recordResult, responses, shardKey,
  updateResult, vectorStruct, withPayload, withVector, writeQuery,
} from './common.js';
import { arrayOf, nullable, object, type JsonSchema } from './json-schema.js';

const tags = ['Points'];
const ids = arrayOf(pointId);

const pointStruct = object({ id: pointId, vector: vectorStruct, payload: nullable(payload) }, { required: ['id', 'vector'] });

const upsertBody = object({
  points: arrayOf(pointStruct, { description: 'Points to upsert (the list form)' }),
  batch: object({
    ids,
    vectors: { description: 'One vector per id', anyOf: [arrayOf({ type: 'array', items: { type: 'number' } }), { type: 'object' }] },
    payloads: nullable(arrayOf(nullable(payload))),
  }, { required: ['ids', 'vectors'], description: 'Points to upsert (the columnar form)' }),
  shard_key: shardKey,
  update_filter: { description: 'Conditional update (not supported: must be absent or null)' },
  update_mode: nullable({ type: 'string', enum: ['upsert', 'insert_only', 'update_only'] }),
});

const selectorFields = { points: nullable(ids), filter, shard_key: shardKey };
const selectorBody = object(selectorFields);
const setPayloadBody = object({ ...selectorFields, payload, key: nullable({ type: 'string', maxLength: MAX_NAME_LENGTH }) }, { required: ['payload'] });
const deletePayloadBody = object({ ...selectorFields, keys: arrayOf({ type: 'string', maxLength: MAX_NAME_LENGTH }) }, { required: ['keys'] });
const updateVectorsBody = object({
  points: arrayOf(object({ id: pointId, vector: vectorStruct }, { required: ['id', 'vector'] })),
  shard_key: shardKey,
  update_filter: { description: 'Conditional update (not supported: must be absent or null)' },
}, { required: ['points'] });
const deleteVectorsBody = object({ ...selectorFields, vector: arrayOf({ type: 'string', maxLength: MAX_NAME_LENGTH }) });

const batchBody = object({
  operations: arrayOf({
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: {
      upsert: upsertBody,
      delete: selectorBody,
      set_payload: setPayloadBody,
      overwrite_payload: setPayloadBody,
      delete_payload: deletePayloadBody,
      clear_payload: selectorBody,
      update_vectors: updateVectorsBody,
      delete_vectors: deleteVectorsBody,
    },
  }),
}, { required: ['operations'] });

const retrieveBody = object({ ids, with_payload: withPayload, with_vector: withVector, shard_key: shardKey }, { required: ['ids'] });

const scrollBody = nullable(object({
  offset: nullable(pointId),
  limit: nullable({ type: 'integer', minimum: 1 }),
  filter,
  with_payload: withPayload,
  with_vector: withVector,
  order_by: nullable(orderBy),
  shard_key: shardKey,
}));

const countBody = nullable(object({ filter, exact: nullable({ type: 'boolean' }), shard_key: shardKey }));

const pointParams = object({
  collection_name: { type: 'string', minLength: 1, maxLength: 255 },
  id: { type: 'string', minLength: 1, maxLength: 64, description: 'Point id (integer or UUID)' },
}, { required: ['collection_name', 'id'] });

const write = (summary: string, operationId: string, body: JsonSchema) => ({ tags, summary, operationId, params: collectionParams, querystring: writeQuery, body, response: responses(updateResult) });

export const pointSchemas = {
  upsert: write('Upsert points (list or batch form)', 'upsert_points', upsertBody),
  delete: write('Delete points by ids or filter', 'delete_points', selectorBody),
  setPayload: write('Set payload keys', 'set_payload', setPayloadBody),
  overwritePayload: write('Replace the whole payload', 'overwrite_payload', setPayloadBody),
  deletePayload: write('Delete payload keys', 'delete_payload', deletePayloadBody),
  clearPayload: write('Remove all payload', 'clear_payload', selectorBody),
  updateVectors: write('Replace vectors of existing points', 'update_vectors', updateVectorsBody),
  deleteVectors: write('Delete vectors of points', 'delete_vectors', deleteVectorsBody),
  batch: { ...write('Apply a list of update operations in order', 'batch_update', batchBody), response: responses(arrayOf(updateResult)) },
  get: { tags, summary: 'One point by id', operationId: 'get_point', params: pointParams, querystring: readQuery, response: responses(recordResult) },
  retrieve: { tags, summary: 'Points by ids', operationId: 'get_points', params: collectionParams, querystring: readQuery, body: retrieveBody, response: responses(arrayOf(recordResult)) },
  scroll: {
    tags, summary: 'Page through points by id (or by a payload key)', operationId: 'scroll_points', params: collectionParams, querystring: readQuery, body: scrollBody,
    response: responses({ type: 'object', properties: { points: arrayOf(recordResult), next_page_offset: nullable(pointId) } }),
  },
  count: { tags, summary: 'Count points (matching a filter)', operationId: 'count_points', params: collectionParams, querystring: readQuery, body: countBody, response: responses(object({ count: { type: 'integer' } })) },
} as const;
