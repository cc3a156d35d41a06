/** Input limits the engine enforces on every write and query (the server adds its own body limits). */
export interface EngineLimits {
  maxVectorDimension: number;
  /** Points in one upsert / batch. */
  maxBatchPoints: number;
  /** Largest `limit` (and `limit + offset`) of a search or scroll. */
  maxSearchLimit: number;
  /** Serialized payload size per point, in bytes. */
  maxPayloadBytes: number;
  maxFilterDepth: number;
  maxCollectionNameLength: number;
  /** Queries in one search/query batch. */
  maxBatchQueries: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxVectorDimension: 65536,
  maxBatchPoints: 10000,
  maxSearchLimit: 10000,
  maxPayloadBytes: 1 << 20,
  maxFilterDepth: 16,
  maxCollectionNameLength: 255,
  maxBatchQueries: 100,
};
