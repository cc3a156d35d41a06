/**
 * `GET /admin/log-level` and `PUT /admin/log-level` (permission `system:admin`): read and change
 * the log level of the running server without a restart, for the whole process or for one
 * module's logger (`{"module": "engine", "level": "debug"}`; `"level": null` drops the
 * module's override). The change is logged (the line says from and to) and answered with the
 * levels now in force. A server started without a logger answers 400 (nothing to change).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LOG_LEVELS } from '../../config/index.js';
import { RvError } from '../../errors.js';
import { getLogLevels, setLogLevel } from '../../observability/index.js';
import { ok } from '../envelope.js';
import { nullable, object, type JsonSchema } from '../schemas/json-schema.js';

const tags = ['Admin'];
const levels: JsonSchema = object({
  level: { type: 'string', enum: [...LOG_LEVELS] },
  modules: { type: 'object', additionalProperties: object({ level: { type: 'string', enum: [...LOG_LEVELS] }, override: { type: 'boolean' } }) },
});
const envelope = (result: JsonSchema): JsonSchema => ({ description: 'The log levels in force', ...object({ result, status: { type: 'string' }, time: { type: 'number' } }) });

const schemas = {
  get: { tags, summary: 'The log level of the process and of each module logger', operationId: 'get_log_level', response: { 200: envelope(levels) } },
  put: {
    tags,
    summary: 'Change the log level at run time (whole process, or one module)',
    operationId: 'set_log_level',
    body: object({
      level: nullable({ type: 'string', enum: [...LOG_LEVELS], description: 'New level; null (with module) drops the module override' }),
      module: { type: 'string', minLength: 1, maxLength: 64, description: 'A module logger (e.g. "engine"); absent: the whole process' },
    }, { required: ['level'] }),
    response: { 200: envelope(levels) },
  },
} as const;

interface LevelBody {
  level: string | null;
  module?: string;
}

/** Registers the log-level routes; `logger` is the server's root logger (false: none). */
export function registerAdminLogLevelRoutes(app: FastifyInstance, logger: Logger | false): void {
  // Allowed in read-only mode: the level is not data (server/reliability-hooks.ts).
  const config = { permission: 'system:admin' as const, writeGate: false as const };
  const root = (): Logger => {
    if (logger === false) throw new RvError('RV_INVALID_ARGUMENT', 'this server was started without a logger; there is no log level to change', { details: { field: 'logger' } });
    return logger;
  };
  app.get('/admin/log-level', { schema: schemas.get, config }, async (_request, reply) => ok(reply, getLogLevels(root())));
  app.put<{ Body: LevelBody }>('/admin/log-level', { schema: schemas.put, config }, async (request, reply) => {
    const { level, module } = request.body;
    if (level === null && module === undefined) {
      throw new RvError('RV_INVALID_ARGUMENT', 'level: null is only allowed with a module (it drops that module\'s override)', { details: { field: 'level' } });
    }
    return ok(reply, setLogLevel(root(), level, module));
  });
}
