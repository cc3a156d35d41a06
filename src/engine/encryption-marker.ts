/**
 * `<data-dir>/encryption.json`: whether the data directory is sealed, and under which master
 * key ids data may still be sealed. Checked at open, so a directory is never read with the
 * wrong setting (sealed bytes parsed as plain, or the reverse) and a missing previous key is
 * named at start instead of at the first row that needs it.
 *
 *   {"format": 1, "encrypted": true, "keyIds": ["<current>", "<older, until re-sealed>"]}
 *
 * Opening adds the current key id; the re-seal job, once every row and file is under the
 * current key, writes it back with the current key id alone.
 */
import { join } from 'node:path';
import { RvError } from '../errors.js';
import { readFileIfExists, writeFileAtomic } from '../storage/index.js';
import type { CollectionSealing } from './sealing.js';

export const ENCRYPTION_MARKER_FILE = 'encryption.json';

export interface EncryptionMarker {
  format: 1;
  encrypted: boolean;
  keyIds: string[];
}

export async function readEncryptionMarker(dataDir: string): Promise<EncryptionMarker | undefined> {
  const path = join(dataDir, ENCRYPTION_MARKER_FILE);
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  try {
    const marker = JSON.parse(text) as EncryptionMarker;
    if (marker.format !== 1 || typeof marker.encrypted !== 'boolean' || !Array.isArray(marker.keyIds)) throw new Error('unexpected fields');
    return marker;
  } catch (cause) {
    throw new RvError('RV_STORAGE_CORRUPTED', `${path} is not a valid encryption marker`, { cause, details: { path } });
  }
}

export async function writeEncryptionMarker(dataDir: string, marker: EncryptionMarker): Promise<void> {
  await writeFileAtomic(join(dataDir, ENCRYPTION_MARKER_FILE), `${JSON.stringify(marker)}\n`);
}

/**
 * Refuses a data directory opened with the wrong encryption setting or without a key its data
 * needs; then records the current setting and key id.
 * @throws RV_ENCRYPTION_MISMATCH, RV_KEY_UNKNOWN
 */
export async function checkEncryptionMarker(dataDir: string, sealing: CollectionSealing | undefined): Promise<void> {
  const marker = await readEncryptionMarker(dataDir);
  const encrypted = sealing !== undefined;
  if (marker !== undefined && marker.encrypted !== encrypted) {
    throw new RvError('RV_ENCRYPTION_MISMATCH', marker.encrypted
      ? `data directory ${dataDir} is encrypted but [storage] encryption is off: turn it on (RUVECTOR__STORAGE__ENCRYPTION=true) with the master key`
      : `data directory ${dataDir} was written with encryption off and cannot be opened with [storage] encryption on: use a new data directory and copy the collections over (snapshots or export/import)`,
    { details: { dataDir, encrypted: marker.encrypted } });
  }
  if (sealing === undefined) {
    if (marker === undefined) await writeEncryptionMarker(dataDir, { format: 1, encrypted: false, keyIds: [] });
    return;
  }
  const known = sealing.keyIds();
  const missing = (marker?.keyIds ?? []).filter((id) => !known.includes(id));
  if (missing.length > 0) {
    throw new RvError('RV_KEY_UNKNOWN',
      `data directory ${dataDir} holds data sealed under master key id(s) ${missing.join(', ')}, which are not configured (configured: ${known.join(', ')}): wrong RUVECTOR_MASTER_KEY, or a previous key removed before re-sealing finished`,
      { details: { dataDir, missingKeyIds: missing, configuredKeyIds: known } });
  }
  const keyIds = [sealing.currentKeyId, ...(marker?.keyIds ?? []).filter((id) => id !== sealing.currentKeyId)];
  if (marker === undefined || keyIds.join() !== marker.keyIds.join()) await writeEncryptionMarker(dataDir, { format: 1, encrypted: true, keyIds });
}
