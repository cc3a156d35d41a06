/**
 * ShardStore: one SQLite database file per shard holding the shard's points, its op log and
 * a small key/value meta table. Bytes only: vectors, payloads and ops are opaque blobs that
 * pass through a BlobCodec (sealing, when encryption is on); the engine encodes them.
 *
 * Durability (WAL journal mode in both cases):
 * - `'normal'` (`synchronous=NORMAL`): a commit is appended to the WAL with write(2) before
 *   `transaction()` returns, but fsynced only at checkpoints. A killed process (SIGKILL, OOM,
 *   crash) loses no committed transaction: the bytes are in the OS page cache. A power loss or
 *   kernel panic may lose the last commits (never corrupts the file).
 * - `'fsync'` (`synchronous=FULL`): the WAL is also fsynced at every commit, so commits
 *   survive power loss, at the price of one fsync per transaction (batch writes to amortise).
 *
 * Invariants:
 * - Op sequences are positive and strictly increasing; `lastOpSeq()` never goes back, even when
 *   truncation empties the log (the truncation point is kept in meta).
 * - Everything done inside one `transaction()` commits or rolls back together, which is what
 *   lets the engine store "op appended + state applied + applied seq" atomically.
 *
 * The API is synchronous (better-sqlite3): callers keep transactions short, or run the store
 * in a worker thread when fsync-heavy commits would stall the event loop.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { RvError } from '../errors.js';
import { IDENTITY_CODEC, type BlobCodec, type BlobKind } from './blob-codec.js';
import { fsyncFile, replaceFileDurably, tempPathFor } from './durable-fs.js';
import { isSystemError, toStorageError } from './storage-errors.js';
import { throwIfFaultInjected } from './fault-injection.js';

/** `'normal'` survives a killed process, `'fsync'` survives power loss (see the module comment). */
export type Durability = 'normal' | 'fsync';

export interface ShardStoreOptions {
  /** Path of the database file; its directory must exist. SQLite adds `-wal` and `-shm` beside it. */
  path: string;
  /** Default `'normal'`. */
  durability?: Durability;
  /** Applied to every vector, payload and op blob. Default: `IDENTITY_CODEC`. */
  codec?: BlobCodec;
}

/** One row of the point store, as the engine hands it over: ids, a version and two blobs. */
export interface StoredPoint {
  /** Dense per-shard integer (≥ 0), the index's key. */
  internalId: number;
  /** The user's point id, encoded by the engine; unique within the shard. */
  pointKey: string;
  /** The op sequence that last wrote the point. */
  version: number;
  vector: Uint8Array;
  payload: Uint8Array | null;
}

/** Returns the blob to store instead of `stored`, or undefined to keep it (see `ShardStore.resealBlobs`). */
export type BlobResealer = (kind: BlobKind, rowId: string, stored: Uint8Array) => Uint8Array | undefined;

/** What one `resealBlobs` call did; `lastKey` is the cursor for the next call. */
export interface ResealStep {
  lastKey: number;
  scanned: number;
  rewritten: number;
  done: boolean;
}

/** One op log record. */
export interface StoredOp {
  seq: number;
  record: Uint8Array;
}

export interface IteratePointsOptions {
  /** Start after this internal id (exclusive). Default: from the first point. */
  afterInternalId?: number;
  /** Stop after this many points. Default: no limit. */
  limit?: number;
}

/** Bumped when the tables change; an older file is migrated on open, a newer one refused. */
const SCHEMA_VERSION = 1;
/** Stored in the SQLite header (`PRAGMA application_id`) to recognise a shard store: "RVSH". */
const APPLICATION_ID = 0x52565348;

const META_SCHEMA_VERSION = 'schema_version';
const META_APPLIED_SEQ = 'applied_seq';
/** Highest sequence ever truncated away: `lastOpSeq()` never drops below it. */
const META_OPLOG_TRUNCATED_THROUGH = 'oplog_truncated_through';
/** Meta keys only the store itself writes (`applied_seq` goes through `setAppliedSeq`). */
const RESERVED_META_KEYS: ReadonlySet<string> = new Set([META_SCHEMA_VERSION, META_APPLIED_SEQ, META_OPLOG_TRUNCATED_THROUGH]);

/**
 * Iterators read in pages rather than holding a SQLite cursor open: better-sqlite3 refuses
 * every other statement on a connection while one of its iterators is open, and callers
 * (replay, rebuild) write between steps. Iteration ends on an empty page, so rows appended
 * after the cursor meanwhile are seen (a replay loop runs until it has caught up). Ops can be
 * large batches, hence the smaller page.
 */
const OPS_PAGE_ROWS = 64;
const POINTS_PAGE_ROWS = 256;

/**
 * After a checkpoint, SQLite truncates the WAL back to this size, so one big transaction
 * does not leave a large WAL on disk for ever.
 */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

// STRICT: a non-integer id or a string where a blob belongs is refused at write time instead
// of being stored with another type and found out at read time.
const SCHEMA_SQL = `
  CREATE TABLE points (
    internal_id INTEGER PRIMARY KEY,
    point_key TEXT UNIQUE NOT NULL,
    version INTEGER NOT NULL,
    vector BLOB NOT NULL,
    payload BLOB
  ) STRICT;
  CREATE TABLE oplog (
    seq INTEGER PRIMARY KEY,
    op BLOB NOT NULL
  ) STRICT;
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BLOB
  ) STRICT;
`;

interface PointRow {
  internal_id: number;
  point_key: string;
  version: number;
  vector: Uint8Array;
  payload: Uint8Array | null;
}

interface OpRow {
  seq: number;
  op: Uint8Array;
}

type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** Every statement the store runs, prepared once per connection. */
interface Statements {
  insertOp: Statement<[number, Uint8Array]>;
  maxOpSeq: Statement<[], number | null>;
  minOpSeq: Statement<[], number | null>;
  opsAfter: Statement<[number, number], OpRow>;
  deleteOpsThrough: Statement<[number]>;
  upsertPoint: Statement<[number, string, number, Uint8Array, Uint8Array | null]>;
  deletePoint: Statement<[number]>;
  getPoint: Statement<[number], PointRow>;
  getPointByKey: Statement<[string], PointRow>;
  pointsAfter: Statement<[number, number], PointRow>;
  countPoints: Statement<[], number>;
  maxInternalId: Statement<[], number | null>;
  getMeta: Statement<[string], Uint8Array | null>;
  setMeta: Statement<[string, Uint8Array]>;
  deleteMeta: Statement<[string]>;
}

const POINT_COLUMNS = 'internal_id, point_key, version, vector, payload';

function prepareStatements(db: Database.Database): Statements {
  return {
    insertOp: db.prepare('INSERT INTO oplog (seq, op) VALUES (?, ?)'),
    maxOpSeq: db.prepare<[], number | null>('SELECT max(seq) FROM oplog').pluck(),
    minOpSeq: db.prepare<[], number | null>('SELECT min(seq) FROM oplog').pluck(),
    opsAfter: db.prepare('SELECT seq, op FROM oplog WHERE seq > ? ORDER BY seq LIMIT ?'),
    deleteOpsThrough: db.prepare('DELETE FROM oplog WHERE seq <= ?'),
    upsertPoint: db.prepare(`INSERT INTO points (${POINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (internal_id) DO UPDATE SET
        point_key = excluded.point_key, version = excluded.version,
        vector = excluded.vector, payload = excluded.payload`),
    deletePoint: db.prepare('DELETE FROM points WHERE internal_id = ?'),
    getPoint: db.prepare(`SELECT ${POINT_COLUMNS} FROM points WHERE internal_id = ?`),
    getPointByKey: db.prepare(`SELECT ${POINT_COLUMNS} FROM points WHERE point_key = ?`),
    pointsAfter: db.prepare(`SELECT ${POINT_COLUMNS} FROM points WHERE internal_id > ? ORDER BY internal_id LIMIT ?`),
    countPoints: db.prepare<[], number>('SELECT count(*) FROM points').pluck(),
    maxInternalId: db.prepare<[], number | null>('SELECT max(internal_id) FROM points').pluck(),
    getMeta: db.prepare<[string], Uint8Array | null>('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * better-sqlite3 returns each blob as a Buffer that owns its ArrayBuffer (offset 0, so
 * `new Float32Array(bytes.buffer)` is aligned). Re-viewing it as a plain Uint8Array costs no
 * copy and keeps Node's Buffer type out of the storage API.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function requireInteger(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RvError('RV_INVALID_ARGUMENT', `${name} must be an integer from ${min} to 2^53-1, got ${String(value)}`,
      { details: { field: name, value } });
  }
}

function requireBytes(value: unknown, name: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new RvError('RV_INVALID_ARGUMENT', `${name} must be a Uint8Array`, { details: { field: name } });
  }
}

/**
 * A shard's durable state in one SQLite file. Not safe to open the same file twice (in one
 * process or two): the shard owns it.
 *
 * @example
 *   const store = ShardStore.open({ path: join(dir, 'shard-0.db'), durability: 'fsync' });
 *   const [seq] = store.transaction(() => {
 *     const seqs = store.appendOps([encodedOp]);
 *     store.putPoint({ internalId: 0, pointKey: 'u:42', version: seqs[0], vector, payload: null });
 *     store.setAppliedSeq(seqs[0]);
 *     return seqs;
 *   });
 *   for (const { seq, record } of store.iterateOps(store.getAppliedSeq())) replay(seq, record);
 *   store.close();
 */
export class ShardStore {
  readonly path: string;
  readonly durability: Durability;
  private readonly codec: BlobCodec;
  private readonly statements: Statements;
  /** One wrapper for all transactions; better-sqlite3 turns nested calls into savepoints. */
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;
  private database: Database.Database | undefined;

  private constructor(db: Database.Database, path: string, durability: Durability, codec: BlobCodec) {
    this.database = db;
    this.path = path;
    this.durability = durability;
    this.codec = codec;
    this.statements = prepareStatements(db);
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Opens (creating if absent) the shard store at `options.path`.
   * @throws RV_STORAGE_CORRUPTED when the file is not a shard store, is corrupt, or has a newer
   *   schema; RV_STORAGE_IO when it cannot be opened (missing directory, permissions, disk full).
   * @example
   *   const store = ShardStore.open({ path: '/var/lib/ruvector/docs/shard-0.db' });
   */
  static open(options: ShardStoreOptions): ShardStore {
    const { path, durability = 'normal', codec = IDENTITY_CODEC } = options;
    if (typeof path !== 'string' || path === '') {
      throw new RvError('RV_INVALID_ARGUMENT', 'shard store path must be a non-empty string', { details: { field: 'path' } });
    }
    if (durability !== 'normal' && durability !== 'fsync') {
      throw new RvError('RV_INVALID_ARGUMENT', `durability must be "normal" or "fsync", got ${JSON.stringify(durability)}`,
        { details: { field: 'durability' } });
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      const journalMode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (journalMode !== 'wal') {
        throw new RvError('RV_STORAGE_IO', `cannot open shard store "${path}": the file system does not support SQLite's WAL mode (got journal_mode=${String(journalMode)})`,
          { details: { path } });
      }
      db.pragma(`synchronous = ${durability === 'fsync' ? 'FULL' : 'NORMAL'}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      initialiseSchema(db, path);
      return new ShardStore(db, path, durability, codec);
    } catch (error) {
      db?.close();
      throw asIoError(error, 'open shard store', path);
    }
  }

  /** True once `close()` has been called; every other method then throws RV_DATABASE_CLOSED. */
  get closed(): boolean {
    return this.database === undefined;
  }

  /** Closes the database (checkpointing the WAL into the main file). Idempotent. */
  close(): void {
    const db = this.database;
    if (db === undefined) return;
    try {
      db.close();
    } catch (error) {
      throw toStorageError(error, { action: 'close shard store', path: this.path });
    }
    this.database = undefined;
  }

  /**
   * Runs `fn` in a transaction: everything it writes through this store commits atomically
   * when it returns, and rolls back when it throws (the error is rethrown). Nested calls
   * become savepoints: an inner failure that the outer `fn` catches rolls back only the inner
   * part. `fn` must be synchronous (a returned promise is refused).
   * @example
   *   store.transaction(() => { store.appendOps([op]); store.setAppliedSeq(store.lastOpSeq()); });
   */
  transaction<T>(fn: () => T): T {
    return this.guard('commit transaction', () => this.runInTransaction(fn) as T);
  }

  // ---- op log -------------------------------------------------------------------------

  /**
   * Appends records at `lastOpSeq() + 1, + 2, …` (atomically, all or none) and returns their
   * sequences.
   * @example
   *   const [seq] = store.appendOps([encodeOp(op)]);
   */
  appendOps(records: readonly Uint8Array[]): number[] {
    return this.guard('append ops', () => this.runInTransaction(() => {
      let seq = this.lastOpSeqUnchecked();
      return records.map((record) => {
        seq += 1;
        this.insertOp(seq, record);
        return seq;
      });
    }) as number[]);
  }

  /**
   * Appends a record at a sequence chosen elsewhere (a cluster stream's sequence). Gaps are
   * allowed; going back is not.
   * @throws RV_OPLOG_GAP when `seq` is not after `lastOpSeq()`.
   * @example
   *   store.appendOpAt(message.seq, message.data);
   */
  appendOpAt(seq: number, record: Uint8Array): void {
    requireInteger(seq, 'op seq', 1);
    // No transaction needed: the check and the single insert run back to back on the one
    // connection, and the insert alone is atomic.
    this.guard('append op', () => {
      const last = this.lastOpSeqUnchecked();
      if (seq <= last) {
        throw new RvError('RV_OPLOG_GAP', `op seq ${seq} is not after the last op seq ${last} of "${this.path}"`,
          { details: { path: this.path, seq, lastOpSeq: last } });
      }
      this.insertOp(seq, record);
    });
  }

  /**
   * Records with a sequence above `afterSeq`, in order, at most `limit` of them. Reads in
   * pages, so the caller may write to the store between steps (a record appended meanwhile
   * is seen if it is after the cursor).
   * @example
   *   for (const { seq, record } of store.iterateOps(store.getAppliedSeq())) apply(seq, record);
   */
  iterateOps(afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Generator<StoredOp> {
    requireInteger(afterSeq, 'afterSeq', 0);
    requireInteger(limit, 'limit', 0);
    this.db();
    return this.opsAfter(afterSeq, limit);
  }

  private *opsAfter(afterSeq: number, limit: number): Generator<StoredOp> {
    let cursor = afterSeq;
    let remaining = limit;
    while (remaining > 0) {
      const pageRows = Math.min(OPS_PAGE_ROWS, remaining);
      const rows = this.guard('read ops', () => this.statements.opsAfter.all(cursor, pageRows));
      if (rows.length === 0) return;
      for (const row of rows) {
        yield { seq: row.seq, record: this.codec.open('op', String(row.seq), plainBytes(row.op)) };
      }
      cursor = rows[rows.length - 1].seq;
      remaining -= rows.length;
    }
  }

  /**
   * The highest sequence ever appended (or truncated through); 0 for a new store. Never
   * decreases, so appends after a truncation that emptied the log continue above it.
   */
  lastOpSeq(): number {
    return this.guard('read op log', () => this.lastOpSeqUnchecked());
  }

  /**
   * The sequence of the oldest record held, or `lastOpSeq() + 1` when the log is empty (the
   * next one). So `iterateOps(after)` sees every later record iff `after >= firstOpSeq() - 1`;
   * otherwise the caller needs a snapshot first.
   */
  firstOpSeq(): number {
    return this.guard('read op log', () => this.statements.minOpSeq.get() ?? this.lastOpSeqUnchecked() + 1);
  }

  /**
   * Deletes every record with a sequence ≤ `seq` (call it only behind a durable snapshot)
   * and returns how many were deleted. `lastOpSeq()` stays where it was, or rises to `seq`
   * when `seq` is beyond it: the log then continues after the snapshot it was truncated for.
   * @example
   *   store.truncateOpsThrough(snapshot.seq);
   */
  truncateOpsThrough(seq: number): number {
    requireInteger(seq, 'seq', 0);
    return this.guard('truncate op log', () => this.runInTransaction(() => {
      const deleted = this.statements.deleteOpsThrough.run(seq).changes;
      if (seq > (this.readMetaNumber(META_OPLOG_TRUNCATED_THROUGH) ?? 0)) this.writeMetaNumber(META_OPLOG_TRUNCATED_THROUGH, seq);
      return deleted;
    }) as number);
  }

  private lastOpSeqUnchecked(): number {
    const stored = this.statements.maxOpSeq.get() ?? 0;
    return Math.max(stored, this.readMetaNumber(META_OPLOG_TRUNCATED_THROUGH) ?? 0);
  }

  private insertOp(seq: number, record: Uint8Array): void {
    requireBytes(record, `op record ${seq}`);
    this.statements.insertOp.run(seq, this.codec.seal('op', String(seq), record));
  }

  // ---- points -------------------------------------------------------------------------

  /**
   * Inserts or replaces the point with `point.internalId`.
   * @throws RV_INTERNAL when `point.pointKey` already belongs to another internal id (the
   *   engine's key → id map and the store disagree).
   * @example
   *   store.putPoint({ internalId: 7, pointKey: 'u:42', version: seq, vector, payload });
   */
  putPoint(point: StoredPoint): void {
    requireInteger(point.internalId, 'internalId', 0);
    requireInteger(point.version, 'version', 0);
    if (typeof point.pointKey !== 'string' || point.pointKey === '') {
      throw new RvError('RV_INVALID_ARGUMENT', 'pointKey must be a non-empty string', { details: { field: 'pointKey' } });
    }
    requireBytes(point.vector, 'vector');
    if (point.payload !== null) requireBytes(point.payload, 'payload');
    this.guard('put point', () => {
      const rowId = pointRowId(point.internalId, point.pointKey);
      const vector = this.codec.seal('vector', rowId, point.vector);
      const payload = point.payload === null ? null : this.codec.seal('payload', rowId, point.payload);
      try {
        this.statements.upsertPoint.run(point.internalId, point.pointKey, point.version, vector, payload);
      } catch (error) {
        // internal_id conflicts are the upsert's job, so a unique violation is the point key.
        if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          const owner = this.statements.getPointByKey.get(point.pointKey)?.internal_id;
          throw new RvError('RV_INTERNAL',
            `point key ${JSON.stringify(point.pointKey)} already belongs to internal id ${String(owner)} in "${this.path}", cannot store it under internal id ${point.internalId}`,
            { cause: error, details: { path: this.path, pointKey: point.pointKey, internalId: point.internalId, ownerInternalId: owner } });
        }
        throw error;
      }
    });
  }

  /** Deletes the point; returns false when there was none. */
  deletePoint(internalId: number): boolean {
    requireInteger(internalId, 'internalId', 0);
    return this.guard('delete point', () => this.statements.deletePoint.run(internalId).changes > 0);
  }

  /** The point with this internal id, or undefined. */
  getPoint(internalId: number): StoredPoint | undefined {
    requireInteger(internalId, 'internalId', 0);
    const row = this.guard('read point', () => this.statements.getPoint.get(internalId));
    return row === undefined ? undefined : this.toStoredPoint(row);
  }

  /** The point with this key, or undefined. */
  getPointByKey(pointKey: string): StoredPoint | undefined {
    const row = this.guard('read point', () => this.statements.getPointByKey.get(pointKey));
    return row === undefined ? undefined : this.toStoredPoint(row);
  }

  /**
   * Points in increasing internal-id order, read in pages (the caller may write between
   * steps).
   * @example
   *   for (const point of store.iteratePoints({ afterInternalId: lastSeen, limit: 1000 })) index.add(point);
   */
  iteratePoints(options: IteratePointsOptions = {}): Generator<StoredPoint> {
    const { afterInternalId = -1, limit = Number.MAX_SAFE_INTEGER } = options;
    requireInteger(afterInternalId, 'afterInternalId', -1);
    requireInteger(limit, 'limit', 0);
    this.db();
    return this.pointsAfter(afterInternalId, limit);
  }

  private *pointsAfter(afterInternalId: number, limit: number): Generator<StoredPoint> {
    let cursor = afterInternalId;
    let remaining = limit;
    while (remaining > 0) {
      const pageRows = Math.min(POINTS_PAGE_ROWS, remaining);
      const rows = this.guard('read points', () => this.statements.pointsAfter.all(cursor, pageRows));
      if (rows.length === 0) return;
      for (const row of rows) yield this.toStoredPoint(row);
      cursor = rows[rows.length - 1].internal_id;
      remaining -= rows.length;
    }
  }

  countPoints(): number {
    return this.guard('count points', () => this.statements.countPoints.get() ?? 0);
  }

  /** The largest internal id stored, or -1 when there is none (so `+ 1` is the next dense id). */
  maxInternalId(): number {
    return this.guard('read points', () => this.statements.maxInternalId.get() ?? -1);
  }

  private toStoredPoint(row: PointRow): StoredPoint {
    const rowId = pointRowId(row.internal_id, row.point_key);
    return {
      internalId: row.internal_id,
      pointKey: row.point_key,
      version: row.version,
      vector: this.codec.open('vector', rowId, plainBytes(row.vector)),
      payload: row.payload === null ? null : this.codec.open('payload', rowId, plainBytes(row.payload)),
    };
  }

  // ---- meta ---------------------------------------------------------------------------
  // Meta values are not passed through the codec: they are the store's and the engine's
  // bookkeeping (sequences, config), not user data. Seal secrets before storing them here.

  /** The bytes stored under `key`, or undefined. */
  getMeta(key: string): Uint8Array | undefined {
    const value = this.guard('read meta', () => this.statements.getMeta.get(key));
    return value === undefined || value === null ? undefined : plainBytes(value);
  }

  /**
   * Stores `value` under `key`. Keys the store keeps for itself (`schema_version`,
   * `applied_seq`, `oplog_truncated_through`) are refused.
   * @example
   *   store.setMeta('collection_config', new TextEncoder().encode(JSON.stringify(config)));
   */
  setMeta(key: string, value: Uint8Array): void {
    requireUserMetaKey(key);
    requireBytes(value, `meta value "${key}"`);
    this.guard('write meta', () => this.statements.setMeta.run(key, value));
  }

  /** Deletes `key`; returns false when it was absent. Reserved keys are refused. */
  deleteMeta(key: string): boolean {
    requireUserMetaKey(key);
    return this.guard('write meta', () => this.statements.deleteMeta.run(key).changes > 0);
  }

  /** A number stored with `setMetaNumber`, or undefined. */
  getMetaNumber(key: string): number | undefined {
    return this.guard('read meta', () => this.readMetaNumber(key));
  }

  /** Stores a finite number (as decimal text, readable with the sqlite3 shell). */
  setMetaNumber(key: string, value: number): void {
    requireUserMetaKey(key);
    if (!Number.isFinite(value)) {
      throw new RvError('RV_INVALID_ARGUMENT', `meta number "${key}" must be finite, got ${String(value)}`, { details: { field: key } });
    }
    this.guard('write meta', () => this.writeMetaNumber(key, value));
  }

  /** The sequence of the last op applied to the shard state; 0 when none. */
  getAppliedSeq(): number {
    return this.guard('read meta', () => this.readMetaNumber(META_APPLIED_SEQ) ?? 0);
  }

  /**
   * Records the applied sequence. Call it in the same `transaction()` as the state change it
   * describes, so a crash can never separate them.
   */
  setAppliedSeq(seq: number): void {
    requireInteger(seq, 'applied seq', 0);
    this.guard('write meta', () => this.writeMetaNumber(META_APPLIED_SEQ, seq));
  }

  private readMetaNumber(key: string): number | undefined {
    const value = this.statements.getMeta.get(key);
    if (value === undefined || value === null) return undefined;
    let text: string | undefined;
    try {
      text = utf8Decoder.decode(value);
    } catch {
      text = undefined;
    }
    const number = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(number)) {
      throw new RvError('RV_STORAGE_CORRUPTED', `meta key "${key}" of "${this.path}" does not hold a number`, { details: { path: this.path, key } });
    }
    return number;
  }

  private writeMetaNumber(key: string, value: number): void {
    this.statements.setMeta.run(key, utf8Encoder.encode(String(value)));
  }

  // ---- re-sealing (key rotation) -----------------------------------------------------

  /**
   * Rewrites stored (sealed) blobs in place, one page of rows per call and one transaction:
   * the key-rotation job's step. For each row of `table` after `afterKey` (internal id or op
   * seq), `reseal(kind, rowId, stored)` gets the bytes as stored (not opened) and returns the
   * bytes to store instead, or undefined to keep them. Row identities are those the codec sees.
   * @example
   *   let cursor = -1;
   *   for (;;) {
   *     const step = store.resealBlobs('points', cursor, 500, (kind, rowId, stored) => isOld(stored) ? reseal(kind, rowId, stored) : undefined);
   *     if (step.done) break;
   *     cursor = step.lastKey;
   *   }
   */
  resealBlobs(table: 'points' | 'ops', afterKey: number, limit: number, reseal: BlobResealer): ResealStep {
    requireInteger(afterKey, 'afterKey', -1);
    requireInteger(limit, 'limit', 1);
    return this.guard('re-seal blobs', () => this.runInTransaction(() => {
      const db = this.db();
      let rewritten = 0;
      if (table === 'ops') {
        const rows = db.prepare<[number, number], OpRow>('SELECT seq, op FROM oplog WHERE seq > ? ORDER BY seq LIMIT ?').all(afterKey, limit);
        const update = db.prepare<[Uint8Array, number]>('UPDATE oplog SET op = ? WHERE seq = ?');
        for (const row of rows) {
          const next = reseal('op', String(row.seq), plainBytes(row.op));
          if (next !== undefined) { update.run(next, row.seq); rewritten++; }
        }
        return { lastKey: rows.length === 0 ? afterKey : rows[rows.length - 1].seq, scanned: rows.length, rewritten, done: rows.length < limit };
      }
      const rows = this.statements.pointsAfter.all(afterKey, limit);
      const update = db.prepare<[Uint8Array, Uint8Array | null, number]>('UPDATE points SET vector = ?, payload = ? WHERE internal_id = ?');
      for (const row of rows) {
        const rowId = pointRowId(row.internal_id, row.point_key);
        const vector = reseal('vector', rowId, plainBytes(row.vector));
        const payload = row.payload === null ? undefined : reseal('payload', rowId, plainBytes(row.payload));
        if (vector !== undefined || payload !== undefined) {
          update.run(vector ?? row.vector, payload ?? row.payload, row.internal_id);
          rewritten++;
        }
      }
      return { lastKey: rows.length === 0 ? afterKey : rows[rows.length - 1].internal_id, scanned: rows.length, rewritten, done: rows.length < limit };
    }) as ResealStep);
  }

  // ---- files --------------------------------------------------------------------------

  /** Bytes on disk: the database file plus its WAL. */
  sizeBytes(): number {
    this.db();
    let total = 0;
    for (const file of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(file).size;
      } catch (error) {
        if (isSystemError(error) && error.code === 'ENOENT' && file !== this.path) continue;
        throw toStorageError(error, { action: 'measure shard store', path: file });
      }
    }
    return total;
  }

  /**
   * Writes a consistent copy of the database to `targetPath` while the store stays usable
   * (SQLite's online backup, which copies a few pages per event-loop turn and restarts if a
   * write lands meanwhile). The copy is written to a temp file, fsynced, then renamed over
   * `targetPath`: a crash never leaves a half-written backup under that name. Sealed blobs
   * stay sealed in the copy.
   * @example
   *   await store.backupTo(join(snapshotDir, 'shard-0.db'));
   */
  async backupTo(targetPath: string): Promise<void> {
    const db = this.db();
    const tempPath = tempPathFor(targetPath);
    try {
      await db.backup(tempPath);
      await fsyncFile(tempPath);
      await replaceFileDurably(tempPath, targetPath);
    } catch (error) {
      await rm(tempPath, { force: true }).catch(() => undefined); // the backup error is the one to report
      throw asIoError(error, 'back up shard store', targetPath);
    }
  }

  // ---- internals ----------------------------------------------------------------------

  private db(): Database.Database {
    if (this.database === undefined) {
      throw new RvError('RV_DATABASE_CLOSED', `shard store "${this.path}" is closed`, { details: { path: this.path } });
    }
    return this.database;
  }

  /** Runs `fn` on the open database, translating SQLite failures into RvError. */
  private guard<T>(action: string, fn: () => T): T {
    this.db();
    try {
      throwIfFaultInjected(action, this.path); // test-only seam (fault-injection.ts); a no-op unless a test armed it
      return fn();
    } catch (error) {
      throw toStorageError(error, { action, path: this.path });
    }
  }
}

/**
 * For whole-file operations (open, backup): better-sqlite3 reports some of their failures (a
 * missing directory) as plain TypeErrors, and any failure to open or write a file is an I/O
 * problem to the caller.
 */
function asIoError(error: unknown, action: string, path: string): RvError {
  const translated = toStorageError(error, { action, path });
  if (translated instanceof RvError) return translated;
  return new RvError('RV_STORAGE_IO', `${action} on "${path}" failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, details: { path } });
}

function pointRowId(internalId: number, pointKey: string): string {
  return `${internalId}:${pointKey}`;
}

function requireUserMetaKey(key: string): void {
  if (typeof key !== 'string' || key === '') {
    throw new RvError('RV_INVALID_ARGUMENT', 'meta key must be a non-empty string', { details: { field: 'key' } });
  }
  if (RESERVED_META_KEYS.has(key)) {
    throw new RvError('RV_INVALID_ARGUMENT', `meta key "${key}" is reserved for the shard store itself`, { details: { field: 'key', key } });
  }
}

/**
 * Creates the tables of a new file, or checks that an existing one is a shard store whose
 * schema this code understands. Runs in one IMMEDIATE transaction, so a process killed
 * half-way leaves an empty file that the next open initialises again.
 */
function initialiseSchema(db: Database.Database, path: string): void {
  db.transaction(() => {
    const tables = db.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all();
    const setVersion = (version: number): void => {
      db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(META_SCHEMA_VERSION, utf8Encoder.encode(String(version)));
    };
    if (tables.length === 0) {
      db.exec(SCHEMA_SQL);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      setVersion(SCHEMA_VERSION);
      return;
    }
    const applicationId: unknown = db.pragma('application_id', { simple: true });
    if (applicationId !== APPLICATION_ID || !tables.includes('meta')) {
      throw new RvError('RV_STORAGE_CORRUPTED', `"${path}" is a SQLite database but not a RuVector shard store`,
        { details: { path, applicationId } });
    }
    const raw = db.prepare<[string], Uint8Array | null>('SELECT value FROM meta WHERE key = ?').pluck().get(META_SCHEMA_VERSION);
    const version = raw === undefined || raw === null ? Number.NaN : Number(Buffer.from(raw).toString('utf8'));
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new RvError('RV_STORAGE_CORRUPTED', `shard store "${path}" has no valid schema_version in its meta table`, { details: { path } });
    }
    if (version > SCHEMA_VERSION) {
      throw new RvError('RV_STORAGE_CORRUPTED',
        `shard store "${path}" has schema version ${version}, newer than version ${SCHEMA_VERSION} that this RuVector understands: run a newer RuVector, or restore a backup made by this one`,
        { details: { path, schemaVersion: version, supportedSchemaVersion: SCHEMA_VERSION } });
    }
    // version < SCHEMA_VERSION: migrations go here, one step per version, then setVersion().
    // There is only version 1 so far.
  }).immediate();
}
