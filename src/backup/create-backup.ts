/**
 * Creating backups.
 *
 * Full: for every collection, a consistent copy of its shard (SQLite's online backup, as
 * snapshots take it; rows sealed at rest stay sealed) and its index checkpoint (so a restore
 * needs no graph rebuild; Shard.open reconciles it with the copy), plus the catalog
 * (collections, aliases), the effective config (redacted) and the keys metadata under the data
 * directory (`.auth/`: API-key hashes; never a master key, which lives in the secrets provider).
 * Incremental: the catalog plus, per shard, the op-log records since the parent backup.
 *
 * Every part is uploaded first, the manifest last: a backup interrupted half-way is never
 * listed (its parts are removed on failure, or by prune later). After the manifest is stored
 * each shard's backup watermark moves to the sequence the backup holds, which lets the op log
 * be truncated up to there (and no further).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { RvError } from '../errors.js';
import { inSpan, SPAN } from '../observability/index.js';
import type { Database, Shard } from '../engine/index.js';
import { ShardStore } from '../storage/index.js';
import type { Envelope } from '../security/crypto/envelope.js';
import { encodePart, frameOps, type FramedOp } from './part-codec.js';
import {
  MANIFEST_FORMAT, manifestKey, newBackupId, partKey,
  type BackupManifest, type BackupType, type PartEntry, type PartKind, type ShardEntry,
} from './manifest.js';
import { latestBackup } from './backup-catalog.js';
import type { BackupTarget } from './target.js';

/** Progress callback: `done` of `total` steps (parts), with a label for the current one. */
export type BackupProgress = (done: number, total: number, label: string) => void;

export interface CreateBackupOptions {
  db: Database;
  target: BackupTarget;
  type: BackupType;
  /** Seals every part (AES-256-GCM) when given. */
  envelope?: Envelope;
  /** The effective config, already redacted, stored for reference. */
  config?: unknown;
  /** Files and directories under the data dir that are keys metadata (default: `.auth/` and `encryption.json`). */
  metadataPaths?: readonly string[];
  onProgress?: BackupProgress;
  now?: () => Date;
}

/** Files that must never leave the machine in a backup, whatever directory they sit in. */
const NEVER_BACKED_UP = /master|\.pem$|\.key$/i;
const encoder = new TextEncoder();

interface Builder {
  id: string;
  parts: PartEntry[];
  uploaded: string[];
}

async function putPart(target: BackupTarget, envelope: Envelope | undefined, builder: Builder, name: string, kind: PartKind, plain: Uint8Array, collection?: string): Promise<void> {
  const { stored, entry } = await encodePart({ backupId: builder.id, name, kind, collection, plain, envelope });
  const key = partKey(builder.id, name);
  builder.uploaded.push(key);
  await target.put(key, stored);
  builder.parts.push(entry);
}

/** The catalog as restores write it back: collections (name → config) and aliases. */
function catalogOf(db: Database): { version: 1; collections: Record<string, unknown>; aliases: Record<string, string> } {
  const collections: Record<string, unknown> = {};
  for (const name of db.listCollections()) collections[name] = db.collection(name).config;
  const aliases: Record<string, string> = {};
  for (const { alias_name, collection_name } of db.listAliases()) aliases[alias_name] = collection_name;
  return { version: 1, collections, aliases };
}

/** Keys metadata kept by default: API-key hashes and the encryption marker (key ids, never keys). */
export const DEFAULT_METADATA_PATHS: readonly string[] = ['.auth', 'encryption.json'];

async function keysMetadata(dataDir: string, paths: readonly string[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'ENOTDIR') {
        if (!NEVER_BACKED_UP.test(dir)) files[relative(dataDir, dir).split(sep).join('/')] = (await readFile(dir)).toString('base64');
        return;
      }
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && !NEVER_BACKED_UP.test(entry.name) && !entry.name.includes('.tmp-')) {
        files[relative(dataDir, path).split(sep).join('/')] = (await readFile(path)).toString('base64');
      }
    }
  };
  for (const path of paths) await walk(join(dataDir, path));
  return files;
}

function lastOpTime(shard: Shard, seq: number): number | null {
  if (seq === 0) return null;
  for (const op of shard.readOps(seq, seq)) return op.committedAtMs ?? null;
  return null;
}

/** Copies one shard consistently: the SQLite file and the index checkpoint, and the sequence the copy holds. */
async function copyShard(shard: Shard, scratch: string, index: number): Promise<{ database: Uint8Array; checkpoint: Uint8Array; seq: number }> {
  const dbPath = join(scratch, `shard-${index}.db`);
  await shard.backupTo(dbPath);
  // The copy's own applied sequence is the truth (writes may land while it is taken).
  const copy = ShardStore.open({ path: dbPath });
  let seq: number;
  try {
    seq = copy.getAppliedSeq();
  } finally {
    copy.close();
  }
  const database = new Uint8Array(await readFile(dbPath));
  const checkpointPath = join(scratch, `shard-${index}.ckpt`);
  await shard.writeCheckpointTo(checkpointPath);
  const checkpoint = new Uint8Array(await readFile(checkpointPath));
  await rm(dbPath, { force: true });
  await rm(checkpointPath, { force: true });
  return { database, checkpoint, seq };
}

/**
 * Takes a backup and returns its manifest (already stored). An incremental backup needs a
 * previous backup at the target and every op since it in the op logs, else
 * RV_BACKUP_OPLOG_TRUNCATED (take a full one).
 * @example
 *   const manifest = await createBackup({ db, target: openBackupTarget('file:///backups'), type: 'full' });
 */
export function createBackup(options: CreateBackupOptions): Promise<BackupManifest> {
  // A child span of the request (POST /backups) or of the scheduler's job span.
  return inSpan(SPAN.backup, { 'ruvector.backup.type': options.type, 'ruvector.backup.target': options.target.description }, async (span) => {
    const manifest = await createBackupUntraced(options);
    span.setAttributes({ 'ruvector.backup.id': manifest.id, 'ruvector.backup.bytes': manifest.totalBytes, 'ruvector.backup.parts': manifest.parts.length });
    return manifest;
  });
}

async function createBackupUntraced(options: CreateBackupOptions): Promise<BackupManifest> {
  const { db, target, type, envelope } = options;
  const now = options.now ?? (() => new Date());
  const started = now();
  const parent = type === 'incremental' ? await latestBackup(target) : undefined;
  if (type === 'incremental' && parent === undefined) {
    throw new RvError('RV_BACKUP_OPLOG_TRUNCATED', `no backup at ${target.description} to take an incremental backup from: take a full backup first`, { details: { target: target.description } });
  }
  const builder: Builder = { id: newBackupId(type, started, randomBytes(4).toString('hex')), parts: [], uploaded: [] };
  const names = db.listCollections();
  const total = names.length * (type === 'full' ? 2 : 1) + 3;
  let done = 0;
  const step = (label: string): void => {
    done += 1;
    options.onProgress?.(done, total, label);
  };
  const shards: ShardEntry[] = [];
  const scratch = type === 'full' ? await mkdtemp(join(db.path, '.backup-')) : undefined;
  try {
    await putPart(target, envelope, builder, 'catalog.json.gz', 'catalog', encoder.encode(JSON.stringify(catalogOf(db))));
    step('catalog');
    if (type === 'full') {
      await putPart(target, envelope, builder, 'config.json.gz', 'config', encoder.encode(JSON.stringify(options.config ?? null)));
      step('config');
      const keys = await keysMetadata(db.path, options.metadataPaths ?? DEFAULT_METADATA_PATHS);
      await putPart(target, envelope, builder, 'keys.json.gz', 'keys', encoder.encode(JSON.stringify({ files: keys })));
      step('keys metadata');
    } else {
      done += 2;
    }
    for (const [i, name] of names.entries()) {
      if (!db.hasCollection(name)) continue; // deleted meanwhile
      const shard = db.collection(name).shard;
      const uid = shard.uid;
      if (type === 'full') {
        const copy = await copyShard(shard, scratch as string, i);
        await putPart(target, envelope, builder, `c${i}-shard0.db.gz`, 'shard-db', copy.database, name);
        step(`${name}: points`);
        await putPart(target, envelope, builder, `c${i}-shard0.index.gz`, 'shard-index', copy.checkpoint, name);
        step(`${name}: index`);
        shards.push({ collection: name, shard: 0, uid, fromSeq: 0, toSeq: copy.seq, ops: 0, firstOpAtMs: null, lastOpAtMs: lastOpTime(shard, copy.seq) });
        continue;
      }
      const previous = (parent as BackupManifest).shards.find((s) => s.collection === name && s.uid === uid);
      const fromSeq = previous === undefined ? 1 : previous.toSeq + 1;
      const toSeq = shard.lastAppliedSeq;
      const entry: ShardEntry = { collection: name, shard: 0, uid, fromSeq, toSeq: Math.max(toSeq, fromSeq - 1), ops: 0, firstOpAtMs: null, lastOpAtMs: null };
      if (toSeq >= fromSeq) {
        if (shard.firstOpSeq > fromSeq) {
          throw new RvError('RV_BACKUP_OPLOG_TRUNCATED', `collection ${name}: op ${fromSeq} and later are needed since backup ${(parent as BackupManifest).id}, but the op log starts at ${shard.firstOpSeq}: take a full backup`, { details: { collection: name, fromSeq, firstOpSeq: shard.firstOpSeq } });
        }
        const ops: FramedOp[] = [];
        for (const op of shard.readOps(fromSeq, toSeq)) {
          ops.push(op);
          // Reading a long op log is synchronous SQLite work: give the event loop a turn now and then.
          if (ops.length % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        if (ops.length !== toSeq - fromSeq + 1 || ops[0].seq !== fromSeq) {
          throw new RvError('RV_BACKUP_OPLOG_TRUNCATED', `collection ${name}: the op log does not hold every op ${fromSeq}..${toSeq} (found ${ops.length}): take a full backup`, { details: { collection: name, fromSeq, toSeq } });
        }
        entry.ops = ops.length;
        entry.firstOpAtMs = ops[0].committedAtMs ?? null;
        entry.lastOpAtMs = ops[ops.length - 1].committedAtMs ?? null;
        await putPart(target, envelope, builder, `c${i}-shard0.oplog.gz`, 'oplog', frameOps(ops), name);
      }
      shards.push(entry);
      step(`${name}: op log`);
    }
    const finished = now();
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT, id: builder.id, type, parent: parent?.id ?? null, chain: parent?.chain ?? builder.id,
      createdAt: started.toISOString(), startedAtMs: started.getTime(), finishedAtMs: Math.max(finished.getTime(), started.getTime()),
      compression: 'gzip', encrypted: envelope !== undefined, shards, parts: builder.parts,
      totalBytes: builder.parts.reduce((sum, p) => sum + p.sizeBytes, 0),
    };
    await target.put(manifestKey(builder.id), encoder.encode(JSON.stringify(manifest, null, 2)));
    for (const entry of shards) {
      if (db.hasCollection(entry.collection)) db.collection(entry.collection).shard.setBackupWatermark(entry.toSeq);
    }
    return manifest;
  } catch (error) {
    // Nothing is listed without a manifest; remove what was uploaded (prune catches leftovers).
    await target.delete(builder.uploaded).catch(() => undefined);
    throw error;
  } finally {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}
