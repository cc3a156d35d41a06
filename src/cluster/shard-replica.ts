/**
 * One shard replica on this node: a local engine collection fed, in order, from the shard's
 * JetStream stream with the engine's apply step (Shard.applyAt), and the read endpoint other
 * nodes fan out to.
 *
 *   start:   open the local collection (its applied sequence survives restarts); a new
 *            replica first restores the latest snapshot from the object store, if any
 *   apply:   read the stream from applied+1 (get-message; see applyLoop for why not a
 *            consumer); each message → applyAt(seq, data). The next sequence truncated (behind
 *            a snapshot while this replica was away) → restore the snapshot, continue from it
 *   serve:   once caught up with the stream's last sequence at start, subscribe to the
 *            shard's rpc subject (queue group: any replica answers) and to its own subject
 *            (retries aimed at this node); reads may wait until a given sequence is applied
 *   snapshot: write the local shard as a snapshot into the object store, then let the stream
 *            be truncated behind it (keeping `retainOps` records)
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { headers as natsHeaders, type JetStreamClient, type JetStreamManager, type Msg, type NatsConnection, type ObjectStore, type Subscription } from 'nats';
import { RvError, isRvError } from '../errors.js';
import type { Collection, Database, EngineLogger } from '../engine/index.js';
import type { PointId } from '../core/types.js';
import { localCollectionName, logSubject, rpcSubject, snapshotObjectName, streamName, type CollectionMeta } from './collection-meta.js';
import { decodeJson, encodeJson, errorReply, type RpcRequest, type RpcReply } from './rpc.js';

/** Runs `fn` in a span named `name`, child of the trace in `carrier` (W3C headers); see ClusterOptions.traceRemote. */
export type TraceRemote = <T>(name: string, carrier: Record<string, string>, fn: () => Promise<T>) => Promise<T>;

export interface ReplicaContext {
  nodeId: string;
  db: Database;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  snapshots: () => Promise<ObjectStore>;
  log: EngineLogger;
  /** Called after every applied message (metrics, lag). */
  onApplied?: (replica: ShardReplica) => void;
  /** Runs a traced request in a span, child of the sender's (ClusterOptions.traceRemote). */
  traceRemote?: TraceRemote;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** How often a replica refreshes its stream's last sequence. */
const WATCHDOG_MS = 1000;
/** Poll interval when caught up (publishes wake the loop earlier). */
const POLL_MS = 250;
/** Reads in flight while catching up. */
const READ_BATCH = 64;

export class ShardReplica {
  readonly localName: string;
  readonly stream: string;
  private stopped = false;
  private serving = false;
  private subscriptions: Subscription[] = [];
  private waiters: Waiter[] = [];
  private loop: Promise<void> | undefined;
  /** Wakes the apply loop from its nap. */
  private kick: () => void = () => undefined;
  /** The stream's last sequence as last seen (lag = this − applied). */
  streamLastSeq = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(readonly meta: CollectionMeta, readonly shard: number, private readonly ctx: ReplicaContext) {
    this.localName = localCollectionName(meta.uid, shard);
    this.stream = streamName(meta.uid, shard);
  }

  private get collection(): Collection {
    return this.ctx.db.collection(this.localName);
  }

  get applied(): number {
    return this.ctx.db.hasCollection(this.localName) ? this.collection.shard.lastAppliedSeq : 0;
  }

  get isServing(): boolean {
    return this.serving;
  }

  /** Opens or creates the local collection, then starts applying and (once caught up) serving. */
  async start(): Promise<void> {
    if (!this.ctx.db.hasCollection(this.localName)) {
      const restored = await this.restoreSnapshot().catch((error: unknown) => {
        this.ctx.log('warn', 'snapshot restore failed; starting the replica from the stream', { stream: this.stream, error: String((error as Error | undefined)?.message ?? error) });
        return false;
      });
      if (!restored) await this.ctx.db.createCollection(this.localName, this.meta.body);
    }
    const info = await this.ctx.jsm.streams.info(this.stream);
    this.streamLastSeq = info.state.last_seq;
    const catchUpTo = info.state.last_seq;
    this.ctx.log('info', 'shard replica starting', { stream: this.stream, applied: this.applied, streamLast: catchUpTo });
    this.loop = this.applyLoop();
    this.watchdog = setInterval(() => { void this.checkProgress(); }, WATCHDOG_MS);
    this.watchdog.unref();
    await this.waitApplied(catchUpTo, 10 * 60 * 1000);
    if (!this.stopped) this.serve();
  }

  /** Restores the latest snapshot of this shard from the object store; false when there is none. */
  private async restoreSnapshot(): Promise<boolean> {
    const store = await this.ctx.snapshots();
    const object = await store.get(snapshotObjectName(this.meta.uid, this.shard));
    if (object === null) return false;
    const dir = await mkdtemp(join(tmpdir(), 'rv-snap-'));
    try {
      const file = join(dir, 'shard.snapshot');
      await pipeline(Readable.fromWeb(object.data as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(file));
      const failure = await object.error;
      if (failure !== null && failure !== undefined) throw failure;
      await this.ctx.db.recoverSnapshot(this.localName, file);
      this.ctx.log('info', 'shard replica restored from snapshot', { stream: this.stream, applied: this.applied });
      return true;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Reads the stream from applied+1 until stopped, message by message with JetStream's
   * get-message API (a batch of requests in flight while far behind), applying each in order.
   * Caught up, it waits for a wake-up: a plain NATS subscription on the shard's subject (any
   * publish), or a short poll. Not an ordered consumer: after a NATS server is killed those can
   * stall silently, and their internal re-creation loop retries forever once the connection is
   * closed. A read that finds the sequence truncated (behind a snapshot) restores the snapshot.
   */
  private async applyLoop(): Promise<void> {
    const wakeups = this.ctx.nc.subscribe(logSubject(this.meta.uid, this.shard), { callback: () => this.kick() });
    try {
      while (!this.stopped) {
        const next = this.applied + 1;
        const batch = this.streamLastSeq > next ? Math.min(READ_BATCH, this.streamLastSeq - next + 1) : 1;
        const reads = Array.from({ length: batch }, (_, i) => this.ctx.jsm.streams.getMessage(this.stream, { seq: next + i }));
        let progressed = false;
        for (const read of reads) {
          let message: { seq: number; data: Uint8Array };
          try {
            message = await read;
          } catch (error) {
            void Promise.allSettled(reads);
            if (!this.stopped) await this.afterReadFailure(error);
            break;
          }
          if (this.stopped || !this.applyOne(message.seq, message.data)) break;
          progressed = true;
        }
        if (!progressed && !this.stopped) await this.nap();
      }
    } finally {
      wakeups.unsubscribe();
    }
  }

  /** A read failed: not there yet (caught up), truncated (gap → snapshot), or NATS trouble (retry). */
  private async afterReadFailure(error: unknown): Promise<void> {
    const message = (error as Error | undefined)?.message ?? String(error);
    if (!/no message found/i.test(message)) {
      this.ctx.log('debug', 'stream read failed; retrying', { stream: this.stream, applied: this.applied, error: message });
      return;
    }
    const info = await this.ctx.jsm.streams.info(this.stream).catch(() => undefined);
    if (info === undefined) return;
    this.streamLastSeq = info.state.last_seq;
    if (info.state.first_seq > this.applied + 1 && info.state.last_seq >= info.state.first_seq) {
      this.ctx.log('warn', 'the shard stream was truncated past this replica (behind a snapshot): restoring the snapshot', { stream: this.stream, applied: this.applied, firstSeq: info.state.first_seq });
      await this.repairGap();
    }
  }

  /** Waits for a wake-up (a publish on the shard's subject, a stop) or the poll interval. */
  private nap(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.kick = () => undefined; resolve(); }, POLL_MS);
      this.kick = () => {
        clearTimeout(timer);
        this.kick = () => undefined;
        resolve();
      };
    });
  }

  /**
   * Seconds since the oldest entry this replica has not applied yet was stored in the stream
   * (0 when caught up): one get-message of that entry. Undefined when NATS cannot say now.
   */
  async lagSeconds(): Promise<number | undefined> {
    if (this.streamLastSeq <= this.applied) return 0;
    try {
      const oldest = await this.ctx.jsm.streams.getMessage(this.stream, { seq: this.applied + 1 });
      return Math.max(0, (Date.now() - oldest.time.getTime()) / 1000);
    } catch {
      return undefined; // applied meanwhile and truncated, or NATS unreachable: skip this sample
    }
  }

  /** Refreshes the stream's last sequence (lag, read batching). */
  private async checkProgress(): Promise<void> {
    if (this.stopped || this.checking) return;
    this.checking = true;
    try {
      const info = await this.ctx.jsm.streams.info(this.stream);
      this.streamLastSeq = info.state.last_seq;
    } catch (error) {
      this.ctx.log('debug', 'stream position check failed', { stream: this.stream, error: (error as Error).message });
    } finally {
      this.checking = false;
    }
  }

  /** Applies one message; false when the loop must read again from applied+1 (a gap, a failed apply). */
  private applyOne(seq: number, data: Uint8Array): boolean {
    try {
      this.collection.shard.applyAt(seq, data);
    } catch (error) {
      // A gap: applied moved (a snapshot was restored) while reads were in flight. Anything else
      // (storage trouble): logged, and the same sequence is tried again after a pause.
      if (!(isRvError(error) && error.code === 'RV_OPLOG_GAP')) {
        this.ctx.log('error', 'applying a shard stream record failed; retrying', { stream: this.stream, seq, applied: this.applied, error: (error as Error).message });
      }
      return false;
    }
    this.ctx.onApplied?.(this);
    this.resolveWaiters();
    return true;
  }

  private async repairGap(): Promise<void> {
    try {
      await this.restoreSnapshot();
    } catch (error) {
      this.ctx.log('error', 'snapshot restore after a gap failed', { stream: this.stream, error: (error as Error).message });
    }
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const applied = this.applied;
    const ready = this.waiters.filter((w) => w.seq <= applied);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > applied);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolves when the replica has applied `seq`; RV_CLUSTER_TIMEOUT after `timeoutMs`. */
  waitApplied(seq: number, timeoutMs: number): Promise<void> {
    if (seq <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        seq,
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new RvError('RV_CLUSTER_TIMEOUT', `shard ${this.meta.name}/${this.shard} on node ${this.ctx.nodeId} did not reach sequence ${seq} within ${timeoutMs} ms (applied ${this.applied})`, { details: { collection: this.meta.name, shard: this.shard, seq, applied: this.applied } }));
      }, timeoutMs);
      timer.unref();
      this.waiters.push(waiter);
    });
  }

  private serve(): void {
    this.serving = true;
    const handler = (error: Error | null, msg: Msg): void => {
      if (error !== null) return;
      void this.answer(msg);
    };
    this.subscriptions.push(
      this.ctx.nc.subscribe(rpcSubject(this.meta.uid, this.shard), { queue: 'replicas', callback: handler }),
      this.ctx.nc.subscribe(rpcSubject(this.meta.uid, this.shard, this.ctx.nodeId), { callback: handler }),
    );
  }

  private async answer(msg: Msg): Promise<void> {
    const started = performance.now();
    const correlation = msg.headers?.get('x-correlation-id');
    const traceparent = msg.headers?.get('traceparent');
    const serve = async (): Promise<RpcReply> => {
      try {
        const request = decodeJson<RpcRequest>(msg.data);
        if (request.after !== undefined && request.after > this.applied) await this.waitApplied(request.after, Math.max(1, request.waitMs ?? 0));
        return { node: this.ctx.nodeId, applied: this.applied, result: this.execute(request) };
      } catch (error) {
        return { node: this.ctx.nodeId, applied: this.applied, ...errorReply(error) };
      }
    };
    // Traced when the sender's request was: a span under the receiving node's request span.
    const reply = this.ctx.traceRemote === undefined || traceparent === undefined || traceparent === '' ? await serve()
      : await this.ctx.traceRemote(`ruvector.shard.${this.stream}`, {
        traceparent,
        ...(msg.headers?.get('tracestate') ? { tracestate: msg.headers.get('tracestate') } : {}),
        ...(correlation ? { 'x-correlation-id': correlation } : {}),
      }, serve);
    const h = natsHeaders();
    if (correlation !== undefined && correlation !== '') h.set('x-correlation-id', correlation);
    h.set('x-ruvector-served-ms', (performance.now() - started).toFixed(3));
    msg.respond(encodeJson(reply), { headers: h });
  }

  private execute(request: RpcRequest): unknown {
    const collection = this.collection;
    switch (request.op) {
      case 'search': return collection.search(request.body);
      case 'count': return collection.count(request.body);
      case 'retrieve': return collection.retrieve(request.body);
      case 'scroll': return collection.scroll(request.body);
      case 'versions': {
        // [id, version] of each id this shard holds (the receiving node validated the ids).
        const ids = Array.isArray(request.body.ids) ? request.body.ids as PointId[] : [];
        const out: [PointId, number][] = [];
        for (const id of ids) {
          const internalId = collection.shard.internalIdOf(id);
          const version = internalId === undefined ? undefined : collection.shard.point(internalId, false)?.version;
          if (version !== undefined) out.push([id, version]);
        }
        return out;
      }
      case 'applied': return this.applied;
      case 'info': {
        const info = collection.info();
        return { points: info.points, indexedVectors: info.indexedVectors, pendingLinks: info.pendingLinks, payloadSchema: info.payloadSchema };
      }
      default: throw new RvError('RV_INVALID_ARGUMENT', `unknown shard request ${JSON.stringify((request as { op: unknown }).op)}`);
    }
  }

  /**
   * Writes this replica as the shard's latest snapshot in the object store and truncates the
   * stream behind it, keeping `retainOps` records. Returns the snapshot's sequence.
   */
  async publishSnapshot(retainOps: number): Promise<number> {
    const seq = this.applied;
    const description = await this.ctx.db.createSnapshot(this.localName);
    const path = await this.ctx.db.snapshotFilePath(this.localName, description.name);
    try {
      const store = await this.ctx.snapshots();
      const source = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
      await store.put({ name: snapshotObjectName(this.meta.uid, this.shard), description: `shard ${this.meta.name}/${this.shard} at sequence ${seq}`, metadata: { seq: String(seq), node: this.ctx.nodeId } }, source);
    } finally {
      await this.ctx.db.deleteSnapshot(this.localName, description.name);
    }
    const keepFrom = seq - retainOps + 1;
    if (keepFrom > 1) await this.ctx.jsm.streams.purge(this.stream, { seq: keepFrom });
    this.ctx.log('info', 'shard snapshot published', { stream: this.stream, seq, bytes: description.size, truncatedBefore: Math.max(1, keepFrom) });
    return seq;
  }

  /** Stops applying and serving; the local collection stays (drop() deletes it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.serving = false;
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    this.kick();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new RvError('RV_CLUSTER_UNAVAILABLE', `shard replica ${this.stream} stopped`, { details: { stream: this.stream } }));
    await this.loop?.catch(() => undefined);
  }

  /** Stops and deletes the local collection (the collection was deleted cluster-wide). */
  async drop(): Promise<void> {
    await this.stop();
    await this.ctx.db.deleteCollection(this.localName);
  }
}

