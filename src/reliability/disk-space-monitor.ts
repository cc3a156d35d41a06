/**
 * Polls free space on the data directory's file system (fs.statfs) and switches the WriteGate
 * into read-only mode below the threshold; the first check that finds enough space lifts it.
 * The check interval bounds how often the mode can flip near the threshold.
 */
import { statfs } from 'node:fs/promises';
import type { WriteGate } from './write-gate.js';

/** Bytes available to this (unprivileged) process on the file system holding `path`. */
export type FreeSpaceReader = (path: string) => Promise<number>;

export const readFreeBytes: FreeSpaceReader = async (path) => {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
};

export interface DiskSpaceMonitorOptions {
  path: string;
  /** Below this many free bytes, writes are refused; 0 disables the monitor. */
  minFreeBytes: number;
  intervalMs: number;
  gate: WriteGate;
  /** Injected in tests; default fs.statfs. */
  readFree?: FreeSpaceReader;
  /** Called when the mode changes (for the log). */
  onChange?: (readOnly: boolean, freeBytes: number) => void;
  /** Called when a check itself fails (the mode is left as it was). */
  onError?: (error: unknown) => void;
}

export class DiskSpaceMonitor {
  private timer: NodeJS.Timeout | undefined;
  private readonly readFree: FreeSpaceReader;

  constructor(private readonly options: DiskSpaceMonitorOptions) {
    this.readFree = options.readFree ?? readFreeBytes;
  }

  get enabled(): boolean {
    return this.options.minFreeBytes > 0;
  }

  /** One check now; resolves with the free bytes seen (undefined when disabled or the check failed). */
  async check(): Promise<number | undefined> {
    if (!this.enabled) return undefined;
    let free: number;
    try {
      free = await this.readFree(this.options.path);
    } catch (error) {
      this.options.onError?.(error);
      return undefined;
    }
    const { gate, minFreeBytes, path } = this.options;
    const wasShort = gate.diskShortage !== undefined;
    const short = free < minFreeBytes;
    gate.setDiskShortage(short ? { freeBytes: free, thresholdBytes: minFreeBytes, path } : undefined);
    if (short !== wasShort) this.options.onChange?.(short, free);
    return free;
  }

  /** Checks once at once, then every interval (unref'd). */
  async start(): Promise<void> {
    if (!this.enabled || this.timer !== undefined) return;
    await this.check();
    this.timer = setInterval(() => { void this.check(); }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
