/**
 * Errors from a RuVector server (or from reaching it), translated at the boundary into RvErrors.
 *
 * The kind comes from the HTTP status (refined by the body's `code`) or from the network
 * failure, so the exit code is right even for a code this build does not know (a newer
 * server, a proxy's 502). The RvError code is the server's when this build knows it with that
 * kind, else the first registered code of the kind (RV_INTERNAL when there is none).
 */
import { ERROR_CODES, RvError, type ErrorCode, type ErrorKind } from '../../errors.js';

/** The kinds each status may carry; the first is assumed when the body's code does not say. */
const KINDS_BY_STATUS: Readonly<Record<number, readonly ErrorKind[]>> = {
  400: ['invalid_argument'], 413: ['invalid_argument'], 422: ['invalid_argument'],
  401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found'], 409: ['already_exists', 'conflict'],
  429: ['rate_limited'], 500: ['internal', 'corrupted'], 502: ['unavailable'], 503: ['unavailable'], 504: ['timeout'],
};

/**
 * The status decides the kind (it is what every HTTP client sees); the body's code only picks
 * between the kinds a status can carry (409: exists or conflict; 500: internal or corrupted).
 */
function kindOf(status: number, serverCode: string | undefined): ErrorKind {
  const kinds = KINDS_BY_STATUS[status] ?? [status >= 500 ? 'internal' : 'invalid_argument'];
  const codeKind = isKnownCode(serverCode) ? ERROR_CODES[serverCode].kind : undefined;
  return codeKind !== undefined && kinds.includes(codeKind) ? codeKind : kinds[0];
}

function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

function firstCodeOfKind(kind: ErrorKind): ErrorCode {
  const entry = Object.entries(ERROR_CODES).find(([, spec]) => spec.kind === kind);
  return (entry?.[0] as ErrorCode | undefined) ?? 'RV_INTERNAL';
}

/** An RvError whose kind is what the server (or the network) said, even for a code this build lacks. */
export class RemoteError extends RvError {
  override readonly kind: ErrorKind;
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** The server's `code` as sent, possibly unknown to this build. */
  readonly serverCode: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { status?: number; serverCode?: string; cause?: unknown } = {}) {
    const code = isKnownCode(options.serverCode) && ERROR_CODES[options.serverCode].kind === kind ? options.serverCode : firstCodeOfKind(kind);
    super(code, message, { cause: options.cause, details: { status: options.status, server_code: options.serverCode } });
    this.kind = kind;
    this.status = options.status;
    this.serverCode = options.serverCode;
  }
}

/** Translates an error response (`{status: {error}, code, retryable}`) into an RvError. */
export function errorFromResponse(status: number, body: unknown, url: string): RvError {
  const envelope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const statusField = envelope.status;
  const serverMessage = typeof statusField === 'object' && statusField !== null && typeof (statusField as Record<string, unknown>).error === 'string'
    ? String((statusField as Record<string, unknown>).error)
    : typeof body === 'string' && body.length > 0 ? body.slice(0, 300) : `HTTP ${status} from ${url}`;
  const serverCode = typeof envelope.code === 'string' ? envelope.code : undefined;
  const kind = kindOf(status, serverCode);
  const hint = kind === 'unauthenticated' ? ' (pass --api-key or set RUVECTOR_API_KEY)' : '';
  return new RemoteError(kind, `${serverMessage}${hint}`, { status, serverCode });
}

/** Translates a fetch failure (refused connection, DNS, timeout) into an RvError. */
export function errorFromNetwork(cause: unknown, baseUrl: string): RvError {
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) {
    return new RemoteError('timeout', `the server at ${baseUrl} did not answer in time`, { cause });
  }
  const inner = cause instanceof Error ? (cause.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = inner?.code ?? inner?.message ?? (cause instanceof Error ? cause.message : String(cause));
  return new RemoteError('unavailable', `cannot reach the RuVector server at ${baseUrl} (${reason}); start it with \`ruvector serve\`, or pass --data-dir DIR to open a data directory directly`, { cause });
}
