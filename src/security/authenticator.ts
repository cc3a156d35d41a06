/**
 * Authentication: a presented credential (the `api-key` header or `Authorization: Bearer`)
 * → a Principal. Credential kinds, in the order tried:
 * - a JWT (its shape tells) → the JWT verifier, when issuers are configured;
 * - the configured static keys (Qdrant's `api_key` → admin, `read_only_api_key` → reader),
 *   compared over SHA-256 digests in constant time, both comparisons always run;
 * - a stored key (`rvk_<id>.<secret>`, see keys/key-store.ts);
 * - the bootstrap admin key (stored as a hash, see keys/bootstrap-key.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { RvError } from '../errors.js';
import { CachedKeyVerifier } from './keys/cached-key-verifier.js';
import type { KeyStore } from './keys/key-store.js';
import { looksLikeJwt, type JwtVerifier } from './jwt/jwt-verifier.js';
import type { Principal } from './principal.js';

export interface AuthenticatorOptions {
  /** Full-access key from config. */
  apiKey?: string;
  /** Read-only key from config. */
  readOnlyApiKey?: string;
  /** Checks the bootstrap admin key's hash (slow: results cached by the caller's verifier). */
  verifyBootstrapKey?: (presented: string) => Promise<boolean>;
  keyStore?: KeyStore;
  jwt?: JwtVerifier;
}

const MAX_CREDENTIAL_LENGTH = 16 * 1024;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class Authenticator {
  private readonly fullKey: Buffer | undefined;
  private readonly readOnlyKey: Buffer | undefined;
  private readonly bootstrap: CachedKeyVerifier | undefined;

  constructor(private readonly options: AuthenticatorOptions) {
    this.fullKey = options.apiKey === undefined || options.apiKey === '' ? undefined : digest(options.apiKey);
    this.readOnlyKey = options.readOnlyApiKey === undefined || options.readOnlyApiKey === '' ? undefined : digest(options.readOnlyApiKey);
    this.bootstrap = options.verifyBootstrapKey === undefined ? undefined : new CachedKeyVerifier(options.verifyBootstrapKey);
  }

  /** Whether any credential could ever be accepted. */
  get hasCredentials(): boolean {
    return this.fullKey !== undefined || this.readOnlyKey !== undefined || this.options.verifyBootstrapKey !== undefined
      || (this.options.keyStore !== undefined && this.options.keyStore.list().length > 0) || this.options.jwt !== undefined;
  }

  /** The principal for `credential`; RV_AUTH_INVALID when it is not valid. */
  async authenticate(credential: string): Promise<Principal> {
    if (credential.length > MAX_CREDENTIAL_LENGTH) throw new RvError('RV_AUTH_INVALID', 'Invalid API key or JWT');
    if (looksLikeJwt(credential)) {
      if (this.options.jwt === undefined) throw new RvError('RV_AUTH_INVALID', 'Invalid API key or JWT: no JWT issuers are configured');
      return this.options.jwt.verify(credential);
    }
    const presented = digest(credential);
    const isFull = this.fullKey !== undefined && timingSafeEqual(presented, this.fullKey);
    const isReadOnly = this.readOnlyKey !== undefined && timingSafeEqual(presented, this.readOnlyKey);
    if (isFull) return { id: 'static:api_key', kind: 'static-key', name: 'api_key', roles: ['admin'] };
    if (isReadOnly) return { id: 'static:read_only_api_key', kind: 'static-key', name: 'read_only_api_key', roles: ['reader', 'monitor'] };
    const stored = await this.options.keyStore?.verify(credential);
    if (stored !== undefined) return stored;
    if (this.bootstrap !== undefined && await this.bootstrap.check(credential, presented.toString('hex'))) {
      return { id: 'static:bootstrap', kind: 'static-key', name: 'bootstrap admin key', roles: ['admin'] };
    }
    throw new RvError('RV_AUTH_INVALID', 'Invalid API key or JWT');
  }
}
