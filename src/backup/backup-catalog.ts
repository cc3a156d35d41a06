/**
 * Reading what a target holds: list manifests, load one, walk a chain back to its full
 * backup (checking that it is in order), verify parts, and prune by retention without ever
 * deleting a backup that a kept one still needs.
 */
import { RvError } from '../errors.js';
import type { Envelope } from '../security/crypto/envelope.js';
import { MANIFEST_FILE, compareManifests, manifestKey, parseManifest, partKey, validateBackupId, type BackupManifest, type PartEntry } from './manifest.js';
import { checkPart, decodePart } from './part-codec.js';
import type { BackupTarget } from './target.js';

/** A listed backup, or a manifest that did not parse (reported, never used). */
export type ListedBackup = { ok: true; manifest: BackupManifest } | { ok: false; id: string; error: RvError };

/** Every backup at the target, oldest first; manifests that do not parse come last. */
export async function listBackups(target: BackupTarget): Promise<ListedBackup[]> {
  const keys = await target.list('');
  const ids = keys.filter((k) => k.endsWith(`/${MANIFEST_FILE}`) && k.split('/').length === 2).map((k) => k.split('/')[0]).sort();
  const out: ListedBackup[] = [];
  for (const id of ids) {
    try {
      out.push({ ok: true, manifest: await loadManifest(target, id) });
    } catch (error) {
      if (error instanceof RvError && error.code !== 'RV_DEPENDENCY_UNAVAILABLE' && error.code !== 'RV_DEPENDENCY_TIMEOUT') out.push({ ok: false, id, error });
      else throw error;
    }
  }
  const valid = out.filter((l): l is { ok: true; manifest: BackupManifest } => l.ok).sort((a, b) => compareManifests(a.manifest, b.manifest));
  return [...valid, ...out.filter((l) => !l.ok)];
}

/** The newest valid backup, the parent of the next incremental. */
export async function latestBackup(target: BackupTarget): Promise<BackupManifest | undefined> {
  const listed = await listBackups(target);
  for (let i = listed.length - 1; i >= 0; i--) {
    const entry = listed[i];
    if (entry.ok) return entry.manifest;
  }
  return undefined;
}

export async function loadManifest(target: BackupTarget, idInput: string): Promise<BackupManifest> {
  const id = validateBackupId(idInput);
  const bytes = await target.get(manifestKey(id));
  if (bytes === undefined) throw new RvError('RV_BACKUP_NOT_FOUND', `backup ${id} does not exist at ${target.description}`, { details: { backup: id } });
  return parseManifest(id, bytes);
}

function broken(message: string, backup: string, details: Record<string, unknown> = {}): RvError {
  return new RvError('RV_BACKUP_CHAIN_BROKEN', message, { details: { backup, ...details } });
}

/**
 * The chain ending at `id`, full backup first. Checks that every parent exists and that the
 * sequence ranges follow on: each shard of an incremental starts right after the same shard
 * (same uid) in its parent, or at 1 when the shard is new.
 */
export async function loadChain(target: BackupTarget, id: string): Promise<BackupManifest[]> {
  const chain: BackupManifest[] = [];
  let current = await loadManifest(target, id);
  chain.unshift(current);
  while (current.parent !== null) {
    const child = current;
    const parentId = child.parent as string;
    try {
      current = await loadManifest(target, parentId);
    } catch (error) {
      if (error instanceof RvError && error.code === 'RV_BACKUP_NOT_FOUND') {
        throw broken(`backup ${child.id} needs its parent ${parentId}, which is missing from ${target.description} (part ${manifestKey(parentId)})`, child.id, { parent: parentId, part: manifestKey(parentId) });
      }
      throw error;
    }
    if (chain.length > 100_000) throw broken(`backup ${id}: the chain does not end in a full backup`, id);
    if (current.chain !== child.chain) throw broken(`backup ${child.id} belongs to chain ${child.chain} but its parent ${current.id} to chain ${current.chain}`, child.id);
    if (current.startedAtMs > child.startedAtMs) throw broken(`backup ${child.id} is older than its parent ${current.id} (out of order)`, child.id);
    for (const shard of child.shards) {
      const before = current.shards.find((s) => s.collection === shard.collection && s.uid === shard.uid);
      const expected = before === undefined ? 1 : before.toSeq + 1;
      if (shard.fromSeq !== expected) {
        throw broken(`backup ${child.id}: collection ${shard.collection} starts at op ${shard.fromSeq} but its parent ${current.id} ends at op ${expected - 1} (out of order or a backup is missing)`, child.id, { collection: shard.collection });
      }
    }
    chain.unshift(current);
  }
  if (current.type !== 'full') throw broken(`backup ${id}: its chain starts at ${current.id}, which is not a full backup`, id);
  return chain;
}

/** Downloads one part and checks it (size, SHA-256; and decryption + decompression when `decode`). */
export async function fetchPart(target: BackupTarget, manifest: BackupManifest, entry: PartEntry, envelope: Envelope | undefined, decode: boolean): Promise<Uint8Array> {
  const key = partKey(manifest.id, entry.name);
  const stored = await target.get(key);
  if (stored === undefined) {
    throw new RvError('RV_BACKUP_PART_MISSING', `backup ${manifest.id}: part ${entry.name} (${key}) is missing from ${target.description}`, { details: { backup: manifest.id, part: entry.name } });
  }
  if (!decode) {
    await checkPart(manifest.id, entry, stored);
    return stored;
  }
  return decodePart(manifest.id, entry, stored, envelope, manifest.encrypted);
}

export interface VerifyResult {
  id: string;
  chain: string[];
  parts: number;
  bytes: number;
  /** True when parts were also decrypted and decompressed (not only checksummed). */
  decoded: boolean;
}

/**
 * Verifies backup `id`: its chain is complete and in order, and every part of every backup in
 * the chain is present with the right size and SHA-256 — and, when the backup is not encrypted
 * or an envelope is given, decrypts and decompresses.
 */
export async function verifyBackup(target: BackupTarget, id: string, envelope: Envelope | undefined, onPart?: (done: number, total: number) => void): Promise<VerifyResult> {
  const chain = await loadChain(target, id);
  const total = chain.reduce((n, m) => n + m.parts.length, 0);
  let done = 0;
  let bytes = 0;
  const decode = chain.every((m) => !m.encrypted || envelope !== undefined);
  for (const manifest of chain) {
    for (const entry of manifest.parts) {
      await fetchPart(target, manifest, entry, envelope, decode);
      bytes += entry.sizeBytes;
      onPart?.(++done, total);
    }
  }
  return { id, chain: chain.map((m) => m.id), parts: total, bytes, decoded: decode };
}

export interface RetentionPolicy {
  /** Keep backups younger than this many days (0: no age rule). */
  retentionDays: number;
  /** Keep at least the newest this many backups (0: no count rule). */
  retentionCount: number;
}

export interface PruneResult {
  kept: string[];
  deleted: string[];
}

/** Objects under an id with no manifest are an interrupted upload once they are this old. */
const ORPHAN_AGE_MS = 24 * 3600 * 1000;

/**
 * Deletes backups outside the retention policy. A backup is kept when it is younger than
 * `retentionDays` or among the newest `retentionCount`; every ancestor of a kept backup is
 * kept too, so no kept backup ever loses its chain. With both rules 0, nothing is deleted.
 * Manifests go first (a half-pruned backup is no longer listed), then parts.
 */
export async function pruneBackups(target: BackupTarget, policy: RetentionPolicy, now: Date = new Date()): Promise<PruneResult> {
  const listed = await listBackups(target);
  const manifests = listed.filter((l): l is { ok: true; manifest: BackupManifest } => l.ok).map((l) => l.manifest);
  if (policy.retentionDays === 0 && policy.retentionCount === 0) return { kept: manifests.map((m) => m.id), deleted: [] };
  const byId = new Map(manifests.map((m) => [m.id, m]));
  const keep = new Set<string>();
  const cutoff = now.getTime() - policy.retentionDays * 24 * 3600 * 1000;
  manifests.forEach((m, i) => {
    const young = policy.retentionDays > 0 && m.finishedAtMs >= cutoff;
    const recent = policy.retentionCount > 0 && i >= manifests.length - policy.retentionCount;
    if (young || recent) keep.add(m.id);
  });
  for (const id of [...keep]) {
    for (let parent = byId.get(id)?.parent ?? null; parent !== null && !keep.has(parent); parent = byId.get(parent)?.parent ?? null) keep.add(parent);
  }
  const keys = await target.list('');
  const deleted: string[] = [];
  for (const m of manifests) {
    if (keep.has(m.id)) continue;
    await target.delete([manifestKey(m.id)]);
    await target.delete(keys.filter((k) => k.startsWith(`${m.id}/`) && k !== manifestKey(m.id)));
    deleted.push(m.id);
  }
  // Leftovers of interrupted backups: objects under an id that has no manifest, older than a day.
  const withManifest = new Set(listed.map((l) => (l.ok ? l.manifest.id : l.id)));
  const orphans = keys.filter((k) => {
    const id = k.split('/')[0];
    const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z-/.exec(id);
    return !withManifest.has(id) && at !== null && Date.UTC(+at[1], +at[2] - 1, +at[3], +at[4], +at[5], +at[6]) < now.getTime() - ORPHAN_AGE_MS;
  });
  if (orphans.length > 0) await target.delete(orphans);
  return { kept: manifests.filter((m) => keep.has(m.id)).map((m) => m.id), deleted };
}
