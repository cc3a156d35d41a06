/**
 * API keys stored only as salted scrypt hashes (RFC 7914; N=2^14, r=8, p=1), and a verifier
 * that remembers keys it has accepted so scrypt runs once per key, not once per request.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import { RvError } from '../../errors.js';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/**
 * Key checks that need scrypt (a key not seen before: ~16 MiB and tens of ms on libuv's thread
 * pool each) run at most SCRYPT_CONCURRENCY at a time, SCRYPT_QUEUE more waiting, process-wide.
 * A key id is no secret, so a client could otherwise send a stream of different wrong secrets
 * for a known id and hold the thread pool (which file I/O such as the audit log shares); past
 * the queue, checks fail fast with 503 RV_OVERLOADED (retryable). A cockatiel bulkhead.
 */
const SCRYPT_CONCURRENCY = 2;
const SCRYPT_QUEUE = 64;
const scryptBulkhead = bulkhead(SCRYPT_CONCURRENCY, SCRYPT_QUEUE);

async function boundedScrypt(password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }): Promise<Buffer> {
  try {
    return await scryptBulkhead.execute(() => scryptAsync(password, salt, keylen, options));
  } catch (error) {
    if (error instanceof BulkheadRejectedError) {
      throw new RvError('RV_OVERLOADED', `too many API key verifications in flight (${SCRYPT_CONCURRENCY} running, ${SCRYPT_QUEUE} queued): retry shortly`, { details: { limit: SCRYPT_CONCURRENCY + SCRYPT_QUEUE } });
    }
    throw error;
  }
}

/** The stored form of a key: enough to verify it, useless to recover it. */
export interface ApiKeyHash {
  algorithm: 'scrypt';
  /** scrypt cost parameters, stored so they can be raised later without breaking old hashes. */
  n: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

const PARAMS = { N: 1 << 14, r: 8, p: 1 };
const KEY_LENGTH = 32;

/** A new random key: 32 bytes from the CSPRNG, base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Hashes `key` with a fresh 16-byte salt. */
export async function hashApiKey(key: string): Promise<ApiKeyHash> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(key, salt, KEY_LENGTH, PARAMS);
  return { algorithm: 'scrypt', n: PARAMS.N, r: PARAMS.r, p: PARAMS.p, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/**
 * A function that tells whether a presented key matches `stored`. scrypt runs on libuv's
 * thread pool (never blocking the event loop); an accepted key is remembered by its SHA-256
 * so later requests with it cost one hash and a constant-time compare.
 * @example
 *   const verify = createApiKeyVerifier(stored);
 *   if (await verify(request.headers['api-key'])) { ... }
 */
export function createApiKeyVerifier(stored: ApiKeyHash): (presented: string) => Promise<boolean> {
  const salt = Buffer.from(stored.salt, 'base64');
  const expected = Buffer.from(stored.hash, 'base64');
  let acceptedDigest: Buffer | undefined;
  return async (presented: string): Promise<boolean> => {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 1024) return false;
    const digest = createHash('sha256').update(presented).digest();
    if (acceptedDigest !== undefined && timingSafeEqual(digest, acceptedDigest)) return true;
    const actual = await boundedScrypt(presented, salt, expected.length, { N: stored.n, r: stored.r, p: stored.p });
    const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
    if (ok) acceptedDigest = digest;
    return ok;
  };
}
