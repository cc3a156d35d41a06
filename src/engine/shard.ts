/**
 * A shard: one SQLite point store + op log (storage/), one HNSW index over its vectors,
 * payloads and payload indexes in memory, and the write path of ARCHITECTURE.md:
 *
 *   commit(op):   queued; a group commit takes every queued operation, plans each against
 *                 the state (+ the batch's earlier ones), appends it to the op log, writes its
 *                 rows and the applied sequence — all in one SQLite transaction — then applies
 *                 the effects to memory. A failed plan rejects that operation alone, before
 *                 anything of it is written; a failed transaction rejects the batch and leaves
 *                 memory untouched. Nothing is ever half-applied.
 *   applyAt(seq, record): the same apply step for an op log that lives elsewhere (the cluster's
 *                 JetStream stream assigns the sequence). Idempotent: seq <= applied is skipped.
 *
 * Open = load the index checkpoint (if valid) and reconcile it with the point store, which is
 * always exactly at the applied sequence: points whose stored vector differs from the
 * checkpoint's are re-indexed, points gone are tombstoned. This is equivalent to replaying the
 * ops newer than the checkpoint, and idempotent by construction. (Deviation from
 * ARCHITECTURE.md's "replay newer ops", which needs the same op log on every replica.)
 */
import { statSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { RvError, isRvError } from '../errors.js';
import { HnswIndex } from '../core/index/hnsw-index.js';
import { exactSearch, type Neighbor } from '../core/index/exact-scan.js';
import { metricFor, type Metric } from '../core/distance/metric.js';
import type { Filter, PointMatcher } from '../core/filter/index.js';
import { PayloadIndexSet, parsePayloadFieldSchema } from '../core/payload-index/index.js';
import { createQuantizer, type Quantizer } from '../core/quantization/index.js';
import type { Payload, PointId } from '../core/types.js';
import { ShardStore, readChecksummedFile, writeChecksummedFile, type BlobCodec, type Durability } from '../storage/index.js';
import { fullScanThresholdPoints, type CollectionConfig } from './collection-config.js';
import { decodeOperation, encodeOperation, operationCommitTimeMs, type Operation } from './operations.js';
import { planOperation, type Effect } from './apply-operation.js';
import { PointState, StateOverlay } from './point-state.js';
import { comparePointIds, pointIdFromKey, pointKey } from './point-id.js';
import type { Envelope } from '../security/crypto/index.js';
import type { BlobResealer, ResealStep } from '../storage/index.js';
import { openCheckpoint, sealCheckpoint, type CheckpointHeader } from './sealing.js';
import { ROOT_CONTEXT, SPAN, contextWithSpan, detached, endSpan, startSpan, type Span, type TraceContext } from '../observability/index.js';

/** A shard's figures for info and metrics. */
export interface ShardInfo {
  points: number;
  indexedVectors: number;
  pendingLinks: number;
  appliedSeq: number;
  payloadSchema: Record<string, unknown>;
  deletedRatio: number;
  memoryBytes: number;
  diskBytes: number;
  /** Sequence the index checkpoint in use reflects (0: none). */
  checkpointSeq: number;
  /** When that checkpoint was written, ms since the epoch (0: none). */
  checkpointAtMs: number;
  /** Op-log records kept (truncated only behind a checkpoint). */
  opLogRecords: number;
  /** The live quantizer and its code size; undefined when off or not trained yet. */
  quantization: { kind: 'scalar' | 'binary' | 'product'; codeBytes: number } | undefined;
}

export type EngineLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface ShardOptions {
  dir: string;
  config: CollectionConfig;
  durability?: Durability;
  codec?: BlobCodec;
  /** Seals the index checkpoint (encryption at rest); undefined: written in the clear. */
  envelope?: Envelope;
  logger?: EngineLogger;
  /** Milliseconds of graph linking per event-loop turn (default 4). */
  indexSliceMs?: number;
  /** Write an index checkpoint after this many applied operations (default 20,000). */
  checkpointEveryOps?: number;
  /**
   * Op-log records kept behind the latest checkpoint (default 100,000). Older ones are
   * deleted in bounded chunks, so the log does not grow without end; replicas and backups
   * that fall further behind start from a snapshot (ARCHITECTURE.md, "The write path is a log").
   */
  oplogRetainOps?: number;
  /**
   * Backups are configured: op-log records after the backup watermark (the last sequence a
   * backup holds, kept in the shard's meta) are never truncated, so the next incremental
   * backup finds every op it needs. Default false.
   */
  retainOpsForBackup?: boolean;
}

/** One op-log record with its commit time (Unix ms; undefined for records older than commit times). */
export interface TimedOp {
  seq: number;
  record: Uint8Array;
  committedAtMs: number | undefined;
}

export interface SearchParams {
  /** Prepared query vector (the metric's prepare() applied). */
  vector: Float32Array;
  limit: number;
  offset?: number;
  filter?: Filter;
  hnswEf?: number;
  exact?: boolean;
  scoreThreshold?: number;
  quantization?: { ignore?: boolean; rescore?: boolean; oversampling?: number };
}

export interface ScoredInternal {
  internalId: number;
  score: number;
}

export interface ShardPoint {
  id: PointId;
  version: number;
  payload: Payload | null;
  vector: Float32Array | undefined;
}

export const CHECKPOINT_FILE = 'index.ckpt';
export const CHECKPOINT_KIND = 'ruvector-hnsw';
export const POINTS_FILE = 'points.db';
const META_PAYLOAD_INDEXES = 'payload_indexes';
const META_BACKUP_WATERMARK = 'backup_watermark';
const META_SHARD_UID = 'shard_uid';
const MAX_OPS_PER_TRANSACTION = 1000;
const QUANTIZER_MIN_POINTS = 256;
const QUANTIZER_SAMPLE = 10000;
/** Op-log records deleted per background step (keeps each step short). */
const OPLOG_TRUNCATE_CHUNK = 5000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface QueuedOp {
  op: Operation;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
  /** The commit span (non-recording unless the request is sampled) and its context, parent of the op-log append. */
  span: Span;
  traced: TraceContext | undefined;
}

export class Shard {
  readonly dir: string;
  readonly metric: Metric;
  private config: CollectionConfig;
  private readonly store: ShardStore;
  private readonly envelope: Envelope | undefined;
  private index: HnswIndex;
  private readonly state = new PointState();
  private readonly payloadIndexes = new PayloadIndexSet();
  private indexDefinitions: Record<string, unknown> = {};
  private quantizer: Quantizer | undefined;
  private quantizerBuild: { quantizer: Quantizer; training: Generator<void> | undefined; encodeNext: number; started: number } | undefined;
  private appliedSeq: number;
  private checkpointSeq = 0;
  /** When the checkpoint in use was written (ms since the epoch; 0: none yet). */
  private checkpointAtMs = 0;
  private readonly log: EngineLogger;
  private readonly sliceMs: number;
  private readonly checkpointEveryOps: number;
  private readonly oplogRetainOps: number;
  /** Ops after this sequence wait for a backup before truncation; undefined: no backups configured. */
  private backupWatermark: number | undefined;
  private queue: QueuedOp[] = [];
  private flushScheduled = false;
  private indexerScheduled = false;
  private checkpointing: Promise<void> | undefined;
  private closed = false;

  private constructor(options: ShardOptions, store: ShardStore, index: HnswIndex) {
    this.dir = options.dir;
    this.config = options.config;
    this.metric = metricFor(options.config.vectors.distance);
    this.store = store;
    this.envelope = options.envelope;
    this.index = index;
    this.appliedSeq = store.getAppliedSeq();
    this.log = options.logger ?? (() => undefined);
    this.sliceMs = options.indexSliceMs ?? 4;
    this.checkpointEveryOps = options.checkpointEveryOps ?? 20000;
    this.oplogRetainOps = options.oplogRetainOps ?? 100000;
    this.backupWatermark = options.retainOpsForBackup === true ? (store.getMetaNumber(META_BACKUP_WATERMARK) ?? 0) : undefined;
  }

  private static newIndex(config: CollectionConfig): HnswIndex {
    return new HnswIndex({
      dim: config.vectors.size,
      metric: metricFor(config.vectors.distance),
      m: config.hnsw_config.m === 0 ? 16 : config.hnsw_config.m,
      efConstruction: config.hnsw_config.ef_construct,
    });
  }

  /** Opens (or creates) the shard in `dir`, loading the checkpoint and reconciling it with the store. */
  static async open(options: ShardOptions): Promise<Shard> {
    const store = ShardStore.open({ path: join(options.dir, POINTS_FILE), durability: options.durability, codec: options.codec });
    const log = options.logger ?? (() => undefined);
    const metric = metricFor(options.config.vectors.distance);
    let index: HnswIndex | undefined;
    let checkpointSeq = 0;
    try {
      const file = await readChecksummedFile(join(options.dir, CHECKPOINT_FILE), CHECKPOINT_KIND, 'RV_CHECKPOINT_CORRUPTED');
      if (file !== undefined) {
        const header = file.header as { index: HnswIndex['save'] extends () => infer S ? S extends { header: infer H } ? H : never : never; seq: number };
        index = HnswIndex.load({ header: header.index, sections: openCheckpoint(options.envelope, file.header as unknown as CheckpointHeader, file.sections) }, { metric });
        if (index.dim !== options.config.vectors.size) throw new RvError('RV_CHECKPOINT_CORRUPTED', 'checkpoint dimension does not match the collection');
        checkpointSeq = header.seq;
      }
    } catch (error) {
      log('warn', 'index checkpoint unusable, rebuilding the index from the point store', { dir: options.dir, error: (error as Error).message });
      index = undefined;
    }
    const shard = new Shard(options, store, index ?? Shard.newIndex(options.config));
    shard.checkpointSeq = checkpointSeq;
    if (index !== undefined) shard.checkpointAtMs = statSync(join(options.dir, CHECKPOINT_FILE)).mtimeMs;
    try {
      shard.loadFromStore(index !== undefined);
    } catch (error) {
      store.close();
      throw error;
    }
    shard.scheduleIndexer();
    return shard;
  }

  private loadFromStore(fromCheckpoint: boolean): void {
    const definitions = this.store.getMeta(META_PAYLOAD_INDEXES);
    this.indexDefinitions = definitions === undefined ? {} : JSON.parse(decoder.decode(definitions)) as Record<string, unknown>;
    for (const [field, schema] of Object.entries(this.indexDefinitions)) this.payloadIndexes.createIndex(field, schema);
    const started = Date.now();
    let loaded = 0;
    let reindexed = 0;
    const dim = this.config.vectors.size;
    for (const row of this.store.iteratePoints()) {
      const id = pointIdFromKey(row.pointKey);
      const payload = row.payload === null ? null : JSON.parse(decoder.decode(row.payload)) as Payload;
      this.state.set(row.internalId, id, payload, row.version);
      if (payload !== null) this.payloadIndexes.add(row.internalId, payload);
      if (row.vector.length === dim * 4) {
        const vector = new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength));
        const indexed = fromCheckpoint ? this.index.vectorOf(row.internalId) : undefined;
        if (indexed === undefined || !sameVector(indexed, vector)) {
          this.index.upsert(row.internalId, vector, row.version);
          reindexed++;
        }
      } else if (this.index.isLive(row.internalId)) {
        this.index.delete(row.internalId);
      }
      loaded++;
      if (loaded % 100000 === 0) this.log('info', 'loading shard', { dir: this.dir, points: loaded });
    }
    // Checkpoint entries whose point is gone since the checkpoint.
    for (const internalId of this.index.liveIds()) {
      if (this.state.pointIds[internalId] === undefined) this.index.delete(internalId);
    }
    this.state.rebuildFreeList();
    this.log('info', 'shard opened', {
      dir: this.dir, points: loaded, appliedSeq: this.appliedSeq, fromCheckpoint, checkpointSeq: this.checkpointSeq,
      toIndex: reindexed, ms: Date.now() - started,
    });
  }

  // ------------------------------------------------------------------ writes

  /** Appends `op` to the local op log and applies it (group-committed). Resolves with its sequence. */
  commit(op: Operation): Promise<number> {
    if (this.closed) return Promise.reject(new RvError('RV_DATABASE_CLOSED', 'the shard is closed'));
    // Spans cover queueing + group-commit transaction + apply; the op-log append is a child.
    const span = startSpan(SPAN.storageCommit);
    const traced = span.isRecording() ? contextWithSpan(span) : undefined;
    const committed = new Promise<number>((resolve, reject) => {
      this.queue.push({ op, resolve, reject, span, traced });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
    if (traced === undefined) return committed;
    span.setAttribute('ruvector.operation', op.type);
    return committed.then((seq) => {
      span.setAttribute('ruvector.oplog.seq', seq);
      span.end();
      return seq;
    }, (error: unknown) => {
      endSpan(span, error);
      throw error;
    });
  }

  private planContext(overlay: StateOverlay) {
    return {
      overlay,
      compile: (filter: Filter): PointMatcher => this.compile(filter),
      checkIndexSchema: (_field: string, schema: unknown): void => { parsePayloadFieldSchema(schema); },
    };
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_OPS_PER_TRANSACTION);
      const overlay = new StateOverlay(this.state, (id) => this.index.vectorOf(id));
      const outcomes: ({ seq: number; effects: Effect[] } | { error: unknown })[] = [];
      try {
        this.store.transaction(() => {
          for (const item of batch) {
            let effects: Effect[];
            try {
              effects = planOperation(item.op, this.planContext(overlay));
            } catch (error) {
              if (!isRvError(error)) throw error;
              outcomes.push({ error });
              continue;
            }
            const append = startSpan(SPAN.oplogAppend, undefined, item.traced ?? ROOT_CONTEXT);
            const [seq] = this.store.appendOps([encodeOperation(item.op)]);
            append.end();
            this.writeEffects(effects, seq, overlay);
            outcomes.push({ seq, effects });
          }
          const last = outcomes.findLast((o) => 'seq' in o);
          if (last !== undefined && 'seq' in last) this.store.setAppliedSeq(last.seq);
        });
      } catch (error) {
        this.log('error', 'write batch failed, nothing of it was applied', { dir: this.dir, ops: batch.length, error: (error as Error).message });
        for (const item of batch) item.reject(error);
        continue;
      }
      this.state.freeIds.splice(this.state.freeIds.length - overlay.freeIdsTaken, overlay.freeIdsTaken);
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        item.span.setAttribute('ruvector.commit.batch_ops', batch.length);
        if ('error' in outcome) {
          item.reject(outcome.error);
          return;
        }
        this.applyEffects(outcome.effects, outcome.seq);
        item.resolve(outcome.seq);
      });
    }
    this.scheduleIndexer();
  }

  /**
   * Applies an operation whose sequence was assigned by an op log elsewhere. Operations at or
   * below the applied sequence are skipped (replays are idempotent); a gap is an error.
   */
  applyAt(seq: number, record: Uint8Array): boolean {
    if (seq <= this.appliedSeq) return false;
    if (seq !== this.appliedSeq + 1) {
      throw new RvError('RV_OPLOG_GAP', `operation ${seq} arrived but the shard has applied up to ${this.appliedSeq}`, { details: { seq, applied: this.appliedSeq } });
    }
    const op = decodeOperation(record);
    const overlay = new StateOverlay(this.state, (id) => this.index.vectorOf(id));
    let effects: Effect[] = [];
    try {
      effects = planOperation(op, this.planContext(overlay));
    } catch (error) {
      // Deterministic rejection: every replica rejects it the same way; it still takes its sequence.
      if (!isRvError(error)) throw error;
      effects = [];
    }
    this.store.transaction(() => {
      this.store.appendOpAt(seq, record);
      this.writeEffects(effects, seq, overlay);
      this.store.setAppliedSeq(seq);
    });
    this.state.freeIds.splice(this.state.freeIds.length - overlay.freeIdsTaken, overlay.freeIdsTaken);
    this.applyEffects(effects, seq);
    this.scheduleIndexer();
    return true;
  }

  /** Writes effects as rows; `overlay` supplies unchanged vectors (an earlier op of the batch may have set them). */
  private writeEffects(effects: Effect[], seq: number, overlay: StateOverlay): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'put': {
          const vector = effect.vector === undefined ? overlay.vectorOf(effect.internalId) : effect.vector;
          this.store.putPoint({
            internalId: effect.internalId,
            pointKey: pointKey(effect.id),
            version: seq,
            vector: vector === null || vector === undefined ? new Uint8Array(0) : new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength),
            payload: effect.payload === null ? null : encoder.encode(JSON.stringify(effect.payload)),
          });
          break;
        }
        case 'remove':
          this.store.deletePoint(effect.internalId);
          break;
        case 'create_index':
          this.store.setMeta(META_PAYLOAD_INDEXES, encoder.encode(JSON.stringify({ ...this.indexDefinitions, [effect.field]: effect.schema })));
          break;
        case 'drop_index': {
          const { [effect.field]: _dropped, ...rest } = this.indexDefinitions;
          this.store.setMeta(META_PAYLOAD_INDEXES, encoder.encode(JSON.stringify(rest)));
          break;
        }
      }
    }
  }

  private applyEffects(effects: Effect[], seq: number): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'put': {
          if (!effect.isNew && effect.previousPayload !== null) this.payloadIndexes.remove(effect.internalId, effect.previousPayload);
          if (effect.payload !== null) this.payloadIndexes.add(effect.internalId, effect.payload);
          this.state.set(effect.internalId, effect.id, effect.payload, seq);
          if (effect.vector === null) this.index.delete(effect.internalId);
          else if (effect.vector !== undefined) {
            this.index.upsert(effect.internalId, effect.vector, seq);
            this.encodeForQuantizer(effect.internalId, effect.vector);
          }
          break;
        }
        case 'remove':
          if (effect.previousPayload !== null) this.payloadIndexes.remove(effect.internalId, effect.previousPayload);
          this.index.delete(effect.internalId);
          this.state.remove(effect.internalId);
          break;
        case 'create_index': {
          this.indexDefinitions = { ...this.indexDefinitions, [effect.field]: effect.schema };
          this.payloadIndexes.createIndex(effect.field, effect.schema, this.payloadEntries());
          break;
        }
        case 'drop_index': {
          const { [effect.field]: _dropped, ...rest } = this.indexDefinitions;
          this.indexDefinitions = rest;
          if (this.payloadIndexes.has(effect.field)) this.payloadIndexes.dropIndex(effect.field);
          break;
        }
      }
    }
    this.appliedSeq = seq;
  }

  private *payloadEntries(): Generator<readonly [number, Payload]> {
    for (const internalId of this.state.keyToId.values()) {
      const payload = this.state.payloads[internalId];
      if (payload !== null && payload !== undefined) yield [internalId, payload];
    }
  }

  // ------------------------------------------------------------------ background indexing

  private scheduleIndexer(): void {
    if (this.indexerScheduled || this.closed) return;
    if (this.index.pendingLinks === 0 && !this.needsVacuum() && !this.needsQuantizer() && !this.needsCheckpoint() && this.oplogTruncateTarget() === undefined) return;
    this.indexerScheduled = true;
    // Background work: not part of the request whose write scheduled it (no span, no correlation id).
    setImmediate(detached(() => this.indexerStep()));
  }

  private needsVacuum(): boolean {
    const optimizers = this.config.optimizers_config;
    return this.index.deletedRatio > optimizers.deleted_threshold && this.index.indexedCount >= optimizers.vacuum_min_vector_number;
  }

  private needsQuantizer(): boolean {
    return this.config.quantization_config !== null && this.quantizer === undefined && this.index.count >= QUANTIZER_MIN_POINTS;
  }

  private needsCheckpoint(): boolean {
    return this.checkpointing === undefined && this.appliedSeq - this.checkpointSeq >= this.checkpointEveryOps;
  }

  /** The sequence the op log may be truncated through now, or undefined when nothing is due. */
  private oplogTruncateTarget(): number | undefined {
    const retained = this.checkpointSeq - this.oplogRetainOps;
    const through = this.backupWatermark === undefined ? retained : Math.min(retained, this.backupWatermark);
    if (through <= 0 || this.checkpointing !== undefined) return undefined;
    const first = this.store.firstOpSeq();
    return first <= through ? Math.min(through, first + OPLOG_TRUNCATE_CHUNK - 1) : undefined;
  }

  /** One slice of background work: link pending nodes for a few ms, then vacuum/quantize/checkpoint when due. */
  private indexerStep(): void {
    this.indexerScheduled = false;
    if (this.closed) return;
    try {
      if (this.index.pendingLinks > 0) {
        const deadline = performance.now() + this.sliceMs;
        this.index.linkPending(() => performance.now() >= deadline);
      } else if (this.needsVacuum()) {
        const started = performance.now();
        const freed = this.index.vacuum();
        this.log('info', 'vacuumed index tombstones', { dir: this.dir, freed: freed.length, ms: Math.round(performance.now() - started) });
      } else if (this.needsQuantizer()) {
        this.buildQuantizerStep(performance.now() + this.sliceMs);
      } else if (this.needsCheckpoint()) {
        this.checkpointing = this.checkpoint().finally(() => {
          this.checkpointing = undefined;
          this.scheduleIndexer();
        });
      } else {
        const through = this.oplogTruncateTarget();
        if (through !== undefined) this.store.truncateOpsThrough(through);
      }
    } catch (error) {
      this.log('error', 'background indexing step failed', { dir: this.dir, error: (error as Error).message });
    }
    this.scheduleIndexer();
  }

  /** Keeps codes current: the live quantizer, or one being built whose encoding pass has passed this id. */
  private encodeForQuantizer(internalId: number, vector: Float32Array): void {
    if (this.quantizer?.trained === true) this.quantizer.set(internalId, vector);
    const build = this.quantizerBuild;
    if (build !== undefined && build.training === undefined && internalId < build.encodeNext) build.quantizer.set(internalId, vector);
  }

  /**
   * Trains the collection's quantizer in slices (k-means for PQ takes seconds), then encodes
   * every point in slices, then publishes it; points upserted meanwhile are encoded on publish.
   * Returns true when the quantizer is ready.
   */
  private buildQuantizerStep(deadline: number): boolean {
    if (this.quantizerBuild === undefined) {
      const quantizer = createQuantizer(this.config.quantization_config, this.config.vectors.size, this.metric);
      const ids = this.index.liveIds();
      const step = Math.max(1, Math.floor(ids.length / QUANTIZER_SAMPLE));
      const sample: Float32Array[] = [];
      for (let i = 0; i < ids.length; i += step) sample.push(this.index.vectorOf(ids[i]) as Float32Array);
      this.quantizerBuild = { quantizer, training: quantizer.trainSteps(sample), encodeNext: 0, started: performance.now() };
    }
    const build = this.quantizerBuild;
    while (build.training !== undefined && performance.now() < deadline) {
      if (build.training.next().done === true) build.training = undefined;
    }
    if (build.training !== undefined) return false;
    const bound = this.index.idBound;
    while (build.encodeNext < bound && performance.now() < deadline) {
      const end = Math.min(bound, build.encodeNext + 256);
      for (let id = build.encodeNext; id < end; id++) {
        const vector = this.index.vectorOf(id);
        if (vector !== undefined) build.quantizer.set(id, vector);
      }
      build.encodeNext = end;
    }
    if (build.encodeNext < this.index.idBound) return false;
    this.quantizer = build.quantizer;
    this.quantizerBuild = undefined;
    this.log('info', 'quantizer trained', { dir: this.dir, kind: build.quantizer.kind, points: this.index.count, ms: Math.round(performance.now() - build.started) });
    return true;
  }

  /** Links every pending node now (tests, snapshots, shutdown). */
  flushIndex(): void {
    this.index.linkPending();
    if (this.needsQuantizer()) while (!this.buildQuantizerStep(Infinity));
  }

  /** The index as checkpoint header + sections, tagged with the applied sequence (snapshots embed it). */
  indexCheckpoint(): { header: { seq: number; index: unknown }; sections: Uint8Array[] } {
    const snapshot = this.index.save();
    return { header: { seq: this.appliedSeq, index: snapshot.header }, sections: snapshot.sections };
  }

  /** Writes the current index checkpoint (sealed like the shard's own) to another path (backups). */
  async writeCheckpointTo(path: string): Promise<void> {
    const { header, sections } = this.indexCheckpoint();
    await writeChecksummedFile(path, { kind: CHECKPOINT_KIND, ...sealCheckpoint(this.envelope, header, sections) });
  }

  /** Writes the index checkpoint tagged with the applied sequence. */
  async checkpoint(): Promise<void> {
    const { header, sections } = this.indexCheckpoint();
    const seq = header.seq;
    await writeChecksummedFile(join(this.dir, CHECKPOINT_FILE), { kind: CHECKPOINT_KIND, ...sealCheckpoint(this.envelope, header, sections) });
    this.checkpointSeq = seq;
    this.checkpointAtMs = Date.now();
    this.log('debug', 'index checkpoint written', { dir: this.dir, seq });
  }

  // ------------------------------------------------------------------ reads

  compile(filter: Filter): PointMatcher {
    return this.payloadIndexes.compileFilter(filter);
  }

  private acceptFor(filter: Filter | undefined): ((internalId: number) => boolean) | undefined {
    if (filter === undefined) return undefined;
    const matches = this.compile(filter);
    const { pointIds, payloads } = this.state;
    return (internalId) => {
      const id = pointIds[internalId];
      return id !== undefined && matches({ id, payload: payloads[internalId] ?? {} });
    };
  }

  private resolveIds = (ids: readonly PointId[]): number[] => {
    const out: number[] = [];
    for (const id of ids) {
      const internal = this.state.keyToId.get(pointKey(id));
      if (internal !== undefined) out.push(internal);
    }
    return out;
  };

  /** The search planner (ARCHITECTURE.md, "Filtered search"). Returns the best `limit + offset`, best first. */
  search(params: SearchParams): ScoredInternal[] {
    this.assertOpen();
    const k = params.limit + (params.offset ?? 0);
    // Spans: plan → index search → rescore; each a shared no-op unless the request is sampled.
    const plan = startSpan(SPAN.plan);
    let accept: ((internalId: number) => boolean) | undefined;
    let maxDistance: number | undefined;
    // Exact scoring over these ids; undefined: search the graph.
    let exactIds: ArrayLike<number> | undefined;
    try {
      accept = this.acceptFor(params.filter);
      maxDistance = params.scoreThreshold === undefined ? undefined : this.metric.scoreThresholdToDistance(params.scoreThreshold);
      if (params.exact === true || this.config.hnsw_config.m === 0) {
        exactIds = (params.filter === undefined ? undefined : this.payloadIndexes.candidates(params.filter, this.resolveIds)) ?? this.index.liveIds();
      } else if (params.filter !== undefined && this.smallFilter(params.filter)) {
        exactIds = this.payloadIndexes.candidates(params.filter, this.resolveIds) ?? this.index.liveIds();
      }
    } catch (error) {
      endSpan(plan, error);
      throw error;
    }
    if (plan.isRecording()) {
      plan.setAttributes({ 'ruvector.search.strategy': exactIds === undefined ? 'graph' : 'exact', 'ruvector.search.k': k, 'ruvector.search.filtered': params.filter !== undefined });
      if (exactIds !== undefined) plan.setAttribute('ruvector.search.candidates', exactIds.length);
    }
    plan.end();
    const searching = startSpan(SPAN.indexSearch);
    let found: { neighbors: Neighbor[]; rescore: boolean };
    try {
      found = exactIds === undefined
        ? this.graphSearch(params, k, accept, maxDistance)
        : { neighbors: exactSearch(this.index.vectors.scorer(params.vector), exactIds, k, { accept, maxDistance }), rescore: false };
    } catch (error) {
      endSpan(searching, error);
      throw error;
    }
    if (searching.isRecording()) searching.setAttributes({ 'ruvector.search.found': found.neighbors.length, 'ruvector.search.quantized': found.rescore });
    searching.end();
    let neighbors = found.neighbors;
    if (found.rescore) {
      const rescoring = startSpan(SPAN.rescore, { 'ruvector.search.candidates': neighbors.length });
      try {
        neighbors = exactSearch(this.index.vectors.scorer(params.vector), neighbors.map((n) => n.id), k, { maxDistance });
      } finally {
        rescoring.end();
      }
    }
    return neighbors.slice(params.offset ?? 0).map((n) => ({ internalId: n.id, score: this.metric.toScore(n.distance) }));
  }

  /** True when the filter matches few enough points that scoring them exactly beats the graph. */
  private smallFilter(filter: Filter): boolean {
    const threshold = fullScanThresholdPoints(this.config);
    const estimate = this.payloadIndexes.estimateCardinality(filter, this.index.count, this.resolveIds);
    return estimate.max <= threshold || estimate.expected <= threshold / 2;
  }

  /** Searches the graph; with a trained quantizer, on its codes (`rescore`: the caller rescores the candidates exactly). */
  private graphSearch(params: SearchParams, k: number, accept: ((id: number) => boolean) | undefined, maxDistance: number | undefined): { neighbors: Neighbor[]; rescore: boolean } {
    const ef = Math.max(params.hnswEf ?? this.config.hnsw_config.ef_construct, k);
    const quantization = params.quantization ?? {};
    const quantizer = this.quantizer;
    if (quantizer?.trained === true && quantization.ignore !== true && this.index.pendingLinks === 0) {
      const oversampling = Math.max(1, quantization.oversampling ?? 1);
      const candidatesK = Math.ceil(k * oversampling);
      const candidates = this.index.search(params.vector, { k: candidatesK, ef: Math.max(ef, candidatesK), accept, scorer: quantizer.scorer(params.vector) });
      if (quantization.rescore === false) return { neighbors: candidates.filter((n) => maxDistance === undefined || n.distance <= maxDistance).slice(0, k), rescore: false };
      return { neighbors: candidates, rescore: true };
    }
    return { neighbors: this.index.search(params.vector, { k, ef, accept, maxDistance }), rescore: false };
  }

  private assertOpen(): void {
    if (this.closed) throw new RvError('RV_DATABASE_CLOSED', 'the shard is closed');
  }

  /** A point by internal id, with the parts asked for. */
  point(internalId: number, withVector: boolean): ShardPoint | undefined {
    const id = this.state.pointIds[internalId];
    if (id === undefined) return undefined;
    return {
      id,
      version: this.state.versions[internalId],
      payload: this.state.payloads[internalId] ?? null,
      vector: withVector ? this.index.vectorOf(internalId) : undefined,
    };
  }

  internalIdOf(id: PointId): number | undefined {
    return this.state.keyToId.get(pointKey(id));
  }

  /** Live internal ids ordered by point id, starting at `offset` (inclusive), matching `filter`. */
  scroll(options: { filter?: Filter; offset?: PointId; limit: number }): { ids: number[]; next: PointId | null } {
    this.assertOpen();
    const sorted = this.state.sortedIds();
    const accept = this.acceptFor(options.filter);
    let start = 0;
    if (options.offset !== undefined) {
      const target = options.offset;
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (comparePointIds(this.state.pointIds[sorted[mid]] as PointId, target) < 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const ids: number[] = [];
    for (let i = start; i < sorted.length; i++) {
      const internalId = sorted[i];
      if (accept !== undefined && !accept(internalId)) continue;
      if (ids.length === options.limit) return { ids, next: this.state.pointIds[internalId] as PointId };
      ids.push(internalId);
    }
    return { ids, next: null };
  }

  count(filter?: Filter): number {
    this.assertOpen();
    if (filter === undefined) return this.state.count;
    const accept = this.acceptFor(filter) as (id: number) => boolean;
    const candidates = this.payloadIndexes.candidates(filter, this.resolveIds);
    let n = 0;
    if (candidates !== undefined) {
      for (const id of candidates) if (accept(id)) n++;
    } else {
      for (const id of this.state.keyToId.values()) if (accept(id)) n++;
    }
    return n;
  }

  info(): ShardInfo {
    const firstOpSeq = this.store.firstOpSeq();
    const lastOpSeq = this.store.lastOpSeq();
    return {
      points: this.state.count,
      indexedVectors: this.index.indexedCount,
      pendingLinks: this.index.pendingLinks,
      appliedSeq: this.appliedSeq,
      payloadSchema: this.payloadIndexes.schemaInfo(),
      deletedRatio: this.index.deletedRatio,
      memoryBytes: this.index.memoryBytes() + (this.quantizer?.memoryBytes() ?? 0),
      diskBytes: this.store.sizeBytes(),
      checkpointSeq: this.checkpointSeq,
      checkpointAtMs: this.checkpointAtMs,
      opLogRecords: lastOpSeq >= firstOpSeq ? lastOpSeq - firstOpSeq + 1 : 0,
      quantization: this.quantizer?.trained === true ? { kind: this.quantizer.kind, codeBytes: this.quantizer.codeBytes } : undefined,
    };
  }

  get lastAppliedSeq(): number {
    return this.appliedSeq;
  }

  /** The oldest op-log record still kept (lastAppliedSeq + 1 when the log is empty). */
  get firstOpSeq(): number {
    return this.store.firstOpSeq();
  }

  /** Raw op-log records after `afterSeq` (replication, incremental backup, tests). */
  *opsAfter(afterSeq: number): Generator<{ seq: number; record: Uint8Array }> {
    yield* this.store.iterateOps(afterSeq);
  }

  /**
   * Op-log records `fromSeq..toSeq` (inclusive) with their commit times, in order (incremental
   * backups). Records already truncated are simply absent: compare with `firstOpSeq` first.
   */
  *readOps(fromSeq: number, toSeq: number): Generator<TimedOp> {
    for (const { seq, record } of this.store.iterateOps(Math.max(0, fromSeq - 1))) {
      if (seq > toSeq) return;
      yield { seq, record, committedAtMs: operationCommitTimeMs(record) };
    }
  }

  /**
   * Records that a backup now holds every op through `seq`: later ones stay in the op log
   * until the next backup (only with `retainOpsForBackup`; persisted in the shard's meta).
   */
  setBackupWatermark(seq: number): void {
    this.assertOpen();
    if (this.backupWatermark === undefined) return;
    this.store.setMetaNumber(META_BACKUP_WATERMARK, seq);
    this.backupWatermark = seq;
    this.scheduleIndexer();
  }

  /**
   * A random id given to the shard's store on first use and kept in it (and in its copies): a
   * collection deleted and created again under the same name gets a new one, so an
   * incremental backup never appends the new op log to the old one's chain.
   */
  get uid(): string {
    this.assertOpen();
    const stored = this.store.getMeta(META_SHARD_UID);
    if (stored !== undefined) return decoder.decode(stored);
    const uid = randomUUID();
    this.store.setMeta(META_SHARD_UID, encoder.encode(uid));
    return uid;
  }

  updateConfig(config: CollectionConfig): void {
    const quantizationChanged = JSON.stringify(config.quantization_config) !== JSON.stringify(this.config.quantization_config);
    this.config = config;
    if (quantizationChanged) {
      this.quantizer = undefined;
      this.quantizerBuild = undefined;
    }
    this.scheduleIndexer();
  }

  async backupTo(path: string): Promise<void> {
    await this.store.backupTo(path);
  }

  /** One step of re-sealing stored rows (key rotation, engine/reseal-job.ts); see ShardStore.resealBlobs. */
  resealRows(table: 'points' | 'ops', afterKey: number, limit: number, reseal: BlobResealer): ResealStep {
    this.assertOpen();
    return this.store.resealBlobs(table, afterKey, limit, reseal);
  }

  /** Drains the write queue, writes a final checkpoint, closes the store. */
  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0) this.flush();
    await this.checkpointing;
    this.closed = true;
    if (options.checkpoint !== false) {
      try {
        await this.checkpoint();
      } catch (error) {
        this.log('warn', 'final checkpoint failed; the index will be rebuilt on open', { dir: this.dir, error: (error as Error).message });
      }
    }
    this.store.close();
  }
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}
