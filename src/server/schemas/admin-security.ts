/** Schemas of the security admin routes: API keys (`/admin/keys`) and roles (`/admin/roles`). */
import { responses } from './common.js';
import { arrayOf, object, type JsonSchema } from './json-schema.js';

const tags = ['Security'];
const keyId: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'Key id (16 hex characters)' };
const roleName: JsonSchema = { type: 'string', minLength: 1, maxLength: 64, description: 'Role name' };
const pattern: JsonSchema = { type: 'string', minLength: 1, maxLength: 255, description: "Collection name pattern, '*' wildcards" };
const duration: JsonSchema = { type: 'string', maxLength: 16, description: 'Duration such as 90d, 12h, 30m' };

const keyView: JsonSchema = {
  type: 'object',
  description: 'An API key without its secret',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, roles: arrayOf({ type: 'string' }), collections: arrayOf({ type: 'string' }),
    created_at: { type: 'string' }, expires_at: { type: 'string' }, revoked_at: { type: 'string' },
    rotated_from: { type: 'string' }, rotated_to: { type: 'string' }, status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  },
};
const createdKey: JsonSchema = { ...keyView, description: 'The new key: `key` is shown only in this response', properties: { ...(keyView.properties as object), key: { type: 'string' } } };
const grant: JsonSchema = object({
  permission: { type: 'string', description: 'collection:read|write|admin, cluster:read|write|admin, system:metrics|health|admin' },
  collections: arrayOf(pattern, { maxItems: 256 }),
}, { required: ['permission'] });
const role: JsonSchema = { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' }, grants: arrayOf(grant), source: { type: 'string', enum: ['builtin', 'config', 'api'] } } };

export const listKeys = { tags, summary: 'List API keys (never their secrets)', response: responses({ type: 'object', properties: { keys: arrayOf(keyView) } }) };
export const getKey = { tags, summary: 'Get one API key', params: object({ id: keyId }, { required: ['id'] }), response: responses(keyView) };
export const createKey = {
  tags,
  summary: 'Create an API key (a service account when named); the key is shown once',
  body: object({
    name: { type: 'string', minLength: 1, maxLength: 128 },
    role: roleName,
    roles: arrayOf(roleName, { maxItems: 32 }),
    collections: arrayOf(pattern, { maxItems: 256 }),
    expires: duration,
  }, { required: ['name'] }),
  response: responses(createdKey),
};
export const revokeKey = { tags, summary: 'Revoke an API key at once', params: object({ id: keyId }, { required: ['id'] }), response: responses({ type: 'boolean' }) };
export const rotateKey = {
  tags,
  summary: 'Issue a replacement key; the old one stays valid for the overlap (default 24h)',
  params: object({ id: keyId }, { required: ['id'] }),
  body: { anyOf: [object({ overlap: duration }), { type: 'null' }] },
  response: responses(createdKey),
};

export const listRoles = { tags, summary: 'List roles: built-in, from config, and managed here', response: responses({ type: 'object', properties: { roles: arrayOf(role) } }) };
export const getRole = { tags, summary: 'Get one role', params: object({ name: roleName }, { required: ['name'] }), response: responses(role) };
export const putRole = {
  tags,
  summary: 'Create or replace a managed role',
  params: object({ name: roleName }, { required: ['name'] }),
  body: object({ description: { type: 'string', maxLength: 512 }, grants: arrayOf(grant, { maxItems: 256 }) }, { required: ['grants'] }),
  response: responses(role),
};
export const deleteRole = { tags, summary: 'Delete a managed role', params: object({ name: roleName }, { required: ['name'] }), response: responses({ type: 'boolean' }) };
