/**
 * The server's side of the metrics: records each finished request into observability's
 * prom-client set, and hands the engine's collection stats to it at scrape time.
 *
 * Labels use the route pattern (`/collections/:collection_name`), never the raw URL, so the
 * series count stays bounded; the `collection` label is set only on successful requests
 * (the collection exists), so a client cannot mint series with made-up names.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../engine/index.js';
import { RuVectorMetrics, type CollectionStats } from '../observability/index.js';

const POINTS = '/collections/:collection_name/points';
/** Routes whose latency is a search latency. */
const SEARCH_ROUTES = new Set(['search', 'search/batch', 'recommend', 'recommend/batch', 'query', 'query/batch'].map((s) => `POST ${POINTS}/${s}`));
const INSERT_ROUTE = `PUT ${POINTS}`;
const DELETE_ROUTE = `POST ${POINTS}/delete`;

type Outcome = 'ok' | 'client_error' | 'server_error';

function outcomeOf(status: number): Outcome {
  return status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'ok';
}

/** Points in an upsert body: the list form or the columnar `batch` form. */
function upsertedPoints(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const { points, batch } = body as { points?: unknown; batch?: { ids?: unknown } };
  if (Array.isArray(points)) return points.length;
  return Array.isArray(batch?.ids) ? batch.ids.length : 0;
}

function collectionStats(db: Database): CollectionStats[] {
  const out: CollectionStats[] = [];
  for (const name of db.listCollections()) {
    if (!db.hasCollection(name)) continue; // deleted since the list was taken
    const collection = db.collection(name);
    const info = collection.info();
    const floatBytes = collection.config.vectors.size * Float32Array.BYTES_PER_ELEMENT;
    out.push({
      name, points: info.points, indexedVectors: info.indexedVectors, pendingLinks: info.pendingLinks, appliedSequence: info.appliedSeq,
      memoryBytes: info.memoryBytes, diskBytes: info.diskBytes, deletedRatio: info.deletedRatio,
      checkpointSequence: info.checkpointSeq, checkpointAtMs: info.checkpointAtMs, opLogRecords: info.opLogRecords,
      quantization: info.quantization === undefined ? undefined : { tier: info.quantization.kind, ratio: floatBytes / info.quantization.codeBytes },
    });
  }
  return out;
}

/** Request metrics of one server over one database. */
export class HttpMetrics {
  readonly metrics: RuVectorMetrics;
  private readonly open = new WeakSet<FastifyRequest>();

  constructor(db: Database) {
    this.metrics = new RuVectorMetrics({ collections: () => collectionStats(db), dataPath: db.path });
  }

  /** onRequest: one more request in flight. */
  started(request: FastifyRequest): void {
    this.open.add(request);
    this.metrics.httpInFlight.inc();
  }

  /** onRequestAbort: the client went away; onResponse may not follow. */
  aborted(request: FastifyRequest): void {
    if (this.open.delete(request)) this.metrics.httpInFlight.dec();
  }

  /** onResponse: records one finished request. */
  finished(request: FastifyRequest, reply: FastifyReply): void {
    if (this.open.delete(request)) this.metrics.httpInFlight.dec();
    const m = this.metrics;
    const endpoint = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    const labels = { method: request.method, endpoint, status: String(status) };
    m.httpRequests.inc(labels);
    m.httpDuration.observe(labels, seconds);
    if (status === 401) m.authRejections.inc({ reason: 'unauthenticated' });
    else if (status === 403) m.authRejections.inc({ reason: 'forbidden' });
    else if (status === 429) m.rateLimitRejections.inc();

    const route = `${request.method} ${endpoint}`;
    const outcome = outcomeOf(status);
    const collection = (request.params as { collection_name?: string } | undefined)?.collection_name ?? '';
    if (SEARCH_ROUTES.has(route)) {
      m.searchRequests.inc({ outcome });
      if (outcome === 'ok') m.searchLatency.observe({ collection }, seconds);
    } else if (route === INSERT_ROUTE) {
      m.insertRequests.inc({ outcome });
      if (outcome === 'ok') {
        m.insertLatency.observe({ collection }, seconds);
        m.insertedPoints.inc({ collection }, upsertedPoints(request.body));
      }
    } else if (route === DELETE_ROUTE) {
      m.deleteRequests.inc({ outcome });
      if (outcome === 'ok') m.deleteLatency.observe({ collection }, seconds);
    }
  }

  /** The exposition text, with the engine gauges read now. */
  render(): Promise<string> {
    return this.metrics.render();
  }
}
