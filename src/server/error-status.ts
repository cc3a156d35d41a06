/**
 * The one place where an HTTP status is chosen. Lower layers throw an RvError `kind`;
 * this table turns it into Qdrant's status. A few failures happen before any handler runs
 * (the body is not JSON, too large, fails its schema): they carry a `transport` reason,
 * which the second table maps, since no engine kind says "413".
 */
import type { ErrorKind } from '../errors.js';

/** RvError kind → HTTP status (docs/errors.md shows the same table). */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
  timeout: 504,
  corrupted: 500,
  internal: 500,
};

/** Failures of the HTTP exchange itself, decided before the engine sees the request. */
export type TransportFailure = 'malformed_body' | 'schema_validation' | 'body_too_large' | 'unsupported_media_type' | 'method_not_allowed';

/** Transport failure → HTTP status. */
export const STATUS_BY_TRANSPORT: Readonly<Record<TransportFailure, number>> = {
  malformed_body: 400,
  schema_validation: 422,
  body_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
};

/** Seconds a client should wait before retrying a 429 or 503 when the error does not say. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** The HTTP status of a failure: the transport reason wins (it is more specific), else the kind. */
export function httpStatusOf(kind: ErrorKind, transport?: TransportFailure): number {
  return transport === undefined ? STATUS_BY_KIND[kind] : STATUS_BY_TRANSPORT[transport];
}

/** Statuses that carry a Retry-After header. */
export function needsRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}
