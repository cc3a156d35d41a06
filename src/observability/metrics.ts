/**
 * The Prometheus metric set of one RuVector server (prom-client), with the plan's names.
 *
 * Two registries: the process registry (prom-client's default metrics — CPU, memory, event-loop
 * lag, GC, handles — plus `ruvector_cpu_usage_percent` and `ruvector_memory_usage_bytes`) is
 * created once per process, because the default collectors install process-wide observers
 * (a GC PerformanceObserver, an event-loop delay histogram) that must not multiply with every
 * server a test builds. The server registry holds everything per server: HTTP, search, write,
 * auth, collection gauges and the cluster series. A scrape renders both.
 *
 * Collection gauges are read from the engine at scrape time through `CollectionStatsSource`
 * (observability/ may not import engine/: the server injects the reader).
 *
 * @example
 *   const metrics = new RuVectorMetrics({ collections: () => db.listCollections().map(...) });
 *   metrics.httpRequests.inc({ method: 'GET', endpoint: '/collections', status: '200' });
 *   const text = await metrics.render();
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OperationalMetrics } from './operational-metrics.js';

/** The Prometheus text format's content type (0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Every series name starts with this. */
export const METRIC_PREFIX = 'ruvector_';

/** What the engine reports per collection at scrape time (Shard.info() in a neutral shape). */
export interface CollectionStats {
  name: string;
  points: number;
  indexedVectors: number;
  pendingLinks: number;
  appliedSequence: number;
  memoryBytes: number;
  diskBytes: number;
  deletedRatio: number;
  /** Sequence the index checkpoint reflects, and when it was written (ms since the epoch; 0: none). */
  checkpointSequence?: number;
  checkpointAtMs?: number;
  /** Op-log records kept. */
  opLogRecords?: number;
  /** The live quantizer: its tier (scalar, binary, product) and float bytes per code byte. */
  quantization?: { tier: string; ratio: number };
}

/** Reads every collection's stats; called once per scrape. */
export type CollectionStatsSource = () => Iterable<CollectionStats>;

export interface MetricsOptions {
  collections?: CollectionStatsSource;
  /** The data directory: `ruvector_disk_usage_bytes` reports its filesystem. */
  dataPath?: string;
}

/** Latency buckets (seconds) for requests and engine calls: 0.5 ms to 10 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;

/** The process-wide registry with the default metrics; created on first use. */
export function processMetricsRegistry(): Registry {
  if (processRegistry !== undefined) return processRegistry;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: 10 });

  // CPU over the interval since the previous scrape (100 = one core fully busy).
  let lastCpu = process.cpuUsage();
  let lastAtNs = process.hrtime.bigint();
  new Gauge({
    name: `${METRIC_PREFIX}cpu_usage_percent`,
    help: 'Process CPU use since the previous scrape, percent of one core (user + system).',
    registers: [registry],
    collect() {
      const nowNs = process.hrtime.bigint();
      const cpu = process.cpuUsage(lastCpu);
      const elapsedUs = Number(nowNs - lastAtNs) / 1000;
      lastCpu = process.cpuUsage();
      lastAtNs = nowNs;
      this.set(elapsedUs > 0 ? ((cpu.user + cpu.system) / elapsedUs) * 100 : 0);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}memory_usage_bytes`,
    help: 'Process memory by type (rss, heap_total, heap_used, external, array_buffers).',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      const usage = process.memoryUsage();
      this.set({ type: 'rss' }, usage.rss);
      this.set({ type: 'heap_total' }, usage.heapTotal);
      this.set({ type: 'heap_used' }, usage.heapUsed);
      this.set({ type: 'external' }, usage.external);
      this.set({ type: 'array_buffers' }, usage.arrayBuffers);
    },
  });
  processRegistry = registry;
  return registry;
}

/** One server's metrics. Instruments are public so the server's hooks can record into them. */
export class RuVectorMetrics {
  readonly registry = new Registry();

  readonly httpRequests: Counter<'method' | 'endpoint' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'endpoint' | 'status'>;
  readonly httpInFlight: Gauge;
  readonly searchRequests: Counter<'outcome'>;
  readonly searchLatency: Histogram<'collection'>;
  readonly insertRequests: Counter<'outcome'>;
  readonly insertLatency: Histogram<'collection'>;
  readonly insertedPoints: Counter<'collection'>;
  readonly deleteRequests: Counter<'outcome'>;
  readonly deleteLatency: Histogram<'collection'>;
  readonly authRejections: Counter<'reason'>;
  readonly rateLimitRejections: Counter;
  readonly scrapeDuration: Gauge;
  /** Circuit breakers, audit backlog, backups, TLS expiry, cluster, load shedding, disk (operational-metrics.ts). */
  readonly operational: OperationalMetrics;

  private readonly collectionGauges: {
    collections: Gauge;
    points: Gauge<'collection'>;
    indexedVectors: Gauge<'collection'>;
    pendingLinks: Gauge<'collection'>;
    appliedSequence: Gauge<'collection'>;
    memoryBytes: Gauge<'collection'>;
    diskBytes: Gauge<'collection'>;
    deletedRatio: Gauge<'collection'>;
    checkpointAge: Gauge<'collection'>;
    opsSinceCheckpoint: Gauge<'collection'>;
    opLogLength: Gauge<'collection'>;
    quantizationRatio: Gauge<'collection' | 'tier'>;
  };

  private readonly collections: CollectionStatsSource | undefined;
  /** Sum of the collections' disk bytes at the last refresh (`disk_usage_bytes{type="data"}`). */
  private lastDataBytes = 0;

  constructor(options: MetricsOptions = {}) {
    this.collections = options.collections;
    const registers = [this.registry];
    const name = (suffix: string): string => `${METRIC_PREFIX}${suffix}`;

    this.httpRequests = new Counter({ name: name('http_requests_total'), help: 'HTTP requests served, by method, route pattern and status.', labelNames: ['method', 'endpoint', 'status'], registers });
    this.httpDuration = new Histogram({ name: name('http_request_duration_seconds'), help: 'Time to serve an HTTP request, by method, route pattern and status.', labelNames: ['method', 'endpoint', 'status'], buckets: LATENCY_BUCKETS, registers });
    this.httpInFlight = new Gauge({ name: name('http_requests_in_flight'), help: 'HTTP requests being served now.', registers });
    this.searchRequests = new Counter({ name: name('search_requests_total'), help: 'Search, recommend and query requests, by outcome (ok, client_error, server_error).', labelNames: ['outcome'], registers });
    this.searchLatency = new Histogram({ name: name('search_latency_seconds'), help: 'Latency of successful search requests, by collection.', labelNames: ['collection'], buckets: LATENCY_BUCKETS, registers });
    this.insertRequests = new Counter({ name: name('insert_requests_total'), help: 'Point upsert requests, by outcome.', labelNames: ['outcome'], registers });
    this.insertLatency = new Histogram({ name: name('insert_latency_seconds'), help: 'Latency of successful upserts, by collection.', labelNames: ['collection'], buckets: LATENCY_BUCKETS, registers });
    this.insertedPoints = new Counter({ name: name('inserted_points_total'), help: 'Points written by successful upserts, by collection.', labelNames: ['collection'], registers });
    this.deleteRequests = new Counter({ name: name('delete_requests_total'), help: 'Point delete requests, by outcome.', labelNames: ['outcome'], registers });
    this.deleteLatency = new Histogram({ name: name('delete_latency_seconds'), help: 'Latency of successful point deletes, by collection.', labelNames: ['collection'], buckets: LATENCY_BUCKETS, registers });
    this.authRejections = new Counter({ name: name('auth_rejections_total'), help: 'Requests rejected by authentication or authorization, by reason.', labelNames: ['reason'], registers });
    this.rateLimitRejections = new Counter({ name: name('rate_limit_rejections_total'), help: 'Requests rejected by a rate limit (HTTP 429).', registers });
    this.scrapeDuration = new Gauge({ name: name('metrics_scrape_duration_seconds'), help: 'Time the previous scrape of /metrics took to render.', registers });

    // Initialise the outcome series so rate() over them works from the first scrape.
    for (const outcome of ['ok', 'client_error', 'server_error']) {
      this.searchRequests.inc({ outcome }, 0);
      this.insertRequests.inc({ outcome }, 0);
      this.deleteRequests.inc({ outcome }, 0);
    }
    for (const reason of ['unauthenticated', 'forbidden']) this.authRejections.inc({ reason }, 0);

    const perCollection = (suffix: string, help: string): Gauge<'collection'> => new Gauge({ name: name(`collection_${suffix}`), help, labelNames: ['collection'], registers });
    this.collectionGauges = {
      collections: new Gauge({ name: name('collections'), help: 'Collections in the database.', registers }),
      points: perCollection('points', 'Points stored, by collection.'),
      indexedVectors: perCollection('indexed_vectors', 'Vectors linked into the HNSW graph, by collection.'),
      pendingLinks: perCollection('pending_links', 'Vectors stored but not yet linked into the graph (scored exactly meanwhile), by collection.'),
      appliedSequence: perCollection('applied_sequence', 'Last op-log sequence applied to the collection state.'),
      memoryBytes: perCollection('memory_bytes', 'Index memory (vectors, links, quantized codes), by collection.'),
      diskBytes: perCollection('disk_bytes', 'Point store size on disk, by collection.'),
      deletedRatio: perCollection('deleted_ratio', 'Share of tombstoned vectors in the index, by collection.'),
      checkpointAge: perCollection('checkpoint_age_seconds', 'Age of the index checkpoint a restart would load, by collection (absent: none yet).'),
      opsSinceCheckpoint: perCollection('ops_since_checkpoint', 'Operations applied since the index checkpoint (replayed on restart), by collection.'),
      opLogLength: perCollection('oplog_length', 'Op-log records kept (truncated only behind a checkpoint), by collection.'),
      quantizationRatio: new Gauge({ name: name('quantization_ratio'), help: 'Compression of the live quantizer (float bytes per code byte), by collection and tier (scalar, binary, product).', labelNames: ['collection', 'tier'], registers }),
    };
    this.operational = new OperationalMetrics({
      registers, prefix: METRIC_PREFIX, dataPath: options.dataPath,
      dataBytes: () => this.lastDataBytes,
    });

  }

  /** Reads the collection gauges from the engine (a collection that fails is skipped). */
  private refreshCollections(): void {
    if (this.collections === undefined) return;
    const g = this.collectionGauges;
    for (const gauge of [g.points, g.indexedVectors, g.pendingLinks, g.appliedSequence, g.memoryBytes, g.diskBytes, g.deletedRatio, g.checkpointAge, g.opsSinceCheckpoint, g.opLogLength, g.quantizationRatio]) gauge.reset();
    let count = 0;
    let dataBytes = 0;
    const nowMs = Date.now();
    for (const stats of this.collections()) {
      count += 1;
      const labels = { collection: stats.name };
      g.points.set(labels, stats.points);
      g.indexedVectors.set(labels, stats.indexedVectors);
      g.pendingLinks.set(labels, stats.pendingLinks);
      g.appliedSequence.set(labels, stats.appliedSequence);
      g.memoryBytes.set(labels, stats.memoryBytes);
      g.diskBytes.set(labels, stats.diskBytes);
      g.deletedRatio.set(labels, stats.deletedRatio);
      dataBytes += stats.diskBytes;
      if (stats.checkpointAtMs !== undefined && stats.checkpointAtMs > 0) g.checkpointAge.set(labels, Math.max(0, (nowMs - stats.checkpointAtMs) / 1000));
      if (stats.checkpointSequence !== undefined) g.opsSinceCheckpoint.set(labels, Math.max(0, stats.appliedSequence - stats.checkpointSequence));
      if (stats.opLogRecords !== undefined) g.opLogLength.set(labels, stats.opLogRecords);
      if (stats.quantization !== undefined) g.quantizationRatio.set({ ...labels, tier: stats.quantization.tier }, stats.quantization.ratio);
    }
    g.collections.set(count);
    this.lastDataBytes = dataBytes;
  }

  /** The exposition text: process metrics, then this server's (collection gauges read now). */
  async render(): Promise<string> {
    const started = process.hrtime.bigint();
    this.refreshCollections();
    const head = await processMetricsRegistry().metrics();
    const text = `${head}${head.endsWith('\n') ? '' : '\n'}${await this.registry.metrics()}`;
    this.scrapeDuration.set(Number(process.hrtime.bigint() - started) / 1e9);
    return text;
  }
}
