/** Shared plain types of the core layer. */

/** A user's point id: an unsigned integer (up to 2^53 - 1 in this implementation) or a UUID string (lowercase, hyphenated). */
export type PointId = number | string;

/** A point's payload: a JSON object. */
export type Payload = Record<string, unknown>;

/** A dense, per-shard integer key of the index. Never exposed to users. */
export type InternalId = number;

/** Qdrant's distance names. */
export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan';

export const DISTANCES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];
