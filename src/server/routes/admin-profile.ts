/**
 * Profiling endpoints (permission `system:admin`), downloadable as files:
 *   POST /admin/profile/cpu?seconds=N   a CPU profile over N seconds (1..60), `.cpuprofile`
 *   POST /admin/profile/heap            a heap snapshot, `.heapsnapshot`, streamed from a temp file
 * One profile at a time per process (409 RV_PROFILER_BUSY otherwise). A CPU profile stops
 * early when the client disconnects. The heap snapshot pauses the process while V8 takes it
 * (seconds per GiB of heap): take it on a node out of rotation when the heap is large.
 * The work is in observability/profiler.ts.
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { MAX_CPU_PROFILE_SECONDS, type Profiler } from '../../observability/index.js';
import { object } from '../schemas/json-schema.js';

const tags = ['Admin'];
const file = (description: string) => ({ 200: { description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } });

const schemas = {
  cpu: {
    tags,
    summary: `Take a CPU profile for N seconds (1..${MAX_CPU_PROFILE_SECONDS}); downloads a .cpuprofile (Chrome DevTools, speedscope)`,
    operationId: 'profile_cpu',
    // Checked by the profiler, so a bad value gets RV_INVALID_ARGUMENT naming the field and range.
    querystring: object({ seconds: { type: 'string', description: `Duration in seconds, 1..${MAX_CPU_PROFILE_SECONDS}` } }, { required: ['seconds'] }),
    response: file('The V8 CPU profile (JSON)'),
  },
  heap: { tags, summary: 'Take a heap snapshot; downloads a .heapsnapshot (Chrome DevTools, Memory tab)', operationId: 'profile_heap', response: file('The V8 heap snapshot (JSON)') },
} as const;

/** `ruvector-20260101T120000Z` */
function fileStem(): string {
  return `ruvector-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export function registerAdminProfileRoutes(app: FastifyInstance, profiler: Profiler): void {
  // No request timeout (a CPU profile bounds itself to 60 s; a heap snapshot cannot be cut short)
  // and allowed in read-only mode (nothing is written): server/reliability-hooks.ts.
  const config = { permission: 'system:admin' as const, timeout: false as const, writeGate: false as const };

  app.post<{ Querystring: { seconds: string } }>('/admin/profile/cpu', { schema: schemas.cpu, config }, async (request, reply) => {
    const aborted = new AbortController();
    // The response closing before anything was sent means the client went away.
    const onClose = (): void => {
      if (!reply.sent) aborted.abort();
    };
    reply.raw.once('close', onClose);
    try {
      const profile = await profiler.cpuProfile(request.query.seconds, aborted.signal);
      return await reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="${fileStem()}.cpuprofile"`)
        .send(JSON.stringify(profile));
    } finally {
      reply.raw.off('close', onClose);
    }
  });

  app.post('/admin/profile/heap', { schema: schemas.heap, config }, async (_request, reply) => {
    const snapshot = await profiler.heapSnapshot();
    const stream = createReadStream(snapshot.path);
    // The file goes (and the profiler is free again) once the download ends, whichever way.
    stream.once('close', snapshot.release);
    return reply
      .type('application/json')
      .header('content-length', snapshot.sizeBytes)
      .header('content-disposition', `attachment; filename="${fileStem()}.heapsnapshot"`)
      .send(stream);
  });
}
