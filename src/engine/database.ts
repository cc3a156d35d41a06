/**
 * Database: the root of the engine. Owns the data directory:
 *
 *   <path>/catalog.json                 collections (name → config) and aliases, replaced atomically
 *   <path>/collections/<name>/          one directory per shard (points.db, index.ckpt)
 *   <path>/snapshots/<collection>/      collection snapshots
 *
 * @example
 *   const db = await Database.open({ path: './data' });
 *   await db.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } });
 *   await db.collection('docs').upsert({ points: [{ id: 1, vector: [0.1, 0.2, 0.3, 0.4], payload: { lang: 'en' } }] });
 *   const hits = db.collection('docs').search({ vector: [0.1, 0.2, 0.3, 0.4], limit: 3 });
 *   await db.close();
 */
import { mkdir, rm, rename, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RvError } from '../errors.js';
import { DataDirLock, readFileIfExists, writeFileAtomic, type BlobCodec, type Durability } from '../storage/index.js';
import { applyCollectionUpdate, parseCreateCollection, type CollectionConfig } from './collection-config.js';
import { Collection } from './collection.js';
import { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
import { Shard, type EngineLogger } from './shard.js';
import { checkEncryptionMarker } from './encryption-marker.js';
import type { CollectionSealing } from './sealing.js';
import { isObject } from './input.js';
import { listSnapshots, unpackSnapshot, validateSnapshotName, writeSnapshot, type SnapshotDescription } from './snapshots.js';
import { parseQuantizationConfig } from '../core/quantization/index.js';
import { SPAN, inSpan } from '../observability/index.js';

export interface DatabaseOptions {
  path: string;
  durability?: Durability;
  limits?: Partial<EngineLimits>;
  logger?: EngineLogger;
  /** Seals every stored blob (the security layer supplies AES-256-GCM). */
  codec?: BlobCodec;
  /**
   * Encryption at rest (security/crypto's Keyring): each collection's rows, index checkpoints
   * and snapshots are sealed with its own derived key. Takes precedence over `codec`.
   */
  sealing?: CollectionSealing;
  /** Tuning for tests: milliseconds of graph linking per event-loop turn. */
  indexSliceMs?: number;
  /** Index checkpoint every this many operations per shard (default 20,000). */
  checkpointEveryOps?: number;
  /** Op-log records kept behind the latest checkpoint per shard (default 100,000). */
  oplogRetainOps?: number;
  /** Backups are configured: keep op-log records no backup holds yet (see ShardOptions.retainOpsForBackup). */
  retainOpsForBackup?: boolean;
}

interface Catalog {
  version: 1;
  collections: Record<string, CollectionConfig>;
  aliases: Record<string, string>;
}

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class Database {
  readonly path: string;
  readonly limits: EngineLimits;
  private readonly options: DatabaseOptions;
  private catalog: Catalog;
  private readonly collections = new Map<string, Collection>();
  private readonly log: EngineLogger;
  private closed = false;
  /** Serialises catalog changes (create/delete/alias) so two never interleave. */
  private catalogLock: Promise<unknown> = Promise.resolve();

  private constructor(options: DatabaseOptions, catalog: Catalog, private readonly dirLock: DataDirLock) {
    this.path = options.path;
    this.options = options;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.catalog = catalog;
    this.log = options.logger ?? (() => undefined);
  }

  static async open(options: DatabaseOptions): Promise<Database> {
    await mkdir(join(options.path, 'collections'), { recursive: true });
    // One process per data directory (storage/data-dir-lock.ts): RV_DATA_DIR_LOCKED otherwise.
    const dirLock = DataDirLock.acquire(options.path);
    let db: Database | undefined;
    try {
      const text = await readFileIfExists(join(options.path, 'catalog.json'));
      let catalog: Catalog = { version: 1, collections: {}, aliases: {} };
      if (text !== undefined) {
        try {
          catalog = JSON.parse(text) as Catalog;
        } catch (cause) {
          throw new RvError('RV_STORAGE_CORRUPTED', `${join(options.path, 'catalog.json')} is not valid JSON`, { cause });
        }
      }
      await checkEncryptionMarker(options.path, options.sealing);
      db = new Database(options, catalog, dirLock);
      for (const [name, config] of Object.entries(catalog.collections)) {
        db.collections.set(name, await db.openCollection(name, config));
      }
    } catch (error) {
      // e.g. a wrong master key: release the shards opened so far, and the lock, before reporting it.
      for (const collection of db?.collections.values() ?? []) await collection.shard.close({ checkpoint: false }).catch(() => undefined);
      dirLock.release();
      throw error;
    }
    return db;
  }

  private collectionDir(name: string): string {
    return join(this.path, 'collections', name);
  }

  private async openCollection(name: string, config: CollectionConfig): Promise<Collection> {
    const dir = this.collectionDir(name);
    await mkdir(dir, { recursive: true });
    const shard = await Shard.open({
      dir, config, durability: this.options.durability, codec: this.options.sealing?.codecFor(name) ?? this.options.codec,
      envelope: this.options.sealing?.envelopeFor(name),
      logger: (level, message, fields) => this.log(level, message, { collection: name, ...fields }),
      indexSliceMs: this.options.indexSliceMs,
      checkpointEveryOps: this.options.checkpointEveryOps,
      oplogRetainOps: this.options.oplogRetainOps,
      retainOpsForBackup: this.options.retainOpsForBackup,
    });
    return new Collection(name, config, shard, this.limits);
  }

  private async saveCatalog(catalog: Catalog): Promise<void> {
    await writeFileAtomic(join(this.path, 'catalog.json'), JSON.stringify(catalog, null, 2));
    this.catalog = catalog;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.catalogLock.then(fn, fn);
    this.catalogLock = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new RvError('RV_DATABASE_CLOSED', 'the database is closed');
  }

  validateName(name: unknown, what = 'collection name'): string {
    if (typeof name !== 'string' || name.length === 0 || name.length > this.limits.maxCollectionNameLength || !NAME_PATTERN.test(name)) {
      throw new RvError('RV_COLLECTION_NAME', `${what} ${JSON.stringify(name)} is invalid: 1 to ${this.limits.maxCollectionNameLength} characters of A-Z a-z 0-9 _ . - , not starting with . or -`, { details: { field: 'collection_name' } });
    }
    return name;
  }

  listCollections(): string[] {
    return [...this.collections.keys()].sort();
  }

  /** Resolves an alias or a name to the collection. */
  collection(nameOrAlias: string): Collection {
    this.assertOpen();
    const name = this.catalog.aliases[nameOrAlias] ?? nameOrAlias;
    const collection = this.collections.get(name);
    if (collection === undefined) throw new RvError('RV_COLLECTION_NOT_FOUND', `Not found: Collection \`${nameOrAlias}\` doesn't exist!`, { details: { collection: nameOrAlias } });
    return collection;
  }

  hasCollection(nameOrAlias: string): boolean {
    return this.collections.has(this.catalog.aliases[nameOrAlias] ?? nameOrAlias);
  }

  async createCollection(nameInput: unknown, body: unknown): Promise<Collection> {
    this.assertOpen();
    const name = this.validateName(nameInput);
    const config = parseCreateCollection(body, this.limits);
    // Validate the quantization config now, not when the background builder first runs.
    if (config.quantization_config !== null) parseQuantizationConfig(config.quantization_config);
    return this.exclusive(async () => {
      if (this.collections.has(name) || name in this.catalog.aliases) {
        throw new RvError('RV_COLLECTION_EXISTS', `Wrong input: Collection \`${name}\` already exists!`, { details: { collection: name } });
      }
      await rm(this.collectionDir(name), { recursive: true, force: true });
      const collection = await this.openCollection(name, config);
      try {
        await this.saveCatalog({ ...this.catalog, collections: { ...this.catalog.collections, [name]: config } });
      } catch (error) {
        await collection.shard.close({ checkpoint: false });
        throw error;
      }
      this.collections.set(name, collection);
      this.log('info', 'collection created', { collection: name });
      return collection;
    });
  }

  async updateCollection(nameInput: string, body: unknown): Promise<void> {
    this.assertOpen();
    return this.exclusive(async () => {
      const collection = this.collection(nameInput);
      const config = applyCollectionUpdate(collection.config, body);
      await this.saveCatalog({ ...this.catalog, collections: { ...this.catalog.collections, [collection.name]: config } });
      collection.setConfig(config);
    });
  }

  /**
   * Replaces a collection's config with one already built by applyCollectionUpdate (a cluster
   * replica following its collection's updates): one catalog write whatever the update count.
   */
  async setCollectionConfig(nameInput: string, config: CollectionConfig): Promise<void> {
    this.assertOpen();
    return this.exclusive(async () => {
      const collection = this.collection(nameInput);
      await this.saveCatalog({ ...this.catalog, collections: { ...this.catalog.collections, [collection.name]: config } });
      collection.setConfig(config);
    });
  }

  /** Deletes a collection and its aliases; false when it did not exist. */
  async deleteCollection(nameInput: string): Promise<boolean> {
    this.assertOpen();
    return this.exclusive(async () => {
      const collection = this.collections.get(nameInput);
      if (collection === undefined) return false;
      const aliases = Object.fromEntries(Object.entries(this.catalog.aliases).filter(([, target]) => target !== nameInput));
      const { [nameInput]: _removed, ...collections } = this.catalog.collections;
      await this.saveCatalog({ ...this.catalog, collections, aliases });
      this.collections.delete(nameInput);
      await collection.shard.close({ checkpoint: false });
      const trash = join(this.path, 'collections', `.deleted-${nameInput}-${Date.now()}`);
      await rename(this.collectionDir(nameInput), trash);
      await rm(trash, { recursive: true, force: true });
      this.log('info', 'collection deleted', { collection: nameInput });
      return true;
    });
  }

  /**
   * Qdrant's alias actions, applied atomically (all or none):
   * `[{create_alias: {collection_name, alias_name}}, {delete_alias: {alias_name}}, {rename_alias: {old_alias_name, new_alias_name}}]`.
   */
  async updateAliases(actions: unknown): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(actions)) throw new RvError('RV_INVALID_ARGUMENT', 'actions must be a list of alias operations', { details: { field: 'actions' } });
    return this.exclusive(async () => {
      const aliases = { ...this.catalog.aliases };
      actions.forEach((action: unknown, i: number) => {
        if (!isObject(action) || Object.keys(action).length !== 1) throw new RvError('RV_INVALID_ARGUMENT', `actions[${i}] must have one key: create_alias, delete_alias or rename_alias`, { details: { field: `actions[${i}]` } });
        const [kind, value] = Object.entries(action)[0];
        const v = isObject(value) ? value : {};
        if (kind === 'create_alias') {
          const alias = this.validateName(v.alias_name, 'alias name');
          const target = String(v.collection_name);
          if (!this.collections.has(target)) throw new RvError('RV_COLLECTION_NOT_FOUND', `Not found: Collection \`${target}\` doesn't exist!`, { details: { collection: target } });
          if (this.collections.has(alias)) throw new RvError('RV_ALIAS_EXISTS', `alias ${alias}: a collection has that name`, { details: { alias } });
          aliases[alias] = target;
        } else if (kind === 'delete_alias') {
          const alias = String(v.alias_name);
          if (!(alias in aliases)) throw new RvError('RV_ALIAS_NOT_FOUND', `Not found: Alias \`${alias}\` doesn't exist!`, { details: { alias } });
          delete aliases[alias];
        } else if (kind === 'rename_alias') {
          const from = String(v.old_alias_name);
          const to = this.validateName(v.new_alias_name, 'alias name');
          if (!(from in aliases)) throw new RvError('RV_ALIAS_NOT_FOUND', `Not found: Alias \`${from}\` doesn't exist!`, { details: { alias: from } });
          if (this.collections.has(to)) throw new RvError('RV_ALIAS_EXISTS', `alias ${to}: a collection has that name`, { details: { alias: to } });
          aliases[to] = aliases[from];
          delete aliases[from];
        } else {
          throw new RvError('RV_INVALID_ARGUMENT', `actions[${i}]: unknown alias action "${kind}"`, { details: { field: `actions[${i}]` } });
        }
      });
      await this.saveCatalog({ ...this.catalog, aliases });
    });
  }

  listAliases(collection?: string): { alias_name: string; collection_name: string }[] {
    return Object.entries(this.catalog.aliases)
      .filter(([, target]) => collection === undefined || target === collection)
      .map(([alias_name, collection_name]) => ({ alias_name, collection_name }))
      .sort((a, b) => a.alias_name.localeCompare(b.alias_name));
  }

  private snapshotDir(collection: string): string {
    return join(this.path, 'snapshots', collection);
  }

  /** Writes a snapshot of a collection (config, points, index) under <path>/snapshots/<collection>/. */
  async createSnapshot(nameOrAlias: string): Promise<SnapshotDescription> {
    this.assertOpen();
    const collection = this.collection(nameOrAlias);
    const description = await inSpan(SPAN.snapshot, { 'ruvector.collection': collection.name }, async (span) => {
      const written = await writeSnapshot(this.snapshotDir(collection.name), collection.name, collection.config, collection.shard, this.options.sealing?.envelopeFor(collection.name));
      span.setAttribute('ruvector.snapshot.bytes', written.size);
      return written;
    });
    this.log('info', 'snapshot created', { collection: collection.name, snapshot: description.name, bytes: description.size });
    return description;
  }

  async listSnapshots(nameOrAlias: string): Promise<SnapshotDescription[]> {
    return listSnapshots(this.snapshotDir(this.collection(nameOrAlias).name));
  }

  /** The file of a snapshot (for download); RV_SNAPSHOT_NOT_FOUND when absent. */
  async snapshotFilePath(nameOrAlias: string, snapshot: string): Promise<string> {
    const path = join(this.snapshotDir(this.collection(nameOrAlias).name), validateSnapshotName(snapshot));
    try {
      await stat(path);
    } catch {
      throw new RvError('RV_SNAPSHOT_NOT_FOUND', `Not found: Snapshot ${snapshot} not found`, { details: { snapshot } });
    }
    return path;
  }

  async deleteSnapshot(nameOrAlias: string, snapshot: string): Promise<boolean> {
    const path = join(this.snapshotDir(this.collection(nameOrAlias).name), validateSnapshotName(snapshot));
    try {
      await stat(path);
    } catch {
      return false;
    }
    await rm(path, { force: true });
    await rm(`${path}.sha256`, { force: true });
    return true;
  }

  /**
   * Restores a snapshot file into collection `nameInput`, new or existing (an existing one is
   * replaced only after the file has been verified and unpacked).
   */
  async recoverSnapshot(nameInput: string, file: string): Promise<void> {
    this.assertOpen();
    const name = this.validateName(nameInput);
    await inSpan(SPAN.snapshotRecover, { 'ruvector.collection': name }, () => this.exclusive(async () => {
      const staging = join(this.path, 'collections', `.restore-${name}-${Date.now()}`);
      let config: CollectionConfig;
      try {
        ({ config } = await unpackSnapshot(file, staging, this.options.sealing, name));
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        throw error;
      }
      const existing = this.collections.get(name);
      if (existing !== undefined) {
        this.collections.delete(name);
        await existing.shard.close({ checkpoint: false });
        await rm(this.collectionDir(name), { recursive: true, force: true });
      }
      await rename(staging, this.collectionDir(name));
      const collection = await this.openCollection(name, config);
      await this.saveCatalog({ ...this.catalog, collections: { ...this.catalog.collections, [name]: config } });
      this.collections.set(name, collection);
      this.log('info', 'snapshot recovered', { collection: name, file });
    }));
  }

  /** Bytes on disk under the data directory's collections. */
  async diskBytes(): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else total += (await stat(path)).size;
      }
    };
    await walk(join(this.path, 'collections'));
    return total;
  }

  /** Closes every collection (final checkpoints); the database is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.catalogLock;
    this.closed = true;
    try {
      for (const collection of this.collections.values()) await collection.shard.close();
    } finally {
      this.collections.clear();
      this.dirLock.release();
    }
  }
}
