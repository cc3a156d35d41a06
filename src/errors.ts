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
  RV_DATA_DIR_LOCKED: { kind: 'conflict', meaning: 'The data directory is open in another process (a running server, or a CLI command with --data-dir); one process at a time may open it.' },
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
  RV_AUTH_UNAVAILABLE: { kind: 'unavailable', meaning: 'A token cannot be verified now because the identity provider key set (JWKS) is unreachable; retry.' },
  RV_RATE_LIMITED: { kind: 'rate_limited', meaning: 'Too many requests from this client address or credential; retry after Retry-After.' },
  RV_KEY_NOT_FOUND: { kind: 'not_found', meaning: 'No API key with that id exists.' },
  RV_ROLE_NOT_FOUND: { kind: 'not_found', meaning: 'No role with that name exists.' },
  RV_TLS_CONFIG: { kind: 'invalid_argument', meaning: 'The TLS certificate, key or CA files are missing, unreadable or do not match.' },
  RV_IMPORT_INVALID: { kind: 'invalid_argument', meaning: 'An import file has a malformed line or row (the message names it).' },
  RV_OVERLOADED: { kind: 'unavailable', meaning: 'The node is shedding load (too many requests in flight, or the event loop has lagged for a sustained window); retry after Retry-After.' },
  RV_ROUTE_NOT_FOUND: { kind: 'not_found', meaning: 'No route for this HTTP method and path.' },
  RV_REQUEST_TOO_LARGE: { kind: 'invalid_argument', meaning: 'The request body or upload is over its configured limit (HTTP 413).' },
  RV_TIMEOUT: { kind: 'timeout', meaning: 'The request did not finish within its time limit (by class, or the `timeout` parameter); a timed-out write may still commit, so retry it with the same ids.' },
  RV_READ_ONLY: { kind: 'unavailable', meaning: 'Writes are refused for now: free disk is below its threshold or an operator set the write lock (POST /locks); reads keep working.' },
  RV_DEPENDENCY_UNAVAILABLE: { kind: 'unavailable', meaning: 'An outbound dependency (JWKS, secrets provider, backup target, cluster) is failing and its circuit breaker is open; retry after Retry-After.' },
  RV_DEPENDENCY_TIMEOUT: { kind: 'timeout', meaning: 'An outbound dependency did not answer within its time limit (after retries).' },
  RV_DECRYPT_FAILED: { kind: 'corrupted', meaning: 'A sealed blob or file fails authentication: modified, moved to another row or file, or sealed with another key of the same id.' },
  RV_KEY_UNKNOWN: { kind: 'internal', meaning: 'Data is sealed under a master key id that is not configured (wrong master key, or a previous key removed too early).' },
  RV_MASTER_KEY_INVALID: { kind: 'invalid_argument', meaning: 'Encryption is on but the master key is missing, not base64, or not 32 bytes.' },
  RV_ENCRYPTION_MISMATCH: { kind: 'invalid_argument', meaning: 'The data directory was written with encryption on and is opened with it off, or the reverse.' },
  RV_ENCRYPTION_DISABLED: { kind: 'conflict', meaning: 'An encryption admin action was requested but [storage] encryption is off.' },
  RV_SECRET_NOT_FOUND: { kind: 'not_found', meaning: 'The secrets provider has no value under the requested name.' },
  RV_SECRET_FILE_INSECURE: { kind: 'forbidden', meaning: 'A secret file is readable or writable by group or others (it must be mode 0600 or stricter).' },
  RV_SECRET_PROVIDER_UNAVAILABLE: { kind: 'unavailable', meaning: 'The secrets provider (e.g. Vault) cannot be reached, timed out or answered with an error.' },
  RV_SECRET_ACCESS_DENIED: { kind: 'forbidden', meaning: 'The secrets provider refused the credentials (Vault token or AppRole login rejected).' },
  RV_PROFILER_BUSY: { kind: 'conflict', meaning: 'A CPU profile or heap snapshot is already being taken; one runs at a time (retry when it ends).' },
  RV_BACKUP_NOT_FOUND: { kind: 'not_found', meaning: 'No backup with that id exists at the backup target.' },
  RV_BACKUP_INVALID: { kind: 'invalid_argument', meaning: 'A backup request or setting is invalid (target URL, type, --to-time, --to-seq, cron expression, retention); the message names it.' },
  RV_BACKUP_CORRUPTED: { kind: 'corrupted', meaning: 'A backup part or manifest fails its SHA-256, size, decryption or format check; the message names the part.' },
  RV_BACKUP_PART_MISSING: { kind: 'corrupted', meaning: 'A part listed in a backup manifest (or a backup of its chain) is absent from the target; the message names it.' },
  RV_BACKUP_CHAIN_BROKEN: { kind: 'corrupted', meaning: 'A backup chain is out of order: a parent is missing, or sequence ranges do not follow on; the message names the backup.' },
  RV_BACKUP_OPLOG_TRUNCATED: { kind: 'conflict', meaning: 'An incremental backup needs op-log records already truncated (or there is no full backup yet): take a full backup.' },
  RV_BACKUP_IN_PROGRESS: { kind: 'conflict', meaning: 'Another backup or prune is running on this node; retry when it has finished.' },
  RV_RESTORE_TARGET_NOT_EMPTY: { kind: 'conflict', meaning: 'A restore must go into an empty (or absent) data directory.' },
  RV_AUDIT_TAMPERED: { kind: 'corrupted', meaning: 'The audit log fails verification: an entry was modified, deleted, inserted, reordered or truncated, or a file is missing; the message names the first bad entry (file and line).' },
  RV_AUDIT_LOCKED: { kind: 'conflict', meaning: 'Another live process is already writing this audit directory (one writer per log keeps the hash chain linear).' },
  RV_AUDIT_CLOSED: { kind: 'unavailable', meaning: 'An event was recorded after the audit log was closed.' },
  RV_CLUSTER_UNAVAILABLE: { kind: 'unavailable', meaning: 'The cluster cannot serve the request now: NATS is unreachable, a shard stream has no leader, or no replica of a shard answered (after retries).' },
  RV_CLUSTER_TIMEOUT: { kind: 'timeout', meaning: 'A shard did not answer in time, or no replica reached the requested sequence (read-your-writes, wait=true) in time; an acknowledged write is not lost.' },
  RV_CLUSTER_UNSUPPORTED: { kind: 'invalid_argument', meaning: 'The request needs cluster mode (a cluster route on a single node), or is not supported in cluster mode; the message names it and what to use instead.' },
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
