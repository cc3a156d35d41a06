/** Encryption at rest: the keyring (AES-256-GCM sealing, HKDF-derived keys), master-key loading. */
export type { Envelope } from './envelope.js';
export { Keyring, type MasterKeySet } from './keyring.js';
export { loadMasterKeys, parseMasterKey, MASTER_KEY_SECRET, PREVIOUS_MASTER_KEYS_SECRET } from './master-keys.js';
export { MASTER_KEY_BYTES } from './key-id.js';
export { SEALED_OVERHEAD_BYTES } from './sealed-format.js';
export { keyringFromConfig, type EncryptionSetup } from './keyring-from-config.js';
