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
}

/** Reads every collection's stats; called once per scrape. */
export type CollectionStatsSource = () => Iterable<CollectionStats>;

export interface MetricsOptions {
  collections?: CollectionStatsSource;
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

  private readonly collectionGauges: {
    collections: Gauge;
    points: Gauge<'collection'>;
    indexedVectors: Gauge<'collection'>;
    pendingLinks: Gauge<'collection'>;
    appliedSequence: Gauge<'collection'>;
    memoryBytes: Gauge<'collection'>;
    diskBytes: Gauge<'collection'>;
    deletedRatio: Gauge<'collection'>;
  };

  private readonly collections: CollectionStatsSource | undefined;

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
    };

    // The cluster does not exist yet: its series are exported as zero so dashboards and alerts
    // can be built and tested now. Named for what NATS JetStream membership measures.
    new Gauge({ name: name('cluster_nodes_total'), help: 'Nodes in the cluster membership (0: single node, no cluster).', registers });
    new Gauge({ name: name('cluster_nodes_healthy'), help: 'Cluster nodes whose heartbeat is current.', registers });
    new Counter({ name: name('cluster_shard_reassignments_total'), help: 'Shard replicas reassigned after a node left (NATS membership; RuVector runs no election of its own).', registers });
    new Histogram({ name: name('replication_lag_seconds'), help: 'Age of the newest op-log entry a replica has not yet applied.', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60], registers });
    new Histogram({ name: name('replication_lag_operations'), help: 'Op-log entries a replica is behind its stream.', buckets: [0, 1, 10, 100, 1000, 10000], registers });
  }

  /** Reads the collection gauges from the engine (a collection that fails is skipped). */
  private refreshCollections(): void {
    if (this.collections === undefined) return;
    const g = this.collectionGauges;
    for (const gauge of [g.points, g.indexedVectors, g.pendingLinks, g.appliedSequence, g.memoryBytes, g.diskBytes, g.deletedRatio]) gauge.reset();
    let count = 0;
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
    }
    g.collections.set(count);
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
