/**
 * The backup manifest: `<backup id>/manifest.json` at the target, plain JSON (readable without
 * keys, so `backup list` works anywhere), written after every part it lists. It names its
 * parent, so backups form chains: a full backup, then incrementals each holding the op-log
 * range since the previous one.
 *
 *   {
 *     format: 1, id, type: "full" | "incremental", parent: id | null, chain: <id of the full>,
 *     createdAt (RFC 3339), startedAtMs, finishedAtMs,
 *     compression: "gzip", encrypted: boolean,
 *     shards: [{ collection, shard, uid, fromSeq, toSeq, ops, firstOpAtMs, lastOpAtMs }],
 *     parts:  [{ name, kind, collection?, sizeBytes, plainBytes, sha256 }],
 *     totalBytes
 *   }
 *
 * Shard ranges: a full backup holds each shard as of `toSeq` (fromSeq = 0: from nothing); an
 * incremental holds ops `fromSeq..toSeq`, where fromSeq is the parent's toSeq + 1 for the same
 * shard uid, or 1 for a shard that is new since the parent. `firstOpAtMs`/`lastOpAtMs` are the
 * commit times of the first and last op held (a full backup's lastOpAtMs is the time of the
 * shard's state). An encrypted backup seals every part; the manifest carries no point data.
 */
import { RvError } from '../errors.js';

export const MANIFEST_FORMAT = 1;
export const MANIFEST_FILE = 'manifest.json';

export type BackupType = 'full' | 'incremental';
export const BACKUP_TYPES: readonly BackupType[] = ['full', 'incremental'];

export type PartKind = 'catalog' | 'config' | 'keys' | 'shard-db' | 'shard-index' | 'oplog';

export interface PartEntry {
  /** File name under `<id>/parts/`. */
  name: string;
  kind: PartKind;
  collection?: string;
  /** Bytes stored (compressed, sealed). */
  sizeBytes: number;
  /** Bytes before compression. */
  plainBytes: number;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
}

export interface ShardEntry {
  collection: string;
  shard: number;
  uid: string;
  fromSeq: number;
  toSeq: number;
  ops: number;
  firstOpAtMs: number | null;
  lastOpAtMs: number | null;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  type: BackupType;
  parent: string | null;
  chain: string;
  createdAt: string;
  startedAtMs: number;
  finishedAtMs: number;
  compression: 'gzip';
  encrypted: boolean;
  shards: ShardEntry[];
  parts: PartEntry[];
  totalBytes: number;
}

export function manifestKey(id: string): string {
  return `${id}/${MANIFEST_FILE}`;
}

export function partKey(id: string, part: string): string {
  return `${id}/parts/${part}`;
}

/** A new backup id: sortable by time, unique, safe as a key segment. */
export function newBackupId(type: BackupType, at: Date, random: string): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${type}-${random}`;
}

const ID_PATTERN = /^\d{8}T\d{6}(\d{3})?Z-(full|incremental)-[0-9a-f]{6,32}$/;

export function validateBackupId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new RvError('RV_BACKUP_INVALID', `backup id ${JSON.stringify(id)} is invalid (expected e.g. 20261203T185512123Z-full-a1b2c3d4)`, { details: { field: 'id' } });
  }
  return id;
}

function corrupted(id: string, why: string): RvError {
  return new RvError('RV_BACKUP_CORRUPTED', `manifest of backup ${id} (${manifestKey(id)}) is invalid: ${why}`, { details: { backup: id, part: MANIFEST_FILE } });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Parses and checks a manifest's bytes; everything a restore relies on is validated. */
export function parseManifest(id: string, bytes: Uint8Array): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw Object.assign(corrupted(id, 'not JSON'), { cause });
  }
  const m = value as BackupManifest;
  if (typeof m !== 'object' || m === null) throw corrupted(id, 'not an object');
  if (m.format !== MANIFEST_FORMAT) throw corrupted(id, `unknown format ${JSON.stringify(m.format)}`);
  if (m.id !== id) throw corrupted(id, `it names backup ${JSON.stringify(m.id)}`);
  if (!BACKUP_TYPES.includes(m.type)) throw corrupted(id, `unknown type ${JSON.stringify(m.type)}`);
  if (m.type === 'full' ? m.parent !== null || m.chain !== id : typeof m.parent !== 'string' || typeof m.chain !== 'string') throw corrupted(id, 'parent/chain do not match its type');
  if (!isInt(m.startedAtMs) || !isInt(m.finishedAtMs) || typeof m.createdAt !== 'string') throw corrupted(id, 'bad times');
  if (!Array.isArray(m.parts) || !Array.isArray(m.shards)) throw corrupted(id, 'parts and shards must be lists');
  const names = new Set<string>();
  for (const p of m.parts) {
    if (typeof p?.name !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(p.name) || names.has(p.name)) throw corrupted(id, `bad or duplicate part name ${JSON.stringify(p?.name)}`);
    names.add(p.name);
    if (!isInt(p.sizeBytes) || !isInt(p.plainBytes) || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) throw corrupted(id, `part ${p.name} has bad size or checksum fields`);
  }
  for (const s of m.shards) {
    if (typeof s?.collection !== 'string' || typeof s.uid !== 'string' || !isInt(s.fromSeq) || !isInt(s.toSeq) || !isInt(s.ops) || !isTime(s.firstOpAtMs) || !isTime(s.lastOpAtMs)) {
      throw corrupted(id, `shard entry ${JSON.stringify(s?.collection)} is malformed`);
    }
  }
  return m;
}

/**
 * Orders manifests oldest first: by start time, then end time, then a child after its parent
 * (ids alone tie within a millisecond).
 */
export function compareManifests(a: BackupManifest, b: BackupManifest): number {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs - b.startedAtMs;
  if (a.finishedAtMs !== b.finishedAtMs) return a.finishedAtMs - b.finishedAtMs;
  if (b.parent === a.id) return -1;
  if (a.parent === b.id) return 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A short view of a manifest for listings and the admin API. */
export function describeBackup(m: BackupManifest): Record<string, unknown> {
  return {
    id: m.id, type: m.type, parent: m.parent, chain: m.chain, created_at: m.createdAt,
    finished_at: new Date(m.finishedAtMs).toISOString(), encrypted: m.encrypted, size_bytes: m.totalBytes,
    parts: m.parts.length,
    shards: m.shards.map((s) => ({ collection: s.collection, from_seq: s.fromSeq, to_seq: s.toSeq, ops: s.ops,
      first_op_at: s.firstOpAtMs === null ? null : new Date(s.firstOpAtMs).toISOString(),
      last_op_at: s.lastOpAtMs === null ? null : new Date(s.lastOpAtMs).toISOString() })),
  };
}
