/**
 * A test-local Envelope (AES-256-GCM over node:crypto) for backup tests: the security layer's
 * keyring implementation was not available when these tests were written. Layout:
 * nonce (12) ‖ ciphertext ‖ tag (16); the aad is authenticated.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RvError } from '../../../src/errors.js';
import type { Envelope } from '../../../src/security/crypto/envelope.js';

export function testEnvelope(key: Uint8Array = randomBytes(32)): Envelope {
  return {
    seal(plain, aad) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(aad));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
    },
    open(sealed, aad) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAAD(Buffer.from(aad));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]));
      } catch (cause) {
        throw new RvError('RV_DECRYPT_FAILED', 'sealed blob fails authentication', { cause });
      }
    },
  };
}
