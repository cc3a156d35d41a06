/**
 * API-key authentication, as Qdrant's `api_key` / `read_only_api_key`: the key comes in the
 * `api-key` header or as `Authorization: Bearer <key>`. Keys are compared in constant time
 * over their SHA-256 digests (equal length, so timingSafeEqual applies and the key's length
 * does not leak). The health probes and the API documentation are public; every other route
 * needs a key, and the read-only key only opens routes marked `read`. The security issue
 * extends this with hashed stored keys, JWT and RBAC.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RvError } from '../errors.js';
import { isLoopbackHost } from '../config/index.js';
import { CachedKeyVerifier, type KeyVerifier } from './key-verifier.js';
import { isReadPermission, type Permission } from '../security/permissions.js';
import type { Principal } from '../security/principal.js';

/** What a route needs: no key, any valid key, or the full-access key. */
export type RouteAccess = 'public' | 'read' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** The RBAC permission the route needs (security/permissions.ts); replaces `access`. */
    permission?: Permission;
  }
  interface FastifyRequest {
    /** Set by authentication; absent on public routes and when auth is disabled. */
    principal?: Principal;
  }
}

export interface AuthOptions {
  host: string;
  apiKey?: string;
  readOnlyApiKey?: string;
  /** Full access for keys it accepts: a key stored only as a hash (results are cached). */
  verifyApiKey?: KeyVerifier;
  authDisabled?: boolean;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Interim bridge while routes move from `access` to `permission`. */
function routeAccess(permission: Permission | undefined, access: RouteAccess | undefined): RouteAccess {
  if (permission === undefined) return access ?? 'write';
  if (permission === 'public') return 'public';
  return isReadPermission(permission) ? 'read' : 'write';
}

/** The key a request presents, if any. */
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

/**
 * Builds the onRequest hook. Throws RV_INVALID_ARGUMENT for an unsafe configuration: auth
 * disabled on a non-loopback address, or neither a key nor an explicit opt-out.
 */
export function createAuthHook(options: AuthOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  if (options.authDisabled === true) {
    if (!isLoopbackHost(options.host)) {
      throw new RvError('RV_INVALID_ARGUMENT', `authDisabled is only allowed on a loopback address (127.0.0.1, ::1, localhost), not on host "${options.host}"`, { details: { field: 'authDisabled' } });
    }
    return async () => undefined;
  }
  const fullKey = options.apiKey === undefined || options.apiKey === '' ? undefined : digest(options.apiKey);
  const readOnlyKey = options.readOnlyApiKey === undefined || options.readOnlyApiKey === '' ? undefined : digest(options.readOnlyApiKey);
  const verifier = options.verifyApiKey === undefined ? undefined : new CachedKeyVerifier(options.verifyApiKey);
  if (fullKey === undefined && readOnlyKey === undefined && verifier === undefined) {
    throw new RvError('RV_INVALID_ARGUMENT', 'no API key configured: set apiKey (or readOnlyApiKey, or verifyApiKey), or set authDisabled on a loopback address for local development', { details: { field: 'apiKey' } });
  }
  return async (request) => {
    // Unknown routes answer 404 to any valid key, read-only included.
    const access: RouteAccess = request.is404 ? 'read' : routeAccess(request.routeOptions.config.permission, request.routeOptions.config.access);
    if (access === 'public') return;
    const key = presentedKey(request);
    if (key === undefined) throw new RvError('RV_AUTH_REQUIRED', 'Must provide an API key or an Authorization bearer token');
    const presented = digest(key);
    // Both constant-time comparisons always run, so timing does not tell which key matched;
    // the verifier (a hashed stored key) is asked only about keys neither matched.
    const isReadOnly = readOnlyKey !== undefined && timingSafeEqual(presented, readOnlyKey);
    const isFull = (fullKey !== undefined && timingSafeEqual(presented, fullKey))
      || (!isReadOnly && verifier !== undefined && await verifier.check(key, presented.toString('hex')));
    if (!isFull && !isReadOnly) throw new RvError('RV_AUTH_INVALID', 'Invalid API key or JWT');
    if (!isFull && access === 'write') throw new RvError('RV_AUTH_FORBIDDEN', 'Forbidden: the read-only API key cannot perform write operations');
  };
}
