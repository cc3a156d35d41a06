/**
 * Schemas of the collection, alias and payload-index routes (Qdrant's `CreateCollection`,
 * `UpdateCollection`, `ChangeAliasesOperation`, `CreateFieldIndex`). Top-level fields are
 * closed; the engine's collection-config parser checks the nested ones by name.
 */
import { MAX_NAME_LENGTH, collectionParams, readQuery, responses, updateResult, writeQuery } from './common.js';
import { arrayOf, nullable, object, type JsonSchema } from './json-schema.js';

const tags = ['Collections'];
const anyObject = (description: string): JsonSchema => nullable({ type: 'object', description });

const createCollectionBody = object({
  vectors: { type: 'object', description: 'Vector parameters {size, distance, on_disk, hnsw_config, quantization_config, datatype}' },
  shard_number: nullable({ type: 'integer', minimum: 1 }),
  sharding_method: nullable({ type: 'string', enum: ['auto', 'custom'] }),
  replication_factor: nullable({ type: 'integer', minimum: 1 }),
  write_consistency_factor: nullable({ type: 'integer', minimum: 1 }),
  on_disk_payload: nullable({ type: 'boolean' }),
  hnsw_config: anyObject('HNSW parameters {m, ef_construct, full_scan_threshold, on_disk, payload_m}'),
  wal_config: anyObject('Write-ahead-log parameters (accepted, echoed back)'),
  optimizers_config: anyObject('Optimizer parameters'),
  init_from: anyObject('Not supported: use a snapshot'),
  quantization_config: anyObject('Scalar, product or binary quantization'),
  sparse_vectors: anyObject('Not supported'),
  strict_mode_config: anyObject('Accepted for compatibility'),
  metadata: anyObject('Arbitrary JSON metadata'),
});

const updateCollectionBody = object({
  vectors: anyObject('Per-vector parameter changes'),
  optimizers_config: anyObject('Optimizer parameter changes'),
  params: anyObject('Collection parameter changes {replication_factor, write_consistency_factor, on_disk_payload}'),
  hnsw_config: anyObject('HNSW parameter changes'),
  quantization_config: { anyOf: [{ type: 'object' }, { type: 'string', enum: ['Disabled'] }, { type: 'null' }] },
  sparse_vectors: anyObject('Not supported'),
  strict_mode_config: anyObject('Accepted for compatibility'),
  metadata: anyObject('Metadata keys to merge in'),
});

const name = { type: 'string', minLength: 1, maxLength: 255 };

const aliasesBody = object({
  actions: arrayOf({
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: {
      create_alias: object({ collection_name: name, alias_name: name }, { required: ['collection_name', 'alias_name'] }),
      delete_alias: object({ alias_name: name }, { required: ['alias_name'] }),
      rename_alias: object({ old_alias_name: name, new_alias_name: name }, { required: ['old_alias_name', 'new_alias_name'] }),
    },
  }, { maxItems: 1000 }),
}, { required: ['actions'] });

const createIndexBody = object({
  field_name: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH },
  field_schema: { description: 'keyword, integer, float, bool, geo, datetime, text, uuid, or {type, ...params}', anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }] },
}, { required: ['field_name'] });

const collectionInfo: JsonSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['green', 'yellow', 'grey', 'red'] },
    optimizer_status: {},
    points_count: { type: 'integer' },
    indexed_vectors_count: { type: 'integer' },
    segments_count: { type: 'integer' },
    config: { type: 'object' },
    payload_schema: { type: 'object' },
  },
};

const aliasList: JsonSchema = { type: 'object', properties: { aliases: arrayOf(object({ alias_name: { type: 'string' }, collection_name: { type: 'string' } })) } };

export const collectionSchemas = {
  list: { tags, summary: 'List collections', operationId: 'get_collections', response: responses({ type: 'object', properties: { collections: arrayOf(object({ name: { type: 'string' } })) } }) },
  get: { tags, summary: 'Collection info', operationId: 'get_collection', params: collectionParams, response: responses(collectionInfo) },
  create: { tags, summary: 'Create a collection', operationId: 'create_collection', params: collectionParams, querystring: readQuery, body: createCollectionBody, response: responses({ type: 'boolean' }) },
  update: { tags, summary: 'Update collection parameters', operationId: 'update_collection', params: collectionParams, querystring: readQuery, body: updateCollectionBody, response: responses({ type: 'boolean' }) },
  delete: { tags, summary: 'Delete a collection', operationId: 'delete_collection', params: collectionParams, querystring: readQuery, response: responses({ type: 'boolean' }) },
  exists: { tags, summary: 'Whether a collection exists', operationId: 'collection_exists', params: collectionParams, response: responses(object({ exists: { type: 'boolean' } })) },
  updateAliases: { tags: ['Aliases'], summary: 'Create, delete and rename aliases atomically', operationId: 'update_aliases', querystring: readQuery, body: aliasesBody, response: responses({ type: 'boolean' }) },
  listAliases: { tags: ['Aliases'], summary: 'List all aliases', operationId: 'get_collections_aliases', response: responses(aliasList) },
  collectionAliases: { tags: ['Aliases'], summary: 'Aliases of a collection', operationId: 'get_collection_aliases', params: collectionParams, response: responses(aliasList) },
  createIndex: { tags: ['Indexes'], summary: 'Create a payload index', operationId: 'create_field_index', params: collectionParams, querystring: writeQuery, body: createIndexBody, response: responses(updateResult) },
  deleteIndex: {
    tags: ['Indexes'], summary: 'Delete a payload index', operationId: 'delete_field_index', querystring: writeQuery, response: responses(updateResult),
    params: object({ collection_name: name, field_name: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH } }, { required: ['collection_name', 'field_name'] }),
  },
} as const;
