/** engine/: Database → Collection → Shard, the write path (op log) and the read path (planner). */
export { Database, type DatabaseOptions } from './database.js';
export { Collection, type PointRecord, type ScoredPoint, type UpdateResult, type WriteOptions } from './collection.js';
export { Shard, type EngineLogger, type SearchParams } from './shard.js';
export { parseCreateCollection, applyCollectionUpdate, fullScanThresholdPoints, type CollectionConfig } from './collection-config.js';
export { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
export { encodeOperation, decodeOperation, type Operation } from './operations.js';
export { parsePointId, comparePointIds } from './point-id.js';
export { averageQuery } from './average-query.js';
export type { SnapshotDescription } from './snapshots.js';
export { POINTS_FILE, CHECKPOINT_FILE, CHECKPOINT_KIND, type TimedOp } from './shard.js';
export { operationCommitTimeMs } from './operations.js';
export { MasterKeyRotation, type EncryptionStatus, type MasterKeyRotationOptions, type RotateResult } from './master-key-rotation.js';
export { ResealJob, type ResealJobOptions, type ResealState, type ResealStatus } from './reseal-job.js';
export type { CollectionSealing } from './sealing.js';
export { ENCRYPTION_MARKER_FILE, readEncryptionMarker, type EncryptionMarker } from './encryption-marker.js';
