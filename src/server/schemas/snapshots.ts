/** Schemas of the collection snapshot routes (Qdrant's `SnapshotRecover`, `SnapshotDescription`). */
import { collectionParams, responses, writeQuery } from './common.js';
import { arrayOf, nullable, object, type JsonSchema } from './json-schema.js';

const tags = ['Snapshots'];

const snapshotDescription: JsonSchema = object({
  name: { type: 'string' },
  creation_time: nullable({ type: 'string' }),
  size: { type: 'integer' },
  checksum: nullable({ type: 'string' }),
});

const snapshotParams = object({
  collection_name: { type: 'string', minLength: 1, maxLength: 255 },
  snapshot_name: { type: 'string', minLength: 1, maxLength: 512 },
}, { required: ['collection_name', 'snapshot_name'] });

const sha256 = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the file, checked before recovery' };
const priority = { type: 'string', enum: ['no_sync', 'snapshot', 'replica'], description: 'Accepted for compatibility (a single node has no replicas)' };

const recoverBody = object({
  location: { type: 'string', minLength: 1, maxLength: 4096, description: 'file:// URL of a snapshot inside the data directory\'s snapshots folder' },
  priority: nullable(priority),
  checksum: nullable(sha256),
  api_key: { description: 'For remote locations (not supported)' },
}, { required: ['location'] });

export const snapshotSchemas = {
  create: { tags, summary: 'Create a snapshot of a collection', operationId: 'create_snapshot', params: collectionParams, querystring: writeQuery, response: responses(snapshotDescription) },
  list: { tags, summary: 'List the snapshots of a collection', operationId: 'list_snapshots', params: collectionParams, response: responses(arrayOf(snapshotDescription)) },
  download: {
    tags, summary: 'Download a snapshot file (streamed)', operationId: 'get_snapshot', params: snapshotParams,
    response: { 200: { description: 'The snapshot file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } },
  },
  delete: { tags, summary: 'Delete a snapshot', operationId: 'delete_snapshot', params: snapshotParams, querystring: writeQuery, response: responses({ type: 'boolean' }) },
  recover: { tags, summary: 'Recover a collection from a snapshot file on this server', operationId: 'recover_from_snapshot', params: collectionParams, querystring: writeQuery, body: recoverBody, response: responses({ type: 'boolean' }) },
  upload: {
    tags, summary: 'Recover a collection from an uploaded snapshot (multipart field "snapshot")', operationId: 'recover_from_uploaded_snapshot', params: collectionParams,
    querystring: { ...writeQuery, properties: { ...(writeQuery.properties as Record<string, JsonSchema>), priority, checksum: sha256 } },
    consumes: ['multipart/form-data'],
    response: responses({ type: 'boolean' }),
  },
} as const;
