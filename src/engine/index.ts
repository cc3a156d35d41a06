/** engine/: Database → Collection → Shard, the write path (op log) and the read path (planner). */
export { Database, type DatabaseOptions } from './database.js';
export { Collection, type PointRecord, type ScoredPoint, type UpdateResult, type WriteOptions } from './collection.js';
export { Shard, type EngineLogger, type SearchParams } from './shard.js';
export { parseCreateCollection, applyCollectionUpdate, fullScanThresholdPoints, type CollectionConfig } from './collection-config.js';
export { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
export { encodeOperation, decodeOperation, type Operation } from './operations.js';
export { parsePointId, comparePointIds } from './point-id.js';
export type { SnapshotDescription } from './snapshots.js';
