/**
 * BackupTarget: where backups are stored, as a flat key → bytes store (a directory, an S3
 * bucket prefix). Keys look like `<backup id>/manifest.json` and `<backup id>/parts/<name>`.
 *
 * Contract every implementation keeps: `put` is atomic (a reader sees the whole object or
 * none of it), so a backup whose manifest is present has every part it lists complete, as
 * the manifest is written last.
 */
import { RvError } from '../errors.js';

export interface BackupTarget {
  /** The target URL without credentials, for messages and listings. */
  readonly description: string;
  /** Stores `body` under `key`, replacing any object there; atomic. */
  put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** The object under `key`, or undefined when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Every key that starts with `prefix` (any order). */
  list(prefix: string, signal?: AbortSignal): Promise<string[]>;
  /** Deletes the keys; absent ones are ignored. */
  delete(keys: readonly string[], signal?: AbortSignal): Promise<void>;
  /** Releases connections (S3 client). */
  close(): Promise<void>;
}

/** A backup id or part name: letters, digits, `-`, `_`, `.` only, so keys never escape a prefix. */
const KEY_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Refuses keys with `..`, absolute paths or odd characters (they come from manifests on the target). */
export function checkKey(key: string): string {
  const segments = key.split('/');
  if (key.length > 512 || segments.some((s) => !KEY_SEGMENT.test(s) || s.includes('..'))) {
    throw new RvError('RV_BACKUP_INVALID', `backup object key ${JSON.stringify(key)} is invalid`, { details: { key } });
  }
  return key;
}
