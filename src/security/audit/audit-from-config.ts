/**
 * Builds the server's AuditLog from the `[audit]` section: directory (default
 * `<storage.path>/audit`), batching, rotation, retention, and the optional HMAC key read from
 * the secrets provider under `audit.hmac_key_secret` (base64, at least 32 bytes).
 */
import { resolve, join } from 'node:path';
import type { RuVectorConfig } from '../../config/index.js';
import { RvError } from '../../errors.js';
import { createSecretProvider, type SecretProvider, type SecretProviderOutbound } from '../secrets/index.js';
import { AuditLog, MIN_HMAC_KEY_BYTES } from './audit-log.js';

export interface AuditFromConfigOptions extends SecretProviderOutbound {
  /** Where the HMAC key is read; default: the `[secrets]` provider, built only when a key is configured. */
  secrets?: SecretProvider;
  /** A background write failed (events stay queued and are retried). */
  onError?: (error: Error) => void;
}

/** The audit directory the config names. */
export function auditDirFrom(config: Pick<RuVectorConfig, 'audit' | 'storage'>): string {
  return resolve(config.audit.dir ?? join(config.storage.path, 'audit'));
}

/** Decodes a base64 HMAC key, refusing one shorter than 32 bytes; `source` names where it came from. */
export function decodeHmacKey(value: string, source: string): Buffer {
  const trimmed = value.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length < MIN_HMAC_KEY_BYTES) {
    throw new RvError('RV_CONFIG_INVALID', `the audit HMAC key (${source}) must be base64 of at least ${MIN_HMAC_KEY_BYTES} bytes, got ${key.length} bytes`, { details: { field: 'audit.hmac_key_secret' } });
  }
  return key;
}

/** The opened log, or undefined when `audit.enabled` is false. */
export async function auditLogFromConfig(config: Pick<RuVectorConfig, 'audit' | 'storage' | 'secrets'>, options: AuditFromConfigOptions = {}): Promise<AuditLog | undefined> {
  const audit = config.audit;
  if (!audit.enabled) return undefined;
  let hmacKey: Buffer | undefined;
  if (audit.hmac_key_secret !== undefined) {
    const secrets = options.secrets ?? createSecretProvider(config.secrets, process.env, options);
    hmacKey = decodeHmacKey(await secrets.get(audit.hmac_key_secret), `secret ${JSON.stringify(audit.hmac_key_secret)}`);
  }
  return AuditLog.open({
    dir: auditDirFrom(config),
    ...(hmacKey === undefined ? {} : { hmacKey }),
    fsyncBatchCount: audit.fsync_batch_count,
    fsyncIntervalMs: audit.fsync_interval_ms,
    rotateSizeBytes: audit.rotate_size_bytes,
    retentionDays: audit.retention_days,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
}
