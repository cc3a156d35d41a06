/**
 * RBAC decisions: may this principal use this permission on this resource? A route needs one
 * permission; collection permissions apply to the route's collection (or, for listing, to
 * any collection, the handler then filtering what it shows; or, for routes that span
 * collections such as alias changes, to every collection: a grant on `*`).
 *
 * Decisions are cached per (principal, permission, resource) and the cache is dropped whenever
 * a role changes, so 100+ roles with many grants cost one map lookup per request.
 */
import { RvError } from '../../errors.js';
import type { Permission } from '../permissions.js';
import type { Principal } from '../principal.js';
import { matchesAnyPattern } from './collection-pattern.js';
import { impliedPermissions, type Grant, type GrantablePermission } from './role.js';
import type { RoleRegistry } from './role-registry.js';

/** Which collection a collection permission is checked against. */
export type CollectionTarget =
  | { kind: 'named'; name: string }
  /** Listing: allowed when the principal may read some collection; the result is filtered. */
  | { kind: 'any' }
  /** Spans collections (alias changes): needs the permission on every collection. */
  | { kind: 'all' };

const CACHE_LIMIT = 50_000;

export class Authorizer {
  private readonly cache = new Map<string, boolean>();

  constructor(private readonly roles: RoleRegistry) {
    roles.onChange(() => this.cache.clear());
  }

  /** Throws RV_AUTH_FORBIDDEN (naming the permission and resource) unless allowed. */
  authorize(principal: Principal, permission: Permission, target: CollectionTarget): void {
    if (this.isAllowed(principal, permission, target)) return;
    const resource = !permission.startsWith('collection:') ? permission.split(':')[0]
      : target.kind === 'named' ? `collection "${target.name}"` : target.kind === 'any' ? 'any collection' : 'all collections';
    throw new RvError('RV_AUTH_FORBIDDEN', `Forbidden: ${principal.name ?? principal.id} lacks ${permission} on ${resource}`, { details: { permission, ...(target.kind === 'named' ? { collection: target.name } : {}) } });
  }

  isAllowed(principal: Principal, permission: Permission, target: CollectionTarget): boolean {
    if (permission === 'public') return true;
    const key = cacheKey(principal, permission, target);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const allowed = this.decide(principal, permission, target);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, allowed);
    return allowed;
  }

  /** Whether `principal` may read collection `name`: for filtering listings. */
  canRead(principal: Principal, name: string): boolean {
    return this.isAllowed(principal, 'collection:read', { kind: 'named', name });
  }

  private decide(principal: Principal, permission: GrantablePermission, target: CollectionTarget): boolean {
    const scoped = principal.collections !== undefined;
    const isCollection = permission.startsWith('collection:');
    // A collection-scoped credential never reaches cluster or system resources.
    if (scoped && !isCollection) return false;
    if (scoped && target.kind === 'named' && !matchesAnyPattern(principal.collections!, target.name)) return false;
    if (scoped && target.kind === 'all' && !principal.collections!.includes('*')) return false;
    for (const grant of this.grantsOf(principal)) {
      if (!impliedPermissions(grant.permission).includes(permission)) continue;
      if (!isCollection) return true;
      const patterns = grant.collections ?? ['*'];
      if (target.kind === 'any') return true;
      if (target.kind === 'all' ? patterns.includes('*') : matchesAnyPattern(patterns, target.name)) return true;
    }
    return false;
  }

  private *grantsOf(principal: Principal): Iterable<Grant> {
    for (const name of principal.roles) {
      const role = this.roles.get(name);
      if (role !== undefined) yield* role.grants;
    }
    if (principal.grants !== undefined) yield* principal.grants;
  }
}

function cacheKey(principal: Principal, permission: Permission, target: CollectionTarget): string {
  const resource = target.kind === 'named' ? `n:${target.name}` : target.kind;
  // Roles, grants and scopes are part of the key: two tokens of one subject may differ.
  return JSON.stringify([principal.id, principal.roles, principal.grants ?? null, principal.collections ?? null, permission, resource]);
}
