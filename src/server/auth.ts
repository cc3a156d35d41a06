/**
 * Authentication and authorization of every request (onRequest, before any body is read).
 *
 * Each route declares the permission it needs in its config (`permission`, from
 * security/permissions.ts); a route without one needs `system:admin` (least privilege), and
 * test/integration/server/route-permissions.test.ts fails for any route that relies on that.
 * The credential comes in the `api-key` header or as `Authorization: Bearer <key or JWT>`;
 * security/authenticator.ts turns it into a Principal, security/rbac/authorizer.ts decides.
 * Collection permissions apply to the route's `collection_name` after alias resolution, so
 * an alias cannot open a collection the credential may not touch.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RvError } from '../errors.js';
import { isLoopbackHost } from '../config/index.js';
import type { Authenticator } from '../security/authenticator.js';
import type { Permission } from '../security/permissions.js';
import type { Principal } from '../security/principal.js';
import type { Authorizer, CollectionTarget } from '../security/rbac/authorizer.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The RBAC permission the route needs (security/permissions.ts). */
    permission?: Permission;
    /**
     * For collection permissions on routes without `:collection_name`: `any` (a listing,
     * filtered by the handler) or `all` (spans collections; the default).
     */
    collectionTarget?: 'any' | 'all';
  }
  interface FastifyRequest {
    /** Set by authentication; absent on public routes and when auth is disabled. */
    principal?: Principal;
  }
}

/** The permission of routes that declare none. */
export const DEFAULT_ROUTE_PERMISSION: Permission = 'system:admin';

export interface AuthOptions {
  host: string;
  /** No authentication: allowed only on a loopback address. */
  authDisabled?: boolean;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** The collection a name (or alias) refers to; the name itself when it resolves to none. */
  resolveCollection: (name: string) => string;
}

const authorizers = new WeakMap<FastifyRequest, Authorizer>();

/** The credential a request presents, if any. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match !== null) return match[1];
  }
  return undefined;
}

/** The permission a request's route needs (404s: none beyond a valid credential). */
export function routePermission(request: FastifyRequest): Permission | undefined {
  if (request.is404) return undefined;
  return request.routeOptions.config.permission ?? DEFAULT_ROUTE_PERMISSION;
}

/** Whether the request's principal may read collection `name` (for filtering listings). */
export function mayReadCollection(request: FastifyRequest, name: string): boolean {
  const authorizer = authorizers.get(request);
  if (authorizer === undefined || request.principal === undefined) return true; // auth disabled
  return authorizer.canRead(request.principal, name);
}

/**
 * Checks a permission on a collection other than the route's own (e.g. the collection a
 * recovered snapshot file was taken from). Throws RV_AUTH_FORBIDDEN; a no-op with auth disabled.
 */
export function authorizeAlsoOn(request: FastifyRequest, permission: Permission, target: CollectionTarget): void {
  const authorizer = authorizers.get(request);
  if (authorizer === undefined || request.principal === undefined) return; // auth disabled
  authorizer.authorize(request.principal, permission, target);
}

/**
 * Builds the onRequest hook. Throws RV_INVALID_ARGUMENT for an unsafe configuration: auth
 * disabled on a non-loopback address, or no credential that could ever be accepted.
 */
export function createAuthHook(options: AuthOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (options.authDisabled === true) {
    if (!isLoopbackHost(options.host)) {
      throw new RvError('RV_INVALID_ARGUMENT', `authDisabled is only allowed on a loopback address (127.0.0.1, ::1, localhost), not on host "${options.host}"`, { details: { field: 'authDisabled' } });
    }
    return async () => undefined;
  }
  const { authenticator, authorizer } = options;
  if (!authenticator.hasCredentials) {
    throw new RvError('RV_INVALID_ARGUMENT', 'no API key configured: set apiKey (or readOnlyApiKey, stored keys, JWT issuers), or set authDisabled on a loopback address for local development', { details: { field: 'apiKey' } });
  }
  return async (request) => {
    const permission = routePermission(request);
    if (permission === 'public') return;
    const credential = presentedKey(request);
    if (credential === undefined) throw new RvError('RV_AUTH_REQUIRED', 'Must provide an API key or an Authorization bearer token');
    const principal = await authenticator.authenticate(credential);
    request.principal = principal;
    authorizers.set(request, authorizer);
    // Unknown routes answer 404 to any valid credential.
    if (permission === undefined) return;
    authorizer.authorize(principal, permission, collectionTarget(request, options.resolveCollection));
  };
}

function collectionTarget(request: FastifyRequest, resolve: (name: string) => string): CollectionTarget {
  const name = (request.params as { collection_name?: unknown } | undefined)?.collection_name;
  if (typeof name === 'string') return { kind: 'named', name: resolve(name) };
  return { kind: request.routeOptions.config.collectionTarget ?? 'all' };
}
