/**
 * The data directory's lock: one process at a time may open a data directory. Two processes on
 * one directory (a second server, or `ruvector … --data-dir` next to a running server) would
 * each keep their own in-memory index and catalog over the same SQLite files and overwrite each
 * other's checkpoints; the second one now fails at open with RV_DATA_DIR_LOCKED instead.
 *
 * The lock is SQLite's own file lock, taken by a better-sqlite3 connection to
 * `<dir>/ruvector.lock` in EXCLUSIVE locking mode and held while the connection is open. The
 * kernel releases it when the process ends, even by kill -9, so there is no stale lock file to
 * clean up and no process-id guessing (a lock file with a pid cannot tell a crashed owner from
 * a reused pid). SQLite's locks are POSIX advisory locks: reliable on local filesystems, not on
 * every network filesystem (the same limit as SQLite itself).
 *
 * Within one process, opens of the same directory share the lock (counted): the engine's own
 * tests reopen a directory in process to simulate a restart, and one process cannot race itself
 * the way two can.
 *
 * @example
 *   const lock = DataDirLock.acquire('/var/lib/ruvector'); // throws RV_DATA_DIR_LOCKED if held
 *   …
 *   lock.release();
 */
import BetterSqlite3 from 'better-sqlite3';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { RvError } from '../errors.js';

export const LOCK_FILE_NAME = 'ruvector.lock';

interface Held {
  connection: BetterSqlite3.Database;
  holders: number;
}

/** Locks this process holds, by the directory's real path. */
const held = new Map<string, Held>();

export class DataDirLock {
  private released = false;

  private constructor(private readonly key: string) {}

  /**
   * Takes the lock of `dir` (which must exist) for this process.
   * @throws RV_DATA_DIR_LOCKED when another process holds it.
   */
  static acquire(dir: string): DataDirLock {
    const key = realpathSync(dir);
    const mine = held.get(key);
    if (mine !== undefined) {
      mine.holders++;
      return new DataDirLock(key);
    }
    const path = join(key, LOCK_FILE_NAME);
    let connection: BetterSqlite3.Database | undefined;
    try {
      connection = new BetterSqlite3(path, { timeout: 0 });
      connection.pragma('locking_mode = EXCLUSIVE');
      // The first transaction takes the exclusive lock; EXCLUSIVE locking mode keeps it until close.
      connection.exec('BEGIN EXCLUSIVE; COMMIT;');
    } catch (cause) {
      connection?.close();
      const code = (cause as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new RvError('RV_DATA_DIR_LOCKED',
          `data directory ${key} is in use by another process (a running server, or a CLI command with --data-dir); stop it, or point this one at the server with --url`,
          { cause, details: { path: key, lockFile: path } });
      }
      throw new RvError('RV_STORAGE_IO', `cannot take the lock of data directory ${key} (${path}): ${(cause as Error).message}`,
        { cause, details: { path: key, lockFile: path } });
    }
    held.set(key, { connection, holders: 1 });
    return new DataDirLock(key);
  }

  /** Gives the lock back (the last holder in this process closes the connection). Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const mine = held.get(this.key);
    if (mine === undefined) return;
    mine.holders--;
    if (mine.holders === 0) {
      held.delete(this.key);
      mine.connection.close();
    }
  }
}
