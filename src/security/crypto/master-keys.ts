/**
 * Reads the master keys from a secrets provider: `master_key` (required, the current key) and
 * `master_key_previous` (optional: older keys, separated by commas or whitespace, still needed
 * to read data until the re-seal job has finished). Each is 32 bytes in base64.
 * With the env provider these are `RUVECTOR_MASTER_KEY` and `RUVECTOR_MASTER_KEY_PREVIOUS`.
 */
import { RvError, isRvError } from '../../errors.js';
import type { SecretProvider } from '../secrets/secret-provider.js';
import type { MasterKeySet } from './keyring.js';
import { MASTER_KEY_BYTES } from './key-id.js';

export const MASTER_KEY_SECRET = 'master_key';
export const PREVIOUS_MASTER_KEYS_SECRET = 'master_key_previous';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Decodes one base64 master key; the error names the secret and the length, never the value.
 * @example
 *   parseMasterKey(process.env.RUVECTOR_MASTER_KEY ?? '', 'RUVECTOR_MASTER_KEY');
 */
export function parseMasterKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed === '' || !BASE64.test(trimmed)) {
    throw new RvError('RV_MASTER_KEY_INVALID', `${source} must be ${MASTER_KEY_BYTES} random bytes in base64 (generate one with: openssl rand -base64 32)`,
      { details: { source } });
  }
  const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.byteLength !== MASTER_KEY_BYTES) {
    throw new RvError('RV_MASTER_KEY_INVALID', `${source} decodes to ${bytes.byteLength} bytes, expected ${MASTER_KEY_BYTES} (generate one with: openssl rand -base64 32)`,
      { details: { source, gotBytes: bytes.byteLength, expectedBytes: MASTER_KEY_BYTES } });
  }
  return new Uint8Array(bytes);
}

/** Reads and validates the master keys. */
export async function loadMasterKeys(provider: SecretProvider): Promise<MasterKeySet> {
  let currentText: string;
  try {
    currentText = await provider.get(MASTER_KEY_SECRET);
  } catch (error) {
    if (isRvError(error) && error.code === 'RV_SECRET_NOT_FOUND') {
      throw new RvError('RV_MASTER_KEY_INVALID',
        `[storage] encryption is on but no master key is set: ${provider.describe(MASTER_KEY_SECRET)} must hold ${MASTER_KEY_BYTES} bytes in base64 (openssl rand -base64 32)`,
        { cause: error, details: { secret: MASTER_KEY_SECRET } });
    }
    throw error;
  }
  const current = parseMasterKey(currentText, provider.describe(MASTER_KEY_SECRET));
  const previousText = await provider.getOptional(PREVIOUS_MASTER_KEYS_SECRET);
  const previous = (previousText ?? '').split(/[\s,]+/).filter((part) => part !== '')
    .map((part, i) => parseMasterKey(part, `${provider.describe(PREVIOUS_MASTER_KEYS_SECRET)} entry ${i + 1}`));
  return { current, previous };
}
