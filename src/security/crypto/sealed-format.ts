/**
 * The sealed-blob format: AES-256-GCM (node:crypto) with a random 96-bit nonce and a small
 * header naming the master key it was sealed under. Every sealed vector, payload, op record,
 * checkpoint section and snapshot section has this shape (ARCHITECTURE.md, "Sealing").
 *
 * Byte layout:
 *
 * | offset | size | field                                                          |
 * |--------|------|----------------------------------------------------------------|
 * | 0      | 1    | format version (1)                                             |
 * | 1      | 8    | key id: fingerprint of the master key (see key-id.ts)          |
 * | 9      | 12   | nonce, random per seal                                         |
 * | 21     | n    | ciphertext (same length as the plaintext)                      |
 * | 21 + n | 16   | GCM authentication tag                                         |
 *
 * Associated data = the 9 header bytes followed by the UTF-8 context string (for a row:
 * `kind/rowId`), so neither the header nor the blob's place can change unnoticed.
 * A random 96-bit nonce is safe for up to 2^32 seals per key (NIST SP 800-38D §8.3); each
 * collection has its own derived key and rotation starts a fresh one, far below that bound.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { RvError } from '../../errors.js';

export const SEALED_FORMAT_VERSION = 1;
export const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
/** Bytes a sealed blob adds to its plaintext. */
export const SEALED_OVERHEAD_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

/**
 * Nonces are drawn from a pooled random buffer: one `randomFillSync` per 4 KiB instead of a
 * syscall-sized call per seal (the pool is never reused: each nonce is fresh random bytes).
 */
const NONCE_POOL = Buffer.alloc(NONCE_BYTES * 341);
let noncePoolAt = NONCE_POOL.length;

function freshNonce(target: Buffer, offset: number): void {
  if (noncePoolAt + NONCE_BYTES > NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolAt = 0;
  }
  NONCE_POOL.copy(target, offset, noncePoolAt, noncePoolAt + NONCE_BYTES);
  noncePoolAt += NONCE_BYTES;
}

function associatedData(header: Uint8Array, context: string): Buffer {
  return Buffer.concat([header, Buffer.from(context, 'utf8')]);
}

/**
 * Seals `plain` with `key` (32 bytes) under `keyId` (8 bytes), bound to `context`.
 * @example
 *   const sealed = sealBytes(collectionKey, keyId, vectorBytes, 'vector/7:u:42');
 */
export function sealBytes(key: Uint8Array, keyId: Uint8Array, plain: Uint8Array, context: string): Uint8Array {
  const out = Buffer.allocUnsafe(SEALED_OVERHEAD_BYTES + plain.byteLength);
  out[0] = SEALED_FORMAT_VERSION;
  out.set(keyId, 1);
  freshNonce(out, HEADER_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, out.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES));
  cipher.setAAD(associatedData(out.subarray(0, HEADER_BYTES), context));
  const start = HEADER_BYTES + NONCE_BYTES;
  const written = cipher.update(plain);
  written.copy(out, start);
  const final = cipher.final();
  final.copy(out, start + written.length);
  cipher.getAuthTag().copy(out, start + plain.byteLength);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The key id a sealed blob names, or undefined when the bytes are not a sealed blob of a
 * known format version (too short, another version byte).
 */
export function sealedKeyId(sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.byteLength < SEALED_OVERHEAD_BYTES || sealed[0] !== SEALED_FORMAT_VERSION) return undefined;
  return sealed.subarray(1, HEADER_BYTES);
}

/**
 * Opens a blob sealed by `sealBytes` with the same key and context.
 * @throws RV_DECRYPT_FAILED when it is not a sealed blob, was modified, or was sealed for
 *   another context or with another key. Never returns unauthenticated bytes.
 */
export function openBytes(key: Uint8Array, sealed: Uint8Array, context: string, what: string): Uint8Array {
  if (sealedKeyId(sealed) === undefined) {
    throw new RvError('RV_DECRYPT_FAILED', `${what} is not a sealed blob (${sealed.byteLength} bytes, format byte ${String(sealed[0])}): was it written with encryption off?`,
      { details: { what, sizeBytes: sealed.byteLength } });
  }
  const start = HEADER_BYTES + NONCE_BYTES;
  const end = sealed.byteLength - TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(HEADER_BYTES, start));
    decipher.setAAD(associatedData(sealed.subarray(0, HEADER_BYTES), context));
    decipher.setAuthTag(sealed.subarray(end));
    // The result owns its ArrayBuffer from offset 0 (as storage promises its callers), so a
    // Float32Array over it is aligned: never a view into Node's shared Buffer pool.
    const plain = new Uint8Array(end - start);
    const head = decipher.update(sealed.subarray(start, end));
    plain.set(head);
    plain.set(decipher.final(), head.length);
    return plain;
  } catch (cause) {
    throw new RvError('RV_DECRYPT_FAILED', `${what} fails authentication: it was modified, moved from another row or file, or sealed with another key`,
      { cause, details: { what } });
  }
}
