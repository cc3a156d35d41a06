/**
 * The bootstrap admin key: on the first start with no `service.api_key` and authentication
 * not disabled, a random key is generated, shown once, and only its salted hash is kept in
 * `<data dir>/.auth/bootstrap-key.json` (mode 0600, directory 0700). Later starts verify
 * presented keys against that hash. A configured `service.api_key` always takes precedence.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuVectorConfig } from '../../config/index.js';
import { RvError } from '../../errors.js';
import { writeFileAtomic } from '../../storage/index.js';
import { createApiKeyVerifier, generateApiKey, hashApiKey, type ApiKeyHash } from './api-key-hash.js';

export const BOOTSTRAP_KEY_FILE = join('.auth', 'bootstrap-key.json');

/** The file's JSON: the hash plus when it was made. */
interface BootstrapKeyFile extends ApiKeyHash {
  version: 1;
  created_at: string;
}

/** How the admin key of this process is decided. */
export type AdminKey =
  | { source: 'disabled' }
  /** `service.api_key` from the config (any layer). */
  | { source: 'configured'; apiKey: string }
  /** Made now: shown once; this process keeps it in memory, the disk only its hash. */
  | { source: 'generated'; apiKey: string; file: string }
  /** Made on an earlier start: only verifiable against the stored hash. */
  | { source: 'stored'; verify: (presented: string) => Promise<boolean>; file: string; createdAt: string };

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RvError('RV_STORAGE_IO', `cannot read ${file}: ${(error as Error).message}`, { cause: error, details: { file } });
  }
}

/** Writes `text` to `file` owner-only (0600), durably and atomically (storage/'s helper). */
async function writePrivateFile(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text);
}

function parseKeyFile(text: string, file: string): BootstrapKeyFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RvError('RV_STORAGE_CORRUPTED', `${file} is not valid JSON; delete it to generate a new bootstrap key`, { cause, details: { file } });
  }
  const v = value as Partial<BootstrapKeyFile>;
  const ok = v.version === 1 && v.algorithm === 'scrypt' && typeof v.salt === 'string' && typeof v.hash === 'string'
    && [v.n, v.r, v.p].every((n) => Number.isSafeInteger(n) && (n as number) > 0);
  if (!ok) throw new RvError('RV_STORAGE_CORRUPTED', `${file} is not a bootstrap key hash (version 1, scrypt); delete it to generate a new key`, { details: { file } });
  return v as BootstrapKeyFile;
}

/**
 * Decides the admin key for `serve`. Generates and stores a new key only when there is none
 * configured, none stored and authentication is on.
 */
export async function resolveAdminKey(config: RuVectorConfig, dataDir: string): Promise<AdminKey> {
  if (config.service.auth_disabled) return { source: 'disabled' };
  if (config.service.api_key !== undefined) return { source: 'configured', apiKey: config.service.api_key };
  const file = join(dataDir, BOOTSTRAP_KEY_FILE);
  const text = await readIfExists(file);
  if (text !== undefined) {
    const stored = parseKeyFile(text, file);
    return { source: 'stored', verify: createApiKeyVerifier(stored), file, createdAt: stored.created_at };
  }
  const apiKey = generateApiKey();
  const record: BootstrapKeyFile = { version: 1, ...(await hashApiKey(apiKey)), created_at: new Date().toISOString() };
  const dir = join(dataDir, '.auth');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writePrivateFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return { source: 'generated', apiKey, file };
}

/** The once-only notice for a generated key, as a box for stderr. */
export function bootstrapKeyNotice(apiKey: string, file: string): string {
  const lines = [
    'RuVector generated an admin API key. It is shown only this once:',
    '',
    `    ${apiKey}`,
    '',
    'Send it as the `api-key` header (or `Authorization: Bearer <key>`).',
    `Only its hash is stored, in ${file}.`,
    'Lost it? Delete that file and restart to get a new key, or set',
    'service.api_key (env RUVECTOR__SERVICE__API_KEY).',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  return [rule, ...lines.map((l) => `| ${l.padEnd(width)} |`), rule].join('\n') + '\n';
}
