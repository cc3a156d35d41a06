/**
 * Collection configuration: Qdrant's create/update-collection bodies, validated, with
 * Qdrant's defaults. Unknown or unsupported fields are rejected by name, never ignored
 * silently; fields Qdrant accepts that have no effect on a single node (wal_config,
 * write_consistency_factor…) are accepted and echoed back.
 */
import { RvError } from '../errors.js';
import { DISTANCES, type Distance } from '../core/types.js';
import type { EngineLimits } from './limits.js';

export interface HnswConfig {
  m: number;
  ef_construct: number;
  /** In KiB of vectors, as Qdrant: below it, a filtered search scans the matching points exactly. */
  full_scan_threshold: number;
  max_indexing_threads: number;
  on_disk: boolean;
  payload_m: number | null;
}

export interface OptimizersConfig {
  deleted_threshold: number;
  vacuum_min_vector_number: number;
  default_segment_number: number;
  max_segment_size: number | null;
  memmap_threshold: number | null;
  indexing_threshold: number;
  flush_interval_sec: number;
  max_optimization_threads: number | null;
}

export interface CollectionConfig {
  vectors: { size: number; distance: Distance; on_disk: boolean };
  shard_number: number;
  replication_factor: number;
  write_consistency_factor: number;
  on_disk_payload: boolean;
  hnsw_config: HnswConfig;
  optimizers_config: OptimizersConfig;
  wal_config: { wal_capacity_mb: number; wal_segments_ahead: number };
  /** Qdrant's quantization_config JSON, validated by the quantization module; null when off. */
  quantization_config: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
}

export const DEFAULT_HNSW: HnswConfig = { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false, payload_m: null };
export const DEFAULT_OPTIMIZERS: OptimizersConfig = {
  deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, max_segment_size: null,
  memmap_threshold: null, indexing_threshold: 10000, flush_interval_sec: 5, max_optimization_threads: null,
};

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string, field: string): never {
  throw new RvError('RV_COLLECTION_CONFIG', message, { details: { field } });
}

function checkKeys(obj: Obj, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`${path}: unknown field "${key}" (allowed: ${allowed.join(', ')})`, `${path}.${key}`);
  }
}

function integer(obj: Obj, key: string, path: string, min: number, max: number, fallback: number): number {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${path}.${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, `${path}.${key}`);
  }
  return value;
}

function nullableInteger(obj: Obj, key: string, path: string, fallback: number | null): number | null {
  if (obj[key] === null) return null;
  if (obj[key] === undefined) return fallback;
  return integer(obj, key, path, 0, Number.MAX_SAFE_INTEGER, 0);
}

function bool(obj: Obj, key: string, path: string, fallback: boolean): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') fail(`${path}.${key} must be a boolean, got ${JSON.stringify(value)}`, `${path}.${key}`);
  return value;
}

function parseHnsw(input: unknown, base: HnswConfig, path: string): HnswConfig {
  if (input === undefined || input === null) return base;
  if (!isObject(input)) fail(`${path} must be an object`, path);
  checkKeys(input, ['m', 'ef_construct', 'full_scan_threshold', 'max_indexing_threads', 'on_disk', 'payload_m', 'inline_storage', 'copy_vectors'], path);
  const m = integer(input, 'm', path, 0, 128, base.m);
  if (m !== 0 && m < 2) fail(`${path}.m must be 0 (no graph) or from 2 to 128, got ${m}`, `${path}.m`);
  return {
    m,
    ef_construct: integer(input, 'ef_construct', path, 4, 4096, base.ef_construct),
    full_scan_threshold: integer(input, 'full_scan_threshold', path, 0, Number.MAX_SAFE_INTEGER, base.full_scan_threshold),
    max_indexing_threads: integer(input, 'max_indexing_threads', path, 0, 1024, base.max_indexing_threads),
    on_disk: bool(input, 'on_disk', path, base.on_disk),
    payload_m: nullableInteger(input, 'payload_m', path, base.payload_m),
  };
}

function parseOptimizers(input: unknown, base: OptimizersConfig, path: string): OptimizersConfig {
  if (input === undefined || input === null) return base;
  if (!isObject(input)) fail(`${path} must be an object`, path);
  checkKeys(input, ['deleted_threshold', 'vacuum_min_vector_number', 'default_segment_number', 'max_segment_size', 'memmap_threshold', 'indexing_threshold', 'flush_interval_sec', 'max_optimization_threads', 'prevent_unoptimized'], path);
  const threshold = input.deleted_threshold ?? base.deleted_threshold;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) fail(`${path}.deleted_threshold must be a number from 0 to 1, got ${JSON.stringify(threshold)}`, `${path}.deleted_threshold`);
  return {
    deleted_threshold: threshold,
    vacuum_min_vector_number: integer(input, 'vacuum_min_vector_number', path, 0, Number.MAX_SAFE_INTEGER, base.vacuum_min_vector_number),
    default_segment_number: integer(input, 'default_segment_number', path, 0, 1024, base.default_segment_number),
    max_segment_size: nullableInteger(input, 'max_segment_size', path, base.max_segment_size),
    memmap_threshold: nullableInteger(input, 'memmap_threshold', path, base.memmap_threshold),
    indexing_threshold: integer(input, 'indexing_threshold', path, 0, Number.MAX_SAFE_INTEGER, base.indexing_threshold),
    flush_interval_sec: integer(input, 'flush_interval_sec', path, 0, 86400, base.flush_interval_sec),
    max_optimization_threads: nullableInteger(input, 'max_optimization_threads', path, base.max_optimization_threads),
  };
}

function parseQuantization(input: unknown, path: string): Record<string, unknown> | null {
  if (input === undefined || input === null) return null;
  if (!isObject(input)) fail(`${path} must be an object or null`, path);
  return input; // validated in full by the quantization module when the shard builds it
}

/** Validates Qdrant's CreateCollection body; `limits` bounds the vector size. */
export function parseCreateCollection(input: unknown, limits: EngineLimits): CollectionConfig {
  if (!isObject(input)) fail('the collection configuration must be a JSON object', 'body');
  checkKeys(input, ['vectors', 'shard_number', 'sharding_method', 'replication_factor', 'write_consistency_factor', 'on_disk_payload',
    'hnsw_config', 'wal_config', 'optimizers_config', 'init_from', 'quantization_config', 'sparse_vectors', 'strict_mode_config', 'metadata'], 'collection');
  const vectors = input.vectors;
  if (!isObject(vectors)) fail('vectors: required, an object {"size": N, "distance": "Cosine"|"Euclid"|"Dot"|"Manhattan"}', 'vectors');
  if (!('size' in vectors) && Object.values(vectors).every(isObject)) {
    fail('vectors: named vectors are not supported yet; use a single unnamed vector {"size", "distance"}', 'vectors');
  }
  checkKeys(vectors, ['size', 'distance', 'on_disk', 'hnsw_config', 'quantization_config', 'multivector_config', 'datatype'], 'vectors');
  const size = vectors.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > limits.maxVectorDimension) {
    fail(`vectors.size must be an integer from 1 to ${limits.maxVectorDimension}, got ${JSON.stringify(size)}`, 'vectors.size');
  }
  const distance = vectors.distance;
  if (typeof distance !== 'string' || !DISTANCES.includes(distance as Distance)) {
    fail(`vectors.distance must be one of ${DISTANCES.join(', ')}, got ${JSON.stringify(distance)}`, 'vectors.distance');
  }
  if (vectors.datatype !== undefined && vectors.datatype !== null && vectors.datatype !== 'float32') {
    fail(`vectors.datatype: only "float32" is supported, got ${JSON.stringify(vectors.datatype)}`, 'vectors.datatype');
  }
  if (vectors.multivector_config !== undefined && vectors.multivector_config !== null) fail('vectors.multivector_config: multivectors are not supported', 'vectors.multivector_config');
  if (input.sparse_vectors !== undefined && input.sparse_vectors !== null) fail('sparse_vectors: sparse vectors are not supported', 'sparse_vectors');
  if (input.init_from !== undefined && input.init_from !== null) fail('init_from: not supported; use a snapshot instead', 'init_from');
  const hnsw = parseHnsw(input.hnsw_config, DEFAULT_HNSW, 'hnsw_config');
  const wal = isObject(input.wal_config) ? input.wal_config : {};
  if (input.metadata !== undefined && input.metadata !== null && !isObject(input.metadata)) fail('metadata must be an object', 'metadata');
  return {
    vectors: { size, distance: distance as Distance, on_disk: bool(vectors, 'on_disk', 'vectors', false) },
    shard_number: integer(input, 'shard_number', 'collection', 1, 1, 1),
    replication_factor: integer(input, 'replication_factor', 'collection', 1, 16, 1),
    write_consistency_factor: integer(input, 'write_consistency_factor', 'collection', 1, 16, 1),
    on_disk_payload: bool(input, 'on_disk_payload', 'collection', true),
    hnsw_config: parseHnsw(vectors.hnsw_config, hnsw, 'vectors.hnsw_config'),
    optimizers_config: parseOptimizers(input.optimizers_config, DEFAULT_OPTIMIZERS, 'optimizers_config'),
    wal_config: {
      wal_capacity_mb: integer(wal, 'wal_capacity_mb', 'wal_config', 1, 1 << 20, 32),
      wal_segments_ahead: integer(wal, 'wal_segments_ahead', 'wal_config', 0, 1024, 0),
    },
    quantization_config: parseQuantization(vectors.quantization_config ?? input.quantization_config, 'quantization_config'),
    metadata: isObject(input.metadata) ? input.metadata : {},
  };
}

/** Applies Qdrant's UpdateCollection body (PATCH) to a config; returns the new config. */
export function applyCollectionUpdate(config: CollectionConfig, input: unknown): CollectionConfig {
  if (!isObject(input)) fail('the update must be a JSON object', 'body');
  checkKeys(input, ['vectors', 'optimizers_config', 'params', 'hnsw_config', 'quantization_config', 'sparse_vectors', 'strict_mode_config', 'metadata'], 'collection');
  const next: CollectionConfig = structuredClone(config);
  if (input.hnsw_config !== undefined) next.hnsw_config = parseHnsw(input.hnsw_config, config.hnsw_config, 'hnsw_config');
  if (input.optimizers_config !== undefined) next.optimizers_config = parseOptimizers(input.optimizers_config, config.optimizers_config, 'optimizers_config');
  if (input.quantization_config !== undefined) {
    next.quantization_config = input.quantization_config === 'Disabled' ? null : parseQuantization(input.quantization_config, 'quantization_config');
  }
  if (isObject(input.params)) {
    checkKeys(input.params, ['replication_factor', 'write_consistency_factor', 'read_fan_out_factor', 'on_disk_payload'], 'params');
    next.on_disk_payload = bool(input.params, 'on_disk_payload', 'params', config.on_disk_payload);
    next.replication_factor = integer(input.params, 'replication_factor', 'params', 1, 16, config.replication_factor);
    next.write_consistency_factor = integer(input.params, 'write_consistency_factor', 'params', 1, 16, config.write_consistency_factor);
  }
  if (isObject(input.metadata)) next.metadata = { ...config.metadata, ...input.metadata };
  return next;
}

/** Points below which a filtered search scans its matching set exactly (Qdrant: KiB of vectors). */
export function fullScanThresholdPoints(config: CollectionConfig): number {
  return Math.floor((config.hnsw_config.full_scan_threshold * 1024) / (config.vectors.size * 4));
}
