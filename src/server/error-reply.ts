/**
 * Turns anything thrown while serving a request into Qdrant's error envelope with the status
 * from the one table (error-status.ts). The engine's RvErrors keep their code and message; the
 * server's own problems (auth, routing, bodies) carry their kind; Fastify's errors are
 * translated here; anything else is a 500 whose details go to the log, not to the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { isRvError, type ErrorCode } from '../errors.js';
import { ApiProblem, SERVER_CODES } from './api-problem.js';
import { DEFAULT_RETRY_AFTER_SECONDS, httpStatusOf, needsRetryAfter } from './error-status.js';
import { elapsedSeconds, type ErrorEnvelope } from './envelope.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { formatValidationErrors } from './validation.js';

/** A failure as the client sees it: status, stable code, message, whether to retry. */
export interface WireError {
  status: number;
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterSeconds?: number;
}

const RETRYABLE_STATUSES = new Set([429, 503, 504]);

function fromProblem(problem: ApiProblem): WireError {
  const status = httpStatusOf(problem.kind, problem.transport);
  return {
    status, code: problem.code, message: problem.message, retryable: RETRYABLE_STATUSES.has(status),
    ...(problem.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: problem.retryAfterSeconds }),
  };
}

function asFastifyError(error: unknown): (FastifyError & { validation?: ErrorObject[]; validationContext?: string }) | undefined {
  return error instanceof Error && ('code' in error || 'statusCode' in error) ? (error as FastifyError) : undefined;
}

/** The size limit, in words a person reads: "33554432 bytes (32 MiB)". */
export function describeBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${bytes} bytes (${mib} MiB)` : `${bytes} bytes`;
}

function bodyTooLarge(limitBytes: number): ApiProblem {
  return new ApiProblem('invalid_argument', SERVER_CODES.bodyTooLarge, `Payload error: the request body is larger than the limit of ${describeBytes(limitBytes)}`, { transport: 'body_too_large' });
}

/** Classifies a thrown value. `bodyLimitBytes` names the limit in 413 messages. */
export function toWireError(error: unknown, context: { bodyLimitBytes: number; requestId: string }): WireError {
  if (error instanceof ApiProblem) return fromProblem(error);
  if (isRvError(error)) {
    const retryAfter = error.details?.retryAfterSeconds;
    return {
      status: httpStatusOf(error.kind), code: error.code, message: error.message, retryable: error.retryable,
      ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
    };
  }
  const fastifyError = asFastifyError(error);
  if (fastifyError !== undefined) {
    if (Array.isArray(fastifyError.validation)) {
      return fromProblem(new ApiProblem('invalid_argument', SERVER_CODES.invalidRequest, formatValidationErrors(fastifyError.validation, fastifyError.validationContext ?? 'body'), { transport: 'schema_validation' }));
    }
    const status = fastifyError.statusCode;
    switch (fastifyError.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return fromProblem(bodyTooLarge(context.bodyLimitBytes));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return fromProblem(new ApiProblem('invalid_argument', SERVER_CODES.invalidRequest, 'Unsupported content type: send the body as application/json', { transport: 'unsupported_media_type' }));
      default:
        break;
    }
    if (status === 413) return fromProblem(new ApiProblem('invalid_argument', SERVER_CODES.bodyTooLarge, `Payload error: ${fastifyError.message}`, { transport: 'body_too_large' }));
    if (status === 404) return fromProblem(new ApiProblem('not_found', SERVER_CODES.routeNotFound, `Not found: ${fastifyError.message}`));
    if (status === 503) return fromProblem(new ApiProblem('unavailable', SERVER_CODES.shuttingDown, fastifyError.message));
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Other client errors from Fastify or its plugins (bad Content-Length, multipart limits…).
      return fromProblem(new ApiProblem('invalid_argument', SERVER_CODES.invalidRequest, `Wrong input: ${fastifyError.message}`, { transport: 'malformed_body' }));
    }
  }
  return fromProblem(new ApiProblem('internal', SERVER_CODES.internal, `Service internal error: an unexpected error occurred (request id ${context.requestId})`));
}

/** Sends the error envelope. */
export function sendWireError(reply: FastifyReply, wire: WireError): FastifyReply {
  if (needsRetryAfter(wire.status)) reply.header('retry-after', String(wire.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
  const body: ErrorEnvelope = { status: { error: wire.message }, time: elapsedSeconds(reply), code: wire.code, retryable: wire.retryable };
  return reply.code(wire.status).type('application/json; charset=utf-8').send(body);
}

/**
 * Fastify's `frameworkErrors` option: failures before routing (a URL that does not decode),
 * which never reach the error handler.
 */
export function frameworkErrorHandler(bodyLimitBytes: number): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const wire = toWireError(error, { bodyLimitBytes, requestId: request.id });
    reply.header(REQUEST_ID_HEADER, request.id);
    void sendWireError(reply, wire);
  };
}

/** Installs the error and not-found handlers on the app. */
export function registerErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const wire = toWireError(error, { bodyLimitBytes, requestId: request.id });
    if (wire.status >= 500) request.log.error({ err: error, code: wire.code, status: wire.status }, 'request failed');
    else request.log.info({ code: wire.code, status: wire.status, error: wire.message }, 'request rejected');
    return sendWireError(reply, wire);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    return sendWireError(reply, fromProblem(new ApiProblem('not_found', SERVER_CODES.routeNotFound, `Not found: no route ${request.method} ${path.slice(0, 200)}`)));
  });
}
