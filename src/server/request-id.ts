/**
 * Request ids: the client's `x-request-id` when it is a sane token (so a caller can follow
 * its request through our logs), else a fresh UUID. A client-supplied id is limited in
 * length and alphabet because it is written into every log line of the request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  return typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
}
