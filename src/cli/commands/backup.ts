/**
 * `ruvector backup create|list|verify|restore|prune`: backups of a data directory (or of a
 * running server, for `create --url`) to a `file://` or `s3://` target. The target and S3
 * settings come from `[backup]` in the config (or `--target`); with `[storage] encryption` on,
 * parts are sealed with the keyring's backup envelope and restores open the data with the
 * same master key.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { RvError } from '../../errors.js';
import { parseCommandArgs, required } from '../args.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { API_KEY_ENV } from '../target/open-target.js';
import { errorFromNetwork, errorFromResponse } from '../target/remote-error.js';
import type { Command } from './command.js';

const HELP = `Usage:
  ruvector backup create --type full|incremental [--target T] [--data-dir DIR | --url URL [--api-key KEY]]
  ruvector backup list [--target T] [--json]
  ruvector backup verify ID [--target T]
  ruvector backup restore ID --data-dir DIR [--to-time RFC3339 | --to-seq N] [--collection C] [--target T]
  ruvector backup prune [--target T] [--retention-days N] [--retention-count N]

Backups are chains: a full backup (a consistent copy of every collection, the catalog, the
config and keys metadata, never the master key), then incrementals (the op log since the
previous backup). Every part is gzip-compressed, sealed with AES-256-GCM when [storage]
encryption is on, and checked by SHA-256; the manifest is written last, so an interrupted
backup is never listed.

  --target T         file:///absolute/dir or s3://bucket/prefix (default: backup.target)
  --config FILE      TOML config (default: ./config/ruvector.toml when it exists)
  --data-dir DIR     create: the data directory to back up (no server may be using it;
                     default storage.path). restore: the EMPTY directory to restore into.
  --url URL          create: ask the running server to take the backup (its [backup] target)
  --api-key KEY      its admin API key (default: $${API_KEY_ENV})
  --to-time T        restore: replay ops committed at or before T (e.g. 2026-12-03T18:55:00Z)
  --to-seq N         restore: replay each collection's op log up to sequence N
  --collection C     restore: only this collection
  --retention-days N / --retention-count N   prune: override backup.retention_days / _count
  --json             list: print the manifests as JSON

Restore verifies every part (presence, SHA-256, decryption) before writing anything.`;

const OPTIONS = {
  config: { type: 'string' },
  target: { type: 'string' },
  type: { type: 'string' },
  'data-dir': { type: 'string' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'to-time': { type: 'string' },
  'to-seq': { type: 'string' },
  collection: { type: 'string' },
  'retention-days': { type: 'string' },
  'retention-count': { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

function invalid(message: string, field: string): RvError {
  return new RvError('RV_BACKUP_INVALID', message, { details: { field } });
}

/** Everything the subcommands share: config, target, encryption. */
async function context(values: Values, io: CliIo) {
  const { config } = loadConfig({ file: values.config, env: io.env, flags: [] });
  const url = values.target ?? config.backup.target;
  if (url === undefined) throw invalid('no backup target: pass --target file:///dir or s3://bucket/prefix, or set backup.target', 'target');
  const backup = await import('../../backup/index.js');
  const { keyringFromConfig } = await import('../../security/crypto/index.js');
  const { DependencyPolicies, secretsOutboundFor } = await import('../../reliability/index.js');
  const secretsOutbound = secretsOutboundFor(config.secrets, new DependencyPolicies());
  const encryption = await keyringFromConfig(config, io.env as NodeJS.ProcessEnv, secretsOutbound);
  const { createSecretProvider } = await import('../../security/secrets/index.js');
  const s3 = url.startsWith('s3:') ? await backup.s3SettingsFrom(config.backup, () => createSecretProvider(config.secrets, io.env as NodeJS.ProcessEnv, secretsOutbound)) : undefined;
  const target = backup.openBackupTarget(url, s3 === undefined ? {} : { s3 });
  return { config, backup, target, encryption, envelope: encryption?.keyring.purposeEnvelope('backup') };
}

function parseInteger(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw invalid(`--${flag} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`, flag);
  return n;
}

/** RFC 3339 with a time zone (Z or ±hh:mm); anything else is refused rather than guessed. */
function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(`--to-time must be an RFC 3339 time with a zone, e.g. 2026-12-03T18:55:00Z; got ${JSON.stringify(value)}`, 'to-time');
  return ms;
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

async function createRemote(values: Values, type: string, io: CliIo): Promise<void> {
  if (values.target !== undefined) throw invalid('--target cannot be used with --url: the server backs up to its own backup.target', 'target');
  const base = (values.url as string).replace(/\/+$/, '');
  const apiKey = values['api-key'] ?? (io.env[API_KEY_ENV] || undefined);
  let response: Response;
  try {
    response = await fetch(`${base}/backups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey === undefined ? {} : { 'api-key': apiKey }) },
      body: JSON.stringify({ type }),
    });
  } catch (cause) {
    throw errorFromNetwork(cause, base);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // errorFromResponse quotes non-JSON text
  }
  if (!response.ok) throw errorFromResponse(response.status, body, `${base}/backups`);
  const result = (body as { result: { id: string; size_bytes: number } }).result;
  io.stdout.write(`${result.id}\t${formatBytes(result.size_bytes)}\n`);
}

async function create(values: Values, io: CliIo): Promise<void> {
  const type = required('backup create', 'type', values.type);
  if (type !== 'full' && type !== 'incremental') throw invalid(`--type must be full or incremental, got ${JSON.stringify(type)}`, 'type');
  if (values.url !== undefined) {
    if (values['data-dir'] !== undefined) throw invalid('pass either --url or --data-dir, not both', 'data-dir');
    return createRemote(values, type, io);
  }
  const ctx = await context(values, io);
  const { Database } = await import('../../engine/index.js');
  const { redactConfig } = await import('../../config/index.js');
  const db = await Database.open({
    path: resolve(values['data-dir'] ?? ctx.config.storage.path), retainOpsForBackup: true,
    ...(ctx.encryption === undefined ? {} : { sealing: ctx.encryption.keyring }),
  });
  try {
    const progress = new Progress({ label: `backup ${type}`, unit: 'parts', stream: io.stderr });
    let parts = 0;
    const manifest = await ctx.backup.createBackup({
      db, target: ctx.target, type, envelope: ctx.envelope, config: redactConfig(ctx.config),
      onProgress: (done, total) => { parts = done; progress.update(done, done / total); },
    });
    progress.finish(parts);
    io.stdout.write(`${manifest.id}\t${formatBytes(manifest.totalBytes)}\t${manifest.parts.length} parts\n`);
  } finally {
    await db.close();
    await ctx.target.close();
  }
}

async function list(values: Values, io: CliIo): Promise<void> {
  const ctx = await context(values, io);
  try {
    const listed = await ctx.backup.listBackups(ctx.target);
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(listed.map((l) => (l.ok ? ctx.backup.describeBackup(l.manifest) : { id: l.id, invalid: l.error.message })), null, 2)}\n`);
      return;
    }
    io.stdout.write('ID\tTYPE\tPARENT\tFINISHED\tSIZE\tENCRYPTED\n');
    for (const l of listed) {
      if (!l.ok) {
        io.stdout.write(`${l.id}\tINVALID\t-\t-\t-\t-\t(${l.error.message})\n`);
        continue;
      }
      const m = l.manifest;
      io.stdout.write(`${m.id}\t${m.type}\t${m.parent ?? '-'}\t${new Date(m.finishedAtMs).toISOString()}\t${formatBytes(m.totalBytes)}\t${m.encrypted ? 'yes' : 'no'}\n`);
    }
  } finally {
    await ctx.target.close();
  }
}

async function verify(values: Values, id: string, io: CliIo): Promise<void> {
  const ctx = await context(values, io);
  try {
    const progress = new Progress({ label: 'verify', unit: 'parts', stream: io.stderr });
    const result = await ctx.backup.verifyBackup(ctx.target, id, ctx.envelope, (done, total) => progress.update(done, done / total));
    progress.finish(result.parts);
    io.stdout.write(`${id}: ok — chain ${result.chain.join(' → ')}; ${result.parts} parts, ${formatBytes(result.bytes)}; ${result.decoded ? 'checksums, decryption and decompression' : 'checksums only (encrypted, no key)'} verified\n`);
  } finally {
    await ctx.target.close();
  }
}

async function restore(values: Values, id: string, io: CliIo): Promise<void> {
  const dataDir = required('backup restore', 'data-dir', values['data-dir']);
  const toTimeMs = parseTime(values['to-time']);
  const toSeq = parseInteger('to-seq', values['to-seq'], 0);
  const ctx = await context(values, io);
  try {
    const progress = { verify: new Progress({ label: 'verify', unit: 'parts', stream: io.stderr }), replay: undefined as Progress | undefined };
    let phase: 'verify' | 'replay' = 'verify';
    let last = 0;
    const result = await ctx.backup.restoreBackup({
      target: ctx.target, id, dataDir: resolve(dataDir), envelope: ctx.envelope,
      database: { durability: ctx.config.storage.durability, ...(ctx.encryption === undefined ? {} : { sealing: ctx.encryption.keyring }) },
      ...(toTimeMs === undefined ? {} : { toTimeMs }), ...(toSeq === undefined ? {} : { toSeq }),
      ...(values.collection === undefined ? {} : { collection: values.collection }),
      onProgress: (p, done, total) => {
        if (p !== phase) {
          progress.verify.finish(last);
          phase = p;
          progress.replay = new Progress({ label: 'replay', unit: 'parts', stream: io.stderr });
        }
        last = done;
        (p === 'verify' ? progress.verify : progress.replay)?.update(done, done / total);
      },
    });
    (phase === 'verify' ? progress.verify : progress.replay)?.finish(last);
    io.stdout.write(`restored ${result.chain.length} backup(s) into ${resolve(dataDir)}${result.lastOpAtMs === null ? '' : ` (last op committed ${new Date(result.lastOpAtMs).toISOString()})`}\n`);
    for (const c of result.collections) io.stdout.write(`  ${c.name}: ${c.points} points, applied seq ${c.appliedSeq}\n`);
  } finally {
    await ctx.target.close();
  }
}

async function prune(values: Values, io: CliIo): Promise<void> {
  const ctx = await context(values, io);
  try {
    const policy = {
      retentionDays: parseInteger('retention-days', values['retention-days'], 0) ?? ctx.config.backup.retention_days,
      retentionCount: parseInteger('retention-count', values['retention-count'], 0) ?? ctx.config.backup.retention_count,
    };
    const result = await ctx.backup.pruneBackups(ctx.target, policy);
    io.stdout.write(`pruned ${result.deleted.length} backup(s), kept ${result.kept.length}\n`);
    for (const id of result.deleted) io.stdout.write(`  deleted ${id}\n`);
  } finally {
    await ctx.target.close();
  }
}

async function run(args: string[], io: CliIo): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs('backup', rest, OPTIONS);
  const id = (): string => {
    if (positionals.length !== 1) throw invalid(`backup ${sub}: expected exactly one backup ID (see: ruvector backup list)`, 'id');
    return positionals[0];
  };
  const none = (): void => {
    if (positionals.length > 0) throw invalid(`backup ${sub}: unexpected argument ${JSON.stringify(positionals[0])}`, 'args');
  };
  switch (sub) {
    case 'create': none(); return create(values, io);
    case 'list': none(); return list(values, io);
    case 'verify': return verify(values, id(), io);
    case 'restore': return restore(values, id(), io);
    case 'prune': none(); return prune(values, io);
    default:
      throw new RvError('RV_INVALID_ARGUMENT', `backup: unknown subcommand ${JSON.stringify(sub ?? '')}; one of create, list, verify, restore, prune (see: ruvector backup --help)`);
  }
}

/** `ruvector backup`; see HELP above for usage. */
export const backupCommand: Command = { name: 'backup', summary: 'full/incremental backups: create, list, verify, restore, prune', help: HELP, run };
