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
import { join } from 'node:path';
import { RvError } from '../errors.js';
import { readChecksummedFile, writeChecksummedFile } from '../storage/index.js';
import type { CollectionConfig } from './collection-config.js';
import { CHECKPOINT_FILE, CHECKPOINT_KIND, POINTS_FILE, type Shard } from './shard.js';

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

/** Writes a snapshot of `shard` into `dir`; returns its description. */
export async function writeSnapshot(dir: string, collection: string, config: CollectionConfig, shard: Shard): Promise<SnapshotDescription> {
  await mkdir(dir, { recursive: true });
  const createdAt = new Date();
  const name = `${collection}-${createdAt.toISOString().replace(/[:.]/g, '-')}.snapshot`;
  const tempDb = join(dir, `.${name}.db.tmp`);
  try {
    await shard.backupTo(tempDb);
    const database = new Uint8Array(await readFile(tempDb));
    const index = shard.indexCheckpoint();
    const header: SnapshotHeader = { format: 1, collection, config, appliedSeq: shard.lastAppliedSeq, createdAt: createdAt.toISOString(), index: index.header };
    const path = join(dir, name);
    await writeChecksummedFile(path, { kind: SNAPSHOT_KIND, header, sections: [database, ...index.sections] });
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
export async function unpackSnapshot(file: string, shardDir: string): Promise<{ config: CollectionConfig; collection: string }> {
  const contents = await readChecksummedFile(file, SNAPSHOT_KIND, 'RV_SNAPSHOT_CORRUPTED');
  if (contents === undefined) throw new RvError('RV_SNAPSHOT_NOT_FOUND', `snapshot file ${file} does not exist`, { details: { file } });
  const header = contents.header as unknown as SnapshotHeader;
  if (header.format !== 1 || contents.sections.length < 1) throw new RvError('RV_SNAPSHOT_CORRUPTED', `snapshot ${file} has an unknown format`, { details: { file } });
  const [database, ...indexSections] = contents.sections;
  await mkdir(shardDir, { recursive: true });
  await writeFile(join(shardDir, POINTS_FILE), database);
  await writeChecksummedFile(join(shardDir, CHECKPOINT_FILE), { kind: CHECKPOINT_KIND, header: header.index, sections: indexSections });
  return { config: header.config, collection: header.collection };
}
