/**
 * JWT verification with `jose`: HS256, RS256, ES256 and EdDSA; static keys or a JWKS URL per
 * issuer (several issuers allowed, chosen by the token's `iss`). Checks signature, algorithm
 * allow-list, issuer, audience, `exp` (required) and `nbf` with a small leeway.
 *
 * JWKS: jose's remote key set caches the keys for `jwksRefreshSeconds`, refetches on an
 * unknown `kid` at most once per `jwksCooldownSeconds` (so forged kids cannot hammer the
 * IdP), and times out fetches. An unreachable IdP is RV_AUTH_UNAVAILABLE (503, retryable),
 * not a 401: the client's token may well be valid.
 *
 * A token that verified is remembered (by its SHA-256) until it expires, for at most
 * `VERIFIED_CACHE_MS`: a signature check costs 100-300 µs, a cache hit about 2 µs, and a
 * client sends the same token with every request. A key the IdP withdraws from its JWKS
 * stops working for new tokens at once and for already-seen ones within that minute.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { assertPrivateMode } from '../secrets/file-secret-provider.js';
import { createRemoteJWKSet, customFetch, decodeJwt, errors as joseErrors, importSPKI, jwtVerify, type FetchImplementation, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { RvError } from '../../errors.js';
import type { Principal } from '../principal.js';
import { principalFromClaims } from './claims.js';
import type { IssuerConfig } from './issuer-config.js';

export interface JwtVerifierOptions {
  issuers: IssuerConfig[];
  /** Clock skew allowed on exp/nbf; default 30 s. */
  leewaySeconds?: number;
  /** How long fetched JWKS keys are trusted before a refetch; default 300 s. */
  jwksRefreshSeconds?: number;
  /** Least time between refetches triggered by unknown kids; default 30 s. */
  jwksCooldownSeconds?: number;
  /** JWKS fetch timeout; default 5 s. */
  jwksTimeoutMs?: number;
  /** Wraps the JWKS fetch (the reliability layer's breaker and retries). */
  wrapFetch?: (fetch: FetchImplementation) => FetchImplementation;
  /** Where HMAC secrets named by `secret_env` are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

type KeySource = JWTVerifyGetKey | CryptoKey | Uint8Array;

interface TrustedIssuer {
  config: IssuerConfig;
  key: KeySource;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
/** Longest time a verified token is trusted without checking it again. */
export const VERIFIED_CACHE_MS = 60_000;
const VERIFIED_CACHE_ENTRIES = 10_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether a bearer credential looks like a JWT (rather than an API key). */
export function looksLikeJwt(credential: string): boolean {
  return credential.startsWith('eyJ') && JWT_SHAPE.test(credential);
}

export class JwtVerifier {
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  private constructor(private readonly issuers: Map<string, TrustedIssuer>, private readonly leewaySeconds: number) {}

  /** Loads every issuer's key source; a missing file, env var or bad PEM fails here, at startup. */
  static async create(options: JwtVerifierOptions): Promise<JwtVerifier> {
    const env = options.env ?? process.env;
    const issuers = new Map<string, TrustedIssuer>();
    for (const config of options.issuers) {
      issuers.set(config.issuer, { config, key: await loadKey(config, options, env) });
    }
    return new JwtVerifier(issuers, options.leewaySeconds ?? 30);
  }

  /** The principal a valid token stands for; RV_AUTH_INVALID (with the reason) otherwise. */
  async verify(token: string): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH) throw invalid(`token longer than ${MAX_TOKEN_LENGTH} bytes`);
    const digest = createHash('sha256').update(token).digest('base64');
    const remembered = this.verified.get(digest);
    if (remembered !== undefined) {
      if (remembered.until > Date.now()) return remembered.principal;
      this.verified.delete(digest);
    }
    let issuerName: unknown;
    try {
      issuerName = decodeJwt(token).iss;
    } catch {
      throw invalid('malformed token');
    }
    const trusted = typeof issuerName === 'string' ? this.issuers.get(issuerName) : undefined;
    if (trusted === undefined) throw invalid('untrusted or missing issuer (iss)');
    const { config, key } = trusted;
    try {
      const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        issuer: config.issuer,
        ...(config.audience === undefined ? {} : { audience: config.audience }),
        algorithms: config.algorithms,
        clockTolerance: this.leewaySeconds,
        requiredClaims: ['exp'],
      });
      const principal = principalFromClaims(payload, config);
      const until = Math.min(Date.now() + VERIFIED_CACHE_MS, (payload.exp as number) * 1000);
      if (this.verified.size >= VERIFIED_CACHE_ENTRIES) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(digest, { principal, until });
      return principal;
    } catch (error) {
      throw mapJoseError(error);
    }
  }
}

async function loadKey(config: IssuerConfig, options: JwtVerifierOptions, env: NodeJS.ProcessEnv): Promise<KeySource> {
  if (config.jwks_url !== undefined) {
    const fetchImplementation: FetchImplementation = (url, init) => fetch(url, init);
    return createRemoteJWKSet(new URL(config.jwks_url), {
      cacheMaxAge: (options.jwksRefreshSeconds ?? 300) * 1000,
      cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      timeoutDuration: options.jwksTimeoutMs ?? 5000,
      [customFetch]: options.wrapFetch === undefined ? fetchImplementation : options.wrapFetch(fetchImplementation),
    });
  }
  if (config.public_key_file !== undefined) {
    const pem = await readFile(config.public_key_file, 'utf8').catch((cause: unknown) => {
      throw new RvError('RV_CONFIG_INVALID', `issuer ${config.issuer}: cannot read public_key_file ${config.public_key_file}: ${(cause as Error).message}`, { cause, details: { field: 'public_key_file' } });
    });
    try {
      return await importSPKI(pem, config.algorithms[0]);
    } catch (cause) {
      throw new RvError('RV_CONFIG_INVALID', `issuer ${config.issuer}: public_key_file is not an SPKI PEM key for ${config.algorithms[0]}`, { cause, details: { field: 'public_key_file' } });
    }
  }
  const readSecretFile = async (path: string): Promise<string> => {
    const info = await stat(path).catch((cause: unknown) => {
      throw new RvError('RV_CONFIG_INVALID', `issuer ${config.issuer}: cannot read secret_file: ${(cause as Error).message}`, { cause, details: { field: 'secret_file' } });
    });
    assertPrivateMode(path, info.mode); // an HMAC secret signs tokens: 0600 as for [secrets] files
    return (await readFile(path, 'utf8')).trim();
  };
  const secret = config.secret_env !== undefined ? env[config.secret_env] : await readSecretFile(config.secret_file!);
  if (secret === undefined || Buffer.byteLength(secret) < 32) {
    throw new RvError('RV_CONFIG_INVALID', `issuer ${config.issuer}: the HS256 secret (${config.secret_env ?? config.secret_file}) must be set and at least 32 bytes`, { details: { field: config.secret_env === undefined ? 'secret_file' : 'secret_env' } });
  }
  // Imported once as a WebCrypto key: given raw bytes, jose imports the key again on every
  // verification (measured: 180 µs per first-seen HS256 token with raw bytes).
  return await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

function mapJoseError(error: unknown): RvError {
  if (error instanceof RvError) return error;
  if (error instanceof joseErrors.JWTExpired) return invalid('token expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) return invalid(`claim ${error.claim} check failed (${error.reason})`);
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return invalid('algorithm not allowed for this issuer');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('signature verification failed');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return invalid('no key in the issuer JWKS matches the token (kid)');
  if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
    return new RvError('RV_AUTH_UNAVAILABLE', 'Cannot verify the token now: the identity provider key set is unreachable', { cause: error, details: { retryAfterSeconds: 5 } });
  }
  if (error instanceof joseErrors.JWKSInvalid) return new RvError('RV_AUTH_UNAVAILABLE', 'Cannot verify the token now: the identity provider returned an invalid key set', { cause: error, details: { retryAfterSeconds: 5 } });
  return invalid(error.code);
}

function invalid(reason: string): RvError {
  return new RvError('RV_AUTH_INVALID', `Invalid JWT: ${reason}`);
}
