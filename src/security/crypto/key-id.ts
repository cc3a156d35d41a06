/**
 * Key ids and key derivation (HKDF-SHA256, RFC 5869, node:crypto's hkdfSync).
 *
 * A master key's id is an 8-byte HKDF output of the key itself under a fixed label: stable,
 * needs no configuration, reveals nothing usable about the key, and lets a blob say which
 * master key sealed it. Data keys are derived per purpose (`collection/<name>`, `files/...`)
 * so a collection's rows, and each collection, use separate keys; never a bare hash.
 */
import { hkdfSync } from 'node:crypto';
import { KEY_ID_BYTES } from './sealed-format.js';

/** Domain-separates RuVector's derivations from any other use of the same master key. */
const HKDF_SALT = Buffer.from('ruvector/keyring/v1', 'utf8');
export const MASTER_KEY_BYTES = 32;

export function keyIdOf(masterKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterKey, HKDF_SALT, 'ruvector/key-id', KEY_ID_BYTES));
}

/** The 32-byte AES key for `purpose` under `masterKey`. */
export function deriveDataKey(masterKey: Uint8Array, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterKey, HKDF_SALT, `ruvector/data-key/${purpose}`, MASTER_KEY_BYTES));
}

export function keyIdHex(keyId: Uint8Array): string {
  return Buffer.from(keyId.buffer, keyId.byteOffset, keyId.byteLength).toString('hex');
}
