/**
 * A RuVector node in a cluster: the composition of everything in src/cluster/ over one NATS
 * connection and the node's local engine Database (which holds only shard replicas, named
 * c-<uid>-s<shard>). It is also the data plane the server's routes call in cluster mode.
 *
 *   metadata    KV bucket `ruvector_meta` (replicated): collections (config, shard count,
 *               replication factor, uid) and aliases; every node watches it and converges
 *   security    API keys and API-managed roles in the same bucket (SecuritySync), once the
 *               server's security context exists: replicateSecurity()
 *   membership  KV bucket `ruvector_nodes` with a TTL: heartbeats with each node's serving
 *               replicas and applied sequences
 *   placement   rendezvous hash over the live nodes: each shard on `replication_factor` nodes;
 *               a node that leaves is replaced by the next in rendezvous order (its replica
 *               starts from snapshot + tail); a replica outside the placement is dropped only
 *               once every placed replica serves and has applied what it had (surplusGraceMs)
 *   writes      validated by the engine's Collection (ClusterWriter), split per shard, published
 *               with a message id (JetStream de-duplicates retries) and acknowledged by the
 *               stream's quorum; wait=true also waits until one replica has applied it
 *   reads       fan-out to one replica of every shard (FanOut), merge top-k; read-your-writes
 *               by a token of per-shard sequences returned by writes
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  connect, DiscardPolicy, RetentionPolicy, StorageType, type ConnectionOptions, type JetStreamClient, type JetStreamManager, type KV,
  type NatsConnection, type ObjectStore,
} from 'nats';
import { RvError, isRvError } from '../errors.js';
import { applyCollectionUpdate, averageQuery, comparePointIds, encodeOperation, parseCreateCollection, parsePointId, type CollectionConfig, type Database, type EngineLogger, type Operation, type PointRecord, type ScoredPoint } from '../engine/index.js';
import { isObject, parseLimit, parseNonNegativeInt, parsePointIds, parseVector } from '../engine/input.js';
import type { WriteOptions } from '../engine/collection.js';
import type { PointId } from '../core/types.js';
import { metricFor } from '../core/distance/metric.js';
import { ClusterWriter } from './cluster-writer.js';
import { logSubject, MAX_COLLECTION_UPDATES, newCollectionUid, parseLocalCollectionName, streamName, type CollectionMeta } from './collection-meta.js';
import { contextHeaders, FanOut, type RequestContext } from './fan-out.js';
import { rankByRendezvous, shardOfPoint } from './hashing.js';
import { SecuritySync } from './security-sync.js';
import { ShardReplica, type TraceRemote } from './shard-replica.js';
import { keepWatching } from './kept-watch.js';
import { chunkForSize, splitOperation } from './split-operation.js';
import type { RpcOp, RpcRequest } from './rpc.js';
import type { DependencyPolicies } from '../reliability/index.js';
import type { KeyStore } from '../security/keys/key-store.js';
import type { RoleRegistry } from '../security/rbac/role-registry.js';

export interface ClusterTlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface ClusterOptions {
  /** NATS server URLs, e.g. nats://h1:4222. */
  servers: string[];
  /** This node's id: 1 to 64 of A-Z a-z 0-9 _ -. */
  nodeId: string;
  /** This node's HTTP URL as other nodes and clients reach it (reported in GET /cluster). */
  advertiseUrl?: string;
  tls?: ClusterTlsOptions;
  /** Time limit of connecting to NATS at start (default 20 s). */
  connectTimeoutMs?: number;
  /** NATS user and password (from the secrets provider; never logged). */
  user?: string;
  pass?: string;
  /** NATS token (from the secrets provider; never logged); instead of user and password. */
  token?: string;
  /** Replicas of each shard when the create body has no replication_factor. */
  defaultReplicationFactor?: number;
  /** Largest JetStream replica count of a shard stream (≤ NATS servers, ≤ 5). */
  maxStreamReplicas?: number;
  /** JetStream replicas of the metadata and membership buckets. */
  metaReplicas?: number;
  heartbeatMs?: number;
  /** A node whose last heartbeat is older than this is unhealthy (and leaves the placement). */
  nodeTtlMs?: number;
  /**
   * How long a local replica must have been surplus (outside the placement, with every placed
   * replica healthy, serving and caught up to it) before it is dropped; default 2 × nodeTtlMs.
   */
  surplusGraceMs?: number;
  /** Time limit of one shard request. */
  requestTimeoutMs?: number;
  /** How long a write keeps retrying its publish (e.g. through a stream leader election). */
  writeTimeoutMs?: number;
  /** How long read-your-writes and wait=true wait for a replica to reach the sequence. */
  readWaitMs?: number;
  /** A shard snapshot goes to the object store every this many applied operations (0: never). */
  snapshotEveryOps?: number;
  /** Stream records kept behind the latest snapshot. */
  streamRetainOps?: number;
  logger?: EngineLogger;
  /**
   * The process's breaker registry (reliability's DependencyPolicies): the fan-out's per-node
   * breakers are created in it, so `/ready` and `ruvector_circuit_breaker_state` list them.
   */
  dependencies?: DependencyPolicies;
  /** Metrics hooks (fed by the caller into prom-client); `observe()` adds more once metrics exist. */
  onFanOut?: (op: RpcOp, seconds: number, outcome: 'ok' | 'error') => void;
  onApplied?: (collection: string, shard: number, lag: number) => void;
  onReconnect?: () => void;
  /**
   * Runs a shard request that arrived with a W3C `traceparent` in a span of its own, child of
   * the sender's (main.ts passes `Tracing.runJob` with the headers as carrier); absent: untraced.
   */
  traceRemote?: TraceRemote;
}


/** Metric observers attached after the start (the server's metrics exist only after the node joined). */
export interface ClusterObservers {
  /** One scatter-gather over a collection's shards (retries included) finished. */
  onFanOut?: (op: RpcOp, seconds: number, outcome: 'ok' | 'error') => void;
  /** The NATS connection was re-established. */
  onReconnect?: () => void;
  /** NATS elected a new leader for an op-log stream that already existed (not its first election). */
  onStreamLeaderElected?: (stream: string, leader: string) => void;
  /** This node started a replica of a shard already served elsewhere (a node left or joined, or replication_factor rose). */
  onReplicaReassigned?: (stream: string) => void;
}

export interface NodeStatus {
  id: string;
  url: string | null;
  startedAt: string;
  /** ms since the epoch of the last heartbeat. */
  heartbeatAt: number;
  healthy: boolean;
  /** Serving replicas: stream name → applied sequence. */
  replicas: Record<string, number>;
}

interface Heartbeat {
  id: string;
  url: string | null;
  startedAt: string;
  at: number;
  replicas: Record<string, number>;
}

/** What a write returns besides Qdrant's result: the read-your-writes token. */
export interface ClusterWriteResult<T> {
  result: T;
  token: Map<number, number>;
}

export interface ClusterCollectionStats {
  meta: CollectionMeta;
  config: CollectionConfig;
  points: number;
  indexedVectors: number;
  pendingLinks: number;
  payloadSchema: Record<string, unknown>;
}

const META_BUCKET = 'ruvector_meta';
const NODES_BUCKET = 'ruvector_nodes';
const SNAPSHOT_BUCKET = 'ruvector_snapshots';
const COLLECTION_PREFIX = 'collections.';
const ALIASES_KEY = 'aliases';
const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SHARDS = 64;
/**
 * One publish attempt's time limit. During a stream leader election a publish gets no answer
 * until a new leader exists; short attempts retried (same message id, de-duplicated) notice the
 * new leader sooner. (Attempts doubling to 5 s were tried: the longest write during a failover
 * grew from 6.6 s to 11.6 s. The cost of short attempts: a stream that is only slow is sent the
 * same record every ~2.2 s until it answers, which JetStream de-duplicates.)
 */
const PUBLISH_ATTEMPT_MS = 2000;
/** The longest one step of close() waits on NATS. */
const CLOSE_STEP_MS = 5000;
/** A stream's leader election this soon after its collection was created is its first one. */
const FIRST_ELECTION_MS = 15000;

const collectionKey = (name: string): string => `${COLLECTION_PREFIX}${Buffer.from(name).toString('base64url')}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Point ids grouped by the shard that owns each (order kept within a shard). */
function groupByShard(ids: readonly PointId[], shardNumber: number): Map<number, PointId[]> {
  const byShard = new Map<number, PointId[]>();
  for (const id of ids) {
    const shard = shardOfPoint(id, shardNumber);
    const list = byShard.get(shard);
    if (list === undefined) byShard.set(shard, [id]);
    else list.push(id);
  }
  return byShard;
}

function integerField(body: Record<string, unknown>, field: string, min: number, max: number, fallback: number): number {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RvError('RV_COLLECTION_CONFIG', `${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, { details: { field } });
  }
  return value;
}

export class ClusterNode {
  readonly nodeId: string;
  private readonly collections = new Map<string, CollectionMeta>();
  private aliases: Record<string, string> = {};
  private readonly nodes = new Map<string, Heartbeat>();
  private readonly replicas = new Map<string, ShardReplica>();
  private readonly fanOut: FanOut;
  private readonly log: EngineLogger;
  private readonly startedAt = new Date().toISOString();
  private reconciling: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private objectStore: Promise<ObjectStore> | undefined;
  private readonly snapshotting = new Set<string>();
  private readonly lastSnapshotSeq = new Map<string, number>();
  private readonly background: Promise<unknown>[] = [];
  /** Replicas being started: stream → resolves once serving (or failed). */
  private readonly starting = new Map<string, Promise<void>>();
  reconnects = 0;
  /** Set while the NATS connection is down (between a disconnect and the reconnect). */
  private disconnectedSince: Date | undefined;
  private advertiseUrl: string | undefined;
  private readonly observers = new Set<ClusterObservers>();
  private securitySync: SecuritySync | undefined;
  /** Local replica stream → `<uid>:<update count>` its config was last synced to. */
  private readonly syncedConfigs = new Map<string, string>();
  /** Op-log stream → its leader as the last leader-elected advisory named it. */
  private readonly streamLeaders = new Map<string, string>();
  /** Local replicas outside the placement: stream → since when, and the sequence they had applied then. */
  private readonly surplus = new Map<string, { since: number; applied: number }>();

  private constructor(
    private readonly db: Database,
    private readonly options: ClusterOptions,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly meta: KV,
    private readonly members: KV,
  ) {
    this.nodeId = options.nodeId;
    this.advertiseUrl = options.advertiseUrl;
    this.log = options.logger ?? (() => undefined);
    this.fanOut = new FanOut(nc, { timeoutMs: this.requestTimeoutMs, ...(options.dependencies === undefined ? {} : { policies: options.dependencies }) });
    if (options.onFanOut !== undefined || options.onReconnect !== undefined) this.observers.add({ onFanOut: options.onFanOut, onReconnect: options.onReconnect });
  }

  /** Adds metric observers; returns the function that removes them. An observer that throws never fails the request. */
  observe(observers: ClusterObservers): () => void {
    this.observers.add(observers);
    return () => { this.observers.delete(observers); };
  }

  private notify(call: (observers: ClusterObservers) => void): void {
    for (const observers of this.observers) {
      try {
        call(observers);
      } catch (error) {
        this.log('warn', 'a metrics observer failed', { error: (error as Error).message });
      }
    }
  }

  /** Runs one scatter-gather and reports its duration to the observers. */
  private async timedFanOut<T>(op: RpcOp, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: 'ok' | 'error' = 'error';
    try {
      const result = await run();
      outcome = 'ok';
      return result;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.notify((o) => o.onFanOut?.(op, seconds, outcome));
    }
  }

  /**
   * Replicates the node's stored API keys and API-managed roles through the metadata bucket
   * (see security-sync.ts); resolves once this node and the cluster agree.
   */
  async replicateSecurity(keys: KeyStore, roles: RoleRegistry): Promise<void> {
    if (this.securitySync !== undefined) throw new Error('replicateSecurity was called twice');
    this.securitySync = await SecuritySync.start(this.meta, keys, roles, this.log);
  }

  /** Sets the HTTP URL peers see in the heartbeats (known only once the server listens). */
  advertise(url: string): void {
    this.advertiseUrl ??= url;
  }

  /** The engine limits requests are checked against. */
  get limits(): Database['limits'] {
    return this.db.limits;
  }

  private get requestTimeoutMs(): number { return this.options.requestTimeoutMs ?? 5000; }
  private get readWaitMs(): number { return this.options.readWaitMs ?? 10000; }
  private get nodeTtlMs(): number { return this.options.nodeTtlMs ?? 10000; }

  /** Connects to NATS, opens the buckets, loads the metadata and starts hosting replicas. */
  static async start(db: Database, options: ClusterOptions): Promise<ClusterNode> {
    if (!NODE_ID_PATTERN.test(options.nodeId)) {
      throw new RvError('RV_CONFIG_INVALID', `cluster.node_id ${JSON.stringify(options.nodeId)} is invalid: 1 to 64 of A-Z a-z 0-9 _ -`, { details: { field: 'cluster.node_id' } });
    }
    if (options.servers.length === 0) throw new RvError('RV_CONFIG_INVALID', 'cluster.servers: at least one NATS URL is needed', { details: { field: 'cluster.servers' } });
    const connectOptions: ConnectionOptions = {
      servers: options.servers,
      name: `ruvector-${options.nodeId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 2000,
      maxPingOut: 3,
      ...(options.user === undefined ? {} : { user: options.user, pass: options.pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
    };
    const connectTimeoutMs = options.connectTimeoutMs ?? 20000;
    const withTimeout = <T>(promise: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs); });
      return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
    };
    let nc: NatsConnection | undefined;
    const connecting = connect(connectOptions);
    try {
      nc = await withTimeout(connecting);
      // A server refusing the client certificate may close the connection only after the
      // client's side of the TLS handshake is done: a round trip proves the connection works.
      await withTimeout(nc.flush());
    } catch (cause) {
      void connecting.then((late) => late.close(), () => undefined);
      throw new RvError('RV_CLUSTER_UNAVAILABLE', `cannot connect to NATS at ${options.servers.join(', ')}: ${(cause as Error).message}`, { cause, details: { servers: options.servers } });
    }
    try {
      const js = nc.jetstream();
      const replicas = options.metaReplicas ?? 3;
      // JetStream may still be electing its meta leader (a cluster cold start, NATS restarted):
      // its API times out until then, so opening the buckets is retried until connectTimeoutMs.
      const ready = Date.now() + connectTimeoutMs;
      const open = async () => ({
        jsm: await nc!.jetstreamManager(),
        meta: await js.views.kv(META_BUCKET, { replicas, history: 1 }),
        members: await js.views.kv(NODES_BUCKET, { replicas, history: 1, ttl: (options.nodeTtlMs ?? 10000) * 3 }),
      });
      let opened: Awaited<ReturnType<typeof open>> | undefined;
      for (let attempt = 1; opened === undefined; attempt++) {
        try {
          opened = await open();
        } catch (error) {
          if (Date.now() >= ready) throw new RvError('RV_CLUSTER_UNAVAILABLE', `NATS JetStream did not answer within ${connectTimeoutMs} ms: ${(error as Error).message}`, { cause: error, details: { servers: options.servers } });
          options.logger?.('warn', 'NATS JetStream not ready yet; retrying', { attempt, error: (error as Error).message });
          await sleep(Math.min(2000, 250 * attempt));
        }
      }
      const { jsm, meta, members } = opened;
      const node = new ClusterNode(db, options, nc, js, jsm, meta, members);
      await node.begin();
      return node;
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  private async begin(): Promise<void> {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'reconnect') {
          this.disconnectedSince = undefined;
          this.reconnects++;
          this.notify((o) => o.onReconnect?.());
          this.log('info', 'reconnected to NATS', { server: status.data });
        } else if (status.type === 'disconnect') {
          this.disconnectedSince ??= new Date();
          this.log('warn', 'disconnected from NATS', { server: status.data });
        }
      }
    })();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.snapshots();
        break;
      } catch (error) {
        // Several nodes creating the bucket at once may time out one another: try again.
        if (attempt >= 5) throw error;
        await sleep(500 * attempt);
      }
    }
    this.watchLeaderElections();
    await this.heartbeat();
    await this.watchMembers();
    await this.watchMeta();
    this.heartbeatTimer = setInterval(() => { void this.heartbeat().catch((error: unknown) => this.log('warn', 'heartbeat failed', { error: (error as Error).message })); }, this.options.heartbeatMs ?? 2000);
    // Local replicas of collections deleted while this node was away.
    for (const name of this.db.listCollections()) {
      const parsed = parseLocalCollectionName(name);
      if (parsed !== undefined && ![...this.collections.values()].some((m) => m.uid === parsed.uid)) {
        this.log('info', 'dropping the local replica of a deleted collection', { local: name });
        await this.db.deleteCollection(name);
      }
    }
    this.reconcile();
    await this.reconciling;
  }

  // ------------------------------------------------------------------ metadata and membership

  private async watchMeta(): Promise<void> {
    const watcher = await this.meta.watch();
    let initialDone!: () => void;
    const initial = new Promise<void>((r) => { initialDone = r; });
    const pending = keepWatching({ label: 'metadata', watcher, reopen: () => this.meta.watch(), isClosed: () => this.closed, log: this.log, onEntry: (entry) => {
      if (entry.key === ALIASES_KEY) {
        this.aliases = entry.operation === 'PUT' && entry.value.length > 0 ? entry.json<Record<string, string>>() : {};
      } else if (entry.key.startsWith(COLLECTION_PREFIX)) {
        if (entry.operation === 'PUT' && entry.value.length > 0) {
          const meta = entry.json<CollectionMeta>();
          this.collections.set(meta.name, meta);
        } else {
          const name = Buffer.from(entry.key.slice(COLLECTION_PREFIX.length), 'base64url').toString();
          this.collections.delete(name);
        }
        if (entry.delta === 0) this.reconcile();
      }
      if (entry.delta === 0) initialDone();
    } });
    this.background.push(pending);
    const status = await this.meta.status();
    if (status.values === 0) initialDone();
    await initial;
  }

  /**
   * JetStream's leader-elected advisories for the op-log streams (RV_<uid>_<shard>). A stream's
   * first election, right after its collection was created, is not a change and is not reported.
   */
  private watchLeaderElections(): void {
    const subscription = this.nc.subscribe('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.*', {
      callback: (error, msg) => {
        if (error !== null) return;
        const stream = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
        const match = /^RV_([0-9a-f]+)_\d+$/.exec(stream);
        if (match === null) return;
        let leader = '';
        try {
          leader = String((JSON.parse(new TextDecoder().decode(msg.data)) as { leader?: unknown }).leader ?? '');
        } catch {
          // the advisory's body is informative only
        }
        const previous = this.streamLeaders.get(stream);
        this.streamLeaders.set(stream, leader);
        if (previous === leader) return;
        // Not seen before: a change unless the collection is young (its streams' first elections).
        const meta = [...this.collections.values()].find((m) => m.uid === match[1]);
        if (previous === undefined && (meta === undefined || Date.now() - Date.parse(meta.createdAt) < FIRST_ELECTION_MS)) return;
        this.log('info', 'op-log stream leader elected', { stream, leader, previous: previous ?? null });
        this.notify((o) => o.onStreamLeaderElected?.(stream, leader));
      },
    });
    this.background.push(subscription.closed);
  }

  private async watchMembers(): Promise<void> {
    const watcher = await this.members.watch();
    let initialDone!: () => void;
    const initial = new Promise<void>((r) => { initialDone = r; });
    const pending = keepWatching({ label: 'membership', watcher, reopen: () => this.members.watch(), isClosed: () => this.closed, log: this.log, onEntry: (entry) => {
      const id = entry.key.slice('nodes.'.length);
      const known = this.nodes.has(id);
      if (entry.operation === 'PUT' && entry.value.length > 0) this.nodes.set(id, entry.json<Heartbeat>());
      else this.nodes.delete(id);
      if (!known && entry.delta === 0) this.reconcile();
      if (entry.delta === 0) initialDone();
    } });
    this.background.push(pending);
    await initial;
  }

  private async heartbeat(): Promise<void> {
    if (this.closed) return;
    const replicas: Record<string, number> = {};
    for (const replica of this.replicas.values()) if (replica.isServing) replicas[replica.stream] = replica.applied;
    const beat: Heartbeat = { id: this.nodeId, url: this.advertiseUrl ?? null, startedAt: this.startedAt, at: Date.now(), replicas };
    await this.members.put(`nodes.${this.nodeId}`, JSON.stringify(beat));
    // A node that stopped beating leaves the placement: re-evaluate now and then.
    this.reconcile();
    this.maybeSnapshot();
  }

  /** Live nodes (fresh heartbeat), this node included. */
  liveNodes(): string[] {
    const now = Date.now();
    const live = new Set([this.nodeId]);
    for (const [id, beat] of this.nodes) if (now - beat.at <= this.nodeTtlMs) live.add(id);
    return [...live].sort();
  }

  nodeStatuses(): NodeStatus[] {
    const now = Date.now();
    return [...this.nodes.values()].map((beat) => ({
      id: beat.id, url: beat.url, startedAt: beat.startedAt, heartbeatAt: beat.at, healthy: now - beat.at <= this.nodeTtlMs, replicas: beat.replicas,
    })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Nodes that should host (uid, shard): the first `replication_factor` of the live nodes by rendezvous. */
  private placement(meta: CollectionMeta, shard: number): string[] {
    return rankByRendezvous(`${meta.uid}/${shard}`, this.liveNodes()).slice(0, meta.replicationFactor);
  }

  /** Healthy nodes serving a replica of the shard (from heartbeats), this node first when it serves one. */
  private servingNodes(meta: CollectionMeta, shard: number): string[] {
    const stream = streamName(meta.uid, shard);
    return this.nodeStatuses().filter((n) => n.healthy && stream in n.replicas).map((n) => n.id);
  }

  private reconcile(): void {
    this.reconciling = this.reconciling.then(() => this.reconcileNow()).catch((error: unknown) => {
      this.log('error', 'cluster reconcile failed', { error: (error as Error).message });
    });
  }

  private async reconcileNow(): Promise<void> {
    if (this.closed) return;
    const wanted = new Set<string>();
    for (const meta of this.collections.values()) {
      for (let shard = 0; shard < meta.shardNumber; shard++) {
        const stream = streamName(meta.uid, shard);
        const existing = this.replicas.get(stream);
        wanted.add(stream);
        if (existing !== undefined) {
          await this.syncReplicaConfig(existing, meta).catch((error: unknown) => this.log('warn', 'updating a replica\'s config failed (retried with the next reconcile)', { stream, error: (error as Error).message }));
          continue;
        }
        const replica = new ShardReplica(meta, shard, {
          nodeId: this.nodeId, db: this.db, nc: this.nc, js: this.js, jsm: this.jsm, log: this.log,
          snapshots: () => this.snapshots(),
          ...(this.options.traceRemote === undefined ? {} : { traceRemote: this.options.traceRemote }),
          onApplied: (r) => this.options.onApplied?.(r.meta.name, r.shard, Math.max(0, r.streamLastSeq - r.applied)),
        });
        const hostsAlready = this.db.hasCollection(replica.localName);
        if (!hostsAlready && !this.placement(meta, shard).includes(this.nodeId)) continue;
        if (!hostsAlready && this.servingNodes(meta, shard).some((id) => id !== this.nodeId)) this.notify((o) => o.onReplicaReassigned?.(stream));
        this.replicas.set(stream, replica);
        this.syncedConfigs.delete(stream); // a new local copy: its config is checked afresh
        const started = replica.start().then(() => this.heartbeat()).catch((error: unknown) => {
          this.log('error', 'shard replica failed to start', { stream, error: (error as Error).message });
          if (this.replicas.get(stream) === replica) this.replicas.delete(stream);
          void replica.stop();
        });
        this.starting.set(stream, started);
        this.background.push(started);
      }
    }
    for (const [stream, replica] of this.replicas) {
      if (wanted.has(stream) && !this.surplusLongEnough(replica)) continue;
      this.replicas.delete(stream);
      this.surplus.delete(stream);
      this.syncedConfigs.delete(stream);
      if (wanted.has(stream)) this.log('info', 'dropping a surplus replica: the placed replicas serve and are caught up', { stream, applied: replica.applied });
      await replica.drop().catch((error: unknown) => this.log('warn', 'dropping a replica failed', { stream, error: (error as Error).message }));
    }
  }

  /**
   * Whether a local replica is outside the shard's placement while every placed node is
   * healthy and serves the shard at least as far as this replica had applied when it became
   * surplus, and has been so for surplusGraceMs. Never true while the placement is short of
   * replication_factor nodes: then every copy is kept.
   */
  private surplusLongEnough(replica: ShardReplica): boolean {
    const meta = this.collections.get(replica.meta.name);
    if (meta === undefined || meta.uid !== replica.meta.uid) return false; // being deleted: the caller drops it
    const placed = this.placement(meta, replica.shard);
    if (!replica.isServing || placed.includes(this.nodeId) || placed.length < meta.replicationFactor) {
      this.surplus.delete(replica.stream);
      return false;
    }
    let mark = this.surplus.get(replica.stream);
    if (mark === undefined) {
      mark = { since: Date.now(), applied: replica.applied };
      this.surplus.set(replica.stream, mark);
    }
    const statuses = new Map(this.nodeStatuses().map((n) => [n.id, n]));
    const applied = mark.applied;
    const placedCaughtUp = placed.every((id) => {
      const status = statuses.get(id);
      return status !== undefined && status.healthy && (status.replicas[replica.stream] ?? -1) >= applied;
    });
    if (!placedCaughtUp) mark.since = Date.now();
    return placedCaughtUp && Date.now() - mark.since >= (this.options.surplusGraceMs ?? 2 * this.nodeTtlMs);
  }

  /** The snapshot object store (opened at start; reopened after a failure). */
  private snapshots(): Promise<ObjectStore> {
    if (this.objectStore === undefined) {
      const opening = this.js.views.os(SNAPSHOT_BUCKET, { replicas: this.options.metaReplicas ?? 3 });
      this.objectStore = opening;
      opening.catch(() => { if (this.objectStore === opening) this.objectStore = undefined; });
    }
    return this.objectStore;
  }

  /** The replica first in the placement among serving ones writes snapshots, every snapshotEveryOps. */
  private maybeSnapshot(): void {
    const every = this.options.snapshotEveryOps ?? 10000;
    if (every <= 0) return;
    for (const replica of this.replicas.values()) {
      if (!replica.isServing || this.snapshotting.has(replica.stream)) continue;
      const last = this.lastSnapshotSeq.get(replica.stream) ?? 0;
      if (replica.applied - last < every) continue;
      const serving = new Set(this.servingNodes(replica.meta, replica.shard));
      serving.add(this.nodeId);
      const writer = rankByRendezvous(`${replica.meta.uid}/${replica.shard}`, [...serving])[0];
      if (writer !== this.nodeId) continue;
      void this.snapshotReplica(replica);
    }
  }

  private async snapshotReplica(replica: ShardReplica): Promise<number> {
    this.snapshotting.add(replica.stream);
    try {
      const seq = await replica.publishSnapshot(this.options.streamRetainOps ?? 100000);
      this.lastSnapshotSeq.set(replica.stream, seq);
      return seq;
    } catch (error) {
      this.log('warn', 'shard snapshot failed', { stream: replica.stream, error: (error as Error).message });
      throw error;
    } finally {
      this.snapshotting.delete(replica.stream);
    }
  }

  /** Snapshots every serving local replica of a collection now (operators, tests). Returns stream → sequence. */
  async snapshotCollection(name: string): Promise<Record<string, number>> {
    const meta = this.resolve(name);
    const out: Record<string, number> = {};
    for (const replica of this.replicas.values()) {
      if (replica.meta.uid === meta.uid && replica.isServing) out[replica.stream] = await this.snapshotReplica(replica);
    }
    return out;
  }

  // ------------------------------------------------------------------ collections

  listCollections(): string[] {
    return [...this.collections.keys()].sort();
  }

  hasCollection(nameOrAlias: string): boolean {
    return this.collections.has(this.aliases[nameOrAlias] ?? nameOrAlias);
  }

  /** The collection's metadata (alias resolved); RV_COLLECTION_NOT_FOUND when absent. */
  resolve(nameOrAlias: string): CollectionMeta {
    const meta = this.collections.get(this.aliases[nameOrAlias] ?? nameOrAlias);
    if (meta === undefined) throw new RvError('RV_COLLECTION_NOT_FOUND', `Not found: Collection \`${nameOrAlias}\` doesn't exist!`, { details: { collection: nameOrAlias } });
    return meta;
  }

  /** Like resolve(), but asks the bucket when this node has not seen the collection yet (created on another node a moment ago). */
  async resolveFresh(nameOrAlias: string): Promise<CollectionMeta> {
    if (this.hasCollection(nameOrAlias)) return this.resolve(nameOrAlias);
    const aliasEntry = await this.meta.get(ALIASES_KEY);
    const aliases = aliasEntry !== null && aliasEntry.value.length > 0 ? aliasEntry.json<Record<string, string>>() : {};
    const name = aliases[nameOrAlias] ?? nameOrAlias;
    const entry = await this.meta.get(collectionKey(name));
    if (entry === null || entry.operation !== 'PUT' || entry.value.length === 0) return this.resolve(nameOrAlias);
    const meta = entry.json<CollectionMeta>();
    this.collections.set(meta.name, meta);
    return meta;
  }

  async createCollection(nameInput: unknown, bodyInput: unknown): Promise<void> {
    const name = this.db.validateName(nameInput);
    const body = isObject(bodyInput) ? { ...bodyInput } : {};
    const shardNumber = integerField(body, 'shard_number', 1, MAX_SHARDS, 1);
    const replicationFactor = integerField(body, 'replication_factor', 1, 16, this.options.defaultReplicationFactor ?? 3);
    delete body.shard_number;
    delete body.replication_factor;
    parseCreateCollection(body, this.db.limits); // validates the rest exactly as a single node does
    if (this.hasCollection(name) || name in this.aliases) {
      throw new RvError('RV_COLLECTION_EXISTS', `Wrong input: Collection \`${name}\` already exists!`, { details: { collection: name } });
    }
    const meta: CollectionMeta = {
      name, uid: newCollectionUid(), shardNumber, replicationFactor,
      streamReplicas: Math.min(replicationFactor, this.options.maxStreamReplicas ?? 3, 5),
      body, createdAt: new Date().toISOString(),
    };
    const created: string[] = [];
    try {
      for (let shard = 0; shard < shardNumber; shard++) {
        const stream = streamName(meta.uid, shard);
        await this.jsm.streams.add({
          name: stream, subjects: [logSubject(meta.uid, shard)], num_replicas: meta.streamReplicas,
          storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.Old,
          duplicate_window: 2 * 60 * 1_000_000_000, description: `RuVector op log of ${name} shard ${shard}`,
        });
        created.push(stream);
      }
      await this.meta.create(collectionKey(name), JSON.stringify(meta));
    } catch (error) {
      for (const stream of created) await this.jsm.streams.delete(stream).catch(() => undefined);
      if (isRvError(error)) throw error;
      if (/wrong last sequence|key exists/i.test((error as Error).message)) {
        throw new RvError('RV_COLLECTION_EXISTS', `Wrong input: Collection \`${name}\` already exists!`, { details: { collection: name } });
      }
      throw new RvError('RV_CLUSTER_UNAVAILABLE', `cannot create collection ${name} in the cluster: ${(error as Error).message}`, { cause: error, details: { collection: name } });
    }
    this.collections.set(name, meta);
    this.reconcile();
    await this.reconciling;
    // Answer once this node's replicas serve, so a read right after the create finds one.
    for (let shard = 0; shard < shardNumber; shard++) await this.starting.get(streamName(meta.uid, shard));
    this.log('info', 'collection created in the cluster', { collection: name, uid: meta.uid, shards: shardNumber, replicationFactor });
  }

  async deleteCollection(name: string): Promise<boolean> {
    const meta = this.collections.get(name) ?? (this.hasCollection(name) ? undefined : await this.resolveFresh(name).catch(() => undefined));
    if (meta === undefined || meta.name !== name) return false;
    await this.meta.delete(collectionKey(name));
    const aliases = Object.fromEntries(Object.entries(this.aliases).filter(([, target]) => target !== name));
    if (Object.keys(aliases).length !== Object.keys(this.aliases).length) await this.meta.put(ALIASES_KEY, JSON.stringify(aliases));
    for (let shard = 0; shard < meta.shardNumber; shard++) await this.jsm.streams.delete(streamName(meta.uid, shard)).catch(() => undefined);
    const store = await this.snapshots();
    for (let shard = 0; shard < meta.shardNumber; shard++) await store.delete(`${meta.uid}.${shard}`).catch(() => undefined);
    this.collections.delete(name);
    this.reconcile();
    await this.reconciling;
    return true;
  }

  /** Qdrant's alias actions, applied atomically with a compare-and-set on the aliases key. */
  async updateAliases(actions: unknown): Promise<void> {
    if (!Array.isArray(actions)) throw new RvError('RV_INVALID_ARGUMENT', 'actions must be a list of alias operations', { details: { field: 'actions' } });
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.meta.get(ALIASES_KEY);
      const current = entry !== null && entry.value.length > 0 ? entry.json<Record<string, string>>() : {};
      const next = { ...current };
      actions.forEach((action: unknown, i: number) => {
        if (!isObject(action) || Object.keys(action).length !== 1) throw new RvError('RV_INVALID_ARGUMENT', `actions[${i}] must have one key: create_alias, delete_alias or rename_alias`, { details: { field: `actions[${i}]` } });
        const [kind, value] = Object.entries(action)[0];
        const v = isObject(value) ? value : {};
        if (kind === 'create_alias') {
          const alias = this.db.validateName(v.alias_name, 'alias name');
          const target = String(v.collection_name);
          if (!this.collections.has(target)) throw new RvError('RV_COLLECTION_NOT_FOUND', `Not found: Collection \`${target}\` doesn't exist!`, { details: { collection: target } });
          if (this.collections.has(alias)) throw new RvError('RV_ALIAS_EXISTS', `alias ${alias}: a collection has that name`, { details: { alias } });
          next[alias] = target;
        } else if (kind === 'delete_alias') {
          const alias = String(v.alias_name);
          if (!(alias in next)) throw new RvError('RV_ALIAS_NOT_FOUND', `Not found: Alias \`${alias}\` doesn't exist!`, { details: { alias } });
          delete next[alias];
        } else if (kind === 'rename_alias') {
          const from = String(v.old_alias_name);
          const to = this.db.validateName(v.new_alias_name, 'alias name');
          if (!(from in next)) throw new RvError('RV_ALIAS_NOT_FOUND', `Not found: Alias \`${from}\` doesn't exist!`, { details: { alias: from } });
          if (this.collections.has(to)) throw new RvError('RV_ALIAS_EXISTS', `alias ${to}: a collection has that name`, { details: { alias: to } });
          next[to] = next[from];
          delete next[from];
        } else {
          throw new RvError('RV_INVALID_ARGUMENT', `actions[${i}]: unknown alias action "${kind}"`, { details: { field: `actions[${i}]` } });
        }
      });
      try {
        if (entry === null) await this.meta.create(ALIASES_KEY, JSON.stringify(next));
        else await this.meta.update(ALIASES_KEY, JSON.stringify(next), entry.revision);
        this.aliases = next;
        return;
      } catch (error) {
        if (!/wrong last sequence|key exists/i.test((error as Error).message)) throw error;
      }
    }
    throw new RvError('RV_CLUSTER_UNAVAILABLE', 'alias update kept conflicting with concurrent updates; retry', { details: { field: 'actions' } });
  }

  listAliases(collection?: string): { alias_name: string; collection_name: string }[] {
    return Object.entries(this.aliases)
      .filter(([, target]) => collection === undefined || target === collection)
      .map(([alias_name, collection_name]) => ({ alias_name, collection_name }))
      .sort((a, b) => a.alias_name.localeCompare(b.alias_name));
  }

  /** The collection's config as a single node would report it (updates applied), with the cluster's shard count and replication factor. */
  configOf(meta: CollectionMeta): CollectionConfig {
    const config = (meta.updates ?? []).reduce((current, update) => applyCollectionUpdate(current, update), parseCreateCollection(meta.body, this.db.limits));
    return { ...config, shard_number: meta.shardNumber, replication_factor: meta.replicationFactor };
  }

  /**
   * Qdrant's PATCH /collections/{name}: validated as a single node does, appended to the
   * collection's updates in the metadata bucket (compare-and-set), then applied by every
   * replica. `params.replication_factor` also changes the placement (replicas are added or
   * dropped) and the shard streams' replica count.
   */
  async updateCollection(nameOrAlias: string, patchInput: unknown): Promise<void> {
    const patch = isObject(patchInput) ? patchInput : {};
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.resolveFresh(nameOrAlias);
      const entry = await this.meta.get(collectionKey(current.name));
      if (entry === null || entry.operation !== 'PUT' || entry.value.length === 0) {
        this.collections.delete(current.name);
        throw new RvError('RV_COLLECTION_NOT_FOUND', `Not found: Collection \`${nameOrAlias}\` doesn't exist!`, { details: { collection: nameOrAlias } });
      }
      const meta = entry.json<CollectionMeta>();
      const next = applyCollectionUpdate(this.configOf(meta), patch); // throws RV_COLLECTION_CONFIG naming the field
      const updates = meta.updates ?? [];
      if (updates.length >= MAX_COLLECTION_UPDATES) {
        throw new RvError('RV_LIMIT_EXCEEDED', `collection ${meta.name} has had ${updates.length} updates, the most kept; create a new collection with the wanted parameters and switch an alias to it`, { details: { field: 'body', limit: MAX_COLLECTION_UPDATES } });
      }
      const replicationFactor = next.replication_factor ?? meta.replicationFactor;
      const streamReplicas = Math.min(replicationFactor, this.options.maxStreamReplicas ?? 3, 5);
      if (streamReplicas !== meta.streamReplicas) {
        for (let shard = 0; shard < meta.shardNumber; shard++) {
          const stream = streamName(meta.uid, shard);
          try {
            const info = await this.jsm.streams.info(stream);
            if (info.config.num_replicas !== streamReplicas) await this.jsm.streams.update(stream, { num_replicas: streamReplicas });
          } catch (cause) {
            throw new RvError('RV_CLUSTER_UNAVAILABLE', `cannot change the replicas of stream ${stream} to ${streamReplicas}: ${(cause as Error).message}`, { cause, details: { field: 'params.replication_factor' } });
          }
        }
      }
      const updated: CollectionMeta = { ...meta, replicationFactor, streamReplicas, updates: [...updates, patch] };
      try {
        await this.meta.update(collectionKey(meta.name), JSON.stringify(updated), entry.revision);
      } catch (error) {
        if (/wrong last sequence|key exists/i.test((error as Error).message)) continue; // a concurrent update: redo on top of it
        throw new RvError('RV_CLUSTER_UNAVAILABLE', `cannot update collection ${meta.name} in the cluster: ${(error as Error).message}`, { cause: error, details: { collection: meta.name } });
      }
      this.collections.set(updated.name, updated);
      this.reconcile();
      await this.reconciling;
      this.log('info', 'collection updated in the cluster', { collection: meta.name, updates: updated.updates?.length, replicationFactor });
      return;
    }
    throw new RvError('RV_CLUSTER_UNAVAILABLE', 'the collection update kept conflicting with concurrent updates; retry', { details: { field: 'body' } });
  }

  /**
   * Brings a serving local replica's config to the collection's (updates applied) with one
   * catalog write; a no-op when equal. The update count last synced per replica skips the
   * comparison on every later reconcile.
   */
  private async syncReplicaConfig(replica: ShardReplica, meta: CollectionMeta): Promise<void> {
    const updates = meta.updates ?? [];
    if (updates.length === 0 || !replica.isServing || !this.db.hasCollection(replica.localName)) return;
    const synced = `${meta.uid}:${updates.length}`;
    if (this.syncedConfigs.get(replica.stream) === synced) return;
    const local = this.db.collection(replica.localName).config;
    const target = updates.reduce((current, update) => applyCollectionUpdate(current, update), local);
    if (!isDeepStrictEqual(target, local)) {
      await this.db.setCollectionConfig(replica.localName, target);
      this.log('info', 'replica config updated', { stream: replica.stream, updates: updates.length });
    }
    this.syncedConfigs.set(replica.stream, synced);
  }

  async collectionStats(nameOrAlias: string, context?: RequestContext): Promise<ClusterCollectionStats> {
    const meta = await this.resolveFresh(nameOrAlias);
    const answers = await this.askAll<{ points: number; indexedVectors: number; pendingLinks: number; payloadSchema: Record<string, unknown> }>(meta, { op: 'info', body: {} }, undefined, context);
    const payloadSchema: Record<string, unknown> = {};
    let points = 0;
    let indexedVectors = 0;
    let pendingLinks = 0;
    for (const answer of answers) {
      points += answer.points;
      indexedVectors += answer.indexedVectors;
      pendingLinks += answer.pendingLinks;
      for (const [field, schema] of Object.entries(answer.payloadSchema)) {
        const previous = payloadSchema[field] as { points?: number } | undefined;
        const current = schema as { points?: number };
        payloadSchema[field] = previous === undefined ? schema : { ...current, points: (previous.points ?? 0) + (current.points ?? 0) };
      }
    }
    return { meta, config: this.configOf(meta), points, indexedVectors, pendingLinks, payloadSchema };
  }

  // ------------------------------------------------------------------ writes

  /**
   * A write: `run` calls one of the engine Collection's write methods on a ClusterWriter (the
   * same parsing and validation as a single node); the token holds the acknowledged sequences.
   */
  async write<T>(nameOrAlias: string, run: (writer: ClusterWriter) => Promise<T>, context?: RequestContext): Promise<ClusterWriteResult<T>> {
    const meta = await this.resolveFresh(nameOrAlias);
    const requestId = randomUUID();
    let counter = 0;
    const writer = new ClusterWriter(meta.name, this.configOf(meta), this.db.limits, (op, options) => this.publish(meta, op, options, `${requestId}/${counter++}`, context));
    const result = await run(writer);
    return { result, token: writer.acknowledged };
  }

  private async publish(meta: CollectionMeta, op: Operation, options: WriteOptions, messageId: string, context: RequestContext | undefined): Promise<{ seqs: Map<number, number>; completed: boolean }> {
    const maxBytes = Math.max(1024, this.nc.info?.max_payload ?? 1024 * 1024) - 4096;
    const parts = splitOperation(op, meta.shardNumber);
    const seqs = new Map<number, number>();
    await Promise.all([...parts].map(async ([shard, shardOp]) => {
      const chunks = chunkForSize(shardOp, maxBytes, (o) => encodeOperation(o).length);
      for (let i = 0; i < chunks.length; i++) {
        const seq = await this.publishOne(meta, shard, encodeOperation(chunks[i]), `${messageId}/${shard}/${i}`, context);
        seqs.set(shard, Math.max(seqs.get(shard) ?? 0, seq));
      }
    }));
    const wait = options.wait !== false;
    if (wait) {
      await Promise.all([...seqs].map(([shard, seq]) =>
        this.fanOut.ask(meta.uid, shard, { op: 'applied', body: {}, after: seq, waitMs: this.readWaitMs }, this.servingNodes(meta, shard), context)));
    }
    return { seqs, completed: wait };
  }

  /** Publishes one record; retries with the same message id (de-duplicated) until acknowledged or writeTimeoutMs. */
  private async publishOne(meta: CollectionMeta, shard: number, data: Uint8Array, msgID: string, context: RequestContext | undefined): Promise<number> {
    const deadline = Date.now() + (this.options.writeTimeoutMs ?? 30000);
    const stream = streamName(meta.uid, shard);
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const ack = await this.js.publish(logSubject(meta.uid, shard), data, { msgID, expect: { streamName: stream }, timeout: Math.min(PUBLISH_ATTEMPT_MS, Math.max(500, deadline - Date.now())), headers: contextHeaders(context) });
        return ack.seq;
      } catch (error) {
        lastError = error;
        if (!this.collections.has(meta.name)) throw this.resolve(meta.name);
        await sleep(200);
      }
    }
    throw new RvError('RV_CLUSTER_UNAVAILABLE', `shard ${meta.name}/${shard} did not acknowledge the write within ${this.options.writeTimeoutMs ?? 30000} ms (${(lastError as Error | undefined)?.message ?? 'no answer'}); it may still be applied: retry with the same ids`, { cause: lastError, details: { collection: meta.name, shard } });
  }

  // ------------------------------------------------------------------ reads

  private request(meta: CollectionMeta, shard: number, request: RpcRequest, after: Map<number, number> | undefined): RpcRequest {
    const seq = after?.get(shard);
    return seq === undefined || seq <= 0 ? request : { ...request, after: seq, waitMs: this.readWaitMs };
  }

  private async askAll<T>(meta: CollectionMeta, request: RpcRequest, after: Map<number, number> | undefined, context: RequestContext | undefined, shards?: number[]): Promise<T[]> {
    const list = shards ?? Array.from({ length: meta.shardNumber }, (_, i) => i);
    const answers = await this.timedFanOut(request.op, () => Promise.all(list.map((shard) => this.fanOut.ask<T>(meta.uid, shard, this.request(meta, shard, request, after), this.servingNodes(meta, shard), context))));
    return answers.map((a) => a.result);
  }

  /** Qdrant's SearchRequest over every shard: each returns its best limit+offset, merged here. */
  async search(nameOrAlias: string, body: Record<string, unknown>, after?: Map<number, number>, context?: RequestContext): Promise<ScoredPoint[]> {
    const meta = await this.resolveFresh(nameOrAlias);
    if (meta.shardNumber === 1) return (await this.askAll<ScoredPoint[]>(meta, { op: 'search', body }, after, context))[0];
    const limit = parseLimit(body.limit ?? body.top, 'limit', 10, this.db.limits);
    const offset = parseNonNegativeInt(body.offset, 'offset', this.db.limits.maxSearchLimit) ?? 0;
    if (limit + offset > this.db.limits.maxSearchLimit) {
      throw new RvError('RV_LIMIT_EXCEEDED', `limit + offset is ${limit + offset}, over the limit of ${this.db.limits.maxSearchLimit}`, { details: { field: 'offset', limit: this.db.limits.maxSearchLimit } });
    }
    const { top: _top, ...rest } = body;
    const perShard = await this.askAll<ScoredPoint[]>(meta, { op: 'search', body: { ...rest, limit: limit + offset, offset: 0 } }, after, context);
    const higherIsBetter = metricFor(this.configOf(meta).vectors.distance).higherIsBetter;
    const merged = perShard.flat().sort((a, b) => (higherIsBetter ? b.score - a.score : a.score - b.score) || comparePointIds(a.id, b.id));
    return merged.slice(offset, offset + limit);
  }

  /**
   * Qdrant's RecommendRequest (average_vector strategy, as Collection.recommend): example ids
   * are looked up on their shards, the query vector is built here, and the search excludes the
   * examples with a has_id filter, so the result equals a single node's.
   */
  async recommend(nameOrAlias: string, body: Record<string, unknown>, after?: Map<number, number>, context?: RequestContext): Promise<ScoredPoint[]> {
    const meta = await this.resolveFresh(nameOrAlias);
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the recommend body must be an object');
    if (body.strategy !== undefined && body.strategy !== null && body.strategy !== 'average_vector') {
      throw new RvError('RV_SEARCH_INVALID', `strategy: only "average_vector" is supported, got ${JSON.stringify(body.strategy)}`, { details: { field: 'strategy' } });
    }
    const config = this.configOf(meta);
    const metric = metricFor(config.vectors.distance);
    const lists = { positive: body.positive, negative: body.negative };
    const ids: PointId[] = [];
    for (const [field, input] of Object.entries(lists)) {
      if (input === undefined || input === null) continue;
      if (!Array.isArray(input)) throw new RvError('RV_INVALID_ARGUMENT', `${field} must be a list of point ids or vectors`, { details: { field } });
      if (input.length > this.db.limits.maxBatchPoints) throw new RvError('RV_LIMIT_EXCEEDED', `${field} has ${input.length} examples, over the limit of ${this.db.limits.maxBatchPoints}`, { details: { field, limit: this.db.limits.maxBatchPoints } });
      input.forEach((e: unknown, i: number) => { if (!Array.isArray(e)) ids.push(parsePointId(e, `${field}[${i}]`)); });
    }
    const stored = new Map<string, Float32Array>();
    if (ids.length > 0) {
      for (const record of await this.retrieve(meta.name, { ids, with_payload: false, with_vector: true }, after, context)) {
        if (Array.isArray(record.vector)) stored.set(String(record.id), Float32Array.from(record.vector));
      }
    }
    const examples = (input: unknown, field: string): Float32Array[] => (Array.isArray(input) ? input : []).map((e: unknown, i: number) => {
      if (Array.isArray(e)) return parseVector(e, config.vectors.size, metric, `${field}[${i}]`, meta.name);
      const id = parsePointId(e, `${field}[${i}]`);
      const vector = stored.get(String(id));
      if (vector === undefined) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${id} found (${field}[${i}])`, { details: { id, field: `${field}[${i}]` } });
      return vector;
    });
    const positive = examples(body.positive, 'positive');
    const negative = examples(body.negative, 'negative');
    if (positive.length === 0) throw new RvError('RV_SEARCH_INVALID', 'positive: at least one example is required', { details: { field: 'positive' } });
    const { positive: _p, negative: _n, strategy: _s, filter, ...rest } = body;
    const exclude = ids.length === 0 ? undefined : { has_id: ids };
    const combined = exclude === undefined ? filter
      : filter === undefined || filter === null ? { must_not: [exclude] } : { must: [filter], must_not: [exclude] };
    return this.search(meta.name, { ...rest, vector: Array.from(averageQuery(positive, negative)), ...(combined === undefined || combined === null ? {} : { filter: combined }) }, after, context);
  }

  async count(nameOrAlias: string, body: Record<string, unknown>, after?: Map<number, number>, context?: RequestContext): Promise<{ count: number }> {
    const meta = await this.resolveFresh(nameOrAlias);
    const counts = await this.askAll<{ count: number }>(meta, { op: 'count', body }, after, context);
    return { count: counts.reduce((sum, c) => sum + c.count, 0) };
  }

  /** Qdrant's PointRequest: each id asked of its shard; results in the order asked. */
  async retrieve(nameOrAlias: string, body: Record<string, unknown>, after?: Map<number, number>, context?: RequestContext): Promise<PointRecord[]> {
    const meta = await this.resolveFresh(nameOrAlias);
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the retrieve body must be {ids: [...]}');
    const ids = parsePointIds(body.ids, 'ids', this.db.limits);
    const byShard = groupByShard(ids, meta.shardNumber);
    const shards = [...byShard.keys()];
    const answers = await this.timedFanOut('retrieve', () => Promise.all(shards.map((shard) => this.fanOut.ask<PointRecord[]>(meta.uid, shard, this.request(meta, shard, { op: 'retrieve', body: { ...body, ids: byShard.get(shard) } }, after), this.servingNodes(meta, shard), context))));
    const found = new Map<string, PointRecord>();
    for (const answer of answers) for (const record of answer.result) found.set(String(record.id), record);
    const out: PointRecord[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      const key = String(id);
      const record = found.get(key);
      if (record !== undefined && !seen.has(key)) {
        out.push(record);
        seen.add(key);
      }
    }
    return out;
  }

  /** The version (last write's operation id) of each id, asked of its shard; ids not found are left out. */
  async versions(nameOrAlias: string, ids: readonly PointId[], after?: Map<number, number>, context?: RequestContext): Promise<Map<string, number>> {
    const meta = await this.resolveFresh(nameOrAlias);
    const byShard = groupByShard(ids, meta.shardNumber);
    const shards = [...byShard.keys()];
    const answers = await this.timedFanOut('versions', () => Promise.all(shards.map((shard) => this.fanOut.ask<[PointId, number][]>(meta.uid, shard, this.request(meta, shard, { op: 'versions', body: { ids: byShard.get(shard) } }, after), this.servingNodes(meta, shard), context))));
    return new Map(answers.flatMap((answer) => answer.result.map(([id, version]) => [String(id), version] as const)));
  }

  async getPoint(nameOrAlias: string, idInput: unknown, after?: Map<number, number>, context?: RequestContext): Promise<PointRecord> {
    const id = parsePointId(idInput, 'id');
    const [record] = await this.retrieve(nameOrAlias, { ids: [id], with_payload: true, with_vector: true }, after, context);
    if (record === undefined) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${id} found`, { details: { id } });
    return record;
  }

  /** Qdrant's ScrollRequest over every shard, merged by point id. */
  async scroll(nameOrAlias: string, body: Record<string, unknown>, after?: Map<number, number>, context?: RequestContext): Promise<{ points: PointRecord[]; next_page_offset: PointId | null }> {
    const meta = await this.resolveFresh(nameOrAlias);
    const limit = parseLimit(body.limit, 'limit', 10, this.db.limits);
    const pages = await this.askAll<{ points: PointRecord[]; next_page_offset: PointId | null }>(meta, { op: 'scroll', body: { ...body, limit } }, after, context);
    const merged = pages.flatMap((p) => p.points).sort((a, b) => comparePointIds(a.id, b.id));
    const candidates = [...merged.slice(limit).map((p) => p.id), ...pages.map((p) => p.next_page_offset).filter((id): id is PointId => id !== null)];
    const next = candidates.length === 0 ? null : candidates.reduce((min, id) => (comparePointIds(id, min) < 0 ? id : min));
    return { points: merged.slice(0, limit), next_page_offset: next };
  }

  // ------------------------------------------------------------------ status

  /** Shards of a collection: stream state, leader, and each serving replica's applied sequence and lag. */
  async collectionCluster(nameOrAlias: string): Promise<{ meta: CollectionMeta; shards: { shard: number; stream: string; lastSeq: number; firstSeq: number; leader: string | null; replicas: { node: string; applied: number; lag: number; healthy: boolean; local: boolean; points?: number }[] }[] }> {
    const meta = await this.resolveFresh(nameOrAlias);
    const nodes = this.nodeStatuses();
    const shards = [];
    for (let shard = 0; shard < meta.shardNumber; shard++) {
      const stream = streamName(meta.uid, shard);
      const info = await this.jsm.streams.info(stream).catch(() => undefined);
      const lastSeq = info?.state.last_seq ?? 0;
      const replicas = nodes.filter((n) => stream in n.replicas).map((n) => {
        const applied = n.id === this.nodeId ? (this.replicas.get(stream)?.applied ?? n.replicas[stream]) : n.replicas[stream];
        const local = n.id === this.nodeId;
        const replica = local ? this.replicas.get(stream) : undefined;
        const points = replica !== undefined && this.db.hasCollection(replica.localName) ? this.db.collection(replica.localName).info().points : undefined;
        return { node: n.id, applied, lag: Math.max(0, lastSeq - applied), healthy: n.healthy, local, ...(points === undefined ? {} : { points }) };
      });
      shards.push({ shard, stream, lastSeq, firstSeq: info?.state.first_seq ?? 0, leader: info?.cluster?.leader ?? null, replicas });
    }
    return { meta, shards };
  }

  /** The NATS server this node is connected to, and its reconnect count. */
  natsStatus(): { connected: boolean; server: string | null; reconnects: number; disconnected_since: string | null } {
    return {
      connected: !this.nc.isClosed() && this.disconnectedSince === undefined,
      server: this.nc.getServer() || null,
      reconnects: this.reconnects,
      disconnected_since: this.disconnectedSince?.toISOString() ?? null,
    };
  }

  /** Each local replica's replication lag: operations behind its stream, and the age of its oldest unapplied entry. */
  async replicationLags(): Promise<{ stream: string; ops: number; seconds: number | undefined }[]> {
    return Promise.all([...this.replicas.values()].map(async (r) => ({ stream: r.stream, ops: Math.max(0, r.streamLastSeq - r.applied), seconds: await r.lagSeconds() })));
  }

  /** Local replicas: stream → applied sequence and lag (metrics). */
  localReplicas(): { collection: string; shard: number; stream: string; applied: number; lag: number; serving: boolean }[] {
    return [...this.replicas.values()].map((r) => ({ collection: r.meta.name, shard: r.shard, stream: r.stream, applied: r.applied, lag: Math.max(0, r.streamLastSeq - r.applied), serving: r.isServing }));
  }

  breakerStatuses(): ReturnType<FanOut['breakerStatuses']> {
    return this.fanOut.breakerStatuses();
  }

  /** Leaves the cluster: stops heartbeats (the entry is removed), replicas, and the NATS connection. The caller closes the Database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    // Each step that needs NATS is bounded: with NATS unreachable a node still stops (its
    // heartbeat then expires instead of being deleted), and graceful shutdown stays bounded.
    const bounded = (work: Promise<unknown>, ms: number): Promise<void> =>
      Promise.race([work.then(() => undefined, () => undefined), sleep(ms)]);
    await bounded(this.reconciling, CLOSE_STEP_MS);
    for (const replica of this.replicas.values()) await bounded(replica.stop(), CLOSE_STEP_MS);
    await bounded(this.securitySync?.close() ?? Promise.resolve(), CLOSE_STEP_MS);
    await bounded(this.members.delete(`nodes.${this.nodeId}`), CLOSE_STEP_MS);
    await bounded(this.nc.drain(), CLOSE_STEP_MS);
    if (!this.nc.isClosed()) await bounded(this.nc.close(), CLOSE_STEP_MS);
    await bounded(Promise.allSettled(this.background), CLOSE_STEP_MS);
  }
}
