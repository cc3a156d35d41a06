/**
 * Restoring a backup chain into an empty data directory, optionally to a point in time.
 *
 * 1. Check the data directory is empty (or absent); load the chain ending at the backup asked
 *    for and check it is complete and in order (backup-catalog.ts).
 * 2. Download every part the restore needs into a staging directory beside the data directory,
 *    checking size and SHA-256, decryption and decompression of each — before anything is
 *    written to the data directory. Any failure names the part and leaves the data dir as it was.
 * 3. Write the full backup's shard files and the catalog, open the database, and replay the
 *    incrementals' op-log records through the engine's apply step (Shard.applyAt), stopping at
 *    `toTimeMs` (commit time) or `toSeq` (per shard). A failure here removes what was written.
 *
 * Collection creation and deletion are captured at backup granularity: the catalog restored is
 * that of the last backup replayed.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RvError } from '../errors.js';
import { inSpan, SPAN } from '../observability/index.js';
import { CHECKPOINT_FILE, Database, POINTS_FILE, type DatabaseOptions } from '../engine/index.js';
import type { Envelope } from '../security/crypto/envelope.js';
import { fetchPart, loadChain } from './backup-catalog.js';
import type { BackupManifest, PartEntry, ShardEntry } from './manifest.js';
import { decodePart, unframeOps } from './part-codec.js';
import type { BackupTarget } from './target.js';

export interface RestoreOptions {
  target: BackupTarget;
  /** The last backup of the chain to restore from (usually the newest). */
  id: string;
  /** Must be empty or absent. */
  dataDir: string;
  envelope?: Envelope;
  /**
   * How to open the restored database: with encryption at rest, the same sealing (master key)
   * as the node that was backed up; durability; logger.
   */
  database?: Omit<DatabaseOptions, 'path'>;
  /** Replay ops committed at or before this time (Unix ms). */
  toTimeMs?: number;
  /** Replay each shard up to this sequence. */
  toSeq?: number;
  /** Restore only this collection. */
  collection?: string;
  /** `phase` is `verify` (parts downloaded and checked) or `replay` (incrementals applied). */
  onProgress?: (phase: 'verify' | 'replay', done: number, total: number) => void;
}

export interface RestoredCollection {
  name: string;
  appliedSeq: number;
  points: number;
}

export interface RestoreResult {
  /** Backups used, full first. */
  chain: string[];
  collections: RestoredCollection[];
  /** Commit time of the last op replayed, when known (ms). */
  lastOpAtMs: number | null;
}

function invalid(message: string, field: string): RvError {
  return new RvError('RV_BACKUP_INVALID', message, { details: { field } });
}

async function assertEmpty(dir: string): Promise<void> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0) throw new RvError('RV_RESTORE_TARGET_NOT_EMPTY', `cannot restore into ${dir}: it is not empty (restore into a new directory, then point storage.path at it)`, { details: { path: dir } });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Whether incremental backup `m` belongs to the restore: it does unless it lies wholly after the
 * requested point. One that holds ops for the selected shards belongs when one of them starts
 * at or before the point (ops past it are skipped at replay). One that holds no such ops (a quiet
 * interval, or only catalog changes such as a new empty collection or an alias) changes no
 * point: it belongs when there is no time limit or it was taken by then, and the chain goes on
 * past it (an empty incremental must never end the replay early).
 */
function reaches(m: BackupManifest, selected: (s: ShardEntry) => boolean, options: RestoreOptions): boolean {
  if (m.type === 'full') return true;
  const withOps = m.shards.filter((s) => selected(s) && s.ops > 0);
  if (withOps.length === 0) return options.toTimeMs === undefined || m.startedAtMs <= options.toTimeMs;
  return withOps.some((s) => (options.toSeq === undefined || s.fromSeq <= options.toSeq)
    && (options.toTimeMs === undefined || s.firstOpAtMs === null || s.firstOpAtMs <= options.toTimeMs));
}

/** Where each collection's history starts in the chain: the full backup, or an incremental where it appears (or reappears with a new uid). */
function baseIndex(chain: BackupManifest[], collection: string, uid: string): number {
  for (let i = chain.length - 1; i >= 0; i--) {
    const entry = chain[i].shards.find((s) => s.collection === collection && s.uid === uid);
    if (entry === undefined) return i + 1;
    if (chain[i].type === 'full') return i;
  }
  return 0;
}

/**
 * @example
 *   await restoreBackup({ target, id: '20261203T190000Z-incremental-ab12cd', dataDir: '/var/lib/ruvector-restored', toTimeMs: Date.parse('2026-12-03T18:55:00Z') });
 */
export function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  return inSpan(SPAN.restore, {
    'ruvector.backup.id': options.id,
    ...(options.toSeq === undefined ? {} : { 'ruvector.restore.to_seq': options.toSeq }),
    ...(options.toTimeMs === undefined ? {} : { 'ruvector.restore.to_time': new Date(options.toTimeMs).toISOString() }),
  }, async (span) => {
    const result = await restoreBackupUntraced(options);
    span.setAttribute('ruvector.restore.chain_length', result.chain.length);
    return result;
  });
}

async function restoreBackupUntraced(options: RestoreOptions): Promise<RestoreResult> {
  const { target, envelope } = options;
  if (options.toTimeMs !== undefined && options.toSeq !== undefined) throw invalid('pass either --to-time or --to-seq, not both', 'to-time');
  if (options.toTimeMs !== undefined && !Number.isFinite(options.toTimeMs)) throw invalid('--to-time must be an RFC 3339 time', 'to-time');
  if (options.toSeq !== undefined && (!Number.isSafeInteger(options.toSeq) || options.toSeq < 0)) throw invalid(`--to-seq must be an integer ≥ 0, got ${options.toSeq}`, 'to-seq');
  await assertEmpty(options.dataDir);

  const fullChain = await loadChain(target, options.id);
  const newest = fullChain[fullChain.length - 1];
  if (options.toTimeMs !== undefined && options.toTimeMs > newest.startedAtMs) {
    // The chain holds nothing written after its newest backup began: the state at --to-time may
    // differ from the state it shows, so say so rather than restore an older state silently.
    throw invalid(`backup ${newest.id} was taken at ${new Date(newest.startedAtMs).toISOString()}, before --to-time ${new Date(options.toTimeMs).toISOString()}: `
      + 'it cannot show the state at that time. Restore from a backup taken after --to-time (ruvector backup list), or drop --to-time to restore this one as taken', 'to-time');
  }
  if (options.collection !== undefined && !fullChain.some((m) => m.shards.some((s) => s.collection === options.collection))) {
    throw invalid(`collection ${options.collection} is in no backup of the chain ending at ${options.id}`, 'collection');
  }
  const selectedName = (name: string): boolean => options.collection === undefined || name === options.collection;
  const selected = (s: ShardEntry): boolean => selectedName(s.collection);
  // The backups to replay: the full one, then the incrementals up to the one reaching the point asked for.
  const chain: BackupManifest[] = [fullChain[0]];
  for (const m of fullChain.slice(1)) {
    if (!reaches(m, selected, options)) break;
    chain.push(m);
  }
  const final = chain[chain.length - 1];
  const full = chain[0];
  for (const s of full.shards.filter(selected)) {
    if (options.toSeq !== undefined && s.toSeq > options.toSeq) {
      throw invalid(`full backup ${full.id} holds collection ${s.collection} at op ${s.toSeq}, after --to-seq ${options.toSeq}: restore from an earlier full backup`, 'to-seq');
    }
    if (options.toTimeMs !== undefined && s.lastOpAtMs !== null && s.lastOpAtMs > options.toTimeMs) {
      throw invalid(`full backup ${full.id} holds collection ${s.collection} as of ${new Date(s.lastOpAtMs).toISOString()}, after --to-time: restore from an earlier full backup`, 'to-time');
    }
  }

  // Step 2: fetch and verify every part needed, staged beside the data directory.
  const needed: { manifest: BackupManifest; entry: PartEntry }[] = [];
  for (const m of chain) {
    for (const entry of m.parts) {
      const perCollection = entry.collection !== undefined;
      if (perCollection && !selectedName(entry.collection as string)) continue;
      if (entry.kind === 'shard-db' || entry.kind === 'shard-index') {
        if (m.type === 'full') needed.push({ manifest: m, entry });
      } else if (entry.kind === 'oplog' || m === final || (entry.kind !== 'catalog' && m === full)) {
        needed.push({ manifest: m, entry });
      }
    }
  }
  await mkdir(dirname(options.dataDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(options.dataDir), `.${basename(options.dataDir)}.restore-`));
  let wrote = false;
  try {
    const staged = new Map<string, string>();
    for (const [i, { manifest, entry }] of needed.entries()) {
      const stored = await fetchPart(target, manifest, entry, envelope, false);
      await decodePart(manifest.id, entry, stored, envelope, manifest.encrypted); // authenticates and decompresses; discarded
      const path = join(staging, `${i}`);
      await writeFile(path, stored, { mode: 0o600 });
      staged.set(`${manifest.id}/${entry.name}`, path);
      options.onProgress?.('verify', i + 1, needed.length);
    }
    const read = async (manifest: BackupManifest, entry: PartEntry): Promise<Uint8Array> => {
      const stored = new Uint8Array(await readFile(staged.get(`${manifest.id}/${entry.name}`) as string));
      return decodePart(manifest.id, entry, stored, envelope, manifest.encrypted);
    };
    const partOf = (m: BackupManifest, kind: PartEntry['kind'], collection?: string): PartEntry | undefined =>
      m.parts.find((p) => p.kind === kind && p.collection === collection);

    // Step 3: write the base state, then replay.
    wrote = true;
    await mkdir(join(options.dataDir, 'collections'), { recursive: true });
    const catalogEntry = partOf(final, 'catalog');
    if (catalogEntry === undefined) throw new RvError('RV_BACKUP_CORRUPTED', `backup ${final.id} has no catalog part`, { details: { backup: final.id, part: 'catalog.json.gz' } });
    const catalog = JSON.parse(new TextDecoder().decode(await read(final, catalogEntry))) as { version: 1; collections: Record<string, unknown>; aliases: Record<string, string> };
    const names = Object.keys(catalog.collections).filter(selectedName);
    const bases = new Map<string, { index: number; entry: ShardEntry }>();
    for (const name of names) {
      const entry = final.shards.find((s) => s.collection === name);
      if (entry === undefined) throw new RvError('RV_BACKUP_CORRUPTED', `backup ${final.id} lists collection ${name} in its catalog but has no shard entry for it`, { details: { backup: final.id, part: 'manifest.json' } });
      const index = baseIndex(chain, name, entry.uid);
      bases.set(name, { index, entry });
      if (index !== 0) continue;
      const dbPart = partOf(full, 'shard-db', name);
      const indexPart = partOf(full, 'shard-index', name);
      if (dbPart === undefined) throw new RvError('RV_BACKUP_CORRUPTED', `full backup ${full.id} has no shard part for collection ${name}`, { details: { backup: full.id, collection: name } });
      const dir = join(options.dataDir, 'collections', name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, POINTS_FILE), await read(full, dbPart), { mode: 0o600 });
      if (indexPart !== undefined) await writeFile(join(dir, CHECKPOINT_FILE), await read(full, indexPart), { mode: 0o600 });
    }
    const keysEntry = partOf(full, 'keys');
    if (keysEntry !== undefined) {
      const { files } = JSON.parse(new TextDecoder().decode(await read(full, keysEntry))) as { files: Record<string, string> };
      for (const [relative, base64] of Object.entries(files)) {
        if (relative.split('/').some((s) => s === '..' || s === '')) continue;
        const path = join(options.dataDir, ...relative.split('/'));
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await writeFile(path, Buffer.from(base64, 'base64'), { mode: 0o600 });
      }
    }
    const aliases = Object.fromEntries(Object.entries(catalog.aliases).filter(([, target]) => names.includes(target)));
    const collections = Object.fromEntries(names.map((n) => [n, catalog.collections[n]]));
    await writeFile(join(options.dataDir, 'catalog.json'), JSON.stringify({ version: 1, collections, aliases }, null, 2), { mode: 0o600 });

    const db = await Database.open({ ...options.database, path: options.dataDir });
    let lastOpAtMs: number | null = null;
    try {
      const replay = chain.flatMap((m, i) => m.parts.filter((p) => p.kind === 'oplog' && p.collection !== undefined && bases.has(p.collection) && i >= (bases.get(p.collection)?.index ?? 0)).map((p) => ({ m, p })));
      for (const [i, { m, p }] of replay.entries()) {
        const name = p.collection as string;
        const entry = m.shards.find((s) => s.collection === name);
        if (entry?.uid !== bases.get(name)?.entry.uid) continue; // an older incarnation of a re-created collection
        const shard = db.collection(name).shard;
        for (const op of unframeOps(m.id, p.name, await read(m, p))) {
          if (options.toSeq !== undefined && op.seq > options.toSeq) break;
          if (options.toTimeMs !== undefined && op.committedAtMs !== undefined && op.committedAtMs > options.toTimeMs) break;
          shard.applyAt(op.seq, op.record);
          if (op.committedAtMs !== undefined) lastOpAtMs = Math.max(lastOpAtMs ?? 0, op.committedAtMs);
        }
        options.onProgress?.('replay', i + 1, replay.length);
      }
      const restored = names.map((name) => {
        const info = db.collection(name).info();
        return { name, appliedSeq: info.appliedSeq, points: info.points };
      });
      return { chain: chain.map((m) => m.id), collections: restored, lastOpAtMs };
    } finally {
      await db.close();
    }
  } catch (error) {
    if (wrote) await rm(options.dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
