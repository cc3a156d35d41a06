/**
 * `/admin/keys`: API keys and service accounts (security/keys/key-store.ts). Creating and
 * rotating return the secret once; listing never does. All routes need `system:admin`.
 */
import type { FastifyInstance } from 'fastify';
import { RvError } from '../../errors.js';
import { parseDuration } from '../../security/keys/duration.js';
import type { KeyStore } from '../../security/keys/key-store.js';
import { ok } from '../envelope.js';
import { auditDetails } from '../audit-hook.js';
import type { AuditMetadata } from '../../security/audit/index.js';
import * as schemas from '../schemas/admin-security.js';

interface CreateBody { name: string; role?: string; roles?: string[]; collections?: string[]; expires?: string }

export const DEFAULT_ROTATION_OVERLAP = '24h';

/** What the audit trail records of a key made or rotated: never the secret or its hash. */
function keyDetails(record: { id: string; name: string; roles: string[]; collections?: string[]; expires_at?: string }): AuditMetadata {
  return {
    key_id: record.id,
    key_name: record.name,
    roles: record.roles.join(','),
    collections: record.collections === undefined ? '*' : record.collections.join(','),
    expires_at: record.expires_at ?? null,
  };
}

export function registerAdminKeyRoutes(app: FastifyInstance, keys: KeyStore): void {
  const admin = { permission: 'system:admin' as const };

  app.get('/admin/keys', { schema: schemas.listKeys, config: admin }, async (_request, reply) => ok(reply, { keys: keys.list() }));

  app.get<{ Params: { id: string } }>('/admin/keys/:id', { schema: schemas.getKey, config: admin }, async (request, reply) => {
    const view = keys.get(request.params.id);
    if (view === undefined) throw new RvError('RV_KEY_NOT_FOUND', `no API key with id ${request.params.id}`, { details: { field: 'id' } });
    return ok(reply, view);
  });

  app.post<{ Body: CreateBody }>('/admin/keys', { schema: schemas.createKey, config: admin }, async (request, reply) => {
    const body = request.body;
    if (body.role !== undefined && body.roles !== undefined) throw new RvError('RV_INVALID_ARGUMENT', 'give role or roles, not both', { details: { field: 'roles' } });
    const roles = body.roles ?? (body.role === undefined ? undefined : [body.role]);
    if (roles === undefined) throw new RvError('RV_INVALID_ARGUMENT', 'role (or roles) is required: reader, writer, admin, monitor or a custom role', { details: { field: 'role' } });
    const created = await keys.create({
      name: body.name,
      roles,
      ...(body.collections === undefined ? {} : { collections: body.collections }),
      ...(body.expires === undefined ? {} : { expiresInMs: parseDuration(body.expires, 'expires') }),
    });
    auditDetails(request, keyDetails(created.record));
    return ok(reply, { ...created.record, key: created.key });
  });

  app.delete<{ Params: { id: string } }>('/admin/keys/:id', { schema: schemas.revokeKey, config: admin }, async (request, reply) => {
    if (!await keys.revoke(request.params.id)) throw new RvError('RV_KEY_NOT_FOUND', `no API key with id ${request.params.id}`, { details: { field: 'id' } });
    return ok(reply, true);
  });

  app.post<{ Params: { id: string }; Body: { overlap?: string } | null }>('/admin/keys/:id/rotate', { schema: schemas.rotateKey, config: admin }, async (request, reply) => {
    const overlapMs = parseDuration(request.body?.overlap ?? DEFAULT_ROTATION_OVERLAP, 'overlap');
    const created = await keys.rotate(request.params.id, overlapMs);
    auditDetails(request, { ...keyDetails(created.record), rotated_from: request.params.id, overlap_ms: overlapMs });
    return ok(reply, { ...created.record, key: created.key });
  });
}
