/**
 * Backup admin routes (`system:admin`): list, create, show, verify, prune. Restore is left to
 * the CLI (`ruvector backup restore`) on purpose: it writes a new, empty data directory, and
 * swapping that under a serving node would mean closing every collection while requests are
 * in flight; an operator restores, then starts a node on the restored directory.
 */
import type { FastifyInstance } from 'fastify';
import { describeBackup, validateBackupId, type BackupService, type BackupType } from '../../backup/index.js';
import { ok } from '../envelope.js';
import { backupSchemas as schemas } from '../schemas/backups.js';

interface IdParams { id: string }

export function registerBackupRoutes(app: FastifyInstance, backups: BackupService): void {
  const admin = { permission: 'system:admin' as const };
  // Taking or verifying a backup runs as long as the data is large (tens of seconds at 100k
  // points, more beyond): not cut off by the admin time limit, which would answer 504 while the
  // work goes on. Clients that do not want to wait use POST /backups?wait=false.
  const longAdmin = { ...admin, timeout: false as const };

  app.get('/backups', { schema: schemas.list, config: admin }, async (_request, reply) => {
    const listed = await backups.list();
    return ok(reply, {
      target: backups.target.description,
      status: backups.status(),
      backups: listed.filter((l) => l.ok).map((l) => describeBackup(l.manifest)),
      invalid: listed.flatMap((l) => (l.ok ? [] : [{ id: l.id, code: l.error.code, error: l.error.message }])),
    });
  });

  app.post<{ Body: { type?: BackupType } | undefined; Querystring: { wait?: boolean } }>('/backups', { schema: schemas.create, config: longAdmin }, async (request, reply) => {
    const type = request.body?.type ?? 'incremental';
    if (request.query.wait === false) {
      if (backups.status().running !== null) await backups.create(type); // rejects with RV_BACKUP_IN_PROGRESS
      // Started now; failures are logged and reported by GET /backups (status.lastFailure).
      backups.create(type).catch(() => undefined);
      return reply.code(202).send(ok(reply, { status: 'started', type }));
    }
    return ok(reply, describeBackup(await backups.create(type)));
  });

  app.post('/backups/prune', { schema: schemas.prune, config: longAdmin }, async (_request, reply) => ok(reply, await backups.prune()));

  app.get<{ Params: IdParams }>('/backups/:id', { schema: schemas.get, config: admin }, async (request, reply) => {
    const manifest = await backups.get(validateBackupId(request.params.id));
    return ok(reply, { ...describeBackup(manifest), parts: manifest.parts });
  });

  app.post<{ Params: IdParams }>('/backups/:id/verify', { schema: schemas.verify, config: longAdmin }, async (request, reply) =>
    ok(reply, await backups.verify(validateBackupId(request.params.id))));
}
