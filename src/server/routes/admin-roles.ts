/** `/admin/roles`: list every role; create, replace and delete the API-managed ones. `system:admin`. */
import type { FastifyInstance } from 'fastify';
import { RvError } from '../../errors.js';
import type { RoleRegistry } from '../../security/rbac/role-registry.js';
import { ok } from '../envelope.js';
import { auditDetails } from '../audit-hook.js';
import * as schemas from '../schemas/admin-security.js';

export function registerAdminRoleRoutes(app: FastifyInstance, roles: RoleRegistry): void {
  const admin = { permission: 'system:admin' as const };

  app.get('/admin/roles', { schema: schemas.listRoles, config: admin }, async (_request, reply) => ok(reply, { roles: roles.list() }));

  app.get<{ Params: { name: string } }>('/admin/roles/:name', { schema: schemas.getRole, config: admin }, async (request, reply) => {
    const role = roles.list().find((r) => r.name === request.params.name);
    if (role === undefined) throw new RvError('RV_ROLE_NOT_FOUND', `no role named ${JSON.stringify(request.params.name)}`, { details: { field: 'name' } });
    return ok(reply, role);
  });

  app.put<{ Params: { name: string }; Body: { description?: string; grants: unknown[] } }>('/admin/roles/:name', { schema: schemas.putRole, config: admin }, async (request, reply) => {
    const { role } = await roles.put({ name: request.params.name, ...request.body });
    // The grants set, e.g. "collection:read@docs*|logs;cluster:read".
    auditDetails(request, { grants: role.grants.map((g) => (g.collections === undefined ? g.permission : `${g.permission}@${g.collections.join('|')}`)).join(';') });
    return ok(reply, { ...role, source: 'api' });
  });

  app.delete<{ Params: { name: string } }>('/admin/roles/:name', { schema: schemas.deleteRole, config: admin }, async (request, reply) => {
    if (!await roles.delete(request.params.name)) throw new RvError('RV_ROLE_NOT_FOUND', `no role named ${JSON.stringify(request.params.name)}`, { details: { field: 'name' } });
    return ok(reply, true);
  });
}
