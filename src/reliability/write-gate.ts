/**
 * Read-only degradation: one gate that every write passes through. Writes are refused with a
 * retryable 503 RV_READ_ONLY while
 *   - an operator holds the write lock (Qdrant's `POST /locks {"write": true, "error_message"}`;
 *     like Qdrant's, the lock is not persisted and applies to this node only), or
 *   - free disk space is below its threshold (DiskSpaceMonitor sets and lifts this by itself).
 * Reads are never gated. Refusing writes early, before the disk is actually full, keeps room for
 * SQLite's WAL checkpoints and index checkpoints, which need free space to finish.
 */
import { RvError } from '../errors.js';

/** Qdrant's LocksOption, in our naming. */
export interface WriteLock {
  write: boolean;
  errorMessage: string | null;
}

export interface DiskShortage {
  freeBytes: number;
  thresholdBytes: number;
  path: string;
}

/** Why writes are refused now, if they are. */
export type ReadOnlyReason = { kind: 'lock'; message: string } | { kind: 'disk'; message: string; shortage: DiskShortage };

const DEFAULT_LOCK_MESSAGE = 'write operations are locked by an operator';

export class WriteGate {
  private lock: WriteLock = { write: false, errorMessage: null };
  private shortage: DiskShortage | undefined;

  /** @param diskRetryAfterSeconds Retry-After while the disk is short: about one check interval. */
  constructor(private readonly diskRetryAfterSeconds = 5) {}

  /** The operator's lock; returns the previous one (as Qdrant's POST /locks does). */
  setLock(lock: WriteLock): WriteLock {
    const previous = this.lock;
    this.lock = { write: lock.write, errorMessage: lock.errorMessage };
    return previous;
  }

  get currentLock(): WriteLock {
    return { ...this.lock };
  }

  /** Set by DiskSpaceMonitor: a shortage, or undefined once space is back. */
  setDiskShortage(shortage: DiskShortage | undefined): void {
    this.shortage = shortage;
  }

  get diskShortage(): DiskShortage | undefined {
    return this.shortage;
  }

  /** Why writes are refused, or undefined when they are accepted. The lock wins (an operator's words). */
  get readOnly(): ReadOnlyReason | undefined {
    if (this.lock.write) return { kind: 'lock', message: this.lock.errorMessage ?? DEFAULT_LOCK_MESSAGE };
    if (this.shortage !== undefined) {
      const { freeBytes, thresholdBytes, path } = this.shortage;
      return {
        kind: 'disk', shortage: this.shortage,
        message: `free disk space on the data directory ${JSON.stringify(path)} is ${mib(freeBytes)} MiB, below the threshold of ${mib(thresholdBytes)} MiB (reliability.min_free_disk_mb)`,
      };
    }
    return undefined;
  }

  /** Throws a retryable RV_READ_ONLY while writes are refused. */
  assertWritable(): void {
    const reason = this.readOnly;
    if (reason === undefined) return;
    // An operator's lock has no known end: ask clients to back off longer than for a disk check.
    const retryAfterSeconds = reason.kind === 'lock' ? 30 : this.diskRetryAfterSeconds;
    throw new RvError('RV_READ_ONLY', `Service unavailable: the node is read-only: ${reason.message}; reads keep working, retry writes after ${retryAfterSeconds} s`, {
      details: { reason: reason.kind, retryAfterSeconds },
    });
  }
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
