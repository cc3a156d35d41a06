/**
 * JWT claims → Principal. Roles come from the issuer's roles claim (a string or a list);
 * collection scopes from its collections claim. Qdrant's `access` claim is accepted as is:
 * `"r"` (read everything), `"m"` (manage everything), or `[{collection, access: "r"|"rw"}]`
 * (per-collection grants, which also confine the token to those collections).
 */
import type { JWTPayload } from 'jose';
import { RvError } from '../../errors.js';
import type { Principal } from '../principal.js';
import { validateCollectionPattern } from '../rbac/collection-pattern.js';
import type { Grant } from '../rbac/role.js';
import type { IssuerConfig } from './issuer-config.js';

export function principalFromClaims(payload: JWTPayload, issuer: IssuerConfig): Principal {
  const subject = typeof payload.sub === 'string' ? payload.sub : 'anonymous';
  const roles = stringList(payload[issuer.roles_claim], issuer.roles_claim);
  const principal: Principal = { id: `jwt:${issuer.issuer}#${subject}`, kind: 'jwt', name: subject, roles };
  const collections = payload[issuer.collections_claim];
  if (collections !== undefined) {
    principal.collections = stringList(collections, issuer.collections_claim).map((p, i) => validateCollectionPattern(p, `token claim ${issuer.collections_claim}[${i}]`));
  }
  const access = payload.access;
  if (access === 'r') principal.roles = [...roles, 'reader'];
  else if (access === 'm') principal.roles = [...roles, 'admin'];
  else if (Array.isArray(access)) {
    const grants: Grant[] = [];
    const names: string[] = [];
    for (const [i, entry] of access.entries()) {
      const item = entry as { collection?: unknown; access?: unknown } | null;
      const name = validateCollectionPattern(item?.collection, `token claim access[${i}].collection`);
      if (item?.access !== 'r' && item?.access !== 'rw') throw claimError(`access[${i}].access`, 'must be "r" or "rw"');
      grants.push({ permission: item.access === 'rw' ? 'collection:write' : 'collection:read', collections: [name] });
      names.push(name);
    }
    principal.grants = grants;
    principal.collections = principal.collections === undefined ? names : principal.collections.filter((p) => names.includes(p));
  } else if (access !== undefined) {
    throw claimError('access', 'must be "r", "m" or a list of {collection, access}');
  }
  return principal;
}

function stringList(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((s) => s.length > 0).slice(0, 64);
  if (Array.isArray(value) && value.length <= 64 && value.every((v) => typeof v === 'string' && v.length <= 255)) return value as string[];
  throw claimError(claim, 'must be a string or a list of at most 64 strings');
}

function claimError(claim: string, message: string): RvError {
  return new RvError('RV_AUTH_INVALID', `Invalid JWT: claim ${claim} ${message}`);
}
