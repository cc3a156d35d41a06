/** Builds the BackupService and schedule a node runs from its `[backup]` config section. */
import type { RuVectorConfig } from '../config/index.js';
import { redactConfig } from '../config/index.js';
import type { Database } from '../engine/index.js';
import type { DependencyPolicies } from '../reliability/index.js';
import { RvError } from '../errors.js';
import type { Envelope } from '../security/crypto/envelope.js';
import type { SecretProvider } from '../security/secrets/index.js';
import { BackupService, type BackupLog } from './backup-service.js';
import { validateSchedule, type BackupSchedule } from './backup-scheduler.js';
import { openBackupTarget, type S3Settings } from './open-target.js';

/**
 * S3 settings from `[backup]`. Credentials come from the two plain keys, or from two named
 * secrets of the `[secrets]` provider (`s3_access_key_id_secret`, `s3_secret_access_key_secret`),
 * each pair complete or absent; neither: the AWS SDK's default chain.
 * @throws RV_CONFIG_INVALID for half a pair or both kinds at once; RV_SECRET_NOT_FOUND when a
 *   named secret has no value.
 */
export async function s3SettingsFrom(backup: RuVectorConfig['backup'], secrets: () => SecretProvider): Promise<S3Settings> {
  const pair = (idKey: string, secretKey: string, id: string | undefined, secret: string | undefined): boolean => {
    if ((id === undefined) !== (secret === undefined)) {
      const missing = id === undefined ? idKey : secretKey;
      throw new RvError('RV_CONFIG_INVALID', `${idKey} and ${secretKey} go together: ${missing} is unset`, { details: { field: missing } });
    }
    return id !== undefined;
  };
  const plain = pair('backup.s3_access_key_id', 'backup.s3_secret_access_key', backup.s3_access_key_id, backup.s3_secret_access_key);
  const named = pair('backup.s3_access_key_id_secret', 'backup.s3_secret_access_key_secret', backup.s3_access_key_id_secret, backup.s3_secret_access_key_secret);
  if (plain && named) {
    throw new RvError('RV_CONFIG_INVALID', 'set the S3 credentials either as backup.s3_access_key_id/s3_secret_access_key or as the named secrets backup.s3_*_secret, not both', { details: { field: 'backup.s3_access_key_id_secret' } });
  }
  let credentials: Pick<S3Settings, 'accessKeyId' | 'secretAccessKey'> = {};
  if (plain) credentials = { accessKeyId: backup.s3_access_key_id as string, secretAccessKey: backup.s3_secret_access_key as string };
  if (named) {
    const provider = secrets();
    credentials = { accessKeyId: await provider.get(backup.s3_access_key_id_secret as string), secretAccessKey: await provider.get(backup.s3_secret_access_key_secret as string) };
  }
  return {
    ...(backup.s3_endpoint === undefined ? {} : { endpoint: backup.s3_endpoint }),
    region: backup.s3_region,
    forcePathStyle: backup.s3_force_path_style,
    ...credentials,
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
export async function backupServiceFromConfig(options: {
  config: RuVectorConfig; db: Database; envelope?: Envelope; log?: BackupLog; targetOverride?: string; policies?: DependencyPolicies;
  /** The `[secrets]` provider, for S3 credentials given as named secrets; made on first use. */
  secrets: () => SecretProvider;
}): Promise<BackupService | undefined> {
  const { config } = options;
  const url = options.targetOverride ?? config.backup.target;
  if (url === undefined) return undefined;
  validateSchedule(scheduleFrom(config.backup));
  const s3 = url.startsWith('s3:') ? await s3SettingsFrom(config.backup, options.secrets) : undefined;
  return new BackupService({
    db: options.db,
    target: openBackupTarget(url, { ...(s3 === undefined ? {} : { s3 }), ...(options.policies === undefined ? {} : { policies: options.policies }) }),
    envelope: options.envelope,
    retention: { retentionDays: config.backup.retention_days, retentionCount: config.backup.retention_count },
    config: redactConfig(config),
    log: options.log,
  });
}
