/**
 * RvError: the one error class of RuVector, and the registry of its codes.
 *
 * Lower layers throw a `kind`, never an HTTP status; `server/` maps kind → status in one
 * table and the CLI maps kind → exit code in one table. Every code thrown anywhere must be
 * registered here and documented in docs/errors.md (test/unit/errors.test.ts checks both).
 * Codes are never reused for a different meaning.
 */

export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'corrupted'
  | 'internal';

/** Kinds a client may retry as-is (after a delay). */
const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set(['rate_limited', 'unavailable', 'timeout']);

/** Every error code, with the kind it is thrown with and a one-line meaning. */
export const ERROR_CODES = {
  RV_INTERNAL: { kind: 'internal', meaning: 'An unexpected internal error; the message and logs say more.' },
  RV_INVALID_ARGUMENT: { kind: 'invalid_argument', meaning: 'A request field is malformed or out of its allowed range.' },
  RV_LIMIT_EXCEEDED: { kind: 'invalid_argument', meaning: 'A request exceeds a configured limit (batch size, limit, string length, depth).' },
  RV_COLLECTION_NOT_FOUND: { kind: 'not_found', meaning: 'The named collection (or alias) does not exist.' },
  RV_COLLECTION_EXISTS: { kind: 'already_exists', meaning: 'A collection with that name already exists.' },
  RV_COLLECTION_NAME: { kind: 'invalid_argument', meaning: 'The collection name is empty, too long or has forbidden characters.' },
  RV_COLLECTION_CONFIG: { kind: 'invalid_argument', meaning: 'The collection configuration is invalid (vector size, distance, hnsw, quantization, shards).' },
  RV_ALIAS_NOT_FOUND: { kind: 'not_found', meaning: 'The named alias does not exist.' },
  RV_ALIAS_EXISTS: { kind: 'already_exists', meaning: 'An alias or collection with that name already exists.' },
  RV_POINT_NOT_FOUND: { kind: 'not_found', meaning: 'The point id does not exist in the collection.' },
  RV_POINT_ID: { kind: 'invalid_argument', meaning: 'A point id is neither an unsigned integer (up to 2^53-1) nor a UUID.' },
  RV_POINT_DIMENSION: { kind: 'invalid_argument', meaning: 'A vector has a different number of dimensions than the collection expects.' },
  RV_POINT_VECTOR: { kind: 'invalid_argument', meaning: 'A vector is empty, not an array of numbers, or holds NaN/Infinity.' },
  RV_POINT_PAYLOAD: { kind: 'invalid_argument', meaning: 'A payload is not a JSON object, or is too large or too deep.' },
  RV_FILTER_INVALID: { kind: 'invalid_argument', meaning: 'A filter is malformed (unknown condition, wrong type, too deep).' },
  RV_SEARCH_INVALID: { kind: 'invalid_argument', meaning: 'A search request is malformed (limit, offset, ef, score threshold).' },
  RV_PAYLOAD_INDEX_INVALID: { kind: 'invalid_argument', meaning: 'A payload index definition is invalid (unknown schema type, bad field name).' },
  RV_QUANTIZATION_INVALID: { kind: 'invalid_argument', meaning: 'A quantization configuration is invalid.' },
  RV_SNAPSHOT_NOT_FOUND: { kind: 'not_found', meaning: 'The snapshot does not exist.' },
  RV_SNAPSHOT_CORRUPTED: { kind: 'corrupted', meaning: 'A snapshot file fails its checksum or format check.' },
  RV_SNAPSHOT_INVALID: { kind: 'invalid_argument', meaning: 'A snapshot name or location is invalid.' },
  RV_STORAGE_CORRUPTED: { kind: 'corrupted', meaning: 'A storage file (database, op log record, checkpoint) is corrupt.' },
  RV_STORAGE_IO: { kind: 'unavailable', meaning: 'A storage read or write failed (disk full, permissions, I/O error).' },
  RV_CHECKPOINT_CORRUPTED: { kind: 'corrupted', meaning: 'An index checkpoint is truncated or fails its checksum (it is rebuilt).' },
  RV_DATABASE_CLOSED: { kind: 'unavailable', meaning: 'The database or collection has been closed.' },
  RV_OPLOG_GAP: { kind: 'conflict', meaning: 'An operation arrived out of order (sequence gap) for a shard.' },
  RV_CONFIG_INVALID: { kind: 'invalid_argument', meaning: 'The configuration (file, environment or flag) is invalid: unknown key, wrong type, out of range, bad TOML.' },
  RV_LISTEN_FAILED: { kind: 'unavailable', meaning: 'The server cannot bind its host and port (in use, no permission).' },
  RV_SERVER_UNREACHABLE: { kind: 'unavailable', meaning: 'The CLI cannot reach the server at --url.' },
  RV_AUTH_REQUIRED: { kind: 'unauthenticated', meaning: 'The request carries no API key or token.' },
  RV_AUTH_INVALID: { kind: 'unauthenticated', meaning: 'The API key or token presented is not valid.' },
  RV_AUTH_FORBIDDEN: { kind: 'forbidden', meaning: 'The credential is valid but does not allow this operation (e.g. a read-only key writing).' },
  RV_IMPORT_INVALID: { kind: 'invalid_argument', meaning: 'An import file has a malformed line or row (the message names it).' },
  RV_OVERLOADED: { kind: 'unavailable', meaning: 'The node is shedding load (too many requests in flight); retry after Retry-After.' },
  RV_ROUTE_NOT_FOUND: { kind: 'not_found', meaning: 'No route for this HTTP method and path.' },
  RV_REQUEST_TOO_LARGE: { kind: 'invalid_argument', meaning: 'The request body or upload is over its configured limit (HTTP 413).' },
} as const satisfies Record<string, { kind: ErrorKind; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RvErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The error every RuVector layer throws.
 * @example
 *   throw new RvError('RV_POINT_DIMENSION', 'vector has 127 dimensions, collection "docs" expects 128',
 *     { details: { expected: 128, got: 127 } });
 */
export class RvError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: RvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RvError';
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    if (options.details !== undefined) this.details = options.details;
  }

  /** True when the same request may succeed if retried later. */
  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }
}

/** Narrowing helper for catch blocks. */
export function isRvError(error: unknown): error is RvError {
  return error instanceof RvError;
}
