/**
 * Splits one engine operation into the per-shard operations that together have its effect:
 * point lists go to the shard owning each point; filters, and payload index changes, go to
 * every shard (each applies the filter to its own points).
 */
import type { Operation, PointSelector } from '../engine/operations.js';
import type { PointId } from '../core/types.js';
import { shardOfPoint } from './hashing.js';

function groupIds(ids: readonly PointId[], shardNumber: number): Map<number, PointId[]> {
  const out = new Map<number, PointId[]>();
  for (const id of ids) {
    const shard = shardOfPoint(id, shardNumber);
    const list = out.get(shard);
    if (list === undefined) out.set(shard, [id]);
    else list.push(id);
  }
  return out;
}

function groupItems<T extends { id: PointId }>(items: readonly T[], shardNumber: number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOfPoint(item.id, shardNumber);
    const list = out.get(shard);
    if (list === undefined) out.set(shard, [item]);
    else list.push(item);
  }
  return out;
}

function everyShard(op: Operation, shardNumber: number): Map<number, Operation> {
  return new Map(Array.from({ length: shardNumber }, (_, shard) => [shard, op] as const));
}

/** Per-shard selector operations; `make` builds the operation for a shard's selector. */
function bySelector(selector: PointSelector, shardNumber: number, make: (selector: PointSelector) => Operation): Map<number, Operation> {
  if ('filter' in selector) return everyShard(make(selector), shardNumber);
  const out = new Map<number, Operation>();
  for (const [shard, points] of groupIds(selector.points, shardNumber)) out.set(shard, make({ points }));
  return out;
}

/** The operations each shard must apply, keyed by shard (shards with nothing to do are absent). */
export function splitOperation(op: Operation, shardNumber: number): Map<number, Operation> {
  switch (op.type) {
    case 'upsert': {
      const out = new Map<number, Operation>();
      for (const [shard, points] of groupItems(op.points, shardNumber)) out.set(shard, { type: 'upsert', points });
      return out;
    }
    case 'update_vectors': {
      const out = new Map<number, Operation>();
      for (const [shard, points] of groupItems(op.points, shardNumber)) out.set(shard, { type: 'update_vectors', points });
      return out;
    }
    case 'delete': return bySelector(op.selector, shardNumber, (selector) => ({ ...op, selector }));
    case 'set_payload': return bySelector(op.selector, shardNumber, (selector) => ({ ...op, selector }));
    case 'overwrite_payload': return bySelector(op.selector, shardNumber, (selector) => ({ ...op, selector }));
    case 'delete_payload': return bySelector(op.selector, shardNumber, (selector) => ({ ...op, selector }));
    case 'clear_payload': return bySelector(op.selector, shardNumber, (selector) => ({ ...op, selector }));
    case 'delete_vectors': return bySelector(op.selector, shardNumber, (selector) => ({ ...op, selector }));
    case 'create_payload_index':
    case 'delete_payload_index':
      return everyShard(op, shardNumber);
  }
}

/** Halves an upsert (or vector update) until each part encodes within `maxBytes`; other operations are returned as they are. */
export function chunkForSize(op: Operation, maxBytes: number, size: (op: Operation) => number): Operation[] {
  if (size(op) <= maxBytes) return [op];
  if ((op.type === 'upsert' || op.type === 'update_vectors') && op.points.length > 1) {
    const half = Math.ceil(op.points.length / 2);
    const first = { ...op, points: op.points.slice(0, half) } as Operation;
    const second = { ...op, points: op.points.slice(half) } as Operation;
    return [...chunkForSize(first, maxBytes, size), ...chunkForSize(second, maxBytes, size)];
  }
  return [op];
}
