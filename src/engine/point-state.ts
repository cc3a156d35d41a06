/**
 * The in-memory state of a shard's points, outside the vector index: id maps, payloads,
 * versions, and the allocation of internal ids. A `StateOverlay` stacks a write batch's
 * pending changes on top of it, so a group commit can plan several operations against
 * "the state as it will be" without touching memory until the batch has committed.
 */
import type { Payload, PointId } from '../core/types.js';
import { comparePointIds, pointKey } from './point-id.js';

export interface PointView {
  readonly has: (key: string) => boolean;
  idOf(key: string): number | undefined;
  pointIdOf(internalId: number): PointId | undefined;
  payloadOf(internalId: number): Payload | null;
  hasVector(internalId: number): boolean;
  vectorOf(internalId: number): Float32Array | undefined;
  /** Live internal ids, in no particular order. */
  liveIds(): Iterable<number>;
}

export class PointState {
  readonly keyToId = new Map<string, number>();
  readonly pointIds: (PointId | undefined)[] = [];
  readonly payloads: (Payload | null)[] = [];
  readonly versions: number[] = [];
  /** Ids freed by deletes, reused before new ones (last freed first). */
  readonly freeIds: number[] = [];
  nextId = 0;
  private sortedCache: number[] | undefined;

  get count(): number {
    return this.keyToId.size;
  }

  set(internalId: number, id: PointId, payload: Payload | null, version: number): void {
    const key = pointKey(id);
    if (!this.keyToId.has(key)) this.sortedCache = undefined;
    this.keyToId.set(key, internalId);
    this.pointIds[internalId] = id;
    this.payloads[internalId] = payload;
    this.versions[internalId] = version;
    if (internalId >= this.nextId) this.nextId = internalId + 1;
  }

  remove(internalId: number): void {
    const id = this.pointIds[internalId];
    if (id === undefined) return;
    this.keyToId.delete(pointKey(id));
    this.pointIds[internalId] = undefined;
    this.payloads[internalId] = null;
    this.freeIds.push(internalId);
    this.sortedCache = undefined;
  }

  /** After loading: every id below nextId that holds no point is free. */
  rebuildFreeList(): void {
    this.freeIds.length = 0;
    for (let id = this.nextId - 1; id >= 0; id--) if (this.pointIds[id] === undefined) this.freeIds.push(id);
  }

  /** Live internal ids ordered by point id (Qdrant's scroll order); cached until the id set changes. */
  sortedIds(): number[] {
    if (this.sortedCache === undefined) {
      const ids = [...this.keyToId.values()];
      ids.sort((a, b) => comparePointIds(this.pointIds[a] as PointId, this.pointIds[b] as PointId));
      this.sortedCache = ids;
    }
    return this.sortedCache;
  }
}

/** A write batch's view: the committed state plus the batch's own pending changes. */
export class StateOverlay implements PointView {
  private readonly keys = new Map<string, number | null>();
  private readonly pointIds = new Map<number, PointId | undefined>();
  private readonly payloads = new Map<number, Payload | null>();
  private readonly vectors = new Map<number, Float32Array | null>();
  private freeTaken = 0;
  private nextId: number;

  constructor(
    private readonly base: PointState,
    private readonly baseVector: (id: number) => Float32Array | undefined,
  ) {
    this.nextId = base.nextId;
  }

  has(key: string): boolean {
    return this.idOf(key) !== undefined;
  }

  idOf(key: string): number | undefined {
    if (this.keys.has(key)) return this.keys.get(key) ?? undefined;
    return this.base.keyToId.get(key);
  }

  pointIdOf(internalId: number): PointId | undefined {
    return this.pointIds.has(internalId) ? this.pointIds.get(internalId) : this.base.pointIds[internalId];
  }

  payloadOf(internalId: number): Payload | null {
    return this.payloads.has(internalId) ? (this.payloads.get(internalId) ?? null) : (this.base.payloads[internalId] ?? null);
  }

  vectorOf(internalId: number): Float32Array | undefined {
    if (this.vectors.has(internalId)) return this.vectors.get(internalId) ?? undefined;
    return this.baseVector(internalId);
  }

  hasVector(internalId: number): boolean {
    return this.vectorOf(internalId) !== undefined;
  }

  *liveIds(): Iterable<number> {
    for (const [key, id] of this.base.keyToId) if (!this.keys.has(key)) yield id;
    for (const id of this.keys.values()) if (id !== null) yield id;
  }

  /** An internal id for a new point: a freed one first, then the next unused. Deterministic. */
  allocate(): number {
    const free = this.base.freeIds;
    if (this.freeTaken < free.length) return free[free.length - 1 - this.freeTaken++];
    return this.nextId++;
  }

  /** How many freed ids the batch consumed (to drop them from the base after commit). */
  get freeIdsTaken(): number {
    return this.freeTaken;
  }

  put(internalId: number, id: PointId, payload: Payload | null, vector: Float32Array | null | undefined): void {
    this.keys.set(pointKey(id), internalId);
    this.pointIds.set(internalId, id);
    this.payloads.set(internalId, payload);
    if (vector !== undefined) this.vectors.set(internalId, vector);
  }

  remove(internalId: number): void {
    const id = this.pointIdOf(internalId);
    if (id !== undefined) this.keys.set(pointKey(id), null);
    this.pointIds.set(internalId, undefined);
    this.payloads.set(internalId, null);
    this.vectors.set(internalId, null);
  }
}
