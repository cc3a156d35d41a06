/**
 * Collection snapshots: one checksummed file (storage/checksummed-file.ts) holding
 *
 *   header    { format: 1, collection, config, appliedSeq, createdAt, index: <checkpoint header> }
 *   section 0 the shard's SQLite database (online backup: points, op log, meta)
 *   section 1…the index checkpoint's sections
 *
 * so a restore needs no graph rebuild. A SHA-256 of the whole file is kept beside it
 * (`<name>.sha256`) for listings; the container's own trailing checksum is what restores verify.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RvError } from '../errors.js';
import { readChecksummedFile, writeChecksummedFile } from '../storage/index.js';
import type { CollectionConfig } from './collection-config.js';
import { CHECKPOINT_FILE, CHECKPOINT_KIND, POINTS_FILE, type Shard } from './shard.js';
import type { Envelope } from '../security/crypto/index.js';
import { ShardStore } from '../storage/index.js';
import { openSections, sealCheckpoint, sealSections, type CheckpointHeader, type CollectionSealing } from './sealing.js';

export const SNAPSHOT_KIND = 'ruvector-snapshot';
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.snapshot$/;

export interface SnapshotDescription {
  name: string;
  creation_time: string;
  size: number;
  checksum: string;
}

interface SnapshotHeader {
  format: 1;
  collection: string;
  config: CollectionConfig;
  appliedSeq: number;
  createdAt: string;
  index: { seq: number; index: unknown };
  /** True when every section is sealed (encryption at rest), bound to `snapshotContext(header)`. */
  sealed?: boolean;
}

/** The associated-data context of a snapshot's sections: which collection, which snapshot. */
function snapshotContext(header: SnapshotHeader): string {
  return `snapshot/${header.collection}/${header.createdAt}`;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function validateSnapshotName(name: string): string {
  if (!NAME_PATTERN.test(name) || name.includes('..') || name.length > 255) {
    throw new RvError('RV_SNAPSHOT_INVALID', `snapshot name ${JSON.stringify(name)} is invalid`, { details: { field: 'snapshot_name' } });
  }
  return name;
}

/** Writes a snapshot of `shard` into `dir` (every section sealed when `envelope` is given); returns its description. */
export async function writeSnapshot(dir: string, collection: string, config: CollectionConfig, shard: Shard, envelope?: Envelope): Promise<SnapshotDescription> {
  await mkdir(dir, { recursive: true });
  const createdAt = new Date();
  const name = `${collection}-${createdAt.toISOString().replace(/[:.]/g, '-')}.snapshot`;
  const tempDb = join(dir, `.${name}.db.tmp`);
  try {
    await shard.backupTo(tempDb);
    const database = new Uint8Array(await readFile(tempDb));
    const index = shard.indexCheckpoint();
    const header: SnapshotHeader = { format: 1, collection, config, appliedSeq: shard.lastAppliedSeq, createdAt: createdAt.toISOString(), index: index.header };
    if (envelope !== undefined) header.sealed = true;
    const path = join(dir, name);
    const sections = [database, ...index.sections];
    await writeChecksummedFile(path, { kind: SNAPSHOT_KIND, header, sections: envelope === undefined ? sections : sealSections(envelope, sections, snapshotContext(header)) });
    const checksum = await sha256File(path);
    await writeFile(`${path}.sha256`, checksum);
    return { name, creation_time: header.createdAt, size: (await stat(path)).size, checksum };
  } finally {
    await rm(tempDb, { force: true });
  }
}

export async function listSnapshots(dir: string): Promise<SnapshotDescription[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => NAME_PATTERN.test(n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: SnapshotDescription[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    const info = await stat(path);
    let checksum: string;
    try {
      checksum = (await readFile(`${path}.sha256`, 'utf8')).trim();
    } catch {
      checksum = await sha256File(path);
    }
    out.push({ name, creation_time: info.mtime.toISOString(), size: info.size, checksum });
  }
  return out;
}

/**
 * Unpacks a snapshot file into a shard directory (which must be empty or absent): the
 * SQLite database and the index checkpoint. Returns the collection config it carries.
 * A truncated or altered file fails with RV_SNAPSHOT_CORRUPTED before anything is written.
 */
export async function unpackSnapshot(file: string, shardDir: string, sealing?: CollectionSealing, targetCollection?: string): Promise<{ config: CollectionConfig; collection: string }> {
  const contents = await readChecksummedFile(file, SNAPSHOT_KIND, 'RV_SNAPSHOT_CORRUPTED');
  if (contents === undefined) throw new RvError('RV_SNAPSHOT_NOT_FOUND', `snapshot file ${file} does not exist`, { details: { file } });
  const header = contents.header as unknown as SnapshotHeader;
  if (header.format !== 1 || contents.sections.length < 1) throw new RvError('RV_SNAPSHOT_CORRUPTED', `snapshot ${file} has an unknown format`, { details: { file } });
  if ((header.sealed === true) !== (sealing !== undefined)) {
    throw new RvError('RV_ENCRYPTION_MISMATCH', header.sealed === true
      ? `snapshot ${file} is encrypted but [storage] encryption is off: restore it on a node with encryption on and its master key`
      : `snapshot ${file} is not encrypted but [storage] encryption is on: restore it with encryption off, then copy the points over`,
    { details: { file } });
  }
  const plain = sealing === undefined ? contents.sections : openSections(sealing.envelopeFor(header.collection), contents.sections, snapshotContext(header));
  const [database, ...indexSections] = plain;
  const target = targetCollection ?? header.collection;
  await mkdir(shardDir, { recursive: true });
  await writeFile(join(shardDir, POINTS_FILE), database);
  // Rows are sealed with the collection's own key: restoring under another name re-seals them.
  if (sealing !== undefined && target !== header.collection) await resealStoreFile(join(shardDir, POINTS_FILE), sealing, header.collection, target);
  const checkpoint = sealCheckpoint(sealing?.envelopeFor(target), header.index as CheckpointHeader, indexSections);
  await writeChecksummedFile(join(shardDir, CHECKPOINT_FILE), { kind: CHECKPOINT_KIND, ...checkpoint });
  return { config: header.config, collection: header.collection };
}

/**
 * Re-seals the rows of a (closed) shard store file from one collection's key to another's;
 * with `from === to`, only rows not under the current master key. Returns the rows rewritten.
 */
async function resealStoreFile(path: string, sealing: CollectionSealing, from: string, to: string): Promise<number> {
  const source = sealing.codecFor(from);
  const target = sealing.codecFor(to);
  const store = ShardStore.open({ path });
  let rewritten = 0;
  try {
    for (const table of ['points', 'ops'] as const) {
      let cursor = -1;
      for (;;) {
        const step = store.resealBlobs(table, cursor, 1000, (kind, rowId, stored) =>
          (from === to && sealing.isCurrent(stored) ? undefined : target.seal(kind, rowId, source.open(kind, rowId, stored))));
        rewritten += step.rewritten;
        if (step.done) break;
        cursor = step.lastKey;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    store.close();
  }
  return rewritten;
}

/**
 * Re-seals a snapshot file under the current master key (key rotation). Returns false when
 * there was nothing to do (not sealed, or already under the current key).
 */
export async function resealSnapshotFile(path: string, sealing: CollectionSealing): Promise<boolean> {
  const contents = await readChecksummedFile(path, SNAPSHOT_KIND, 'RV_SNAPSHOT_CORRUPTED');
  if (contents === undefined) return false;
  const header = contents.header as unknown as SnapshotHeader;
  if (header.sealed !== true) return false;
  const envelope = sealing.envelopeFor(header.collection);
  const context = snapshotContext(header);
  const [database, ...indexSections] = openSections(envelope, contents.sections, context);
  // The embedded shard database has row-sealed blobs of its own (a snapshot taken during a
  // rotation may hold rows under both keys): re-seal them in a scratch copy.
  const scratch = join(dirname(path), `.${basename(path)}.reseal.db.tmp`);
  let rows: number;
  let resealedDatabase: Uint8Array;
  try {
    await writeFile(scratch, database);
    rows = await resealStoreFile(scratch, sealing, header.collection, header.collection);
    resealedDatabase = new Uint8Array(await readFile(scratch));
  } finally {
    for (const suffix of ['', '-wal', '-shm']) await rm(`${scratch}${suffix}`, { force: true });
  }
  if (rows === 0 && contents.sections.every((section) => sealing.isCurrent(section))) return false;
  const sections = sealSections(envelope, [rows === 0 ? database : resealedDatabase, ...indexSections], context);
  await writeChecksummedFile(path, { kind: SNAPSHOT_KIND, header, sections });
  await writeFile(`${path}.sha256`, await sha256File(path));
  return true;
}
