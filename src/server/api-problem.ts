/**
 * Failures the server decides itself (routing, the HTTP body). Unlike an
 * RvError, whose kind follows from its code, a problem carries its kind explicitly: some of
 * these failures have no registered code of their own yet and borrow the nearest one (see
 * SERVER_CODES), while their kind still picks the right status from the one table.
 */
import type { ErrorCode, ErrorKind } from '../errors.js';
import type { TransportFailure } from './error-status.js';

/** The codes the server reports for its own failures. */
export const SERVER_CODES = {
  routeNotFound: 'RV_ROUTE_NOT_FOUND',
  bodyTooLarge: 'RV_REQUEST_TOO_LARGE',
  invalidRequest: 'RV_INVALID_ARGUMENT',
  shuttingDown: 'RV_DATABASE_CLOSED',
  internal: 'RV_INTERNAL',
} as const satisfies Record<string, ErrorCode>;

export interface ApiProblemOptions {
  /** A failure of the HTTP exchange itself, whose status the transport table decides. */
  transport?: TransportFailure;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * @example throw new ApiProblem('not_found', SERVER_CODES.routeNotFound, 'Not found: no route GET /x');
 */
export class ApiProblem extends Error {
  readonly transport?: TransportFailure;
  readonly retryAfterSeconds?: number;

  constructor(readonly kind: ErrorKind, readonly code: ErrorCode, message: string, options: ApiProblemOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiProblem';
    if (options.transport !== undefined) this.transport = options.transport;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
