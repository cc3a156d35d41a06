/**
 * Encryption-at-rest administration (permission `system:admin`):
 *
 *   POST /admin/encryption/rotate   re-read the master keys from the secrets provider, seal new
 *                                   writes with the current one, start the background re-seal
 *                                   of every row and file still under an older key (202)
 *   GET  /admin/encryption/status   key ids in use, retired ones, re-seal progress (done/total)
 *
 * With `[storage] encryption` off, status answers `{enabled: false}` and rotate 409
 * RV_ENCRYPTION_DISABLED. Key ids are fingerprints (no key material is ever returned).
 */
import type { FastifyInstance } from 'fastify';
import type { EncryptionStatus, ResealStatus, RotateResult } from '../../engine/index.js';
import { RvError } from '../../errors.js';
import { ok } from '../envelope.js';
import { arrayOf, nullable, object, type JsonSchema } from '../schemas/json-schema.js';

/** What the routes need (engine/master-key-rotation.ts's MasterKeyRotation). */
export interface EncryptionAdmin {
  status(): EncryptionStatus;
  rotate(): Promise<RotateResult>;
}

const tags = ['Admin'];
const keyIds = arrayOf({ type: 'string' });
const reseal = object({
  state: { type: 'string', enum: ['idle', 'running', 'done', 'failed', 'stopped'] },
  key_id: nullable({ type: 'string' }),
  done: { type: 'integer' },
  total: { type: 'integer' },
  rows_resealed: { type: 'integer' },
  files_resealed: { type: 'integer' },
  started_at: nullable({ type: 'string' }),
  finished_at: nullable({ type: 'string' }),
  error: nullable({ type: 'string' }),
});
const statusProperties: Record<string, JsonSchema> = {
  enabled: { type: 'boolean' },
  current_key_id: { type: 'string' },
  key_ids: keyIds,
  retired_key_ids: keyIds,
  reseal,
};
const envelope = (result: JsonSchema, description: string): JsonSchema => ({ description, ...object({ result, status: { type: 'string' }, time: { type: 'number' } }) });

const schemas = {
  status: {
    tags, summary: 'Encryption at rest: key ids in use and re-seal progress', operationId: 'encryption_status',
    response: { 200: envelope(object(statusProperties, { required: ['enabled'] }), 'Encryption status') },
  },
  rotate: {
    tags, summary: 'Rotate the master key: re-read it from the secrets provider and re-seal older data in the background', operationId: 'encryption_rotate',
    response: { 202: envelope(object({ ...statusProperties, rotated: { type: 'boolean' }, previous_key_id: { type: 'string' } }), 'Rotation started') },
  },
} as const;

function resealJson(status: ResealStatus): Record<string, unknown> {
  return {
    state: status.state, key_id: status.keyId ?? null, done: status.done, total: status.total,
    rows_resealed: status.rowsResealed, files_resealed: status.filesResealed,
    started_at: status.startedAt ?? null, finished_at: status.finishedAt ?? null, error: status.error ?? null,
  };
}

function statusJson(status: EncryptionStatus): Record<string, unknown> {
  return { enabled: true, current_key_id: status.currentKeyId, key_ids: status.keyIds, retired_key_ids: status.retiredKeyIds, reseal: resealJson(status.reseal) };
}

/** Registers the routes; `encryption` is undefined when encryption at rest is off. */
export function registerAdminEncryptionRoutes(app: FastifyInstance, encryption: EncryptionAdmin | undefined): void {
  const config = { permission: 'system:admin' as const };
  app.get('/admin/encryption/status', { schema: schemas.status, config }, async (_request, reply) =>
    ok(reply, encryption === undefined ? { enabled: false } : statusJson(encryption.status())));
  app.post('/admin/encryption/rotate', { schema: schemas.rotate, config }, async (_request, reply) => {
    if (encryption === undefined) {
      throw new RvError('RV_ENCRYPTION_DISABLED', 'encryption at rest is off ([storage] encryption = false): there is no master key to rotate');
    }
    const result = await encryption.rotate();
    reply.code(202);
    return ok(reply, { ...statusJson(result), rotated: result.rotated, previous_key_id: result.previousKeyId });
  });
}
