/**
 * RuVector as a library: `import { Database } from 'ruvector'`.
 * See README.md ("Use as a library").
 */
export { Database, Collection, type DatabaseOptions, type PointRecord, type ScoredPoint, type UpdateResult, type CollectionConfig, type EngineLimits } from './engine/index.js';
export { RvError, ERROR_CODES, type ErrorCode, type ErrorKind } from './errors.js';
