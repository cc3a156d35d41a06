/** Builds the BackupService and schedule a node runs from its `[backup]` config section. */
import type { RuVectorConfig } from '../config/index.js';
import { redactConfig } from '../config/index.js';
import type { Database } from '../engine/index.js';
import type { DependencyPolicies } from '../reliability/index.js';
import type { Envelope } from '../security/crypto/envelope.js';
import { BackupService, type BackupLog } from './backup-service.js';
import { validateSchedule, type BackupSchedule } from './backup-scheduler.js';
import { openBackupTarget, type S3Settings } from './open-target.js';

/** S3 settings from `[backup]` (credentials only when both halves are set). */
export function s3SettingsFrom(backup: RuVectorConfig['backup']): S3Settings {
  return {
    ...(backup.s3_endpoint === undefined ? {} : { endpoint: backup.s3_endpoint }),
    region: backup.s3_region,
    forcePathStyle: backup.s3_force_path_style,
    ...(backup.s3_access_key_id !== undefined && backup.s3_secret_access_key !== undefined
      ? { accessKeyId: backup.s3_access_key_id, secretAccessKey: backup.s3_secret_access_key } : {}),
  };
}

export function scheduleFrom(backup: RuVectorConfig['backup']): BackupSchedule {
  return {
    ...(backup.full_schedule === undefined ? {} : { full: backup.full_schedule }),
    ...(backup.incremental_schedule === undefined ? {} : { incremental: backup.incremental_schedule }),
    timezone: backup.timezone,
  };
}

/**
 * The node's backup service, or undefined when `backup.target` is unset. Validates the target
 * URL and the cron expressions (RV_BACKUP_INVALID naming the key).
 * @example
 *   const backups = backupServiceFromConfig({ config, db, envelope, log });
 */
export function backupServiceFromConfig(options: { config: RuVectorConfig; db: Database; envelope?: Envelope; log?: BackupLog; targetOverride?: string; policies?: DependencyPolicies }): BackupService | undefined {
  const { config } = options;
  const url = options.targetOverride ?? config.backup.target;
  if (url === undefined) return undefined;
  validateSchedule(scheduleFrom(config.backup));
  return new BackupService({
    db: options.db,
    target: openBackupTarget(url, { s3: s3SettingsFrom(config.backup), ...(options.policies === undefined ? {} : { policies: options.policies }) }),
    envelope: options.envelope,
    retention: { retentionDays: config.backup.retention_days, retentionCount: config.backup.retention_count },
    config: redactConfig(config),
    log: options.log,
  });
}
