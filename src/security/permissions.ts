/**
 * The permissions a route can require (the security issue's RBAC model). Collection
 * permissions are checked against the route's `collection_name` parameter and may be
 * granted for a name pattern (`docs*`, `*`); cluster and system permissions are global.
 */
export const PERMISSIONS = [
  'public',
  'collection:read', 'collection:write', 'collection:admin',
  'cluster:read', 'cluster:write', 'cluster:admin',
  'system:metrics', 'system:health', 'system:admin',
] as const;

/** What a route needs; `public` needs no credentials at all. */
export type Permission = typeof PERMISSIONS[number];

/** Whether a permission only reads (granted to read-only keys). */
export function isReadPermission(permission: Permission): boolean {
  return permission === 'public' || permission.endsWith(':read') || permission === 'system:metrics' || permission === 'system:health';
}
