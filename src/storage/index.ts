/**
 * storage/: bytes and files. The SQLite shard store (points, op log, meta), the blob codec
 * hook for sealing, and checksummed container files for checkpoints and snapshots. Knows
 * nothing of vectors, indexes or payload semantics.
 */
export { ShardStore } from './shard-store.js';
export { DataDirLock, LOCK_FILE_NAME } from './data-dir-lock.js';
export type { BlobResealer, Durability, IteratePointsOptions, ResealStep, ShardStoreOptions, StoredOp, StoredPoint } from './shard-store.js';
export { IDENTITY_CODEC } from './blob-codec.js';
export type { BlobCodec, BlobKind } from './blob-codec.js';
export { readChecksummedFile, verifyChecksummedFile, writeChecksummedFile } from './checksummed-file.js';
export type {
  ChecksummedFile,
  ChecksummedFileContents,
  ChecksummedFileDefect,
  ChecksummedFileSummary,
  CorruptedErrorCode,
} from './checksummed-file.js';
export { writeFileAtomic, readFileIfExists } from './atomic-file.js';
