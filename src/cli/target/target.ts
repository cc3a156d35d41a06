/**
 * What the data commands (collections, import, export, search) talk to: a running server over
 * Qdrant's REST API, or a data directory opened in this process. Both give the same answers,
 * so a command never knows which one it has.
 */
import type { Payload, PointId } from '../../core/types.js';

/** A point as imported and exported (one JSONL line). */
export interface PointInput {
  id: PointId;
  vector: number[];
  payload?: Payload | null;
}

export interface ScrollPage {
  points: PointInput[];
  next_page_offset: PointId | null;
}

export interface Target {
  /** `http://127.0.0.1:6333` or `data dir ./data`, for messages. */
  readonly description: string;
  listCollections(): Promise<string[]>;
  /** Qdrant's CreateCollection body, e.g. `{vectors: {size: 128, distance: 'Cosine'}}`. */
  createCollection(name: string, body: Record<string, unknown>): Promise<void>;
  /** Qdrant's CollectionInfo. */
  collectionInfo(name: string): Promise<Record<string, unknown>>;
  /** @throws RvError (not_found) when there is no such collection. */
  deleteCollection(name: string): Promise<void>;
  /** Upserts and waits until the points are applied (Qdrant's `wait=true`). */
  upsert(collection: string, points: PointInput[]): Promise<void>;
  /** One page in id order, with vectors and payloads. */
  scroll(collection: string, request: { offset?: PointId; limit: number }): Promise<ScrollPage>;
  count(collection: string): Promise<number>;
  /** Qdrant's SearchRequest; returns the scored points. */
  search(collection: string, body: Record<string, unknown>): Promise<unknown[]>;
  close(): Promise<void>;
}
