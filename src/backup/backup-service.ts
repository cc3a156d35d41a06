/**
 * BackupService: one node's backups against one target — create (one at a time), list, show,
 * verify, prune — and the figures the backup-age metric and alert need. The server's admin
 * routes, the scheduler and the CLI all go through it.
 */
import { RvError } from '../errors.js';
import type { Database } from '../engine/index.js';
import type { Envelope } from '../security/crypto/envelope.js';
import { listBackups, loadManifest, pruneBackups, verifyBackup, type ListedBackup, type PruneResult, type RetentionPolicy, type VerifyResult } from './backup-catalog.js';
import { createBackup, type BackupProgress } from './create-backup.js';
import type { BackupManifest, BackupType } from './manifest.js';
import type { BackupTarget } from './target.js';

/** Where backup outcomes are reported (observability's OperationalMetrics fits). */
export interface BackupMetricsSink {
  setBackupLastSuccess(at: Date): void;
  setBackupScheduleEnabled(enabled: boolean): void;
}

export type BackupLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface BackupServiceOptions {
  db: Database;
  target: BackupTarget;
  envelope?: Envelope;
  retention: RetentionPolicy;
  /** The effective config, redacted, stored in full backups. */
  config?: unknown;
  metadataPaths?: readonly string[];
  log?: BackupLog;
}

export interface BackupStatus {
  target: string;
  running: BackupType | 'prune' | null;
  lastSuccessAt: string | null;
  /** The failure of the last attempt, when it failed (cleared by the next success). */
  lastFailure: { at: string; code: string; message: string } | null;
}

export class BackupService {
  readonly target: BackupTarget;
  private running: BackupType | 'prune' | null = null;
  private lastSuccess: Date | undefined;
  private lastFailure: BackupStatus['lastFailure'] = null;
  private readonly sinks: BackupMetricsSink[] = [];
  private scheduled = false;
  private readonly log: BackupLog;

  constructor(private readonly options: BackupServiceOptions) {
    this.target = options.target;
    this.log = options.log ?? (() => undefined);
  }

  /** Reports every later success to `sink` (and the last one so far at once). */
  attachMetrics(sink: BackupMetricsSink): void {
    this.sinks.push(sink);
    sink.setBackupScheduleEnabled(this.scheduled);
    if (this.lastSuccess !== undefined) sink.setBackupLastSuccess(this.lastSuccess);
  }

  /** Marks whether a schedule runs backups on this node (the backup-age alert only fires then). */
  setScheduled(enabled: boolean): void {
    this.scheduled = enabled;
    for (const sink of this.sinks) sink.setBackupScheduleEnabled(enabled);
  }

  get encrypted(): boolean {
    return this.options.envelope !== undefined;
  }

  status(): BackupStatus {
    return { target: this.target.description, running: this.running, lastSuccessAt: this.lastSuccess?.toISOString() ?? null, lastFailure: this.lastFailure };
  }

  private async exclusive<T>(what: BackupType | 'prune', fn: () => Promise<T>): Promise<T> {
    if (this.running !== null) {
      throw new RvError('RV_BACKUP_IN_PROGRESS', `a ${this.running} ${this.running === 'prune' ? '' : 'backup '}is already running on this node`.replace('  ', ' '), { details: { running: this.running } });
    }
    this.running = what;
    try {
      return await fn();
    } finally {
      this.running = null;
    }
  }

  /** Takes a backup; one at a time per node (RV_BACKUP_IN_PROGRESS otherwise). */
  create(type: BackupType, onProgress?: BackupProgress): Promise<BackupManifest> {
    return this.exclusive(type, async () => {
      const started = Date.now();
      try {
        const manifest = await createBackup({
          db: this.options.db, target: this.target, type, envelope: this.options.envelope, config: this.options.config,
          metadataPaths: this.options.metadataPaths, onProgress,
        });
        this.lastSuccess = new Date(manifest.finishedAtMs);
        this.lastFailure = null; // superseded
        for (const sink of this.sinks) sink.setBackupLastSuccess(this.lastSuccess);
        this.log('info', 'backup created', { backup: manifest.id, type, bytes: manifest.totalBytes, parts: manifest.parts.length, ms: Date.now() - started });
        return manifest;
      } catch (error) {
        const code = error instanceof RvError ? error.code : 'RV_INTERNAL';
        this.lastFailure = { at: new Date().toISOString(), code, message: (error as Error).message };
        this.log('error', 'backup failed', { type, code, error: (error as Error).message });
        throw error;
      }
    });
  }

  list(): Promise<ListedBackup[]> {
    return listBackups(this.target);
  }

  get(id: string): Promise<BackupManifest> {
    return loadManifest(this.target, id);
  }

  verify(id: string, onPart?: (done: number, total: number) => void): Promise<VerifyResult> {
    return verifyBackup(this.target, id, this.options.envelope, onPart);
  }

  prune(now?: Date): Promise<PruneResult> {
    return this.exclusive('prune', async () => {
      const result = await pruneBackups(this.target, this.options.retention, now);
      if (result.deleted.length > 0) this.log('info', 'backups pruned', { deleted: result.deleted, kept: result.kept.length });
      return result;
    });
  }

  async close(): Promise<void> {
    await this.target.close();
  }
}
