/**
 * Request rate limits (@fastify/rate-limit's limiter, fixed windows in memory):
 * - per client address, checked before authentication, so credential guessing is bounded too;
 * - per credential and route class (read / write / admin), checked after authentication.
 * Over budget: 429 RV_RATE_LIMITED with Retry-After. Public routes (probes, docs) are never
 * limited, so an orchestrator's health checks always get through.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RvError } from '../errors.js';
import type { Permission } from '../security/permissions.js';
import { routePermission } from './auth.js';

export interface RateLimitOptions {
  windowSeconds: number;
  perIp: number;
  readPerPrincipal: number;
  writePerPrincipal: number;
  adminPerPrincipal: number;
}

type RouteClass = 'read' | 'write' | 'admin';

function routeClass(permission: Permission | undefined): RouteClass {
  if (permission === undefined || permission.endsWith(':read') || permission === 'system:metrics' || permission === 'system:health') return 'read';
  return permission.endsWith(':write') ? 'write' : 'admin';
}

function limited(ttlInSeconds: number, what: string): RvError {
  const retryAfterSeconds = Math.max(1, ttlInSeconds);
  return new RvError('RV_RATE_LIMITED', `Too many requests from this ${what}; retry after ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
}

/**
 * Registers the limiter; returns the two hooks: `perIp` (add before authentication) and
 * `perPrincipal` (add after it).
 */
export async function registerRateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<{
  perIp: (request: FastifyRequest) => Promise<void>;
  perPrincipal: (request: FastifyRequest) => Promise<void>;
}> {
  const timeWindow = options.windowSeconds * 1000;
  await app.register(rateLimit, { global: false, timeWindow, max: options.perIp, cache: 50_000 });
  const byIp = app.createRateLimit({ max: options.perIp, timeWindow, keyGenerator: (request) => `ip:${request.ip}` });
  const budgets: Record<RouteClass, number> = { read: options.readPerPrincipal, write: options.writePerPrincipal, admin: options.adminPerPrincipal };
  const byPrincipal = app.createRateLimit({
    timeWindow,
    max: (request) => budgets[routeClass(routePermission(request))],
    keyGenerator: (request) => `principal:${routeClass(routePermission(request))}:${request.principal?.id ?? request.ip}`,
  });
  return {
    perIp: async (request) => {
      if (routePermission(request) === 'public') return;
      const limit = await byIp(request);
      if (!limit.isAllowed && limit.isExceeded) throw limited(limit.ttlInSeconds, 'client address');
    },
    perPrincipal: async (request) => {
      if (request.principal === undefined) return;
      const limit = await byPrincipal(request);
      if (!limit.isAllowed && limit.isExceeded) throw limited(limit.ttlInSeconds, 'credential');
    },
  };
}
