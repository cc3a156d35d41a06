/**
 * On-demand profiling of the running process through node:inspector (the same protocol Chrome
 * DevTools speaks): a CPU profile over N seconds (`.cpuprofile`, opens in DevTools or
 * speedscope) and a heap snapshot (`.heapsnapshot`, DevTools' Memory tab). One at a time per
 * process: a second request while one runs is refused with RV_PROFILER_BUSY.
 *
 * The heap snapshot is written chunk by chunk to a temporary file (never held in memory) and
 * streamed from there; the file goes when the download ends. V8 takes the snapshot with the
 * process paused and it cannot be interrupted, so the limit is checked up front (heap in use
 * against `maxHeapSnapshotBytes`) and again while chunks arrive (writing stops and the file is
 * dropped past the limit).
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RvError } from '../errors.js';

/** Longest CPU profile, seconds. */
export const MAX_CPU_PROFILE_SECONDS = 60;
/** Default largest heap snapshot file: 2 GiB. */
export const DEFAULT_MAX_HEAP_SNAPSHOT_BYTES = 2 * 1024 * 1024 * 1024;

export interface ProfilerOptions {
  /** Largest heap snapshot written; default 2 GiB. */
  maxHeapSnapshotBytes?: number;
  /** Where snapshot files are written while they download; default the OS temp dir. */
  tempDir?: string;
}

/** A heap snapshot on disk, waiting to be downloaded. `release()` deletes it and frees the profiler. */
export interface HeapSnapshotFile {
  path: string;
  sizeBytes: number;
  release(): void;
}

/** A V8 CPU profile (the `Profiler.Profile` object of the inspector protocol). */
export type CpuProfile = Record<string, unknown>;

/** Smallest heap snapshot size seen relative to the heap in use (a lower bound for the pre-check). */
const SNAPSHOT_SIZE_LOWER_BOUND = 0.25;

/** What runs now, process-wide: the inspector is one per process, whichever server asks. */
let busyWith: string | undefined;

export class Profiler {
  private readonly maxHeapSnapshotBytes: number;
  private readonly tempDir: string;

  constructor(options: ProfilerOptions = {}) {
    this.maxHeapSnapshotBytes = options.maxHeapSnapshotBytes ?? DEFAULT_MAX_HEAP_SNAPSHOT_BYTES;
    this.tempDir = options.tempDir ?? tmpdir();
  }

  /** What runs now ('cpu', 'heap'), if anything. */
  get busy(): string | undefined {
    return busyWith;
  }

  private acquire(what: string): void {
    if (busyWith !== undefined) {
      throw new RvError('RV_PROFILER_BUSY', `a ${busyWith} profile is already being taken; one at a time`, { details: { running: busyWith } });
    }
    busyWith = what;
  }

  /**
   * Samples the CPU for `seconds` (integer 1..60) and returns the profile. Stops early when
   * `signal` aborts (the client went away); the profiler is always stopped and released.
   */
  async cpuProfile(seconds: unknown, signal?: AbortSignal): Promise<CpuProfile> {
    const duration = typeof seconds === 'string' && /^\d+$/.test(seconds) ? Number(seconds) : seconds;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_CPU_PROFILE_SECONDS) {
      throw new RvError('RV_INVALID_ARGUMENT', `seconds must be an integer from 1 to ${MAX_CPU_PROFILE_SECONDS}, got ${JSON.stringify(seconds)}`, { details: { field: 'seconds', min: 1, max: MAX_CPU_PROFILE_SECONDS } });
    }
    this.acquire('cpu');
    const session = new Session();
    try {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      await sleep(duration * 1000, undefined, signal === undefined ? undefined : { signal }).catch((error: unknown) => {
        if (signal?.aborted !== true) throw error;
      });
      const { profile } = await session.post('Profiler.stop');
      return profile as unknown as CpuProfile;
    } finally {
      await session.post('Profiler.disable').catch(() => undefined);
      session.disconnect();
      busyWith = undefined;
    }
  }

  /** Bytes of live heap: a full garbage collection (through the inspector), then the heap in use. */
  async liveHeapBytes(): Promise<number> {
    const session = new Session();
    try {
      session.connect();
      await session.post('HeapProfiler.collectGarbage');
    } finally {
      session.disconnect();
    }
    return process.memoryUsage().heapUsed;
  }

  /** Writes a heap snapshot to a temporary file; the caller streams it, then calls `release()`. */
  async heapSnapshot(): Promise<HeapSnapshotFile> {
    this.acquire('heap');
    let dir: string | undefined;
    const release = (): void => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
      busyWith = undefined;
    };
    try {
      // Refuse before pausing the process when the snapshot would surely be over the limit: a
      // snapshot file measured ~0.6× the live heap here; a quarter of it is a safe lower bound.
      const heapUsed = await this.liveHeapBytes();
      if (heapUsed * SNAPSHOT_SIZE_LOWER_BOUND > this.maxHeapSnapshotBytes) {
        throw new RvError('RV_LIMIT_EXCEEDED', `the heap in use (${heapUsed} bytes) makes a snapshot over the heap snapshot limit of ${this.maxHeapSnapshotBytes} bytes`, { details: { field: 'maxHeapSnapshotBytes', limit: this.maxHeapSnapshotBytes } });
      }
      dir = mkdtempSync(join(this.tempDir, 'ruvector-heap-'));
      const path = join(dir, 'heap.heapsnapshot');
      const fd = openSync(path, 'wx', 0o600);
      let written = 0;
      let overLimit = false;
      const session = new Session();
      try {
        session.connect();
        session.on('HeapProfiler.addHeapSnapshotChunk', (message) => {
          if (overLimit) return;
          const chunk = Buffer.from(message.params.chunk, 'utf8');
          if (written + chunk.length > this.maxHeapSnapshotBytes) {
            overLimit = true;
            return;
          }
          writeSync(fd, chunk);
          written += chunk.length;
        });
        await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        session.disconnect();
        closeSync(fd);
      }
      if (overLimit) {
        throw new RvError('RV_LIMIT_EXCEEDED', `the heap snapshot is over its limit of ${this.maxHeapSnapshotBytes} bytes`, { details: { field: 'maxHeapSnapshotBytes', limit: this.maxHeapSnapshotBytes } });
      }
      return { path, sizeBytes: statSync(path).size, release };
    } catch (error) {
      release();
      throw error;
    }
  }
}
