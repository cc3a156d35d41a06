/**
 * Scheduled backups: cron expressions (croner) for full and incremental backups, each followed
 * by a prune by the retention policy. A scheduled incremental with nothing to build on (no full
 * backup yet, or the op log truncated past the last backup) takes a full backup instead. A run
 * still going when the next is due is skipped (croner's `protect`), never stacked.
 */
import { Cron } from 'croner';
import { isRvError, RvError } from '../errors.js';
import type { BackupLog, BackupService } from './backup-service.js';
import type { BackupType } from './manifest.js';

export interface BackupSchedule {
  /** Cron expression for full backups (e.g. `0 3 * * *`); undefined: none. */
  full?: string;
  /** Cron expression for incrementals (e.g. `*\/15 * * * *` for a 15-minute RPO); undefined: none. */
  incremental?: string;
  /** Time zone for the expressions (default UTC). */
  timezone?: string;
}

function parseCron(expression: string, field: string, timezone: string): Cron {
  try {
    return new Cron(expression, { paused: true, timezone });
  } catch (cause) {
    throw new RvError('RV_BACKUP_INVALID', `backup.${field} ${JSON.stringify(expression)} is not a valid cron expression: ${(cause as Error).message}`, { cause, details: { field: `backup.${field}` } });
  }
}

/** Throws RV_BACKUP_INVALID naming the key when an expression does not parse. */
export function validateSchedule(schedule: BackupSchedule): void {
  const timezone = schedule.timezone ?? 'UTC';
  if (schedule.full !== undefined) parseCron(schedule.full, 'full_schedule', timezone).stop();
  if (schedule.incremental !== undefined) parseCron(schedule.incremental, 'incremental_schedule', timezone).stop();
}

/**
 * Runs a scheduled job in a span of its own (main.ts passes `Tracing.runJob`, so a scheduled
 * backup is a trace root, sampled by the ratio, with the backup's spans under it).
 */
export type JobRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export class BackupScheduler {
  private readonly jobs: Cron[] = [];
  private current: Promise<unknown> | undefined;

  constructor(private readonly service: BackupService, private readonly schedule: BackupSchedule, private readonly log: BackupLog = () => undefined,
    private readonly runJob: JobRunner = (_name, fn) => fn()) {
    validateSchedule(schedule);
  }

  /** Starts the cron jobs. */
  start(): void {
    const timezone = this.schedule.timezone ?? 'UTC';
    const add = (expression: string | undefined, type: BackupType): void => {
      if (expression === undefined) return;
      this.jobs.push(new Cron(expression, { timezone, protect: true }, () => this.runOnce(type)));
    };
    add(this.schedule.full, 'full');
    add(this.schedule.incremental, 'incremental');
    this.service.setScheduled(this.jobs.length > 0);
  }

  /** The next run time of each job (for status and tests). */
  nextRuns(): Date[] {
    return this.jobs.map((j) => j.nextRun()).filter((d): d is Date => d !== null);
  }

  /** One scheduled run: the backup (incremental falling back to full), then a prune. Never throws. */
  async runOnce(type: BackupType): Promise<void> {
    const run = this.runJob(`ruvector.backup.scheduled.${type}`, async () => {
      try {
        try {
          await this.service.create(type);
        } catch (error) {
          if (type === 'incremental' && isRvError(error) && error.code === 'RV_BACKUP_OPLOG_TRUNCATED') {
            this.log('warn', 'incremental backup impossible, taking a full backup instead', { reason: error.message });
            await this.service.create('full');
          } else {
            throw error;
          }
        }
        await this.service.prune();
      } catch (error) {
        const code = isRvError(error) ? error.code : 'RV_INTERNAL';
        if (code === 'RV_BACKUP_IN_PROGRESS') this.log('warn', 'scheduled backup skipped: another backup is running', { type });
        else this.log('error', 'scheduled backup failed', { type, code, error: (error as Error).message });
      }
    });
    this.current = run;
    await run;
  }

  /** Stops the jobs and waits for a run in progress. */
  async stop(): Promise<void> {
    for (const job of this.jobs) job.stop();
    this.jobs.length = 0;
    this.service.setScheduled(false);
    await this.current;
  }
}
