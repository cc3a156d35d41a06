/**
 * A collection: its config and its shard (one per collection on a single node; the cluster
 * issue adds more), and the Qdrant points API over them. Every write is validated in full
 * before its operation is committed, so a bad point rejects the whole batch untouched.
 */
import { averageQuery } from './average-query.js';
import { RvError } from '../errors.js';
import { metricFor, type Metric } from '../core/distance/metric.js';
import type { Filter } from '../core/filter/index.js';
import type { Payload, PointId } from '../core/types.js';
import type { CollectionConfig } from './collection-config.js';
import type { EngineLimits } from './limits.js';
import type { Operation, PointWrite } from './operations.js';
import type { Shard } from './shard.js';
import { parsePointId } from './point-id.js';
import {
  isObject, parseLimit, parseNonNegativeInt, parseOptionalFilter, parsePayload, parsePointIds, parseSelector,
  parseVector, parseWithPayload, parseWithVector, projectPayload, type PayloadSelector,
} from './input.js';

export interface UpdateResult {
  operation_id: number;
  status: 'acknowledged' | 'completed';
}

export interface PointRecord {
  id: PointId;
  payload?: Payload | null;
  vector?: number[] | null;
}

export interface ScoredPoint {
  id: PointId;
  version: number;
  score: number;
  payload?: Payload | null;
  vector?: number[] | null;
}

export interface WriteOptions {
  /** Qdrant's `wait`: resolve after apply ("completed") or after append ("acknowledged"). Default true. */
  wait?: boolean;
}

export class Collection {
  readonly name: string;
  readonly metric: Metric;
  private currentConfig: CollectionConfig;

  constructor(name: string, config: CollectionConfig, readonly shard: Shard, private readonly limits: EngineLimits) {
    this.name = name;
    this.currentConfig = config;
    this.metric = metricFor(config.vectors.distance);
  }

  get config(): CollectionConfig {
    return this.currentConfig;
  }

  /** Used by Database on PATCH. */
  setConfig(config: CollectionConfig): void {
    this.currentConfig = config;
    this.shard.updateConfig(config);
  }

  private get dim(): number {
    return this.currentConfig.vectors.size;
  }

  private vector(input: unknown, field: string): Float32Array {
    return parseVector(input, this.dim, this.metric, field, this.name);
  }

  /** Commits one operation; the cluster overrides this to publish to the shard streams instead. */
  protected async write(op: Operation, options: WriteOptions): Promise<UpdateResult> {
    const seq = await this.shard.commit(op);
    // Local op log: append and apply commit together, so wait=false answers at the same moment.
    return { operation_id: seq, status: options.wait === false ? 'acknowledged' : 'completed' };
  }

  private checkBatch(count: number, field: string): void {
    if (count > this.limits.maxBatchPoints) {
      throw new RvError('RV_LIMIT_EXCEEDED', `${field} has ${count} points, over the batch limit of ${this.limits.maxBatchPoints}`, { details: { field, limit: this.limits.maxBatchPoints } });
    }
  }

  /** Parses Qdrant's PointInsertOperations: `{points: [...]}` or `{batch: {ids, vectors, payloads}}`. */
  parseUpsert(body: unknown): PointWrite[] {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the upsert body must be an object with "points" or "batch"');
    const byKey = new Map<string, PointWrite>();
    const add = (write: PointWrite): void => {
      const key = typeof write.id === 'number' ? `n${write.id}` : write.id;
      byKey.delete(key); // duplicate ids in one batch: the last one wins, as in Qdrant
      byKey.set(key, write);
    };
    if (Array.isArray(body.points)) {
      this.checkBatch(body.points.length, 'points');
      body.points.forEach((p: unknown, i: number) => {
        if (!isObject(p)) throw new RvError('RV_INVALID_ARGUMENT', `points[${i}] must be an object {id, vector, payload}`, { details: { field: `points[${i}]` } });
        add({ id: parsePointId(p.id, `points[${i}].id`), vector: this.vector(p.vector, `points[${i}].vector`), payload: parsePayload(p.payload, `points[${i}].payload`, this.limits) });
      });
    } else if (isObject(body.batch)) {
      const { ids, vectors, payloads } = body.batch;
      if (!Array.isArray(ids)) throw new RvError('RV_INVALID_ARGUMENT', 'batch.ids must be an array', { details: { field: 'batch.ids' } });
      this.checkBatch(ids.length, 'batch.ids');
      if (!Array.isArray(vectors) || vectors.length !== ids.length) {
        throw new RvError('RV_INVALID_ARGUMENT', `batch.vectors must be an array of ${ids.length} vectors (one per id)`, { details: { field: 'batch.vectors' } });
      }
      if (payloads !== undefined && payloads !== null && (!Array.isArray(payloads) || payloads.length !== ids.length)) {
        throw new RvError('RV_INVALID_ARGUMENT', `batch.payloads must be an array of ${ids.length} payloads (one per id)`, { details: { field: 'batch.payloads' } });
      }
      ids.forEach((id, i) => add({
        id: parsePointId(id, `batch.ids[${i}]`),
        vector: this.vector(vectors[i], `batch.vectors[${i}]`),
        payload: parsePayload(Array.isArray(payloads) ? payloads[i] : null, `batch.payloads[${i}]`, this.limits),
      }));
    } else {
      throw new RvError('RV_INVALID_ARGUMENT', 'the upsert body needs "points" (a list) or "batch" ({ids, vectors, payloads})', { details: { field: 'points' } });
    }
    return [...byKey.values()];
  }

  async upsert(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    return this.write({ type: 'upsert', points: this.parseUpsert(body) }, options);
  }

  async delete(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the delete body must be {points: [...]} or {filter: {...}}');
    return this.write({ type: 'delete', selector: parseSelector(body, this.limits) }, options);
  }

  private payloadBody(body: unknown, what: string): { payload: Payload; rest: Record<string, unknown> } {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', `the ${what} body must be an object`);
    const payload = parsePayload(body.payload, 'payload', this.limits);
    if (payload === null) throw new RvError('RV_POINT_PAYLOAD', 'payload: required, a JSON object', { details: { field: 'payload' } });
    return { payload, rest: body };
  }

  async setPayload(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    const { payload, rest } = this.payloadBody(body, 'set payload');
    if (rest.key !== undefined && rest.key !== null && typeof rest.key !== 'string') throw new RvError('RV_INVALID_ARGUMENT', 'key must be a string path', { details: { field: 'key' } });
    const key = typeof rest.key === 'string' ? rest.key : undefined;
    return this.write({ type: 'set_payload', selector: parseSelector(rest, this.limits), payload, ...(key === undefined ? {} : { key }) }, options);
  }

  async overwritePayload(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    const { payload, rest } = this.payloadBody(body, 'overwrite payload');
    return this.write({ type: 'overwrite_payload', selector: parseSelector(rest, this.limits), payload }, options);
  }

  async deletePayload(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    if (!isObject(body) || !Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string')) {
      throw new RvError('RV_INVALID_ARGUMENT', 'keys: required, an array of payload keys', { details: { field: 'keys' } });
    }
    return this.write({ type: 'delete_payload', selector: parseSelector(body, this.limits), keys: body.keys as string[] }, options);
  }

  async clearPayload(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the clear payload body must be {points: [...]} or {filter: {...}}');
    return this.write({ type: 'clear_payload', selector: parseSelector(body, this.limits) }, options);
  }

  async updateVectors(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    if (!isObject(body) || !Array.isArray(body.points)) throw new RvError('RV_INVALID_ARGUMENT', 'points: required, a list of {id, vector}', { details: { field: 'points' } });
    this.checkBatch(body.points.length, 'points');
    const points = body.points.map((p: unknown, i: number) => {
      if (!isObject(p)) throw new RvError('RV_INVALID_ARGUMENT', `points[${i}] must be {id, vector}`, { details: { field: `points[${i}]` } });
      return { id: parsePointId(p.id, `points[${i}].id`), vector: this.vector(p.vector, `points[${i}].vector`) };
    });
    return this.write({ type: 'update_vectors', points }, options);
  }

  async deleteVectors(body: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the delete vectors body must be an object');
    return this.write({ type: 'delete_vectors', selector: parseSelector(body, this.limits) }, options);
  }

  async createPayloadIndex(field: unknown, schema: unknown, options: WriteOptions = {}): Promise<UpdateResult> {
    if (typeof field !== 'string' || field.length === 0 || field.length > 1024) {
      throw new RvError('RV_PAYLOAD_INDEX_INVALID', 'field_name: required, a payload key of 1 to 1024 characters', { details: { field: 'field_name' } });
    }
    return this.write({ type: 'create_payload_index', field, schema }, options);
  }

  async deletePayloadIndex(field: string, options: WriteOptions = {}): Promise<UpdateResult> {
    return this.write({ type: 'delete_payload_index', field }, options);
  }

  /**
   * Qdrant's batch update: `{operations: [{upsert: {...}}, {delete: {...}}, ...]}`. Every
   * operation is validated first; they are then committed in order.
   */
  async batch(body: unknown, options: WriteOptions = {}): Promise<UpdateResult[]> {
    if (!isObject(body) || !Array.isArray(body.operations)) throw new RvError('RV_INVALID_ARGUMENT', 'operations: required, a list of update operations', { details: { field: 'operations' } });
    const ops: Operation[] = body.operations.map((entry: unknown, i: number) => {
      if (!isObject(entry) || Object.keys(entry).length !== 1) throw new RvError('RV_INVALID_ARGUMENT', `operations[${i}] must have exactly one key (upsert, delete, set_payload, …)`, { details: { field: `operations[${i}]` } });
      const [kind, value] = Object.entries(entry)[0];
      const v = isObject(value) ? value : {};
      switch (kind) {
        case 'upsert': return { type: 'upsert', points: this.parseUpsert(v) };
        case 'delete': return { type: 'delete', selector: parseSelector(v, this.limits) };
        case 'set_payload': {
          const { payload, rest } = this.payloadBody(v, 'set_payload');
          return { type: 'set_payload', selector: parseSelector(rest, this.limits), payload, ...(typeof rest.key === 'string' ? { key: rest.key } : {}) };
        }
        case 'overwrite_payload': {
          const { payload, rest } = this.payloadBody(v, 'overwrite_payload');
          return { type: 'overwrite_payload', selector: parseSelector(rest, this.limits), payload };
        }
        case 'delete_payload': return { type: 'delete_payload', selector: parseSelector(v, this.limits), keys: Array.isArray(v.keys) ? v.keys.map(String) : [] };
        case 'clear_payload': return { type: 'clear_payload', selector: parseSelector(v, this.limits) };
        case 'update_vectors': return { type: 'update_vectors', points: (Array.isArray(v.points) ? v.points : []).map((p: unknown, j: number) => ({ id: parsePointId(isObject(p) ? p.id : undefined, `operations[${i}].points[${j}].id`), vector: this.vector(isObject(p) ? p.vector : undefined, `operations[${i}].points[${j}].vector`) })) };
        case 'delete_vectors': return { type: 'delete_vectors', selector: parseSelector(v, this.limits) };
        default: throw new RvError('RV_INVALID_ARGUMENT', `operations[${i}]: unknown operation "${kind}"`, { details: { field: `operations[${i}]` } });
      }
    });
    const results: UpdateResult[] = [];
    for (const op of ops) results.push(await this.write(op, options));
    return results;
  }

  // ------------------------------------------------------------------ reads

  private record(internalId: number, payload: PayloadSelector, withVector: boolean): PointRecord | undefined {
    const point = this.shard.point(internalId, withVector);
    if (point === undefined) return undefined;
    const record: PointRecord = { id: point.id };
    const projected = projectPayload(point.payload, payload);
    if (projected !== undefined) record.payload = projected;
    if (withVector) record.vector = point.vector === undefined ? null : Array.from(point.vector);
    return record;
  }

  /** Qdrant's PointRequest: `{ids, with_payload (default true), with_vector (default false)}`. Missing ids are skipped. */
  retrieve(body: unknown): PointRecord[] {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the retrieve body must be {ids: [...]}');
    const ids = parsePointIds(body.ids, 'ids', this.limits);
    const payload = parseWithPayload(body.with_payload, true);
    const withVector = parseWithVector(body.with_vector, false);
    const out: PointRecord[] = [];
    for (const id of ids) {
      const internalId = this.shard.internalIdOf(id);
      const record = internalId === undefined ? undefined : this.record(internalId, payload, withVector);
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  /** One point, or RV_POINT_NOT_FOUND. */
  getPoint(idInput: unknown): PointRecord {
    const id = parsePointId(idInput, 'id');
    const internalId = this.shard.internalIdOf(id);
    const record = internalId === undefined ? undefined : this.record(internalId, true, true);
    if (record === undefined) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${id} found`, { details: { id } });
    return record;
  }

  /** Qdrant's SearchRequest. */
  search(body: unknown): ScoredPoint[] {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the search body must be an object');
    return this.searchWith(this.vector(body.vector, 'vector'), body);
  }

  /** Search with an already prepared vector and the rest of a SearchRequest-like body. */
  searchWith(vector: Float32Array, body: Record<string, unknown>, exclude?: Set<string>): ScoredPoint[] {
    const limit = parseLimit(body.limit ?? body.top, 'limit', 10, this.limits);
    const offset = parseNonNegativeInt(body.offset, 'offset', this.limits.maxSearchLimit) ?? 0;
    if (limit + offset > this.limits.maxSearchLimit) {
      throw new RvError('RV_LIMIT_EXCEEDED', `limit + offset is ${limit + offset}, over the limit of ${this.limits.maxSearchLimit}`, { details: { field: 'offset', limit: this.limits.maxSearchLimit } });
    }
    const filter = parseOptionalFilter(body.filter, this.limits);
    const params = isObject(body.params) ? body.params : {};
    const hnswEf = parseNonNegativeInt(params.hnsw_ef, 'params.hnsw_ef', 100000);
    if (params.exact !== undefined && params.exact !== null && typeof params.exact !== 'boolean') throw new RvError('RV_SEARCH_INVALID', 'params.exact must be a boolean', { details: { field: 'params.exact' } });
    const threshold = body.score_threshold;
    if (threshold !== undefined && threshold !== null && (typeof threshold !== 'number' || !Number.isFinite(threshold))) {
      throw new RvError('RV_SEARCH_INVALID', 'score_threshold must be a finite number', { details: { field: 'score_threshold' } });
    }
    const quantization = isObject(params.quantization) ? params.quantization : undefined;
    const payload = parseWithPayload(body.with_payload, false);
    const withVector = parseWithVector(body.with_vector, false);
    const excludeCount = exclude?.size ?? 0;
    const scored = this.shard.search({
      // Examples are dropped before the offset applies: ask for everything up to offset + limit
      // plus room for the examples, then skip and cut here.
      vector, limit: offset + limit + excludeCount, offset: 0, filter: filter as Filter | undefined,
      hnswEf: hnswEf === undefined || hnswEf === 0 ? undefined : hnswEf,
      exact: params.exact === true,
      scoreThreshold: typeof threshold === 'number' ? threshold : undefined,
      quantization: quantization === undefined ? undefined : {
        ignore: quantization.ignore === true,
        rescore: quantization.rescore !== false,
        oversampling: typeof quantization.oversampling === 'number' ? quantization.oversampling : undefined,
      },
    });
    const out: ScoredPoint[] = [];
    let toSkip = offset;
    for (const { internalId, score } of scored) {
      const point = this.shard.point(internalId, withVector);
      if (point === undefined) continue;
      if (exclude !== undefined && exclude.has(String(point.id))) continue;
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      const result: ScoredPoint = { id: point.id, version: point.version, score };
      const projected = projectPayload(point.payload, payload);
      if (projected !== undefined) result.payload = projected;
      if (withVector) result.vector = point.vector === undefined ? null : Array.from(point.vector);
      out.push(result);
      if (out.length === limit) break;
    }
    return out;
  }

  /** Resolves a point id (recommend examples) to its stored vector. */
  vectorOfPoint(idInput: unknown, field: string): Float32Array {
    const id = parsePointId(idInput, field);
    const internalId = this.shard.internalIdOf(id);
    const vector = internalId === undefined ? undefined : this.shard.point(internalId, true)?.vector;
    if (vector === undefined) throw new RvError('RV_POINT_NOT_FOUND', `No point with id ${id} found (${field})`, { details: { id, field } });
    return vector;
  }

  /**
   * Qdrant's RecommendRequest with the average_vector strategy: query = avg(positive) +
   * (avg(positive) - avg(negative)); examples are excluded from the results.
   */
  recommend(body: unknown): ScoredPoint[] {
    if (!isObject(body)) throw new RvError('RV_INVALID_ARGUMENT', 'the recommend body must be an object');
    const examples = (input: unknown, field: string): Float32Array[] => {
      if (input === undefined || input === null) return [];
      if (!Array.isArray(input)) throw new RvError('RV_INVALID_ARGUMENT', `${field} must be a list of point ids or vectors`, { details: { field } });
      return input.map((e, i) => (Array.isArray(e) ? this.vector(e, `${field}[${i}]`) : this.vectorOfPoint(e, `${field}[${i}]`)));
    };
    if (body.strategy !== undefined && body.strategy !== null && body.strategy !== 'average_vector') {
      throw new RvError('RV_SEARCH_INVALID', `strategy: only "average_vector" is supported, got ${JSON.stringify(body.strategy)}`, { details: { field: 'strategy' } });
    }
    const positive = examples(body.positive, 'positive');
    const negative = examples(body.negative, 'negative');
    if (positive.length === 0) throw new RvError('RV_SEARCH_INVALID', 'positive: at least one example is required', { details: { field: 'positive' } });
    const exclude = new Set<string>();
    for (const e of [...(Array.isArray(body.positive) ? body.positive : []), ...(Array.isArray(body.negative) ? body.negative : [])]) {
      if (!Array.isArray(e)) exclude.add(String(parsePointId(e, 'positive')));
    }
    return this.searchWith(this.metric.prepare(averageQuery(positive, negative)), body, exclude);
  }

  /** Qdrant's ScrollRequest: ordered by id; `offset` is the first id to return. */
  scroll(body: unknown): { points: PointRecord[]; next_page_offset: PointId | null } {
    const b = isObject(body) ? body : {};
    const limit = parseLimit(b.limit, 'limit', 10, this.limits);
    const filter = parseOptionalFilter(b.filter, this.limits);
    const offset = b.offset === undefined || b.offset === null ? undefined : parsePointId(b.offset, 'offset');
    const payload = parseWithPayload(b.with_payload, true);
    const withVector = parseWithVector(b.with_vector, false);
    const { ids, next } = this.shard.scroll({ filter, offset, limit });
    return { points: ids.map((id) => this.record(id, payload, withVector) as PointRecord), next_page_offset: next };
  }

  /** Qdrant's CountRequest: always exact here. */
  count(body: unknown): { count: number } {
    const b = isObject(body) ? body : {};
    return { count: this.shard.count(parseOptionalFilter(b.filter, this.limits)) };
  }

  info() {
    return this.shard.info();
  }
}

export { parsePointIds };
