/**
 * Roles: named sets of grants. A grant is a permission, and for collection permissions the
 * collection patterns it covers (default `*`). Higher levels imply lower ones on the same
 * resource: `collection:admin` ⊇ `collection:write` ⊇ `collection:read`, the same for
 * `cluster:*`, and `system:admin` ⊇ `system:metrics`, `system:health`.
 *
 * Built-in roles: reader, writer, admin, and monitor (metrics and health, for Prometheus).
 */
import { RvError } from '../../errors.js';
import { PERMISSIONS, type Permission } from '../permissions.js';
import { validateCollectionPattern } from './collection-pattern.js';

/** A permission a credential can hold (`public` needs none). */
export type GrantablePermission = Exclude<Permission, 'public'>;

export interface Grant {
  permission: GrantablePermission;
  /** For `collection:*` permissions: the collection patterns covered; default `['*']`. */
  collections?: string[];
}

export interface Role {
  name: string;
  description?: string;
  grants: Grant[];
}

const everywhere = ['*'];

export const BUILTIN_ROLES: readonly Role[] = Object.freeze([
  { name: 'reader', description: 'Read every collection; cluster status.', grants: [{ permission: 'collection:read', collections: everywhere }, { permission: 'cluster:read' }, { permission: 'system:health' }] },
  { name: 'writer', description: 'Read and write points in every collection; cluster status.', grants: [{ permission: 'collection:write', collections: everywhere }, { permission: 'cluster:read' }, { permission: 'system:health' }] },
  { name: 'admin', description: 'Everything.', grants: [{ permission: 'collection:admin', collections: everywhere }, { permission: 'cluster:admin' }, { permission: 'system:admin' }] },
  { name: 'monitor', description: 'Metrics, health and cluster status: for Prometheus and dashboards.', grants: [{ permission: 'system:metrics' }, { permission: 'system:health' }, { permission: 'cluster:read' }] },
] satisfies Role[]);

export const BUILTIN_ROLE_NAMES: ReadonlySet<string> = new Set(BUILTIN_ROLES.map((role) => role.name));

/** The permissions a held permission implies (itself included). */
export function impliedPermissions(permission: GrantablePermission): GrantablePermission[] {
  const [resource, level] = permission.split(':') as [string, string];
  if (resource === 'system') return level === 'admin' ? ['system:admin', 'system:metrics', 'system:health'] : [permission];
  const levels = level === 'admin' ? ['admin', 'write', 'read'] : level === 'write' ? ['write', 'read'] : ['read'];
  return levels.map((l) => `${resource}:${l}` as GrantablePermission);
}

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
export const MAX_GRANTS_PER_ROLE = 256;
export const MAX_PATTERNS_PER_GRANT = 256;

/** Validates a role from config or the admin API; errors name the field (prefixed by `where`). */
export function parseRole(input: unknown, where: string): Role {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(where, 'must be an object with name and grants');
  const value = input as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!['name', 'description', 'grants'].includes(key)) throw invalid(`${where}.${key}`, 'is not a role field (name, description, grants)');
  }
  if (typeof value.name !== 'string' || !ROLE_NAME.test(value.name)) throw invalid(`${where}.name`, 'must be 1-64 characters: a lowercase letter, then [a-z0-9_-]');
  if (value.description !== undefined && (typeof value.description !== 'string' || value.description.length > 512)) throw invalid(`${where}.description`, 'must be a string of at most 512 characters');
  if (!Array.isArray(value.grants) || value.grants.length === 0 || value.grants.length > MAX_GRANTS_PER_ROLE) throw invalid(`${where}.grants`, `must be a list of 1-${MAX_GRANTS_PER_ROLE} grants`);
  const grants = value.grants.map((grant, i) => parseGrant(grant, `${where}.grants[${i}]`));
  return { name: value.name, ...(value.description === undefined ? {} : { description: value.description as string }), grants };
}

/** Validates one grant. */
export function parseGrant(input: unknown, where: string): Grant {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(where, 'must be an object with permission (and collections)');
  const value = input as Record<string, unknown>;
  const permission = value.permission;
  if (typeof permission !== 'string' || permission === 'public' || !(PERMISSIONS as readonly string[]).includes(permission)) {
    throw invalid(`${where}.permission`, `must be one of ${PERMISSIONS.filter((p) => p !== 'public').join(', ')}`);
  }
  if (value.collections === undefined) return { permission: permission as GrantablePermission };
  if (!permission.startsWith('collection:')) throw invalid(`${where}.collections`, 'applies only to collection:* permissions');
  if (!Array.isArray(value.collections) || value.collections.length === 0 || value.collections.length > MAX_PATTERNS_PER_GRANT) throw invalid(`${where}.collections`, `must be a list of 1-${MAX_PATTERNS_PER_GRANT} patterns`);
  const collections = value.collections.map((p, i) => validateCollectionPattern(p, `${where}.collections[${i}]`));
  return { permission: permission as GrantablePermission, collections };
}

function invalid(field: string, message: string): RvError {
  return new RvError('RV_INVALID_ARGUMENT', `${field} ${message}`, { details: { field } });
}
