/** Turns a backup target URL (`file:///abs/dir`, `s3://bucket/prefix`) into a resilient BackupTarget. */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RvError } from '../errors.js';
import type { DependencyPolicies } from '../reliability/index.js';
import { FileBackupTarget } from './file-target.js';
import { ResilientBackupTarget, type TargetPolicyOptions } from './resilient-target.js';
import { S3BackupTarget } from './s3-target.js';
import type { BackupTarget } from './target.js';

/** S3 connection settings (from `[backup]` or the secrets provider). */
export interface S3Settings {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface OpenTargetOptions {
  s3?: S3Settings;
  policy?: TargetPolicyOptions;
  /** The process's dependency policies (breaker metrics, /ready); a private registry when absent. */
  policies?: DependencyPolicies;
}

function invalid(url: string, why: string): RvError {
  return new RvError('RV_BACKUP_INVALID', `backup target ${JSON.stringify(url)} is invalid: ${why} (expected file:///absolute/dir or s3://bucket/prefix)`, { details: { field: 'target' } });
}

/**
 * @example
 *   const target = openBackupTarget('s3://backups/ruvector', { s3: { endpoint: 'http://127.0.0.1:9000' } });
 */
export function openBackupTarget(url: string, options: OpenTargetOptions = {}): BackupTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw Object.assign(invalid(url, 'not a URL'), { cause });
  }
  let inner: BackupTarget;
  if (parsed.protocol === 'file:') {
    if (parsed.host !== '' && parsed.host !== 'localhost') throw invalid(url, 'a file URL must not name a host');
    const path = fileURLToPath(parsed).replace(/\/+$/, '');
    if (!isAbsolute(path) || path === '') throw invalid(url, 'the directory must be absolute');
    inner = new FileBackupTarget(path);
  } else if (parsed.protocol === 's3:') {
    if (parsed.hostname === '') throw invalid(url, 'no bucket');
    if (parsed.username !== '' || parsed.password !== '') throw invalid(url, 'credentials go in [backup] s3_access_key_id / s3_secret_access_key, not in the URL');
    const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
    inner = new S3BackupTarget({ bucket: parsed.hostname, prefix, ...options.s3 });
  } else {
    throw invalid(url, `unsupported scheme ${parsed.protocol}`);
  }
  return new ResilientBackupTarget(inner, options.policy, options.policies);
}
