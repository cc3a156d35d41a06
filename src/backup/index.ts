/** backup/: full and incremental backups to file:// and s3:// targets, restore (point in time), verify, prune, schedule. */
export { openBackupTarget, type OpenTargetOptions, type S3Settings } from './open-target.js';
export type { BackupTarget } from './target.js';
export type { TargetPolicyOptions } from './resilient-target.js';
export { createBackup, type CreateBackupOptions, type BackupProgress } from './create-backup.js';
export { listBackups, loadManifest, loadChain, verifyBackup, pruneBackups, type ListedBackup, type PruneResult, type RetentionPolicy, type VerifyResult } from './backup-catalog.js';
export { restoreBackup, type RestoreOptions, type RestoreResult, type RestoredCollection } from './restore-backup.js';
export { BackupService, type BackupServiceOptions, type BackupMetricsSink, type BackupStatus, type BackupLog } from './backup-service.js';
export { BackupScheduler, validateSchedule, type BackupSchedule } from './backup-scheduler.js';
export { describeBackup, validateBackupId, BACKUP_TYPES, type BackupManifest, type BackupType, type PartEntry, type ShardEntry } from './manifest.js';
export { backupServiceFromConfig, s3SettingsFrom, scheduleFrom } from './from-config.js';
