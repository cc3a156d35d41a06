/**
 * What the metadata bucket says about a collection, and the names derived from it. A
 * collection has a random uid so a deleted and re-created name never meets its predecessor's
 * streams or local files:
 *
 *   stream   RV_<uid>_<shard>            the shard's op log (JetStream; R = stream replicas)
 *   subject  rv.log.<uid>.<shard>        what writers publish to
 *   rpc      rv.rpc.<uid>.<shard>        reads, queue group "replicas" (any replica answers)
 *            rv.rpc.<uid>.<shard>.<node> the same, answered by that node only (retries)
 *   local    c-<uid>-s<shard>            the engine collection holding this node's replica
 *   snapshot <uid>.<shard>               latest shard snapshot in the object store
 */
import { randomBytes } from 'node:crypto';

export interface CollectionMeta {
  name: string;
  uid: string;
  shardNumber: number;
  replicationFactor: number;
  /** JetStream replicas of each shard stream. */
  streamReplicas: number;
  /** The create body without the sharding fields: what each local replica is created with. */
  body: Record<string, unknown>;
  /**
   * PATCH /collections/{name} bodies, in the order accepted; every replica applies them on top
   * of `body` (each sets absolute values, so re-applying the list converges). At most MAX_UPDATES.
   */
  updates?: Record<string, unknown>[];
  createdAt: string;
}

/** Most PATCH bodies a collection keeps (each is small; past this, re-create and switch an alias). */
export const MAX_COLLECTION_UPDATES = 1000;

export function newCollectionUid(): string {
  return randomBytes(6).toString('hex');
}

export function streamName(uid: string, shard: number): string {
  return `RV_${uid}_${shard}`;
}

export function logSubject(uid: string, shard: number): string {
  return `rv.log.${uid}.${shard}`;
}

export function rpcSubject(uid: string, shard: number, node?: string): string {
  return node === undefined ? `rv.rpc.${uid}.${shard}` : `rv.rpc.${uid}.${shard}.${node}`;
}

export function localCollectionName(uid: string, shard: number): string {
  return `c-${uid}-s${shard}`;
}

/** Parses a local engine collection name back to (uid, shard); undefined for other names. */
export function parseLocalCollectionName(name: string): { uid: string; shard: number } | undefined {
  const match = /^c-([0-9a-f]+)-s(\d+)$/.exec(name);
  return match === null ? undefined : { uid: match[1], shard: Number(match[2]) };
}

export function snapshotObjectName(uid: string, shard: number): string {
  return `${uid}.${shard}`;
}

/** Read-your-writes token: the highest acknowledged sequence per shard, e.g. "0:12,1:40". */
export function formatToken(seqs: ReadonlyMap<number, number>): string {
  return [...seqs.entries()].sort((a, b) => a[0] - b[0]).map(([shard, seq]) => `${shard}:${seq}`).join(',');
}

/** Parses a token; undefined for a malformed one (the caller names the header in its error). */
export function parseToken(text: string): Map<number, number> | undefined {
  const out = new Map<number, number>();
  if (text.trim() === '') return out;
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,4}):(\d{1,15})\s*$/.exec(part);
    if (match === null) return undefined;
    out.set(Number(match[1]), Math.max(out.get(Number(match[1])) ?? 0, Number(match[2])));
  }
  return out;
}
