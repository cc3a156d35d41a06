/**
 * Secrets from files: `master_key` is `<dir>/master_key` (a Kubernetes secret volume, a
 * systemd credential directory). A file readable or writable by group or others is refused:
 * secrets must be mode 0600 (or 0400) and owned by the service user. A trailing newline is
 * dropped. Rotation: replace the file (atomically, e.g. write + rename) and call `refresh()`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RvError } from '../../errors.js';
import { CachedSecretProvider, type CachedSecretProviderOptions } from './secret-provider.js';

export interface FileSecretProviderOptions extends CachedSecretProviderOptions {
  /** Directory holding one file per secret. */
  dir: string;
}

/** Largest secret file read (a key or a certificate, not a data file). */
const MAX_SECRET_FILE_BYTES = 1024 * 1024;

/**
 * Throws RV_SECRET_FILE_INSECURE unless a secret file's mode gives group and others no access
 * (0600 or stricter). Used for `[secrets] provider = "file"` and JWT `secret_file`.
 */
export function assertPrivateMode(path: string, statMode: number): void {
  const mode = statMode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new RvError('RV_SECRET_FILE_INSECURE',
      `secret file ${path} has mode ${mode.toString(8).padStart(4, '0')}: group and others must have no access (run: chmod 600 ${path})`,
      { details: { path, mode: `0${mode.toString(8)}` } });
  }
}

export class FileSecretProvider extends CachedSecretProvider {
  readonly kind = 'file' as const;
  readonly dir: string;

  constructor(options: FileSecretProviderOptions) {
    super(options);
    if (typeof options.dir !== 'string' || options.dir === '') {
      throw new RvError('RV_CONFIG_INVALID', 'the file secrets provider needs a directory (secrets.file_dir)', { details: { field: 'secrets.file_dir' } });
    }
    this.dir = resolve(options.dir);
  }

  describe(name: string): string {
    return `secret file ${join(this.dir, name)}`;
  }

  protected async read(name: string): Promise<string | undefined> {
    const path = join(this.dir, name);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `cannot read secret file ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
    }
    if (!info.isFile()) {
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `secret file ${path} is not a regular file`, { details: { path } });
    }
    assertPrivateMode(path, info.mode);
    if (info.size > MAX_SECRET_FILE_BYTES) {
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `secret file ${path} is ${info.size} bytes, over the ${MAX_SECRET_FILE_BYTES}-byte limit`, { details: { path } });
    }
    const text = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    return text === '' ? undefined : text;
  }
}
