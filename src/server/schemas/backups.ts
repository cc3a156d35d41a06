/** Schemas of the backup admin routes (RuVector's own; Qdrant has none). */
import { responses } from './common.js';
import { object, type JsonSchema } from './json-schema.js';

const tags = ['Backups'];
const backupId = { type: 'string', pattern: '^\\d{8}T\\d{6}(\\d{3})?Z-(full|incremental)-[0-9a-f]{6,32}$', description: 'Backup id, e.g. 20261203T185512123Z-full-a1b2c3d4' };
const idParams = object({ id: backupId }, { required: ['id'] });
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };

export const backupSchemas = {
  list: { tags, summary: 'List the backups at the backup target (and this node\'s backup status)', operationId: 'list_backups', response: responses(anyObject) },
  create: {
    tags, summary: 'Take a full or incremental backup now', operationId: 'create_backup',
    body: object({ type: { type: 'string', enum: ['full', 'incremental'], default: 'incremental', description: 'full: every shard; incremental: the op log since the previous backup' } }),
    querystring: { type: 'object', properties: { wait: { type: 'boolean', default: true, description: 'Answer when the backup is stored (default); false answers 202 at once' } } },
    response: responses(anyObject),
  },
  get: { tags, summary: 'A backup\'s manifest: parts, sizes, checksums, sequence and time ranges', operationId: 'get_backup', params: idParams, response: responses(anyObject) },
  verify: { tags, summary: 'Verify a backup and its chain: every part present, SHA-256, decryption, decompression', operationId: 'verify_backup', params: idParams, response: responses(anyObject) },
  prune: { tags, summary: 'Delete backups outside the retention policy (never one a kept backup needs)', operationId: 'prune_backups', response: responses(anyObject) },
};
