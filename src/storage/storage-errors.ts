/**
 * Translation of SQLite and file-system failures into RvError, at the storage boundary.
 *
 * Callers above storage branch on `code`/`kind` only, never on SQLite result codes or errno
 * strings, so every storage entry point passes what it catches through `toStorageError`.
 * The original error is kept as `cause` for logs.
 */
import Database from 'better-sqlite3';
import { RvError } from '../errors.js';

/** What was being done, and to which file: both end up in the message. */
export interface StorageErrorContext {
  /** A short verb phrase, e.g. `"append ops"`, `"open shard store"`. */
  action: string;
  path: string;
}

/** Errno codes that mean the disk (or quota) is full. */
const DISK_FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT']);

/**
 * Returns the RvError that `error` stands for, or `error` itself when it is not a storage
 * failure (an RvError thrown by a caller's callback, a programming error): those must reach
 * the caller unchanged.
 */
export function toStorageError(error: unknown, context: StorageErrorContext): unknown {
  if (error instanceof RvError) return error;
  const where = `${context.action} on "${context.path}"`;
  if (error instanceof Database.SqliteError) {
    const code = error.code;
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
      return new RvError('RV_STORAGE_CORRUPTED',
        `${where} failed: the database file is corrupt (${code}: ${error.message}); restore the shard from a snapshot or backup`,
        { cause: error, details: { path: context.path, sqliteCode: code } });
    }
    if (code === 'SQLITE_FULL') {
      return new RvError('RV_STORAGE_IO', `${where} failed: the disk is full (${code})`,
        { cause: error, details: { path: context.path, sqliteCode: code } });
    }
    // IOERR_* (the OS refused a read/write/fsync), CANTOPEN, READONLY_*, PERM, and BUSY/LOCKED
    // (another process holds the file): all are conditions of the environment, retryable once
    // it is fixed, hence RV_STORAGE_IO (kind unavailable).
    if (/^SQLITE_(IOERR|CANTOPEN|READONLY|PERM|BUSY|LOCKED)/.test(code)) {
      return new RvError('RV_STORAGE_IO', `${where} failed: ${error.message} (${code})`,
        { cause: error, details: { path: context.path, sqliteCode: code } });
    }
    return error;
  }
  if (isSystemError(error)) {
    const reason = DISK_FULL_ERRNO.has(error.code) ? 'the disk is full' : error.message;
    return new RvError('RV_STORAGE_IO', `${where} failed: ${reason} (${error.code})`,
      { cause: error, details: { path: context.path, errno: error.code } });
  }
  return error;
}

/** A Node.js system error (`ENOSPC`, `EIO`, `EACCES`, …) from `node:fs`. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string'
    && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
