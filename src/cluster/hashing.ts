/**
 * Placement by rendezvous (highest-random-weight) hashing: point id → shard, and shard →
 * the nodes that host its replicas. Rendezvous hashing is a consistent hash: adding or
 * removing one candidate moves only the keys that candidate wins or held. Hand-written: a
 * dozen lines over FNV-1a with a murmur3 finaliser; no library offers this in a tested form
 * without pulling a native dependency, and every node must compute it identically.
 */
import type { PointId } from '../core/types.js';

/** FNV-1a (32 bit) over a string's UTF-16 code units, then murmur3's fmix32 to spread the bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key a point id hashes as: numbers and UUIDs never collide ("n1" vs a UUID string). */
function pointHashKey(id: PointId): string {
  return typeof id === 'number' ? `n${id}` : `u${id.toLowerCase()}`;
}

/** The shard (0 … shardNumber-1) that owns a point: the shard with the highest weight for it. */
export function shardOfPoint(id: PointId, shardNumber: number): number {
  if (shardNumber <= 1) return 0;
  const key = pointHashKey(id);
  let best = 0;
  let bestWeight = -1;
  for (let shard = 0; shard < shardNumber; shard++) {
    const weight = hash32(`${key}/${shard}`);
    if (weight > bestWeight) {
      bestWeight = weight;
      best = shard;
    }
  }
  return best;
}

/** Candidates ordered by their weight for `key`, highest first (the first `n` host the replicas). */
export function rankByRendezvous(key: string, candidates: readonly string[]): string[] {
  return candidates
    .map((candidate) => ({ candidate, weight: hash32(`${key}@${candidate}`) }))
    .sort((a, b) => b.weight - a.weight || (a.candidate < b.candidate ? -1 : 1))
    .map((entry) => entry.candidate);
}
